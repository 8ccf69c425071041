// `pinlab report`: render the report folder from the last saved results, without re-running.
import { resolve } from 'node:path';
import { JSON_OPTION, stringOption } from '../args.ts';
import { kernelColumnsFromFile, kernelRunsFromFile } from '../collect/kernels.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../command.ts';
import { toJson } from '../format.ts';
import {
  benchResultsPath,
  defaultReportDir,
  kernelsResultsPath,
  repoRoot,
  verifyResultsPath,
} from '../paths.ts';
import { writeReport } from '../report/write.ts';
import { isFailure } from '../results.ts';
import { loadBenchResults, loadVerifyResults } from '../results-io.ts';

export const reportCommand: Command = {
  name: 'report',
  summary: 'Write the HTML report and JUnit XML from the last verify results',
  description: `Renders pinlab-report/ (index.html, junit.xml, results.json) from
.pinlab/results/verify.json, refreshed with the latest bench figures (.pinlab/results/bench.json)
and kernel runs (.pinlab/results/kernels.json). The report is one folder that opens from disk
with no network. The folder is replaced whole, never left half written.

Exit code 1 when the results it renders contain a failure (like verify), 3 when there are no
results yet.

Examples:
  pinlab report
  pinlab report --results ci-results/verify.json --out /tmp/report`,
  options: {
    out: {
      type: 'string',
      short: 'o',
      valueName: 'dir',
      description: 'Report folder (default: pinlab-report/ at the repository root)',
    },
    results: {
      type: 'string',
      valueName: 'file',
      description: 'Results to render (default: .pinlab/results/verify.json)',
    },
    json: JSON_OPTION,
  },
  async run({ options }, io) {
    const root = repoRoot(io.cwd);
    const resultsPath = resolve(
      io.cwd,
      stringOption(options.results, 'results') ?? verifyResultsPath(root),
    );
    const results = loadVerifyResults(resultsPath);
    const bench = loadBenchResults(benchResultsPath(root));
    if (bench) {
      results.bench = bench;
      results.skipped = results.skipped.filter((x) => x.what !== 'benchmark figures');
    }
    const kernels = kernelColumnsFromFile(kernelsResultsPath(root), { withModel: true });
    if (kernels?.length) {
      const names = new Set(kernels.map((k) => k.name));
      results.kernels = [...kernels, ...results.kernels.filter((k) => !names.has(k.name))];
      // Scenario rows of kernels run since verify (pinlab kernel run), unless verify ran them.
      const runs = kernelRunsFromFile(kernelsResultsPath(root)).filter(
        (r) => !results.scenarios.some((s) => s.target === r.target),
      );
      results.scenarios.push(...runs);
    }
    const out = resolve(io.cwd, stringOption(options.out, 'out') ?? defaultReportDir(root));
    const files = writeReport(results, out);
    if (options.json) io.stdout(toJson(files));
    else io.stdout(`report: ${files.html}\njunit:  ${files.junit}\n`);
    return isFailure(results) ? EXIT.failed : EXIT.ok;
  },
};
