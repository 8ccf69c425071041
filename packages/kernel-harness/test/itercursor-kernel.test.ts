// IterCursor against real kernels in QEMU. Runs only when PINLAB_KERNELS names them (e.g.
// PINLAB_KERNELS=6.1,6.12, after `pinlab kernel fetch all`); otherwise the block is reported as
// skipped with the reason in its title. Each kernel boots once; every generated IterCursor
// scenario the guest can realise runs against it and must match the kernel's profile.
import type { ScenarioAction } from '@pinlab/testgen';
import { expect, it } from 'vitest';
import { countBySpec, planSuiteRuns, runSuitesOnTarget } from '../src/suites.ts';
import { createQemuTarget } from '../src/target.ts';
import { handWalk } from './itercursor-hand-walk.ts';
import { describeRealKernels } from './real-kernels.ts';
import { specSweepSuites } from './whole-suites.ts';

// The sweep of the spec: kernel.test.ts leaves IterCursor to it (whole-suites.ts).
const suites = specSweepSuites('IterCursor');

describeRealKernels('IterCursor', (k) => {
  it('preadv/pwritev and pread/pwrite land where the cursor stands after each step', async () => {
    const target = createQemuTarget(k.session, k.profile);
    for (const type of ['IOVEC', 'UBUF']) {
      // Zero-length segment first (Advance 0 stays at 6), end of segment 2 (count 4), into
      // segment 4, past the end (clamped to 0), back across the zero-length segment 3.
      const obs = await target.run(
        {
          id: `hand-${type}`,
          spec: 'IterCursor',
          config: 'IterCursor',
          actions: handWalk(type),
        },
        k.profile,
      );
      expect({ type, counts: obs.map((o) => o.count) }).toEqual({
        type,
        counts: [0, 6, 6, 4, 3, 0, 0, 3, 5],
      });
    }
  }, 60_000);

  it('UserHole: a read or write through a range whose second page is unmapped stops there', async () => {
    const target = createQemuTarget(k.session, k.profile);
    // Copy 1 from byte 0 (1), Copy 3 from 1 (the 1 byte before the hole), Copy 2 from inside
    // the hole (-EFAULT: nothing moves), back to the start, Copy 3 from 1 again, then to the
    // last byte (in the hole: -EFAULT) and the end (a copy of nothing).
    const actions: ScenarioAction[] = [
      { name: 'Init' },
      { name: 'IterInit', type: 'UBUF' },
      { name: 'Copy', bytes: 1 },
      { name: 'Copy', bytes: 3 },
      { name: 'Copy', bytes: 2 },
      { name: 'Revert', bytes: 2 },
      { name: 'Advance', bytes: 1 },
      { name: 'Copy', bytes: 3 },
      { name: 'Advance', bytes: 3 },
      { name: 'Copy', bytes: 1 },
      { name: 'Advance', bytes: 1 },
      { name: 'Copy', bytes: 2 },
    ];
    const obs = await target.run(
      { id: 'hand-hole', spec: 'IterCursor', config: 'IterCursor_user_hole', actions },
      k.profile,
    );
    expect(obs.map((o) => o.count)).toEqual([0, 6, 5, 4, 4, 6, 5, 4, 1, 1, 0, 0]);
  }, 60_000);

  it('IovecHole: a preadv or pwritev whose segment 4 is unmapped stops at that iovec', async () => {
    const target = createQemuTarget(k.session, k.profile);
    // Copy 1 from byte 0 (1), Copy 3 from 1 (the 1 byte left in segment 2: segment 5 after the
    // hole is not reached), Copy 2 from the hole's first byte (-EFAULT), past the hole, Copy 2
    // from 5 (segment 5's byte), back into the hole (-EFAULT), back to 1 and Copy 3 (1).
    const actions: ScenarioAction[] = [
      { name: 'Init' },
      { name: 'IterInit', type: 'IOVEC' },
      { name: 'Copy', bytes: 1 },
      { name: 'Copy', bytes: 3 },
      { name: 'Copy', bytes: 2 },
      { name: 'Advance', bytes: 3 },
      { name: 'Copy', bytes: 2 },
      { name: 'Revert', bytes: 2 },
      { name: 'Copy', bytes: 1 },
      { name: 'Revert', bytes: 3 },
      { name: 'Copy', bytes: 3 },
    ];
    const obs = await target.run(
      { id: 'hand-iovec-hole', spec: 'IterCursor', config: 'IterCursor_iovec_hole', actions },
      k.profile,
    );
    expect(obs.map((o) => o.count)).toEqual([0, 6, 5, 4, 4, 1, 0, 2, 2, 5, 4]);
  }, 60_000);

  it('every generated IterCursor scenario the guest can realise matches the profile', async () => {
    const t0 = performance.now();
    const target = createQemuTarget(k.session, k.profile);
    const plan = planSuiteRuns(suites, target, k.profile);
    const outcomes = await runSuitesOnTarget(suites, target, k.profile, 6, plan);
    const runs = plan.counts.IterCursor;
    const ms = Math.round(performance.now() - t0);
    const c = countBySpec(outcomes).IterCursor ?? {
      run: 0,
      passed: 0,
      failed: 0,
      notApplicable: 0,
      errors: 0,
      prefixOnly: 0,
    };
    // Prefix-only scenarios (steps before the first one the guest cannot realise) are among
    // run/passed: named here, never hidden.
    console.log(
      `qemu:${k.name} IterCursor: run ${c.run} (${c.prefixOnly} over their longest realisable prefix only), passed ${c.passed}, failed ${c.failed}, errors ${c.errors}, not applicable ${c.notApplicable}; ${runs?.runs ?? 0} guest runs, ${runs?.stepsChecked ?? 0} steps checked, ${runs?.stepsRun ?? 0} run; ${ms} ms`,
    );
    // The hole configs (their Copy steps through the range with an unmapped page, or the
    // iovecs with an unmapped one).
    for (const config of [
      'IterCursor_user_hole',
      'IterCursor_fault_in_hole',
      'IterCursor_iovec_hole',
      'IterCursor_fault_in_iovec_hole',
    ]) {
      const hole = outcomes.filter((o) => o.config === config && o.outcome !== 'not-applicable');
      console.log(
        `qemu:${k.name} ${config}: run ${hole.length} (${hole.filter((o) => o.prefixOnly).length} prefix only), passed ${hole.filter((o) => o.outcome === 'passed').length}`,
      );
    }
    const bad = outcomes.filter((o) => o.outcome === 'failed' || o.outcome === 'error');
    expect(bad.slice(0, 3).map((o) => `${o.scenario}: ${o.detail}`)).toEqual([]);
    expect(c.run).toBeGreaterThan(0);
    expect(c.passed).toBe(c.run);
  }, 600_000);
});
