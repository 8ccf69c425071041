// Step-by-step comparison of a target's observations with the model's expectation. A mismatch
// names scenario, step, action, expected and observed, so a failure reads without the model.

import { canonicalJson } from './model/value.ts';
import type { Scenario, StepObservation } from './target.ts';
import { formatAction } from './target.ts';

export interface Mismatch {
  readonly scenario: string;
  readonly profile: string;
  readonly step: number;
  readonly action: string;
  readonly key: string;
  readonly expected: unknown;
  readonly observed: unknown;
}

export function formatMismatch(m: Mismatch): string {
  return `${m.scenario} [${m.profile}] step ${m.step} ${m.action}: ${m.key} expected ${JSON.stringify(m.expected)}, observed ${JSON.stringify(m.observed)}`;
}

/**
 * Compares the first `expected.length` steps. Keys in `unobservable` are left out; a key the
 * expectation has and the observation lacks is a mismatch (observed `undefined`), as is a key
 * the target reports that the model does not predict.
 */
export function compareObservations(
  scenario: Scenario,
  profile: string,
  expected: readonly StepObservation[],
  observed: readonly StepObservation[],
  unobservable: readonly string[] = [],
): Mismatch[] {
  const skip = new Set(unobservable);
  const out: Mismatch[] = [];
  for (let step = 0; step < expected.length; step++) {
    const exp = expected[step] as StepObservation;
    const obs = observed[step];
    const action = formatAction(scenario.actions[step] ?? { name: '?' });
    if (obs === undefined) {
      out.push({
        scenario: scenario.id,
        profile,
        step,
        action,
        key: '(step)',
        expected: exp,
        observed: undefined,
      });
      break;
    }
    const keys = new Set([...Object.keys(exp), ...Object.keys(obs)]);
    for (const key of [...keys].sort()) {
      if (skip.has(key)) continue;
      const e = exp[key];
      const o = obs[key];
      if (canonicalJson(e) !== canonicalJson(o)) {
        out.push({ scenario: scenario.id, profile, step, action, key, expected: e, observed: o });
      }
    }
    // Later steps build on this one; report only the first diverging step.
    if (out.length > 0) break;
  }
  return out;
}
