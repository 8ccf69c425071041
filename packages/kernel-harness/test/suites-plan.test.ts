// The kernel runner's plan (src/suites.ts planSuiteRuns): identical scenarios share one guest
// run, prefixes of prefix-closed specs are checked on a longer run, and every generated
// scenario still gets its own outcome. A fake target records what it is asked to run.
import type { Scenario, StepObservation, SuiteData, Target } from '@pinlab/testgen';
import { describe, expect, it } from 'vitest';
import type { KernelSession } from '../src/session.ts';
import { countBySpec, planSuiteRuns, runSuitesOnTarget } from '../src/suites.ts';
import { createQemuTarget } from '../src/target.ts';

const P = 'linux-6.12';
type Act = { name: string; [k: string]: string | number | boolean };

/** The observation a step gives: how many steps ran so far (a fake but step-exact model). */
const obsAt = (i: number): StepObservation => ({ n: i });

function suite(
  spec: string,
  config: string,
  constants: Record<string, string | number | boolean>,
  scenarios: { id: string; actions: Act[]; expected?: StepObservation[]; na?: string }[],
): SuiteData {
  return {
    generated: 'test',
    spec,
    config,
    seed: 1,
    regenerate: 'test',
    profiles: [P],
    constants: { [P]: constants },
    scenarios: scenarios.map((s) => ({
      id: s.id,
      origin: 'test',
      actions: s.actions,
      expect: {
        [P]:
          s.na !== undefined
            ? { notApplicable: s.na }
            : { observations: s.expected ?? s.actions.map((_, i) => obsAt(i)) },
      },
    })),
  };
}

function fakeTarget(opts: { failAtStep?: number; throwFor?: string } = {}): Target & {
  ran: string[];
} {
  const ran: string[] = [];
  return {
    name: 'fake',
    profiles: [P],
    ran,
    supports: (_spec, a) => a.name !== 'Unrealisable',
    async run(s: Scenario) {
      ran.push(`${s.config}/${s.id}`);
      if (s.id === opts.throwFor) throw new Error('guest said no');
      return s.actions.map((_, i) => (i === opts.failAtStep ? { n: -1 } : obsAt(i)));
    },
  };
}

const A = (...names: string[]): Act[] => [{ name: 'Init' }, ...names.map((name) => ({ name }))];
const K = { NumPages: 1 };

describe('kernel runner plan', () => {
  it('runs identical scenarios once, across configs with the same constants', async () => {
    const suites = [
      suite('ForkRace', 'ForkRace', K, [{ id: 'a', actions: A('Fork', 'Write') }]),
      suite('ForkRace', 'ForkRace_foll_get', K, [{ id: 'b', actions: A('Fork', 'Write') }]),
    ];
    const t = fakeTarget();
    const plan = planSuiteRuns(suites, t, P);
    expect(plan.runs).toHaveLength(1);
    expect(plan.counts.ForkRace).toMatchObject({
      scenarios: 2,
      realised: 2,
      runs: 1,
      identical: 1,
    });
    const out = await runSuitesOnTarget(suites, t, P, 2, plan);
    expect(t.ran).toEqual(['ForkRace/a']);
    expect(out.map((o) => `${o.config}/${o.scenario}:${o.outcome}`).sort()).toEqual([
      'ForkRace/a:passed',
      'ForkRace_foll_get/b:passed',
    ]);
  });

  it('checks a prefix on the longer run of a prefix-closed spec, each on its own steps', async () => {
    const suites = [
      suite('ForkRace', 'ForkRace', K, [
        { id: 'short', actions: A('DioSubmit') },
        { id: 'long', actions: A('DioSubmit', 'Fork', 'IoComplete') },
        { id: 'mid', actions: A('DioSubmit', 'Fork') },
        { id: 'other', actions: A('Fork') },
      ]),
    ];
    const t = fakeTarget({ failAtStep: 3 });
    const plan = planSuiteRuns(suites, t, P);
    expect(plan.counts.ForkRace).toMatchObject({
      realised: 4,
      runs: 2,
      prefixOfLonger: 2,
      stepsChecked: 2 + 4 + 3 + 2,
      stepsRun: 4 + 2,
    });
    const out = await runSuitesOnTarget(suites, t, P, 1, plan);
    expect(t.ran.sort()).toEqual(['ForkRace/long', 'ForkRace/other']);
    const by = Object.fromEntries(out.map((o) => [o.scenario, o]));
    // The run's step 3 departs: only the scenario that reaches step 3 fails.
    expect(by.long?.outcome).toBe('failed');
    expect(by.mid?.outcome).toBe('passed');
    expect(by.short?.outcome).toBe('passed');
    expect(by.other?.outcome).toBe('passed');
    expect(countBySpec(out).ForkRace).toEqual({
      run: 4,
      passed: 3,
      failed: 1,
      notApplicable: 0,
      errors: 0,
      notApplicableReasons: {},
      prefixOnly: 0,
      prefixOnlyReasons: {},
    });
  });

  it('checks a scenario with an unrealisable step over its prefix, counted and named as such', async () => {
    const suites = [
      suite('IterCursor', 'IterCursor', K, [
        { id: 'cut', actions: A('IterInit', 'Advance', 'Unrealisable', 'Advance') },
        { id: 'whole', actions: A('IterInit', 'Advance') },
        { id: 'tooShort', actions: A('Unrealisable', 'Advance') },
      ]),
    ];
    const t: Target & { ran: string[] } = {
      ...fakeTarget({ failAtStep: 2 }),
      realisesPrefixes: (spec) => spec === 'IterCursor',
    };
    const plan = planSuiteRuns(suites, t, P, ['IterCursor']);
    // cut runs steps 0..2 (Init, IterInit, Advance): whole is the same run, tooShort is n/a.
    expect(plan.counts.IterCursor).toMatchObject({
      scenarios: 3,
      notApplicable: 1,
      realised: 2,
      runs: 1,
      identical: 1,
      prefixOnly: 1,
      stepsChecked: 3 + 3,
      stepsRun: 3,
    });
    const out = await runSuitesOnTarget(suites, t, P, 1, plan);
    const by = Object.fromEntries(out.map((o) => [o.scenario, o]));
    expect(by.cut?.outcome).toBe('failed');
    expect(by.cut?.prefixOnly).toEqual({
      step: 3,
      of: 5,
      action: 'Unrealisable',
      reason: 'target fake cannot realise IterCursor action Unrealisable',
    });
    expect(by.cut?.detail).toMatch(
      /prefix only: steps 0\.\.2 of 0\.\.4; step 3 Unrealisable not realised/,
    );
    expect(by.whole?.outcome).toBe('failed');
    expect(by.whole?.prefixOnly).toBeUndefined();
    expect(by.tooShort?.outcome).toBe('not-applicable');
    expect(countBySpec(out).IterCursor).toMatchObject({
      run: 2,
      failed: 2,
      notApplicable: 1,
      prefixOnly: 1,
      prefixOnlyReasons: {
        'step Unrealisable: target fake cannot realise IterCursor action Unrealisable': 1,
      },
    });
  });

  it('a covered scenario fails with the longer run when its own steps depart', async () => {
    const suites = [
      suite('ForkRace', 'ForkRace', K, [
        { id: 'short', actions: A('DioSubmit') },
        { id: 'long', actions: A('DioSubmit', 'Fork') },
      ]),
    ];
    const out = await runSuitesOnTarget(suites, fakeTarget({ failAtStep: 1 }), P);
    const short = out.find((o) => o.scenario === 'short');
    expect(short?.outcome).toBe('failed');
    expect(short?.detail).toMatch(/checked on the run of ForkRace\/long, steps 0\.\.1 of 0\.\.2/);
  });

  it('runs every prefix on its own for specs not known to be prefix-closed', () => {
    const suites = [
      suite('SplicePipe', 'SplicePipe', K, [
        { id: 'short', actions: A('Splice') },
        { id: 'long', actions: A('Splice', 'Truncate') },
      ]),
    ];
    const plan = planSuiteRuns(suites, fakeTarget(), P);
    expect(plan.runs).toHaveLength(2);
    expect(plan.counts.SplicePipe).toMatchObject({ runs: 2, prefixOfLonger: 0 });
  });

  it('keeps scenarios with different constants apart', () => {
    const suites = [
      suite('ForkRace', 'ForkRace', K, [{ id: 'a', actions: A('Fork') }]),
      suite('ForkRace', 'ForkRace_vmsplice', { ...K, UseVmsplice: true }, [
        { id: 'b', actions: A('Fork') },
      ]),
    ];
    expect(planSuiteRuns(suites, fakeTarget(), P).runs).toHaveLength(2);
  });

  it('counts not-applicable scenarios and gives every member of a failed run the error', async () => {
    const suites = [
      suite('ForkRace', 'ForkRace', K, [
        { id: 'na', actions: A('Unrealisable') },
        { id: 'model-na', actions: A('Fork'), na: 'profile does not constrain' },
        { id: 'boom', actions: A('Fork', 'Write') },
        { id: 'boom-prefix', actions: A('Fork') },
      ]),
    ];
    const t = fakeTarget({ throwFor: 'boom' });
    const plan = planSuiteRuns(suites, t, P);
    expect(plan.counts.ForkRace).toMatchObject({ scenarios: 4, notApplicable: 2, realised: 2 });
    const out = await runSuitesOnTarget(suites, t, P, 1, plan);
    expect(out.map((o) => `${o.scenario}:${o.outcome}`).sort()).toEqual([
      'boom-prefix:error',
      'boom:error',
      'model-na:not-applicable',
      'na:not-applicable',
    ]);
    expect(out.find((o) => o.scenario === 'boom-prefix')?.detail).toMatch(/guest said no/);
  });

  it('the qemu target realises prefixes of IterCursor and ForkRace, cut at the first refused action', () => {
    // No guest is booted: planning only asks supports/scenarioSupport.
    const t = createQemuTarget({ name: '6.12' } as unknown as KernelSession, P);
    expect(
      ['IterCursor', 'ForkRace', 'PinUnpin', 'SplicePipe'].map((x) => t.realisesPrefixes?.(x)),
    ).toEqual([true, true, false, false]);
    const ic = (constants: Record<string, boolean>, actions: Act[]) =>
      suite('IterCursor', 'IterCursor', constants, [{ id: 'x', actions }]);
    const extractAfter: Act[] = [
      { name: 'Init' },
      { name: 'IterInit', type: 'IOVEC' },
      { name: 'Advance', bytes: 2 },
      { name: 'Extract', maxsize: 2 },
      { name: 'Advance', bytes: 1 },
    ];
    const cut = planSuiteRuns([ic({ UserHole: false }, extractAfter)], t, P);
    expect(cut.counts.IterCursor).toMatchObject({ realised: 1, prefixOnly: 1, stepsChecked: 3 });
    expect(cut.runs[0]?.scenario.actions.map((a) => a.name)).toEqual([
      'Init',
      'IterInit',
      'Advance',
    ]);
    // A kernel-only iterator at step 1 leaves no prefix worth running. UserHole scenarios run
    // too (since the eleventh session the guest unmaps the range's second page for their Copy
    // steps): cut at the same Extract.
    const kvec = planSuiteRuns(
      [
        ic({ UserHole: false }, [
          { name: 'Init' },
          { name: 'IterInit', type: 'KVEC' },
          { name: 'Advance', bytes: 1 },
        ]),
      ],
      t,
      P,
    );
    expect(kvec.notApplicable.map((o) => o.detail)).toEqual([
      'target qemu:6.12: IterInit KVEC: kernel-only iterator',
    ]);
    const hole = planSuiteRuns([ic({ UserHole: true }, extractAfter)], t, P);
    expect(hole.counts.IterCursor).toMatchObject({ realised: 1, prefixOnly: 1, stepsChecked: 3 });
  });
});
