export { graphFromDot, layeredLayout, stateGraphSvg } from './graph.ts';
export { junitXml } from './junit.ts';
export { renderReport } from './page.ts';
export { inferLanes, sequenceDiagram } from './sequence.ts';
export { plainValue } from './values.ts';
export { type ReportFiles, writeReport } from './write.ts';
