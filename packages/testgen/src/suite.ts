// A generated suite: the scenarios of one spec config with, for every profile, the observations
// the model expects. This is the data a generated test file loads, and what `pinlab run` feeds
// to any target. Building it is pure and deterministic (same inputs -> same JSON text).

import type { SpecAdapter } from './adapters/adapter.ts';
import type { Expectation } from './expect.ts';
import { computeExpectation, ReplayError } from './expect.ts';
import type { Constants, ModelStepper } from './model/engine.ts';
import { canonicalJson } from './model/value.ts';
import type { ProfileEntry } from './profiles.ts';
import type { Scenario, ScenarioAction, StepObservation } from './target.ts';

/** The expectation of one scenario under one profile, as stored. */
export type StoredExpectation =
  | {
      readonly observations: StepObservation[];
      /** Step at which the profile's model no longer enables the scenario's action. */
      readonly stoppedAt?: Expectation['stoppedAt'];
    }
  | { readonly notApplicable: string }
  /** Same constants as an earlier profile: same expectation, stored once. */
  | { readonly sameAs: string }
  /**
   * An earlier config's suite of the spec holds this scenario's actions under the same model
   * for this profile: that scenario (this id) is run, with the same expectation.
   */
  | { readonly runIn: string };

export interface SuiteScenario {
  readonly id: string;
  /** How the scenario was found: `tour`, `walk`, `counterexample`, `frozen`, ... */
  readonly origin: string;
  readonly actions: readonly ScenarioAction[];
  readonly expect: Readonly<Record<string, StoredExpectation>>;
}

export interface SuiteData {
  /** Marks the file as generated (checked before any overwrite). */
  readonly generated: string;
  readonly spec: string;
  readonly config: string;
  readonly seed: number;
  readonly regenerate: string;
  readonly profiles: readonly string[];
  /** Per profile constraining the spec: the config's scalar constants with the profile's overrides. */
  readonly constants?: Readonly<Record<string, Constants>>;
  readonly scenarios: readonly SuiteScenario[];
}

export interface SourcedScenario extends Scenario {
  readonly origin: string;
}

/**
 * Computes every scenario's expectation under every profile. A profile that does not constrain
 * the spec makes the scenario not applicable to it (docs/CONTRACTS.md).
 */
export function buildSuiteScenarios(
  stepper: ModelStepper,
  adapter: SpecAdapter,
  scenarios: readonly SourcedScenario[],
  profiles: readonly ProfileEntry[],
): SuiteScenario[] {
  return scenarios.map((s) => {
    const expect: Record<string, StoredExpectation> = {};
    const byConstants = new Map<string, string>();
    for (const p of profiles) {
      const constants = p.constants[s.spec];
      const key = constants === undefined ? undefined : canonicalJson(constants);
      const twin = key === undefined ? undefined : byConstants.get(key);
      if (twin !== undefined) {
        expect[p.name] = { sameAs: twin };
        continue;
      }
      if (key !== undefined) byConstants.set(key, p.name);
      if (constants === undefined) {
        expect[p.name] = { notApplicable: `profile ${p.name} does not constrain ${s.spec}` };
        continue;
      }
      const e = computeExpectation(stepper, adapter.observeModel, s, p.name, constants);
      if (e.stoppedAt?.step === 0)
        throw new ReplayError(`${s.id}: no initial state under ${p.name}`);
      expect[p.name] =
        e.stoppedAt === undefined
          ? { observations: e.observations }
          : { observations: e.observations, stoppedAt: e.stoppedAt };
    }
    return { id: s.id, origin: s.origin, actions: s.actions, expect };
  });
}

/**
 * Suite files store each observation list as deltas: the first observation whole, then only the
 * keys that changed (an observation whose key set differs is stored whole under `__full`).
 * Observations change little from step to step, so this keeps checked-in suites small.
 */
export function encodeObservations(list: readonly StepObservation[]): Record<string, unknown>[] {
  return list.map((o, i) => {
    const prev = list[i - 1];
    if (prev === undefined) return { ...o };
    const keys = Object.keys(o);
    if (keys.length !== Object.keys(prev).length || keys.some((k) => !(k in prev)))
      return { __full: o };
    const d: Record<string, unknown> = {};
    for (const k of keys) if (canonicalJson(o[k]) !== canonicalJson(prev[k])) d[k] = o[k];
    return d;
  });
}

export function decodeObservations(list: readonly Record<string, unknown>[]): StepObservation[] {
  const out: StepObservation[] = [];
  for (const d of list) {
    const prev = out[out.length - 1];
    if ('__full' in d) out.push(d.__full as StepObservation);
    else out.push({ ...(prev ?? {}), ...(d as StepObservation) });
  }
  return out;
}

/**
 * The suite as stored (`encoding: "table"`): every distinct action record and every distinct
 * observation is written once, in the suite's `actions` and `observations` tables, and scenarios
 * refer to them by index. A config's states are few and its scenarios revisit them, so this is
 * several times smaller than writing observations out (even as deltas, the former encoding,
 * still read) and still one line per scenario in review. Indices follow first use, so the same
 * suite gives the same text.
 */
export interface TableEncodedSuite extends Omit<SuiteData, 'scenarios'> {
  readonly encoding: 'table';
  readonly actions: readonly ScenarioAction[];
  readonly observations: readonly StepObservation[];
  readonly scenarios: readonly TableScenario[];
}

interface TableScenario {
  readonly id: string;
  readonly origin: string;
  readonly actions: readonly number[];
  readonly expect: Readonly<Record<string, unknown>>;
}

/** Interns values by canonical JSON (object identity first: replays share observation objects). */
function interner<T>(): { table: T[]; index(v: T): number } {
  const table: T[] = [];
  const byText = new Map<string, number>();
  const byRef = new WeakMap<object, number>();
  return {
    table,
    index(v: T): number {
      const isObject = typeof v === 'object' && v !== null;
      const ref = isObject ? byRef.get(v) : undefined;
      if (ref !== undefined) return ref;
      const text = canonicalJson(v);
      let i = byText.get(text);
      if (i === undefined) {
        i = table.length;
        table.push(v);
        byText.set(text, i);
      }
      if (isObject) byRef.set(v, i);
      return i;
    },
  };
}

export function encodeSuite(suite: SuiteData): TableEncodedSuite {
  const actions = interner<ScenarioAction>();
  const observations = interner<StepObservation>();
  const scenarios = suite.scenarios.map((s) => ({
    id: s.id,
    origin: s.origin,
    actions: s.actions.map((a) => actions.index(a)),
    expect: Object.fromEntries(
      Object.entries(s.expect).map(([p, e]) => [
        p,
        'observations' in e
          ? { ...e, observations: e.observations.map((o) => observations.index(o)) }
          : e,
      ]),
    ),
  }));
  return {
    ...suite,
    encoding: 'table',
    actions: actions.table,
    observations: observations.table,
    scenarios,
  };
}

function fromTable<T>(table: readonly T[], i: unknown, what: string, source: string): T {
  const v = typeof i === 'number' ? table[i] : undefined;
  if (v === undefined)
    throw new SuiteError(`${source}: ${what} refers to ${JSON.stringify(i)}, not in the table`);
  return v;
}

function decodeTables(
  suite: SuiteData & { actions?: unknown; observations?: unknown },
  source: string,
): SuiteData {
  const {
    encoding: _e,
    actions: at,
    observations: ot,
    ...rest
  } = suite as SuiteData & {
    encoding: string;
    actions: unknown;
    observations: unknown;
  };
  if (!Array.isArray(at) || !Array.isArray(ot))
    throw new SuiteError(`${source}: a table-encoded suite needs lists actions and observations`);
  return {
    ...rest,
    scenarios: suite.scenarios.map((s) => ({
      ...s,
      actions: s.actions.map((i, n) =>
        fromTable(at as ScenarioAction[], i, `${s.id} action ${n}`, source),
      ),
      expect: Object.fromEntries(
        Object.entries(s.expect).map(([p, e]) => [
          p,
          'observations' in e
            ? {
                ...e,
                observations: (e.observations as unknown[]).map((i, n) =>
                  fromTable(ot as StepObservation[], i, `${s.id} ${p} step ${n}`, source),
                ),
              }
            : e,
        ]),
      ),
    })),
  };
}

function decodeSuite(suite: SuiteData & { encoding?: string }, source: string): SuiteData {
  if (suite.encoding === 'table') return decodeTables(suite, source);
  if (suite.encoding !== 'delta') return suite;
  const { encoding: _encoding, ...rest } = suite;
  return {
    ...rest,
    scenarios: suite.scenarios.map((s) => ({
      ...s,
      expect: Object.fromEntries(
        Object.entries(s.expect).map(([p, e]) => [
          p,
          'observations' in e
            ? {
                ...e,
                observations: decodeObservations(
                  e.observations as unknown as Record<string, unknown>[],
                ),
              }
            : e,
        ]),
      ),
    })),
  };
}

export class SuiteError extends Error {
  override name = 'SuiteError';
}

/** Checks the shape of a loaded suite file, naming the first problem. */
export function validateSuite(data: unknown, source: string): SuiteData {
  const d = data as Partial<SuiteData> | null;
  if (d === null || typeof d !== 'object') throw new SuiteError(`${source}: not a suite object`);
  for (const k of ['generated', 'spec', 'config', 'regenerate'] as const) {
    if (typeof d[k] !== 'string') throw new SuiteError(`${source}: field ${k} must be a string`);
  }
  if (!Array.isArray(d.profiles) || !Array.isArray(d.scenarios)) {
    throw new SuiteError(`${source}: fields profiles and scenarios must be lists`);
  }
  d.scenarios.forEach((s, i) => {
    if (typeof s?.id !== 'string' || !Array.isArray(s.actions) || typeof s.expect !== 'object') {
      throw new SuiteError(`${source}: scenarios[${i}] needs id, actions and expect`);
    }
  });
  return decodeSuite(d as SuiteData, source);
}
