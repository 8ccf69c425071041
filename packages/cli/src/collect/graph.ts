// State graphs for the report and transition coverage. The graph comes from @pinlab/tla
// (configGraph: one check run with DOT export, states as ITF values); this maps it to the
// report's StateGraph, marks the transitions the generated scenarios take (by matching each
// scenario action with the `action` record of the successor state), and marks a counterexample's
// path so the picture shows where the violation lies.
import type { SuiteData } from '@pinlab/testgen';
import { type StateGraph as ModelGraph, stateKey } from '@pinlab/tla';
import { showValue } from '../report/html.ts';
import { plainValue } from '../report/values.ts';
import type { Counterexample, StateGraph } from '../results.ts';

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export interface ReportGraph {
  graph: StateGraph;
  model: ModelGraph;
  /** Edge lookup: `${from}>${to}` -> report edge. */
  edges: Map<string, StateGraph['edges'][number]>;
  /** Canonical action record of each state (what the step into it was). */
  actionOf: string[];
}

export function toReportGraph(model: ModelGraph): ReportGraph {
  const nodes: StateGraph['nodes'] = model.states.map((s, i) => ({
    id: `s${i}`,
    label: Object.entries(s.values)
      .filter(([k]) => k !== 'action')
      .map(([k, v]) => `${k} = ${showValue(plainValue(v))}`)
      .join('\n'),
    ...(model.initial.includes(i) ? { init: true } : {}),
  }));
  const edges = new Map<string, StateGraph['edges'][number]>();
  const list: StateGraph['edges'] = [];
  for (const out of model.out) {
    for (const e of out) {
      const edge = { from: `s${e.from}`, to: `s${e.to}`, action: e.action };
      edges.set(`${e.from}>${e.to}`, edge);
      list.push(edge);
    }
  }
  const actionOf = model.states.map((s) => canonical(plainValue(s.values.action)));
  return { graph: { nodes, edges: list }, model, edges, actionOf };
}

/** Marks the edges the suite's scenarios take; returns how many steps matched no edge. */
export function markCovered(g: ReportGraph, suites: readonly SuiteData[]): number {
  let foreign = 0;
  for (const suite of suites) {
    for (const scenario of suite.scenarios) {
      const [init, ...steps] = scenario.actions;
      if (!init) continue;
      let at = g.model.initial.find((i) => g.actionOf[i] === canonical(init)) ?? g.model.initial[0];
      for (const action of steps) {
        if (at === undefined) break;
        const want = canonical(action);
        const edge = g.model.out[at]?.find((e) => g.actionOf[e.to] === want);
        if (!edge) {
          foreign++;
          break;
        }
        const mark = g.edges.get(`${edge.from}>${edge.to}`);
        if (mark) mark.covered = true;
        at = edge.to;
      }
    }
  }
  return foreign;
}

/** Marks the nodes of a counterexample: its last state as violating. */
export function markCounterexample(
  g: ReportGraph,
  cx: { states: Record<string, unknown>[] },
): void {
  const index = new Map(g.model.states.map((s, i) => [s.key, i]));
  const last = cx.states[cx.states.length - 1];
  if (!last) return;
  const i = index.get(stateKey(g.model.vars, last));
  const node = i === undefined ? undefined : g.graph.nodes[i];
  if (node) node.violating = true;
}

export type { Counterexample };
