// @pinlab/cli: the pinlab command. Exported for other packages' tests and tools.

export { intOption, JSON_OPTION, listOption, parseCommandArgs, stringOption } from './args.ts';
export { pinlabVersion, resolveCommand, runCli } from './cli.ts';
export * from './command.ts';
export * from './format.ts';
export { bufferIO, processIO } from './io.ts';
export { createProgress, type Progress } from './progress.ts';
export { type Cell, renderTable } from './table.ts';
