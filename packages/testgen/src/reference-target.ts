// The reference target: runs a scenario under any profile by driving @pinlab/reference through
// the spec's adapter, one fresh kernel per run.

import type { SpecAdapter } from './adapters/adapter.ts';
import {
  brokenModelInvariants,
  brokenModelInvariantsOfSuite,
} from './adapters/model-invariants.ts';
import type { Scenario, ScenarioAction, StepObservation, Target } from './target.ts';
import { formatAction } from './target.ts';

export class TargetRunError extends Error {
  override name = 'TargetRunError';
}

export function createReferenceTarget(
  adapters: readonly SpecAdapter[],
  profiles: readonly string[],
): Target {
  const bySpec = new Map(adapters.map((a) => [a.spec, a]));
  const adapterFor = (spec: string): SpecAdapter => {
    const a = bySpec.get(spec);
    if (a === undefined) throw new TargetRunError(`reference target: no adapter for spec ${spec}`);
    return a;
  };
  return {
    name: 'reference',
    profiles: [...profiles],
    supports(spec: string, action: ScenarioAction) {
      const a = bySpec.get(spec);
      return a !== undefined && (action.name === 'Init' || a.supports(action));
    },
    scenarioSupport(scenario: Scenario) {
      return bySpec.get(scenario.spec)?.scenarioSupport?.(scenario);
    },
    async run(
      scenario: Scenario,
      profile: string,
      expected?: readonly StepObservation[],
    ): Promise<StepObservation[]> {
      return runOnReference(adapterFor(scenario.spec), scenario, profile, expected);
    },
  };
}

/**
 * Synchronous core of the reference target (the reference has no I/O); used by the bench too.
 * `expected`: the model's observations per step, from which the invariants the model breaks are
 * read (adapters/model-invariants.ts); without it (or past its end), the reference's own
 * observations, which a comparison with the model's then checks.
 */
export function runOnReference(
  adapter: SpecAdapter,
  scenario: Scenario,
  profile: string,
  expected?: readonly StepObservation[],
): StepObservation[] {
  const actions = scenario.actions;
  const init = actions[0];
  if (init === undefined || init.name !== 'Init') {
    throw new TargetRunError(`${scenario.id}: a scenario starts with Init`);
  }
  const driver = adapter.createDriver(profile, scenario);
  let prev = driver.observe();
  const out: StepObservation[] = [prev];
  const check = invariantCheck(adapter, driver, scenario, profile, expected);
  check(0, init, undefined, prev);
  // Step i is actions[i] (indexed, not a `[init, ...steps]` copy of every scenario's actions).
  for (let i = 1; i < actions.length; i++) {
    const action = actions[i] as ScenarioAction;
    try {
      driver.apply(action);
    } catch (e) {
      throw new TargetRunError(
        `${scenario.id} [${profile}] step ${i} ${formatAction(action)}: reference failed: ${(e as Error).message}`,
      );
    }
    const now = driver.observe();
    check(i, action, prev, now);
    out.push(now);
    prev = now;
  }
  return out;
}

/**
 * After each step, the reference's own invariant checkers, both ways:
 * - a violation that appears at this step and that the step's observations do not predict
 *   fails the run (the reference must not break an invariant the model keeps). A violation is
 *   reported once, at the step it appears (the WARN log keeps past ones);
 * - a model invariant that the model's observations say this step breaks
 *   (adapters/model-invariants.ts) must be reported by one of its reference checks now (a
 *   violation that appeared earlier and still shows counts): a reference whose checker or
 *   fault arm is disabled fails the run even where the observations alone do not show it.
 */
function invariantCheck(
  adapter: SpecAdapter,
  driver: ReturnType<SpecAdapter['createDriver']>,
  scenario: Scenario,
  profile: string,
  expected: readonly StepObservation[] | undefined,
): (
  step: number,
  action: ScenarioAction,
  prev: StepObservation | undefined,
  now: StepObservation,
) => void {
  if (driver.violations === undefined) return () => {};
  const scenarioId = scenario.id;
  // Violations already reported in this run; created at the first one (nearly every run has
  // none, and this runs once per replayed scenario).
  let seen: Set<string> | undefined;
  // The expected observations are the loaded suite's shared objects: their answers are
  // remembered across its scenarios. Without them, the reference's own (fresh) observations.
  const broken =
    expected === undefined
      ? (p: StepObservation | undefined, n: StepObservation, a: ScenarioAction) =>
          brokenModelInvariants(adapter.spec, p, n, a, scenario.constants)
      : brokenModelInvariantsOfSuite(adapter.spec, scenario.constants);
  return (step, action, prev, now) => {
    const vs = driver.violations?.() ?? [];
    const modelNow = expected?.[step] ?? now;
    const modelPrev = step === 0 ? undefined : (expected?.[step - 1] ?? prev);
    const brokenNow = broken(modelPrev, modelNow, action);
    // The predicted set is only needed for a violation not seen before: computed then (it is a
    // pure function of the two observations), and the action's text only for the message. A
    // check that the model-invariant table maps to an invariant the model breaks at this step
    // is predicted by that alone: the adapter need not restate the table's condition.
    let predicted: ReadonlySet<string> | undefined;
    for (const v of vs) {
      const key = `${v.invariant}: ${v.message}`;
      seen ??= new Set<string>();
      if (seen.has(key)) continue;
      seen.add(key);
      predicted ??= new Set([
        ...(adapter.predictedViolations?.(prev, now) ?? []),
        ...brokenNow.flatMap((c) => c.reportedAs),
      ]);
      if (!predicted.has(v.invariant)) {
        throw new TargetRunError(
          `${scenarioId} [${profile}] step ${step} ${formatAction(action)}: reference invariant ${v.invariant} violated, which the model does not predict: ${v.message}`,
        );
      }
    }
    for (const c of brokenNow) {
      if (vs.some((v) => c.reportedAs.includes(v.invariant))) continue;
      const reported =
        vs.length === 0 ? 'none' : [...new Set(vs.map((v) => v.invariant))].join(', ');
      throw new TargetRunError(
        `${scenarioId} [${profile}] step ${step} ${formatAction(action)}: the model breaks ${c.invariant}, which the reference does not report (expected a violation of ${c.reportedAs.join(' or ')}; reported: ${reported})`,
      );
    }
  };
}
