// ForkRace's DioWriteSubmit on real kernels: the `written` observation tells 6.1 from 6.12.
// kernel.test.ts already checks every realisable ForkRace_dio_write scenario against the
// kernel's own profile; this file runs the scenarios whose `written` the model expects to differ
// between linux-6.1 and linux-6.12 (the parent's store after the submission reaches the device
// only under 6.12's read-only FOLL_PIN unshare, mm/internal.h gup_must_unshare) and requires
// each kernel's `written` to match its own profile and not the other: the observation is real
// and discriminating, not a value both kernels would give. Runs only with PINLAB_KERNELS.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StepObservation, SuiteData, SuiteScenario } from '@pinlab/testgen';
import { planScenario } from '@pinlab/testgen';
import { expect, it } from 'vitest';
import { loadSuites } from '../src/suites.ts';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels } from './real-kernels.ts';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const PROFILES = ['linux-6.1', 'linux-6.12'] as const;

/** The stored observations of a scenario under a profile (sameAs resolved), or undefined. */
function expectedUnder(s: SuiteScenario, profile: string): readonly StepObservation[] | undefined {
  let e = s.expect[profile];
  if (e !== undefined && 'sameAs' in e) e = s.expect[e.sameAs];
  return e !== undefined && 'observations' in e ? e.observations : undefined;
}

const writtenOf = (obs: readonly StepObservation[]): unknown[] => obs.map((o) => o.written);

const suite: SuiteData | undefined = loadSuites(join(repo, 'generated-tests')).find(
  (s) => s.config === 'ForkRace_dio_write',
);

/** Scenarios whose expected `written` differs between the two kernel profiles, run to the end. */
const discriminating = (suite?.scenarios ?? []).filter((s) => {
  const [a, b] = PROFILES.map((p) => expectedUnder(s, p));
  if (a === undefined || b === undefined) return false;
  if (a.length !== s.actions.length || b.length !== s.actions.length) return false;
  return JSON.stringify(writtenOf(a)) !== JSON.stringify(writtenOf(b));
});

describeRealKernels('ForkRace DioWriteSubmit: the device gets what each kernel says', (k) => {
  it('written matches the kernel profile and not the other one, in every scenario where the model tells them apart', async () => {
    expect(suite, 'generated-tests holds ForkRace_dio_write').toBeDefined();
    const other = k.profile === 'linux-6.1' ? 'linux-6.12' : 'linux-6.1';
    const target = createQemuTarget(k.session, k.profile, { specsDir: join(repo, 'specs') });
    let run = 0;
    const wrong: string[] = [];
    for (const s of discriminating) {
      const plan = planScenario(suite as SuiteData, s, k.profile, target);
      if (plan.kind !== 'run') continue; // Munmap etc.: not realised by the guest
      const observed = writtenOf(await target.run(plan.scenario, k.profile));
      run++;
      const own = writtenOf(expectedUnder(s, k.profile) ?? []);
      const theirs = writtenOf(expectedUnder(s, other) ?? []);
      if (JSON.stringify(observed) !== JSON.stringify(own))
        wrong.push(
          `${s.id}: written ${JSON.stringify(observed)}, ${k.profile} model ${JSON.stringify(own)}`,
        );
      expect(observed, `${s.id}: the ${other} model's written`).not.toEqual(theirs);
    }
    console.log(
      `qemu:${k.name}: ${run} ForkRace_dio_write scenarios where written tells 6.1 from 6.12`,
    );
    expect(wrong).toEqual([]);
    expect(run, 'discriminating scenarios the guest realises').toBeGreaterThan(0);
  }, 600_000);
});
