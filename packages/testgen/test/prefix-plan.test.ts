// planScenario on a target that realises prefixes (Target.realisesPrefixes): a scenario with an
// unrealisable step runs over the steps before it, compared with the model's first observations;
// too short a prefix or a scenario-level refusal stays not applicable.
import { describe, expect, it } from 'vitest';
import type { ScenarioPlan } from '../src/run-suite.ts';
import { planScenario, runPlanned } from '../src/run-suite.ts';
import type { SuiteData, SuiteScenario } from '../src/suite.ts';
import type { Scenario, ScenarioAction, StepObservation, Target } from '../src/target.ts';

const act = (name: string, extra: Record<string, number> = {}): ScenarioAction => ({
  name,
  ...extra,
});
const obs = (count: number): StepObservation => ({ count });

function scenario(id: string, actions: ScenarioAction[], observations: number[]): SuiteScenario {
  return {
    id,
    origin: 'tour',
    actions,
    expect: { p: { observations: observations.map(obs) } },
  };
}

function suite(s: SuiteScenario, constants?: Record<string, boolean>): SuiteData {
  return {
    generated: 'test',
    spec: 'Toy',
    config: 'Toy',
    seed: 1,
    regenerate: 'test',
    profiles: ['p'],
    scenarios: [s],
    ...(constants !== undefined ? { constants: { p: constants } } : {}),
  };
}

/** Realises Init and Step, refuses Extract (per step) and constants Hole (scenario level). */
function fakeTarget(prefixes: boolean): Target & { ran: Scenario[] } {
  const ran: Scenario[] = [];
  return {
    name: 'fake',
    profiles: ['p'],
    ran,
    supports: (_spec, a) => a.name !== 'Extract',
    scenarioSupport: (s) => (s.constants?.Hole === true ? 'Hole: not set up' : undefined),
    realisesPrefixes: (spec) => prefixes && spec === 'Toy',
    async run(s) {
      ran.push(s);
      // Counts down by each Step's bytes from 6: what a correct realisation reports.
      let count = 6;
      return s.actions.map((a) => {
        if (a.name === 'Step') count -= Number(a.bytes);
        return { count };
      });
    },
  };
}

const tour = scenario(
  'Toy/tour-1',
  [act('Init'), act('Step', { bytes: 1 }), act('Step', { bytes: 2 }), act('Extract')],
  [6, 5, 3, 3],
);

function asRun(plan: ScenarioPlan): Extract<ScenarioPlan, { kind: 'run' }> {
  if (plan.kind !== 'run') throw new Error(`not a run: ${plan.reason}`);
  return plan;
}

describe('planScenario with a target that realises prefixes', () => {
  it('runs the steps before the first unrealisable one, against the model’s first observations', async () => {
    const target = fakeTarget(true);
    const plan = asRun(planScenario(suite(tour), tour, 'p', target));
    expect(plan.scenario.actions.map((a) => a.name)).toEqual(['Init', 'Step', 'Step']);
    expect(plan.expected.observations).toEqual([obs(6), obs(5), obs(3)]);
    expect(plan.targetStop).toEqual({
      step: 3,
      of: 4,
      action: 'Extract',
      reason: 'target fake cannot realise Toy action Extract',
    });
    expect(plan.note).toBe(
      'steps 0..2 of 0..3; step 3 Extract not realised: target fake cannot realise Toy action Extract',
    );
    expect(await runPlanned(plan, 'p', target)).toEqual([]);
    expect(target.ran[0]?.actions).toHaveLength(3);
  });

  it('a prefix run still fails when the target departs from the model within it', async () => {
    const target = fakeTarget(true);
    const wrong = scenario('Toy/tour-2', tour.actions.slice(), [6, 5, 4, 3]);
    const plan = asRun(planScenario(suite(wrong), wrong, 'p', target));
    const mismatches = await runPlanned(plan, 'p', target);
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]?.step).toBe(2);
  });

  it('is not applicable when fewer than Init plus one step would run', () => {
    const short = scenario('Toy/tour-3', [act('Init'), act('Extract')], [6, 6]);
    const plan = planScenario(suite(short), short, 'p', fakeTarget(true));
    expect(plan).toEqual({
      kind: 'not-applicable',
      reason: 'target fake cannot realise Toy action Extract',
    });
  });

  it('keeps a scenario-level refusal not applicable', () => {
    const plan = planScenario(suite(tour, { Hole: true }), tour, 'p', fakeTarget(true));
    expect(plan.kind).toBe('not-applicable');
    // The whole scenario's first refusal is the action; either way nothing runs.
    const whole = scenario('Toy/tour-4', tour.actions.slice(0, 3), [6, 5, 3]);
    expect(planScenario(suite(whole, { Hole: true }), whole, 'p', fakeTarget(true))).toEqual({
      kind: 'not-applicable',
      reason: 'target fake: Hole: not set up',
    });
  });

  it('runs nothing of a scenario with an unrealisable step when the target does not realise prefixes', () => {
    expect(planScenario(suite(tour), tour, 'p', fakeTarget(false))).toEqual({
      kind: 'not-applicable',
      reason: 'target fake cannot realise Toy action Extract',
    });
  });

  it('leaves a wholly realisable scenario untouched', () => {
    const whole = scenario('Toy/tour-5', tour.actions.slice(0, 3), [6, 5, 3]);
    const plan = asRun(planScenario(suite(whole), whole, 'p', fakeTarget(true)));
    expect(plan.scenario.actions).toBe(whole.actions);
    expect(plan.note).toBeUndefined();
    expect(plan.targetStop).toBeUndefined();
  });
});
