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
 * Strict structural equality of JSON values (object keys in any order). It implies equal
 * canonical JSON, so a step it accepts is a step the canonical comparison accepts; anything it
 * rejects goes through that canonical comparison, which decides and reports.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
      return false;
  }
  return true;
}

/**
 * Own keys of an expected observation, computed once per object: a suite's decoded
 * expectations share one object per distinct observation (its table), so most steps hit.
 */
const expectedKeys = new WeakMap<StepObservation, ReadonlySet<string>>();

function keysOf(exp: StepObservation): ReadonlySet<string> {
  let keys = expectedKeys.get(exp);
  if (keys === undefined) {
    keys = new Set(Object.keys(exp));
    expectedKeys.set(exp, keys);
  }
  return keys;
}

/**
 * sameJson for two observations: every own key of `obs` is an own key of `exp` with an equal
 * value, and they have as many own keys (so the same keys). Observations are flat objects of
 * primitives, so most values compare with `===`; a nested value goes through sameJson.
 */
function sameObservation(exp: StepObservation, obs: StepObservation): boolean {
  const keys = keysOf(exp);
  let n = 0;
  for (const k in obs) {
    if (!Object.hasOwn(obs, k)) continue;
    if (!keys.has(k)) return false;
    n++;
    const e = exp[k];
    const o = obs[k];
    if (e !== o && !sameJson(e, o)) return false;
  }
  return n === keys.size;
}

/** Whether a step matches, leaving out `skip` keys (the fast path of compareObservations). */
function sameStep(exp: StepObservation, obs: StepObservation, skip: ReadonlySet<string>): boolean {
  if (skip.size === 0) return sameObservation(exp, obs);
  for (const k of Object.keys(exp)) if (!skip.has(k) && !sameJson(exp[k], obs[k])) return false;
  for (const k of Object.keys(obs)) if (!skip.has(k) && !Object.hasOwn(exp, k)) return false;
  return true;
}

const NOTHING_SKIPPED: ReadonlySet<string> = new Set();

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
  const skip = unobservable.length === 0 ? NOTHING_SKIPPED : new Set(unobservable);
  const out: Mismatch[] = [];
  for (let step = 0; step < expected.length; step++) {
    const exp = expected[step] as StepObservation;
    const obs = observed[step];
    if (obs !== undefined && sameStep(exp, obs, skip)) continue;
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
