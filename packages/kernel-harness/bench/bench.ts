// Kernel harness figures (printed, never asserted): boot-to-agent-ready per kernel, the time of
// one ForkRace run in the guest, and the wall time for every kernel-realisable generated
// scenario of all the kernels at once (booted together, as `pinlab kernel run all` and CI do).
// Kernels: $PINLAB_KERNELS or every cached one. Prints `<name>: <number> <unit>` lines.
// PINLAB_BENCH_SCENARIOS=0 leaves the all-scenarios figure out (it takes minutes under TCG).

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '@pinlab/testgen';
import { cachedKernel } from '../src/fetch.ts';
import { prepareGuest } from '../src/guest.ts';
import { KERNELS } from '../src/kernels.ts';
import { KernelSession } from '../src/session.ts';
import { FORKRACE_HEADLINE } from '../src/specs/forkrace.ts';
import { loadSuites, planSuiteRuns, runSuitesOnTarget } from '../src/suites.ts';
import { createQemuTarget } from '../src/target.ts';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const names = (process.env.PINLAB_KERNELS ?? Object.keys(KERNELS).join(','))
  .split(',')
  .filter((n) => n !== '' && cachedKernel(n) !== null);
if (names.length === 0) {
  console.log('kernel-harness bench: no kernel cached (pinlab kernel fetch all); nothing measured');
  process.exit(0);
}

const headline: Scenario = {
  id: 'bench',
  spec: 'ForkRace',
  config: 'ForkRace',
  actions: [...FORKRACE_HEADLINE],
};

const N = 12;
const sessions = await Promise.all(
  names.map(async (name) => {
    const img = cachedKernel(name);
    if (img === null) throw new Error(`kernel ${name} vanished from the cache`);
    const guest = await prepareGuest(img);
    return { name, img, session: new KernelSession(name, guest.launcher) };
  }),
);
try {
  // Boot-to-ready alone per kernel (the 3 s goal is for one guest on the machine).
  for (const { name, session } of sessions) {
    const bootMs = await session.boot();
    console.log(`boot to agent ready ${name}: ${Math.round(bootMs)} ms`);
  }
  for (const { name, img, session } of sessions) {
    const target = createQemuTarget(session, img.profile);
    const t = performance.now();
    for (let i = 0; i < N; i++) await target.run(headline, img.profile);
    console.log(`ForkRace run alone ${name}: ${Math.round((performance.now() - t) / N)} ms`);
    const p = performance.now();
    for (let i = 0; i < N; i++) await session.request('ping');
    console.log(`agent round trip (ping) ${name}: ${((performance.now() - p) / N).toFixed(1)} ms`);
  }

  if (process.env.PINLAB_BENCH_SCENARIOS !== '0') {
    const suites = loadSuites(join(repo, 'generated-tests'));
    const t0 = performance.now();
    const results = await Promise.all(
      sessions.map(async ({ name, img, session }) => {
        const target = createQemuTarget(session, img.profile, { specsDir: join(repo, 'specs') });
        const plan = planSuiteRuns(suites, target, img.profile);
        const t = performance.now();
        const outcomes = await runSuitesOnTarget(suites, target, img.profile, 6, plan);
        return { name, plan, outcomes, ms: performance.now() - t };
      }),
    );
    const wall = performance.now() - t0;
    for (const { name, plan, outcomes, ms } of results) {
      const checked = outcomes.filter((o) => o.outcome !== 'not-applicable').length;
      const bad = outcomes.filter((o) => o.outcome === 'failed' || o.outcome === 'error').length;
      for (const [spec, c] of Object.entries(plan.counts))
        if (c.realised > 0)
          console.log(
            `${spec} on ${name}: ${c.scenarios} scenarios, ${c.realised} realisable, ${c.runs} guest runs (${c.identical} identical, ${c.prefixOfLonger} prefixes)`,
          );
      console.log(`realisable scenarios ${name}: ${checked} checked, ${bad} failed or errors`);
      console.log(`scenario wall ${name}: ${Math.round(ms)} ms`);
      if (plan.runs.length > 0)
        console.log(`per guest run ${name}: ${Math.round(ms / plan.runs.length)} ms`);
      if (checked > 0) console.log(`per checked scenario ${name}: ${Math.round(ms / checked)} ms`);
    }
    console.log(`all realisable scenarios, ${names.join(' + ')} together: ${Math.round(wall)} ms`);
  }
} finally {
  for (const { session } of sessions) await session.close();
}
