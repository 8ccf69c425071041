// npm run bench -w @pinlab/testgen: figures for issue 4's performance goals, from one run.
//   generation: scenarios per minute with expectations for every profile, as `pinlab gen` builds
//     them (walks, tours, frozen), for BENCH_SPECS (default ForkRace: 4 configs):
//     cold   = graph cache pointed at an empty folder (every state graph built by a check run),
//     cached = the same again with the graphs now on disk (what `pinlab gen --check` costs on
//              an unchanged tree);
//   replay: reference steps per second over every checked-in suite with an adapter, per spec
//     and overall, observations compared as the generated tests compare them.
// Prints `name: value unit` lines (collected by `pinlab bench`), each goal also as a ratio;
// never asserts on time. BENCH_SPECS=all benches the generation of every spec. BENCH_PARTS
// (default `gen,replay`) picks the parts: `BENCH_PARTS=replay` for the replay alone.
// The machine is shared: every rate is given per wall second and per CPU second of this process.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { adapterFor, allAdapters } from '../src/adapters/index.ts';
import { compareObservations } from '../src/compare.ts';
import { buildSuitesAsync } from '../src/pipeline.ts';
import { loadProfiles } from '../src/profiles.ts';
import { createReferenceTarget, runOnReference } from '../src/reference-target.ts';
import type { ScenarioPlan } from '../src/run-suite.ts';
import { findGeneratedSuites, loadSuite, planScenario } from '../src/run-suite.ts';

const GEN_GOAL = 10_000; // scenarios/min
const REPLAY_GOAL = 100_000; // steps/s

const root = resolve(import.meta.dirname, '../../..');
const profiles = loadProfiles(join(root, 'specs', 'profiles.json'));
const specsEnv = process.env.BENCH_SPECS ?? 'ForkRace';
const specs = specsEnv === 'all' ? undefined : specsEnv.split(',');

// As `pinlab gen` runs it: graphs missing from the cache built side by side in the engine's
// worker pool first (buildSuitesAsync). process.cpuUsage() counts every thread, workers included.
async function generation(label: string, cacheDir: string): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const suites = await buildSuitesAsync({ root, ...(specs ? { specs } : {}), cacheDir });
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const n = suites.reduce((a, x) => a + x.scenarios.length, 0);
  const perMin = (n / s) * 60;
  console.log(
    `testgen.gen_scenarios.${label}: ${n} scenarios in ${s.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU (${specsEnv})`,
  );
  console.log(`testgen.scenarios_per_min.${label}: ${Math.round(perMin)} scenarios/min`);
  console.log(
    `testgen.scenarios_per_min.${label}_over_goal: ${(perMin / GEN_GOAL).toFixed(2)} ratio`,
  );
  // The machine is shared: CPU time says what the generator costs whatever the load.
  console.log(
    `testgen.scenarios_per_cpu_min.${label}: ${Math.round((n / cpu) * 60)} scenarios/min`,
  );
}

const parts = new Set((process.env.BENCH_PARTS ?? 'gen,replay').split(','));
for (const part of parts) {
  if (part !== 'gen' && part !== 'replay') {
    console.error(`bench: unknown BENCH_PARTS entry ${JSON.stringify(part)} (gen, replay)`);
    process.exit(2);
  }
}

if (parts.has('gen')) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'pinlab-bench-cache-'));
  try {
    await generation('cold', cacheDir);
    await generation('cached', cacheDir);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
if (parts.has('replay')) replay();

function cpuMs(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
}

/**
 * CPU time of this (the replaying) thread alone, in ms, from /proc/thread-self/stat (utime +
 * stime in clock ticks of 10 ms; Linux only, undefined elsewhere). process.cpuUsage() adds the
 * garbage collector's helper threads and wall-clock time adds the wait for a core, so on a
 * shared machine this is the closest figure to single-thread wall-clock time on a quiet one.
 */
function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

// Replay: every scenario of the checked-in suites that has an adapter, every profile, on the
// reference, compared with the expectation (per spec too: specs differ a lot in cost per step).
// As the vitest files do (runGeneratedSuite plans every test at collection), a suite file's
// runs are all planned first, then run; the clocks are read around those runs and comparisons
// (loading and planning are in the _all_in figure only), not around each run: a getrusage call
// per run is a system call per ~16 steps. On the same code this reads 15-20% lower than timing
// each run with its planning in between (the planning's garbage is then collected outside the
// timed part); README.md has the figures. A run the reference throws on is counted
// (reference_replay_errors) with its steps left out, its time kept in (so an error can only
// lower the rates). BENCH_REPLAY_SPECS=A,B replays those specs only (for profiling one spec;
// the overall figures then cover those specs). BENCH_REPLAY_PASSES=n (default 1) replays the
// whole corpus n times in the one process and reports, per spec, the pass with the least
// replaying-thread CPU time (the least wall time without /proc): for comparing two trees on a
// shared machine, where a single pass moves by 10-20% with the load. The default single pass,
// JIT warm-up included, is the headline figure.
type SpecTimes = { steps: number; ms: number; cpuMs: number; threadMs: number | undefined };

function replay(): void {
  const target = createReferenceTarget(
    allAdapters,
    profiles.map((p) => p.name),
  );
  const only = process.env.BENCH_REPLAY_SPECS?.split(',');
  const passes = Number(process.env.BENCH_REPLAY_PASSES ?? '1');
  if (!Number.isInteger(passes) || passes < 1) {
    console.error(
      `bench: BENCH_REPLAY_PASSES must be a positive integer, got ${JSON.stringify(process.env.BENCH_REPLAY_PASSES)}`,
    );
    process.exit(2);
  }
  let errors = 0;
  let mismatched = 0;
  const replayCpu0 = process.cpuUsage();
  const best = new Map<string, SpecTimes>();
  const cost = (a: SpecTimes) => a.threadMs ?? a.ms;
  for (let pass = 0; pass < passes; pass++) {
    const r = replayPass(target, only);
    errors += r.errors;
    mismatched += r.mismatched;
    for (const [spec, a] of r.perSpec) {
      const b = best.get(spec);
      if (b === undefined || cost(a) < cost(b)) best.set(spec, a);
    }
  }
  report(best, replayCpu0, passes, mismatched, errors);
}

/** One replay of every suite of the corpus (see replay()): per-spec steps and times. */
function replayPass(
  target: ReturnType<typeof createReferenceTarget>,
  only: readonly string[] | undefined,
): { perSpec: Map<string, SpecTimes>; errors: number; mismatched: number } {
  const perSpec = new Map<string, SpecTimes>();
  let errors = 0;
  let mismatched = 0;
  for (const file of findGeneratedSuites(join(root, 'generated-tests'))) {
    const suite = loadSuite(file);
    const adapter = adapterFor(suite.spec);
    if (adapter === undefined || (only !== undefined && !only.includes(adapter.spec))) continue;
    const acc = perSpec.get(adapter.spec) ?? { steps: 0, ms: 0, cpuMs: 0, threadMs: 0 };
    perSpec.set(adapter.spec, acc);
    const runs: { plan: Extract<ScenarioPlan, { kind: 'run' }>; profile: string }[] = [];
    for (const s of suite.scenarios)
      for (const profile of suite.profiles) {
        const plan = planScenario(suite, s, profile, target);
        if (plan.kind === 'run') runs.push({ plan, profile });
      }
    const t = performance.now();
    const c = process.cpuUsage();
    const th = threadCpuMs();
    for (const { plan, profile } of runs) {
      try {
        // As the generated tests run it: with the model's expected observations, from which
        // the invariants the model breaks are read.
        const observed = runOnReference(
          adapter,
          plan.scenario,
          profile,
          plan.expected.observations,
        );
        if (
          compareObservations(plan.scenario, profile, plan.expected.observations, observed).length >
          0
        )
          mismatched++;
        acc.steps += observed.length;
      } catch {
        // A scenario the reference cannot run is the generated tests' business; not counted.
        errors++;
      }
    }
    acc.ms += performance.now() - t;
    acc.cpuMs += cpuMs(c);
    const th1 = threadCpuMs();
    acc.threadMs =
      acc.threadMs === undefined || th === undefined || th1 === undefined
        ? undefined
        : acc.threadMs + (th1 - th);
  }
  return { perSpec, errors, mismatched };
}

function report(
  perSpec: ReadonlyMap<string, SpecTimes>,
  replayCpu0: NodeJS.CpuUsage,
  passes: number,
  mismatched: number,
  errors: number,
): void {
  if (passes > 1)
    console.log(`testgen.reference_replay_passes: ${passes} (best pass per spec reported)`);
  let steps = 0;
  let ms = 0;
  let runCpuMs = 0;
  let threadMs: number | undefined = 0;
  for (const [spec, a] of [...perSpec].sort()) {
    steps += a.steps;
    ms += a.ms;
    runCpuMs += a.cpuMs;
    console.log(`testgen.reference_replay_steps.${spec}: ${a.steps} steps`);
    console.log(
      `testgen.reference_replay_steps_per_s.${spec}: ${Math.round(a.steps / (a.ms / 1000))} steps/s`,
    );
    console.log(
      `testgen.reference_replay_steps_per_cpu_s.${spec}: ${Math.round(a.steps / (a.cpuMs / 1000))} steps/s`,
    );
    threadMs =
      threadMs === undefined || a.threadMs === undefined ? undefined : threadMs + a.threadMs;
    if (a.threadMs !== undefined)
      console.log(
        `testgen.reference_replay_steps_per_thread_cpu_s.${spec}: ${Math.round(a.steps / (a.threadMs / 1000))} steps/s`,
      );
  }
  const replayCpu = cpuMs(replayCpu0);
  const rate = steps / (ms / 1000);
  console.log(`testgen.reference_replay_steps_per_s: ${Math.round(rate)} steps/s`);
  console.log(
    `testgen.reference_replay_steps_per_s_over_goal: ${(rate / REPLAY_GOAL).toFixed(2)} ratio`,
  );
  // CPU time of the same runs and comparisons as the wall figure: what it would read on an idle
  // machine, whatever the load.
  const cpuRate = steps / (runCpuMs / 1000);
  console.log(`testgen.reference_replay_steps_per_cpu_s: ${Math.round(cpuRate)} steps/s`);
  console.log(
    `testgen.reference_replay_steps_per_cpu_s_over_goal: ${(cpuRate / REPLAY_GOAL).toFixed(2)} ratio`,
  );
  // CPU time of the replaying thread alone over the same runs and comparisons (10 ms ticks):
  // the single-thread figure, what the wall-clock one reads on a quiet machine.
  if (threadMs !== undefined) {
    const threadRate = steps / (threadMs / 1000);
    console.log(
      `testgen.reference_replay_steps_per_thread_cpu_s: ${Math.round(threadRate)} steps/s`,
    );
    console.log(
      `testgen.reference_replay_steps_per_thread_cpu_s_over_goal: ${(threadRate / REPLAY_GOAL).toFixed(2)} ratio`,
    );
  }
  // CPU time of the whole replay loop, suite loading and planning included (per pass on
  // average when there are several).
  console.log(
    `testgen.reference_replay_steps_per_cpu_s_all_in: ${Math.round(steps / (replayCpu / passes / 1000))} steps/s`,
  );
  console.log(`testgen.reference_replay_steps: ${steps} steps`);
  console.log(`testgen.reference_replay_mismatched: ${mismatched} scenarios`);
  console.log(`testgen.reference_replay_errors: ${errors} scenarios`);
}
