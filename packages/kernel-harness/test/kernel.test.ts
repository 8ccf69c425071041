// Real kernels in QEMU. Runs only when PINLAB_KERNELS names them (e.g. PINLAB_KERNELS=6.1,6.12,
// after `pinlab kernel fetch all`); otherwise the whole block is reported as skipped, with the
// reason in its title. Each kernel boots once (beforeAll); a fault test boots a fresh VM.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { EXTRA_CASES, expectedParentLoses, PIN_CASES, runForkRace } from '../src/experiments.ts';
import { FORKRACE_HEADLINE, forkRaceKernelSample } from '../src/specs/forkrace.ts';
import {
  capSuites,
  loadSuites,
  planSuiteRuns,
  runSuitesOnTarget,
  scenarioCap,
} from '../src/suites.ts';
import { createQemuTarget } from '../src/target.ts';
import { BOOT_MS, describeRealKernels } from './real-kernels.ts';
import { sweptSpecs, wholeSuiteConfigs } from './whole-suites.ts';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

const cap = scenarioCap();
// A suite that a test file of its own runs whole (itRunsWholeSuite), or whose spec a file sweeps
// (specSweepSuites: PinUnpin, SplicePipe, IterCursor), is left out here: its scenarios would
// boot into the guest twice per kernel (whole-suites.ts).
const ownFile = wholeSuiteConfigs();
const swept = sweptSpecs();
const suites = capSuites(
  loadSuites(join(repo, 'generated-tests')).filter(
    (s) => !ownFile.has(`${s.spec}/${s.config}`) && !swept.has(s.spec),
  ),
  cap,
);
// ForkRace scenarios with the guest's address-space and failed steps (FORKRACE_SAMPLED_ACTIONS)
// run as a sample covering each pair of neighbouring steps (forkRaceKernelSample: all of them
// would add ~45 min per kernel to CI); PINLAB_FORKRACE_FULL=1 runs them all.
const forkRaceFull = process.env.PINLAB_FORKRACE_FULL === '1';

describeRealKernels('Kernel experiments and generated scenarios', (k) => {
  it('DIO read vs fork through dm-delay: 6.1 loses the parent data every run, 6.12 never; fixed buffers never', async () => {
    for (const engine of ['aio', 'uring', 'uring_fixed'] as const) {
      // Runs that missed the race (read done before fork, under load) are retried.
      const r = await runForkRace(k.session, engine, 10);
      if (r.notRaced > 0)
        console.log(`${k.name} ${engine}: ${r.notRaced} of ${r.runs} runs did not race, retried`);
      expect(r.raced, `${engine}: reads still in flight at fork (${r.runs} runs)`).toBe(10);
      expect(r.parentLost, `${engine}: parent lost the data`).toBe(
        expectedParentLoses(k.profile, engine) ? r.raced : 0,
      );
    }
  }, 120_000);

  it('the gated ForkRace scenario gives the spec prediction step by step', async () => {
    const target = createQemuTarget(k.session, k.profile);
    const obs = await target.run(
      {
        id: 'headline',
        spec: 'ForkRace',
        config: 'ForkRace',
        actions: [...FORKRACE_HEADLINE],
      },
      k.profile,
    );
    const pinned = k.profile !== 'linux-6.1';
    // ForkRace.tla: FOLL_GET -> the parent's write fault copies the parent away, the DMA lands
    // in the child's page; FOLL_PIN -> fork copied the page for the child, the parent keeps it.
    expect(obs.at(-1)).toEqual({
      P0: pinned ? 'D1,PW' : 'PW',
      P1: '',
      C0: pinned ? '' : 'D1',
      C1: '',
      pipeSeen: null,
      // FOLL_PIN: one pin from DioSubmit to IoComplete; FOLL_GET: none ever.
      pinsHeld: 0,
      pinDelta: pinned ? -1 : 0,
      // Every step of the headline succeeds (ForkRace.tla's err field is for the failed steps).
      err: null,
      // No O_DIRECT write in the headline (ForkRace.tla's written[i] stays empty: null).
      written: null,
    });
    expect(obs.map((o) => o.pinsHeld)).toEqual(pinned ? [0, 1, 1, 1, 0] : [0, 0, 0, 0, 0]);
  }, 60_000);

  it('a ForkRace run that ends with a fixed read in flight behind gate 2 ends promptly (the full-suite stall)', async () => {
    // Regression for issue 5: the agent unregistered the fixed buffers before opening gate 2,
    // and IORING_UNREGISTER_BUFFERS waits for the read behind it (io_rsrc_ref_quiesce) until
    // the worker's alarm: each such scenario (53 in ForkRace_fixed_buffers) cost its whole
    // timeout. With a 10 s alarm the old agent fails this with "signal 14 (timeout)".
    const steps = 'Init;RegisterBuffer:vpage=1;FixedRead:io=2:vpage=1;Fork;Write:proc=C:vpage=1';
    for (let i = 0; i < 3; i++) {
      const r = await k.session.exclusive('forkrace_script', { steps }, 10);
      expect(r.steps).toBe(5);
    }
    // And nothing is left pinned or queued for the next run of that worker slot.
    const after = await k.session.exclusive('forkrace_script', { steps: 'Init' }, 10);
    expect((after.obs as { pinsHeld: number }[])[0]?.pinsHeld).toBe(0);
    const pins = await k.session.exclusive('dio', { dir: 'read', size: 4096 }, 10);
    expect(pins.PinAcquired).toBe(pins.PinReleased);
  }, 120_000);

  it('pin counter deltas per O_DIRECT case match the profile', async () => {
    for (const c of PIN_CASES) {
      const r = await k.session.exclusive(c.op, c.params);
      const want = c.pins(k.profile) ? c.pages : 0;
      expect({ case: c.case, acquired: r.PinAcquired, released: r.PinReleased }).toEqual({
        case: c.case,
        acquired: want,
        released: want,
      });
    }
  }, 120_000);

  it('io_uring registration, vmsplice, preadv/pwritev and splice behave as the kernel source says', async () => {
    for (const c of EXTRA_CASES) {
      const r = c.exclusive
        ? await k.session.exclusive(c.op, c.params)
        : await k.session.request(c.op, c.params);
      const picked = Object.fromEntries(
        Object.keys(c.expected(k.profile)).map((key) => [key, r[key]]),
      );
      expect({ case: c.case, ...picked }).toEqual({ case: c.case, ...c.expected(k.profile) });
    }
  }, 120_000);

  it.skipIf(suites.length === 0)(
    suites.length === 0
      ? 'generated scenarios: skipped, generated-tests/ holds no suite (pinlab gen)'
      : cap === undefined
        ? `every generated scenario the guest can realise matches the model under the profile (the ${ownFile.size} suites run whole by their own files and the specs swept by theirs, ${[...swept].sort().join(', ')}, left out${forkRaceFull ? '' : "; ForkRace's address-space and failed steps: a sample, forkRaceKernelSample"})`
        : `the first ${cap} generated scenarios of each suite the guest can realise match the model (PINLAB_KERNEL_SCENARIO_CAP)`,
    async () => {
      const target = createQemuTarget(k.session, k.profile, { specsDir: join(repo, 'specs') });
      const chosen = forkRaceFull ? suites : suites.map((s) => forkRaceKernelSample(s, k.profile));
      const plan = planSuiteRuns(chosen, target, k.profile);
      const outcomes = await runSuitesOnTarget(chosen, target, k.profile, 6, plan);
      // Every chosen scenario has its own outcome, whichever run checked it.
      const total = chosen.reduce((n, s) => n + s.scenarios.length, 0);
      expect(outcomes).toHaveLength(total);
      const bad = outcomes.filter((o) => o.outcome === 'failed' || o.outcome === 'error');
      expect(bad.map((o) => `${o.spec}/${o.scenario}: ${o.detail}`)).toEqual([]);
      expect(
        outcomes.filter((o) => o.outcome === 'passed').length,
        'scenarios realised',
      ).toBeGreaterThan(0);
    },
    1_800_000,
  );

  it('a crashing or hanging experiment fails alone; the VM keeps serving', async () => {
    await expect(k.session.request('fault', { kind: 'segv' })).rejects.toThrow(
      /killed by signal 11/,
    );
    await expect(k.session.request('fault', { kind: 'hang' }, 1)).rejects.toThrow(
      /signal 14 \(timeout\)/,
    );
    await expect(k.session.request('ping')).resolves.toEqual({});
  }, 60_000);

  it(
    'a kernel panic is detected with the console tail, and the next request runs in a fresh VM',
    async () => {
      const boots = k.session.stats.boots;
      const err = await k.session.request('fault', { kind: 'panic' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'VmFault', kind: 'panic' });
      expect((err as Error).message).toMatch(/sysrq|Kernel panic/);
      await expect(k.session.request('ping')).resolves.toEqual({});
      expect(k.session.stats.boots).toBe(boots + 1);
    },
    BOOT_MS,
  );
});
