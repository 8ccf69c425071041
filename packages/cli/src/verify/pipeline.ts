// `pinlab verify`, step by step: model-check every config, check generated-tests/ is what the
// generator produces now, run the generated suites on the reference under every profile (and on
// the kernels when asked or available), measure coverage, then write the report. Every step
// either contributes results, records an error (verify fails), or records a skip with its reason.
// The steps are injectable so the pipeline's own logic is tested without the whole project.
import type { CommandIO } from '../command.ts';
import { CliError, EXIT } from '../command.ts';
import { formatDuration } from '../format.ts';
import { createProgress } from '../progress.ts';
import {
  type ConfigResult,
  type CoverageResults,
  describeResult,
  type GeneratedCheck,
  type KernelColumn,
  type ScenarioRun,
  type Skip,
  type VerifyResults,
} from '../results.ts';

export const STEPS = ['check', 'gen', 'run', 'coverage', 'branches', 'kernels'] as const;
export type StepName = (typeof STEPS)[number];

export interface VerifyOptions {
  root: string;
  engine: 'embedded' | 'tlc';
  /** Spec or config names; empty = all. */
  only: string[];
  /** Kernels to run: explicit names (missing ones are an error) or `auto` (run what is there). */
  kernels: string[] | 'auto';
  skip: ReadonlySet<StepName>;
}

/** Kernel availability: explicit requests fail with `missing` when this says no. */
export type KernelAvailability = { ok: true } | { ok: false; why: string; fix: string };

export interface VerifySteps {
  check(
    opts: VerifyOptions,
    onStart: (config: string, i: number, n: number) => void,
    onResult?: (result: ConfigResult) => void,
  ): Promise<ConfigResult[]>;
  /** Undefined when the generator is not available (recorded as a skip). */
  genCheck(opts: VerifyOptions, io: CommandIO): Promise<GeneratedCheck | { skipped: string }>;
  runReference(
    opts: VerifyOptions,
    onSuite: (done: number, total: number, note: string) => void,
  ): Promise<ScenarioRun[]>;
  /** Action and transition coverage, state graphs of small configs (added to `checks`). */
  modelCoverage(
    opts: VerifyOptions,
    checks: ConfigResult[],
  ): Promise<Pick<CoverageResults, 'actions' | 'transitions'>>;
  referenceBranches(
    opts: VerifyOptions,
  ): Promise<{ coverage: CoverageResults['referenceBranches']; failure?: string }>;
  /** Names of the kernels the project knows (for `auto`). */
  knownKernels(): string[];
  kernelAvailable(name: string, io: CommandIO): KernelAvailability;
  /** Boots the kernels (together), runs the experiments and suites; columns include the model's. */
  runKernels(
    names: string[],
    opts: VerifyOptions,
    io: CommandIO,
  ): Promise<{
    runs: ScenarioRun[];
    columns: KernelColumn[];
    errors: { step: string; message: string }[];
  }>;
  loadBench(opts: VerifyOptions): VerifyResults['bench'];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs the pipeline. Bad input (unknown spec, a requested kernel that is missing) throws a
 * CliError before any work; failures inside a step are recorded and the rest still runs, so one
 * report shows everything that is wrong.
 */
export async function runVerify(
  opts: VerifyOptions,
  io: CommandIO,
  steps: VerifySteps,
  meta: { version: string; now: string },
): Promise<VerifyResults> {
  const results: VerifyResults = {
    schema: 1,
    pinlabVersion: meta.version,
    generatedAt: meta.now,
    engine: opts.engine,
    checks: [],
    scenarios: [],
    kernels: [],
    skipped: [],
    errors: [],
  };
  const skip = (what: string, why: string) => {
    results.skipped.push({ what, why } satisfies Skip);
    io.stderr(`verify: skipped ${what}: ${why}\n`);
  };
  const note = (text: string) => io.stderr(`verify: ${text}\n`);

  // Kernels first: an explicit request for a missing kernel is bad input, refused up front.
  let kernels: string[] = [];
  if (opts.skip.has('kernels')) skip('kernels', '--skip kernels');
  else if (opts.kernels === 'auto') {
    for (const k of steps.knownKernels()) {
      const a = steps.kernelAvailable(k, io);
      if (a.ok) kernels.push(k);
      else skip(`kernel ${k}`, `${a.why} (${a.fix}; or ask for it with --kernels ${k})`);
    }
  } else if (opts.kernels.length === 0) {
    skip('kernels', '--kernels none');
  } else {
    for (const k of opts.kernels) {
      const a = steps.kernelAvailable(k, io);
      if (!a.ok) throw new CliError(`kernel ${k} requested but ${a.why}: ${a.fix}`, EXIT.missing);
    }
    kernels = opts.kernels;
  }

  if (opts.skip.has('check')) skip('model checking', '--skip check');
  else {
    const progress = createProgress(io, `check (${opts.engine})`);
    // One line per config as it completes (a long check is not silent in CI logs).
    const noteResult = (c: ConfigResult) => {
      if (io.isTTY) progress.done();
      const actual = describeResult(c.actual);
      const expected = describeResult(c.expect);
      const why = c.passed
        ? ''
        : ` FAILED: ${c.message ?? `expected ${expected}`}${actual === expected || c.message?.includes(expected) ? '' : ` (expected ${expected})`}`;
      note(
        `check ${c.config}: ${actual}${why} [${c.distinct ?? '-'} states, ${formatDuration(c.timeMs)}]`,
      );
    };
    results.checks = await steps.check(
      opts,
      (config, i, n) => {
        progress.setTotal(n);
        progress.update(i, config);
      },
      noteResult,
    );
    if (!io.isTTY) progress.done();
    const bad = results.checks.filter((c) => !c.passed).length;
    note(
      `model checks: ${results.checks.length - bad}/${results.checks.length} as the manifest says`,
    );
  }

  if (opts.skip.has('gen')) skip('generated-tests comparison', '--skip gen');
  else {
    try {
      const gen = await steps.genCheck(opts, io);
      if ('skipped' in gen) skip('generated-tests comparison', gen.skipped);
      else {
        results.generated = gen;
        note(
          gen.upToDate
            ? `generated-tests/: up to date (${gen.files} files)`
            : `generated-tests/: ${gen.differences.length} files differ from a fresh 'pinlab gen'`,
        );
      }
    } catch (err) {
      if (err instanceof CliError && err.code === EXIT.usage) throw err;
      results.errors.push({ step: 'gen --check', message: message(err) });
    }
  }

  if (opts.skip.has('run')) skip('scenario runs on the reference', '--skip run');
  else {
    const progress = createProgress(io, 'run (reference)');
    try {
      results.scenarios = await steps.runReference(opts, (done, total, what) => {
        progress.setTotal(total);
        progress.update(done, what);
      });
      const run = results.scenarios.reduce((s, r) => s + r.run, 0);
      const failed = results.scenarios.reduce((s, r) => s + r.failed, 0);
      const na = results.scenarios.reduce((s, r) => s + r.notApplicable, 0);
      if (run + na === 0)
        skip(
          'scenario runs on the reference',
          'no generated suites in generated-tests/ (run pinlab gen)',
        );
      else note(`reference: ${run - failed}/${run} scenario runs passed, ${na} not applicable`);
    } catch (err) {
      results.errors.push({ step: 'run on reference', message: message(err) });
    }
    progress.done();
  }

  const coverage: CoverageResults = { actions: [], transitions: [], referenceBranches: [] };
  if (opts.skip.has('coverage')) skip('model coverage and state graphs', '--skip coverage');
  else {
    try {
      Object.assign(coverage, await steps.modelCoverage(opts, results.checks));
    } catch (err) {
      results.errors.push({ step: 'model coverage', message: message(err) });
    }
  }
  if (opts.skip.has('branches')) skip('reference branch coverage', '--skip branches');
  else {
    try {
      const b = await steps.referenceBranches(opts);
      coverage.referenceBranches = b.coverage;
      if (b.failure)
        results.errors.push({ step: 'generated suites under vitest', message: b.failure });
    } catch (err) {
      results.errors.push({ step: 'reference branch coverage', message: message(err) });
    }
  }
  results.coverage = coverage;

  if (kernels.length) {
    try {
      note(
        `kernels ${kernels.join(', ')}: booting in QEMU, running the experiments and the generated suites`,
      );
      const k = await steps.runKernels(kernels, opts, io);
      results.scenarios.push(...k.runs);
      results.kernels.push(...k.columns);
      results.errors.push(...k.errors);
    } catch (err) {
      if (err instanceof CliError && err.code === EXIT.missing) throw err;
      results.errors.push({ step: `kernels ${kernels.join(', ')}`, message: message(err) });
    }
  }

  const bench = steps.loadBench(opts);
  if (bench) results.bench = bench;
  else skip('benchmark figures', 'none saved yet (run pinlab bench)');
  return results;
}
