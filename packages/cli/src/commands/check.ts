// `pinlab check`: check every spec config with an engine and compare with specs/manifest.json.
// Thin: the work is @pinlab/tla's checkSpecs.
import { relative } from 'node:path';
import {
  type ConfigCheck,
  checkSpecs,
  describeExpect,
  describeOutcome,
  formatStepTable,
  ProjectError,
} from '@pinlab/tla';
import { intOption, JSON_OPTION, stringOption } from '../args.ts';
import { CliError, type Command, EXIT, type ExitCode } from '../command.ts';
import { formatCount, formatDuration, toJson } from '../format.ts';
import { repoRoot } from '../paths.ts';
import { createProgress } from '../progress.ts';
import { renderTable } from '../table.ts';

/** The exit code for a set of checks: errors of the tool/input kind beat plain mismatches. */
export function checkExitCode(checks: ConfigCheck[]): ExitCode {
  const kinds = checks.map((c) => c.result.error?.kind).filter((k) => k !== undefined);
  if (kinds.includes('missing-tool')) return EXIT.missing;
  if (kinds.includes('engine-crash')) return EXIT.internal;
  if (kinds.some((k) => k === 'syntax' || k === 'unknown-constant' || k === 'config'))
    return EXIT.usage;
  return checks.every((c) => c.passed) ? EXIT.ok : EXIT.failed;
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'Model-check every spec config and compare with specs/manifest.json',
  usage: '[spec-or-config...]',
  description: `Checks each config of specs/ (or only the named specs or configs) with the embedded
engine (tla-checker, always available) or TLC, and compares the result with specs/manifest.json:
the fixed design must hold (distinct states and depth as recorded), each variant must break the
invariant it names, with a shortest counterexample of the recorded depth. Counterexamples are
printed as step tables and saved as ITF in .pinlab/counterexamples/<config>.<engine>.itf.json.

Exit codes: 0 all match, 1 a result departs from the manifest, 2 a syntax error, unknown
constant or bad config, 3 the engine is missing (TLC without a jar), 4 the engine crashed.

Examples:
  pinlab check
  pinlab check ForkRace PinUnpin_kvec_offset0
  pinlab check --engine tlc --json`,
  options: {
    engine: {
      type: 'string',
      default: 'embedded',
      valueName: 'embedded|tlc',
      description: 'Model checker to use',
    },
    json: JSON_OPTION,
    ci: { type: 'boolean', description: 'Only configs the manifest marks "ci"' },
    'max-states': {
      type: 'string',
      valueName: 'n',
      description: 'Give up after this many distinct states (embedded)',
    },
    timeout: {
      type: 'string',
      valueName: 'seconds',
      description: 'Give up on a config after this long (default 300)',
    },
    'no-save': { type: 'boolean', description: 'Do not save counterexamples' },
    jobs: {
      type: 'string',
      valueName: 'n',
      description: 'Configs checked at once by the embedded engine (default: min(2, CPUs))',
    },
  },
  async run({ positionals, options }, io) {
    const engine = stringOption(options.engine, 'engine') ?? 'embedded';
    if (engine !== 'embedded' && engine !== 'tlc')
      throw new CliError(`--engine must be embedded or tlc, got '${engine}'`, EXIT.usage);
    const root = repoRoot(io.cwd);
    const maxStates = intOption(options['max-states'], 'max-states');
    const timeout = intOption(options.timeout, 'timeout');
    const jobs = intOption(options.jobs, 'jobs');
    if (jobs === 0) throw new CliError('--jobs needs at least 1', EXIT.usage);
    const progress = createProgress(io, `check (${engine})`);
    let checks: ConfigCheck[];
    try {
      checks = await checkSpecs({
        root,
        only: positionals,
        engine,
        ciOnly: options.ci === true,
        ...(jobs !== undefined ? { concurrency: jobs } : {}),
        env: io.env,
        bounds: {
          ...(maxStates !== undefined ? { maxStates } : {}),
          ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
        },
        counterexampleDir: options['no-save'] === true ? null : undefined,
        onStart: (config, index, total) => {
          progress.setTotal(total);
          progress.update(index, config);
        },
      });
    } catch (error) {
      if (error instanceof ProjectError) throw new CliError(error.message, EXIT.usage);
      throw error;
    }
    progress.done();
    if (options.json === true) {
      io.stdout(toJson(checks));
      return checkExitCode(checks);
    }
    const rows = checks.map((c) => [
      c.config,
      describeExpect(c.expect),
      describeOutcome(c.result),
      c.result.outcome === 'error' ? null : c.result.distinct,
      c.result.outcome === 'error' ? null : c.result.depth,
      formatDuration(c.result.durationMs),
      c.passed ? 'pass' : 'FAIL',
    ]);
    io.stdout(renderTable(['config', 'expected', 'result', 'distinct', 'depth', 'time', ''], rows));
    for (const c of checks) {
      if (!c.passed) io.stdout(`\n${c.config}: ${c.message}\n`);
      if (c.result.counterexample) {
        io.stdout(`\n${c.config}: ${describeOutcome(c.result)} after ${c.result.depth} states`);
        io.stdout(
          c.counterexamplePath ? ` (saved to ${relative(io.cwd, c.counterexamplePath)})\n` : '\n',
        );
        io.stdout(formatStepTable(c.result.counterexample));
      }
    }
    const passed = checks.filter((c) => c.passed).length;
    io.stdout(
      `\n${passed}/${checks.length} configs match the manifest (${engine} engine, ${formatCount(checks.reduce((n, c) => n + c.result.distinct, 0))} states)\n`,
    );
    return checkExitCode(checks);
  },
};
