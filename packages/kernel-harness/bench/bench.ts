// Kernel harness figures (printed, never asserted): boot-to-agent-ready per kernel, the time of
// one scenario in the guest run alone and with others in flight, and the fork-race experiment.
// Kernels: $PINLAB_KERNELS or every cached one. Prints `<name>: <number> <unit>` lines.

import type { Scenario } from '@pinlab/testgen';
import { cachedKernel } from '../src/fetch.ts';
import { prepareGuest } from '../src/guest.ts';
import { KERNELS } from '../src/kernels.ts';
import { KernelSession } from '../src/session.ts';
import { createQemuTarget } from '../src/target.ts';

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
  actions: [
    { name: 'Init' },
    { name: 'DioSubmit', io: 1, vpage: 0 },
    { name: 'Fork' },
    { name: 'Write', proc: 'P', vpage: 0 },
    { name: 'IoComplete', io: 1 },
  ],
};

const N = 12;
for (const name of names) {
  const img = cachedKernel(name);
  if (img === null) continue;
  const guest = await prepareGuest(img);
  const session = new KernelSession(name, guest.launcher);
  const bootMs = await session.boot();
  console.log(`boot to agent ready ${name}: ${Math.round(bootMs)} ms`);
  const target = createQemuTarget(session, img.profile);

  let t = performance.now();
  for (let i = 0; i < N; i++) await target.run(headline, img.profile);
  const sequential = (performance.now() - t) / N;
  console.log(`ForkRace scenario alone ${name}: ${Math.round(sequential)} ms`);

  t = performance.now();
  await Promise.all(Array.from({ length: N }, () => target.run(headline, img.profile)));
  const concurrent = (performance.now() - t) / N;
  console.log(`ForkRace scenario, ${N} in flight ${name}: ${Math.round(concurrent)} ms`);
  console.log(`concurrency speedup ${name}: ${(sequential / concurrent).toFixed(2)} x`);

  t = performance.now();
  await Promise.all(
    Array.from({ length: 10 }, () => session.request('fork_race', { engine: 'aio' })),
  );
  console.log(`dm-delay fork race, 10 in flight ${name}: ${Math.round(performance.now() - t)} ms`);

  t = performance.now();
  await session.exclusive('dio', { dir: 'read', size: 65536 });
  console.log(`pin-count case (exclusive) ${name}: ${Math.round(performance.now() - t)} ms`);
  await session.close();
}
