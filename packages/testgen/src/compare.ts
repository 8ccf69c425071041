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
 * The fast path's comparison of one expected observation with an observed one, per distinct
 * key list (a suite's expectations share one object per distinct observation, and a spec's
 * observations have a handful of key lists), compiled once: `e["k"] !== o["k"]` for each key
 * is a named property load with an inline cache, where a loop over the keys does one keyed
 * (megamorphic) load per key and per side, about ten times slower on these flat objects.
 *
 * It returns true only when sameJson(exp, obs) holds: every key of `exp` is an own key of `obs`
 * with an equal value (an `===` value is an own one: Object.prototype holds no JSON primitive;
 * any other value is checked with hasOwn and sameJson), and `obs` has as many own enumerable
 * keys, so no other key. False sends the step to the exact comparison, which decides.
 */
type StepMatcher = (exp: StepObservation, obs: StepObservation) => boolean;

const matcherByKeys = new Map<string, StepMatcher>();
/** The matcher of each decoded expected observation, found once per object. */
const matcherOf = new WeakMap<StepObservation, StepMatcher>();

function compileMatcher(keys: readonly string[]): StepMatcher {
  // Keys are written as JSON string literals: any key is quoted exactly, nothing is evaluated.
  const checks = keys.map((k) => {
    const q = JSON.stringify(k);
    return `if (e[${q}] !== o[${q}] && !(hasOwn(o, ${q}) && sameJson(e[${q}], o[${q}]))) return false;`;
  });
  const body = `return function sameStepValues(e, o) {\n${checks.join('\n')}\nreturn keysOf(o).length === ${keys.length};\n};`;
  return new Function('hasOwn', 'sameJson', 'keysOf', body)(
    Object.hasOwn,
    sameJson,
    Object.keys,
  ) as StepMatcher;
}

function matcherFor(exp: StepObservation): StepMatcher {
  let m = matcherOf.get(exp);
  if (m === undefined) {
    const keys = Object.keys(exp);
    const id = JSON.stringify(keys);
    m = matcherByKeys.get(id);
    if (m === undefined) {
      m = compileMatcher(keys);
      matcherByKeys.set(id, m);
    }
    matcherOf.set(exp, m);
  }
  return m;
}

/** sameJson for two observations (flat objects of primitives; nested values via sameJson). */
function sameObservation(exp: StepObservation, obs: StepObservation): boolean {
  return matcherFor(exp)(exp, obs);
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
