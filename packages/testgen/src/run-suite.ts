// Running a generated suite on a target: for each profile the target runs, each scenario is
// either not applicable (reason recorded), compared over the steps its expectation covers, or
// failed with the first diverging step. Shared by the vitest files and `pinlab run`.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Mismatch } from './compare.ts';
import { compareObservations } from './compare.ts';
import type { StoredExpectation, SuiteData, SuiteScenario } from './suite.ts';
import { validateSuite } from './suite.ts';
import type { Scenario, ScenarioAction, Target } from './target.ts';
import { applicability } from './target.ts';

/** Every `*.suite.json` under the generated-tests folder, sorted. */
export function findGeneratedSuites(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.suite.json')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function loadSuite(path: string | URL): SuiteData {
  const source = String(path);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot load suite ${source}: ${(e as Error).message}`);
  }
  return validateSuite(data, source);
}

/** Why an expectation stored as `runIn` is not run here (its twin in an earlier suite is). */
export const RUN_ELSEWHERE =
  'run in an earlier config of the spec (same actions, same model under this profile)';

/** What running one scenario under one profile would do, decided before running it. */
export type ScenarioPlan =
  | { readonly kind: 'not-applicable'; readonly reason: string }
  | {
      readonly kind: 'run';
      /** The scenario cut to the steps the model enables under the profile. */
      readonly scenario: Scenario;
      readonly expected: Extract<StoredExpectation, { observations: unknown }>;
      /**
       * Set when the run covers fewer steps than the scenario: the model stops earlier under
       * this profile, or the target realises only a prefix (`targetStop`).
       */
      readonly note?: string;
      /**
       * Set when the target cannot realise step `step` and the plan checks steps 0..step-1 only
       * (Target.realisesPrefixes); `reason` is the target's.
       */
      readonly targetStop?: {
        readonly step: number;
        /** The whole scenario's step count (Init included). */
        readonly of: number;
        readonly action: string;
        readonly reason: string;
      };
    };

/** Shortest prefix worth running on a target that realises prefixes: Init plus one step. */
export const MIN_REALISED_PREFIX = 2;

/**
 * The longest prefix of `scenario` that `target` can run under `profile`, for a target that
 * realises prefixes of the spec: `length` steps, the first refused step being `length`
 * (refused with `reason`). Undefined when even Init plus one step is refused (a scenario-level
 * refusal, e.g. by the constants, refuses every prefix) or when the whole scenario runs.
 */
function longestRealisedPrefix(
  target: Target,
  scenario: Scenario,
  profile: string,
): { readonly length: number; readonly stop: ScenarioAction; readonly reason: string } | undefined {
  for (const [i, stop] of scenario.actions.entries()) {
    const app = applicability(
      target,
      { ...scenario, actions: scenario.actions.slice(0, i + 1) },
      profile,
    );
    if (!app.applicable)
      return i >= MIN_REALISED_PREFIX ? { length: i, stop, reason: app.reason } : undefined;
  }
  return undefined;
}

export function planScenario(
  suite: SuiteData,
  s: SuiteScenario,
  profile: string,
  target: Target,
): ScenarioPlan {
  let stored = s.expect[profile];
  if (stored !== undefined && 'sameAs' in stored) stored = s.expect[stored.sameAs];
  if (stored !== undefined && 'runIn' in stored)
    return { kind: 'not-applicable', reason: RUN_ELSEWHERE };
  if (stored === undefined)
    return { kind: 'not-applicable', reason: `no expectation for profile ${profile}` };
  if ('notApplicable' in stored) return { kind: 'not-applicable', reason: stored.notApplicable };
  if ('sameAs' in stored)
    return { kind: 'not-applicable', reason: `profile ${profile}: sameAs chain` };
  const n = stored.observations.length;
  const constants = suite.constants?.[profile];
  const scenario: Scenario = {
    id: s.id,
    spec: suite.spec,
    config: suite.config,
    // The suite's own (readonly) list when the model runs it to the end, as it nearly always
    // does: no copy per scenario and profile (the vitest files plan every test at collection).
    actions: n === s.actions.length ? s.actions : s.actions.slice(0, n),
    ...(constants !== undefined ? { constants } : {}),
  };
  const app = applicability(target, scenario, profile);
  if (!app.applicable) {
    const prefix =
      target.realisesPrefixes?.(suite.spec) === true
        ? longestRealisedPrefix(target, scenario, profile)
        : undefined;
    if (prefix === undefined) return { kind: 'not-applicable', reason: app.reason };
    const k = prefix.length;
    const stop = prefix.stop;
    return {
      kind: 'run',
      scenario: { ...scenario, actions: scenario.actions.slice(0, k) },
      // The model's own stop (stoppedAt), if any, lies past the cut: the expectation is the
      // model's first k observations and nothing else.
      expected: { observations: stored.observations.slice(0, k) },
      note: `steps 0..${k - 1} of 0..${s.actions.length - 1}; step ${k} ${stop.name} not realised: ${prefix.reason}`,
      targetStop: { step: k, of: s.actions.length, action: stop.name, reason: prefix.reason },
    };
  }
  const note =
    stored.stoppedAt === undefined
      ? undefined
      : `steps 0..${n - 1} of 0..${s.actions.length - 1}; step ${stored.stoppedAt.step} ${stored.stoppedAt.action} ${stored.stoppedAt.reason}`;
  return note === undefined
    ? { kind: 'run', scenario, expected: stored }
    : { kind: 'run', scenario, expected: stored, note };
}

export async function runPlanned(
  plan: Extract<ScenarioPlan, { kind: 'run' }>,
  profile: string,
  target: Target,
): Promise<Mismatch[]> {
  const observed = await target.run(plan.scenario, profile, plan.expected.observations);
  return compareObservations(
    plan.scenario,
    profile,
    plan.expected.observations,
    observed,
    target.unobservable?.(plan.scenario.spec) ?? [],
  );
}

export interface SuiteRunSummary {
  passed: number;
  readonly failed: {
    readonly scenario: string;
    readonly profile: string;
    readonly mismatches: Mismatch[];
  }[];
  readonly errors: {
    readonly scenario: string;
    readonly profile: string;
    readonly message: string;
  }[];
  /** Not applicable, by reason, with counts. */
  readonly notApplicable: Record<string, number>;
  /**
   * Scenarios compared only over a prefix: the profile's model stops earlier, or the target
   * realises only the steps before one it cannot (Target.realisesPrefixes).
   */
  truncated: number;
}

/** Runs a whole suite on a target (all profiles it runs, or `only`). */
export async function runSuite(
  suite: SuiteData,
  target: Target,
  only?: readonly string[],
): Promise<SuiteRunSummary> {
  const summary: SuiteRunSummary = {
    passed: 0,
    failed: [],
    errors: [],
    notApplicable: {},
    truncated: 0,
  };
  const profiles = suite.profiles.filter(
    (p) => target.profiles.includes(p) && (only === undefined || only.includes(p)),
  );
  for (const profile of profiles) {
    for (const s of suite.scenarios) {
      const plan = planScenario(suite, s, profile, target);
      if (plan.kind === 'not-applicable') {
        summary.notApplicable[plan.reason] = (summary.notApplicable[plan.reason] ?? 0) + 1;
        continue;
      }
      if (plan.note !== undefined) summary.truncated++;
      try {
        const mismatches = await runPlanned(plan, profile, target);
        if (mismatches.length === 0) summary.passed++;
        else summary.failed.push({ scenario: s.id, profile, mismatches });
      } catch (e) {
        summary.errors.push({ scenario: s.id, profile, message: (e as Error).message });
      }
    }
  }
  return summary;
}
