// npm run bench -w @pinlab/testgen: figures for issue 4's performance goals, from one run.
//   scenarios generated per minute, with expectations for every profile (cold: every distinct
//   state costs an explore_next call of tla-checker; warm: successors memoised)
//   reference replay steps per second (every generated suite with an adapter, on the reference)
// Prints `name: value unit` lines (collected by `pinlab bench`); never asserts on time.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { forkRaceAdapter } from '../src/adapters/fork-race.ts';
import { adapterFor, allAdapters } from '../src/adapters/index.ts';
import { createEmbeddedStepper } from '../src/model/engine.ts';
import { seededWalks } from '../src/model/walk.ts';
import { loadProfiles } from '../src/profiles.ts';
import { createReferenceTarget, runOnReference } from '../src/reference-target.ts';
import { findGeneratedSuites, loadSuite, planScenario } from '../src/run-suite.ts';
import { buildSuiteScenarios } from '../src/suite.ts';

const root = resolve(import.meta.dirname, '../../..');
const specs = join(root, 'specs');
const profiles = loadProfiles(join(specs, 'profiles.json'));
const COUNT = Number(process.env.BENCH_SCENARIOS ?? 200);

function generation(
  label: string,
  stepper: ReturnType<typeof createEmbeddedStepper>,
  seed: number,
): number {
  const t0 = performance.now();
  const walks = seededWalks(
    stepper,
    {},
    { seed, count: COUNT, depth: 10, spec: 'ForkRace', config: 'ForkRace', prefix: 'b/' },
  );
  buildSuiteScenarios(
    stepper,
    forkRaceAdapter,
    walks.map((w) => ({ ...w, origin: 'walk' })),
    profiles,
  );
  const s = (performance.now() - t0) / 1000;
  const perMin = (COUNT / s) * 60;
  console.log(`testgen.scenarios_per_min.${label}: ${Math.round(perMin)} scenarios/min`);
  return perMin;
}

const stepper = createEmbeddedStepper(
  'ForkRace',
  readFileSync(join(specs, 'ForkRace.tla'), 'utf8'),
  readFileSync(join(specs, 'ForkRace.cfg'), 'utf8'),
);
const cold = generation('cold', stepper, 1);
const warm = generation('warm', stepper, 1);
console.log(`testgen.scenarios_warm_over_cold: ${(warm / cold).toFixed(1)} ratio`);

// Replay: every scenario of the checked-in suites that has an adapter, every profile, on the
// reference (per spec too: specs differ a lot in cost per step).
const target = createReferenceTarget(
  allAdapters,
  profiles.map((p) => p.name),
);
const plans = [];
for (const file of findGeneratedSuites(join(root, 'generated-tests'))) {
  const suite = loadSuite(file);
  const adapter = adapterFor(suite.spec);
  if (adapter === undefined) continue;
  for (const s of suite.scenarios)
    for (const p of suite.profiles) {
      const plan = planScenario(suite, s, p, target);
      if (plan.kind === 'run') plans.push({ plan, profile: p, adapter });
    }
}
const perSpec = new Map<string, { steps: number; ms: number }>();
let steps = 0;
let errors = 0;
const t0 = performance.now();
for (const { plan, profile, adapter } of plans) {
  const t = performance.now();
  let n = 0;
  try {
    n = runOnReference(adapter, plan.scenario, profile).length;
  } catch {
    // A scenario the reference cannot run is the generated tests' business; not timed here.
    errors++;
    continue;
  }
  const acc = perSpec.get(adapter.spec) ?? { steps: 0, ms: 0 };
  acc.steps += n;
  acc.ms += performance.now() - t;
  perSpec.set(adapter.spec, acc);
  steps += n;
}
for (const [spec, { steps: n, ms }] of perSpec) {
  console.log(
    `testgen.reference_replay_steps_per_s.${spec}: ${Math.round(n / (ms / 1000))} steps/s`,
  );
}
const secs = (performance.now() - t0) / 1000;
console.log(`testgen.reference_replay_steps_per_s: ${Math.round(steps / secs)} steps/s`);
console.log(`testgen.reference_replay_scenarios: ${plans.length - errors} scenarios`);
console.log(`testgen.reference_replay_errors: ${errors} scenarios`);
