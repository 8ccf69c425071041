// npm run bench -w @pinlab/testgen: figures for issue 4's performance goals, from one run.
//   generation: scenarios per minute with expectations for every profile, as `pinlab gen` builds
//     them (walks, tours, frozen), for BENCH_SPECS (default ForkRace: 4 configs):
//     cold   = graph cache pointed at an empty folder (every state graph built by a check run),
//     cached = the same again with the graphs now on disk (what `pinlab gen --check` costs on
//              an unchanged tree);
//   replay: reference steps per second over every checked-in suite with an adapter, per spec
//     and overall, observations compared as the generated tests compare them.
// Prints `name: value unit` lines (collected by `pinlab bench`), each goal also as a ratio;
// never asserts on time. BENCH_SPECS=all benches the generation of every spec.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { adapterFor, allAdapters } from '../src/adapters/index.ts';
import { compareObservations } from '../src/compare.ts';
import { buildSuitesAsync } from '../src/pipeline.ts';
import { loadProfiles } from '../src/profiles.ts';
import { createReferenceTarget, runOnReference } from '../src/reference-target.ts';
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

const cacheDir = mkdtempSync(join(tmpdir(), 'pinlab-bench-cache-'));
try {
  await generation('cold', cacheDir);
  await generation('cached', cacheDir);
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}

// Replay: every scenario of the checked-in suites that has an adapter, every profile, on the
// reference, compared with the expectation (per spec too: specs differ a lot in cost per step).
const target = createReferenceTarget(
  allAdapters,
  profiles.map((p) => p.name),
);
const perSpec = new Map<string, { steps: number; ms: number }>();
let errors = 0;
let mismatched = 0;
const replayCpu0 = process.cpuUsage();
for (const file of findGeneratedSuites(join(root, 'generated-tests'))) {
  const suite = loadSuite(file);
  const adapter = adapterFor(suite.spec);
  if (adapter === undefined) continue;
  const acc = perSpec.get(adapter.spec) ?? { steps: 0, ms: 0 };
  perSpec.set(adapter.spec, acc);
  for (const s of suite.scenarios)
    for (const p of suite.profiles) {
      const plan = planScenario(suite, s, p, target);
      if (plan.kind !== 'run') continue;
      const t = performance.now();
      try {
        const observed = runOnReference(adapter, plan.scenario, p);
        if (compareObservations(plan.scenario, p, plan.expected.observations, observed).length > 0)
          mismatched++;
        acc.steps += observed.length;
      } catch {
        // A scenario the reference cannot run is the generated tests' business; not counted.
        errors++;
        continue;
      }
      acc.ms += performance.now() - t;
    }
}
let steps = 0;
let ms = 0;
for (const [spec, a] of [...perSpec].sort()) {
  steps += a.steps;
  ms += a.ms;
  console.log(
    `testgen.reference_replay_steps_per_s.${spec}: ${Math.round(a.steps / (a.ms / 1000))} steps/s`,
  );
}
const replayCpu = process.cpuUsage(replayCpu0);
const rate = steps / (ms / 1000);
console.log(`testgen.reference_replay_steps_per_s: ${Math.round(rate)} steps/s`);
console.log(
  `testgen.reference_replay_steps_per_s_over_goal: ${(rate / REPLAY_GOAL).toFixed(2)} ratio`,
);
console.log(`testgen.reference_replay_steps: ${steps} steps`);
// CPU time of the whole replay loop (suite loading and planning included): load-independent.
console.log(
  `testgen.reference_replay_steps_per_cpu_s: ${Math.round(steps / ((replayCpu.user + replayCpu.system) / 1e6))} steps/s`,
);
console.log(`testgen.reference_replay_mismatched: ${mismatched} scenarios`);
console.log(`testgen.reference_replay_errors: ${errors} scenarios`);
