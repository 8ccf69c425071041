// `pinlab bench`: run the packages' bench scripts, print their figures, save them for the report.

import { writeFileAtomic } from '@pinlab/tla';
import { intOption, JSON_OPTION, listOption } from '../args.ts';
import { benchPackages, runBenchPackage } from '../bench/run.ts';
import { CliError, type Command, EXIT } from '../command.ts';
import { formatNumber, toJson } from '../format.ts';
import { benchResultsPath, repoRoot } from '../paths.ts';
import { createProgress } from '../progress.ts';
import type { BenchResults } from '../results.ts';
import { renderTable } from '../table.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: "Run the packages' benchmarks and save their figures for the report",
  usage: '[package...]',
  description: `Runs \`npm run bench\` in every workspace package that has a bench script, one after the
other, and collects the figures each prints (lines \`<name>: <number> <unit>\` or JSON lines
\`{"bench": name, "value": n, "unit": u}\`). Figures are saved to .pinlab/results/bench.json,
which \`pinlab report\` and \`pinlab verify\` show. Speed is never asserted: ratios are printed
by the benches themselves from one run.

Examples:
  pinlab bench
  pinlab bench @pinlab/reference --json`,
  options: {
    json: JSON_OPTION,
    timeout: {
      type: 'string',
      valueName: 'seconds',
      default: '600',
      description: "Give up on a package's bench after this long",
    },
    packages: {
      type: 'string',
      multiple: true,
      valueName: 'names',
      description: 'Only these packages (comma-separated); same as positionals',
    },
  },
  async run({ positionals, options }, io) {
    const root = repoRoot(io.cwd);
    const all = benchPackages(root);
    const wanted = [...positionals, ...listOption(options.packages)];
    const unknown = wanted.filter(
      (w) => !all.some((p) => p.name === w || p.name === `@pinlab/${w}`),
    );
    if (unknown.length) {
      throw new CliError(
        `no bench script in package ${unknown.join(', ')}; packages with one: ${all.map((p) => p.name).join(', ') || 'none'}`,
        EXIT.usage,
      );
    }
    const chosen = wanted.length
      ? all.filter((p) => wanted.some((w) => p.name === w || p.name === `@pinlab/${w}`))
      : all;
    if (!chosen.length) throw new CliError('no package has a bench script', EXIT.missing);
    const timeoutMs = (intOption(options.timeout, 'timeout') ?? 600) * 1000;
    const progress = createProgress(io, 'bench', chosen.length);
    const results: BenchResults = {
      generatedAt: io.env.PINLAB_NOW ?? new Date().toISOString(),
      packages: [],
    };
    for (const pkg of chosen) {
      progress.update(results.packages.length, pkg.name);
      results.packages.push(runBenchPackage(pkg, timeoutMs));
    }
    progress.done();
    writeFileAtomic(benchResultsPath(root), toJson(results));
    if (options.json) io.stdout(toJson(results));
    else {
      const rows = results.packages.flatMap((p) =>
        p.figures.length
          ? p.figures.map((f) => [p.package, f.name, formatNumber(f.value), f.unit])
          : [[p.package, '(none)', '-', '']],
      );
      io.stdout(renderTable(['package', 'figure', 'value', 'unit'], rows));
      io.stderr(`figures saved to ${benchResultsPath(root)}\n`);
    }
    const failed = results.packages.filter((p) => p.error);
    for (const p of failed) io.stderr(`pinlab: bench of ${p.package} failed: ${p.error}\n`);
    return failed.length ? EXIT.failed : EXIT.ok;
  },
};
