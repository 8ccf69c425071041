import type { Scenario, StepObservation, SuiteData, Target } from '@pinlab/testgen';
import {
  canonicalJson,
  compareObservations,
  findGeneratedSuites,
  formatMismatch,
  loadSuite,
  planScenario,
} from '@pinlab/testgen';

export interface SpecCounts {
  run: number;
  passed: number;
  failed: number;
  notApplicable: number;
  errors: number;
  /** Not applicable, by reason (the realisation's whyNot / scenarioSupport), with counts. */
  notApplicableReasons: Record<string, number>;
  /**
   * Of `run`: scenarios checked only over their longest realisable prefix (Target.
   * realisesPrefixes), by the reason the first step after it is not realised.
   */
  prefixOnly: number;
  prefixOnlyReasons: Record<string, number>;
}

export interface ScenarioOutcome {
  spec: string;
  config: string;
  scenario: string;
  outcome: 'passed' | 'failed' | 'error' | 'not-applicable';
  detail?: string;
  ms?: number;
  /**
   * Set when only steps 0..step-1 were checked because the target cannot realise step `step`
   * (testgen planScenario targetStop): never counted as a whole scenario passed silently.
   */
  prefixOnly?: { step: number; of: number; action: string; reason: string };
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Specs whose kernel realisation is prefix-closed: the guest observes step i before it runs
 * step i+1, and nothing a later step does changes what was observed at step i (ForkRace:
 * guest/agent.c op_forkrace_script observes after every step, the clean-up comes after the
 * last observation; IterCursor: guest/itercursor.c op_itercursor_script reports each step's
 * transfers before the next, from the kernel's previous answer). A scenario whose actions are a prefix of another's of the same spec and
 * constants is then checked on the longer run's first steps instead of being run on its own.
 * A realisation that checks something only at the end of its run must not be listed here.
 */
export const PREFIX_CLOSED_SPECS: readonly string[] = ['ForkRace', 'IterCursor'];

/** One generated scenario as the runner checks it: its own actions and expected observations. */
interface Member {
  spec: string;
  config: string;
  scenario: Scenario;
  expected: readonly StepObservation[];
  prefixOnly?: ScenarioOutcome['prefixOnly'];
  /** planScenario's note on a prefix-only plan: which steps are checked and why no more. */
  prefixNote?: string;
}

/** One run in the guest; it checks every member on its first `member.scenario.actions.length` steps. */
export interface PlannedRun {
  scenario: Scenario;
  members: Member[];
}

/** How many guest runs the suites need, per spec, and why fewer than scenarios. */
export interface DedupeCounts {
  /** Scenarios in the suites. */
  scenarios: number;
  notApplicable: number;
  /** Scenarios that will be checked on the kernel (scenarios - notApplicable). */
  realised: number;
  /** Distinct runs in the guest. */
  runs: number;
  /** Scenarios identical to another one (same actions and constants, e.g. across configs). */
  identical: number;
  /** Scenarios checked on the first steps of a longer run (prefix-closed specs only). */
  prefixOfLonger: number;
  /**
   * Of `realised`: scenarios checked only over their longest realisable prefix, because the
   * target cannot realise a later step (Target.realisesPrefixes; testgen planScenario).
   */
  prefixOnly: number;
  /** Steps the checked scenarios compare, and steps the guest runs. */
  stepsChecked: number;
  stepsRun: number;
}

export interface SuitePlan {
  runs: PlannedRun[];
  notApplicable: ScenarioOutcome[];
  counts: Record<string, DedupeCounts>;
}

function runKey(scenario: Scenario): string {
  return `${scenario.spec}\u0000${canonicalJson(scenario.constants ?? {})}`;
}

/**
 * Plans the guest runs for `suites` under `profile`: identical scenarios share one run, and a
 * scenario of a prefix-closed spec that is a prefix of a longer one is checked on the longer
 * run. Every generated scenario still gets its own outcome (runSuitesOnTarget); nothing is
 * dropped, and the counts say how each one is covered.
 */
export function planSuiteRuns(
  suites: readonly SuiteData[],
  target: Target,
  profile: string,
  prefixClosed: readonly string[] = PREFIX_CLOSED_SPECS,
): SuitePlan {
  const notApplicable: ScenarioOutcome[] = [];
  const counts: Record<string, DedupeCounts> = {};
  const countsOf = (spec: string): DedupeCounts => {
    let c = counts[spec];
    if (c === undefined) {
      c = {
        scenarios: 0,
        notApplicable: 0,
        realised: 0,
        runs: 0,
        identical: 0,
        prefixOfLonger: 0,
        prefixOnly: 0,
        stepsChecked: 0,
        stepsRun: 0,
      };
      counts[spec] = c;
    }
    return c;
  };
  // Group by spec + constants, then by the exact action sequence.
  const groups = new Map<string, Map<string, Member[]>>();
  for (const suite of suites) {
    for (const s of suite.scenarios) {
      const c = countsOf(suite.spec);
      c.scenarios++;
      const plan = planScenario(suite, s, profile, target);
      if (plan.kind === 'not-applicable') {
        c.notApplicable++;
        notApplicable.push({
          spec: suite.spec,
          config: suite.config,
          scenario: s.id,
          outcome: 'not-applicable',
          detail: plan.reason,
        });
        continue;
      }
      c.realised++;
      c.stepsChecked += plan.scenario.actions.length;
      const member: Member = {
        spec: suite.spec,
        config: suite.config,
        scenario: plan.scenario,
        expected: plan.expected.observations,
      };
      if (plan.targetStop !== undefined) {
        c.prefixOnly++;
        member.prefixOnly = { ...plan.targetStop };
        if (plan.note !== undefined) member.prefixNote = plan.note;
      }
      const gk = runKey(plan.scenario);
      let byActions = groups.get(gk);
      if (byActions === undefined) {
        byActions = new Map();
        groups.set(gk, byActions);
      }
      const ak = plan.scenario.actions.map((a) => canonicalJson(a)).join('\n');
      const same = byActions.get(ak);
      if (same === undefined) byActions.set(ak, [member]);
      else {
        same.push(member);
        c.identical++;
      }
    }
  }
  const runs: PlannedRun[] = [];
  for (const byActions of groups.values()) {
    // Sorted keys put a prefix right before the sequences that extend it (the separator
    // sorts below every character of a canonical JSON action), so each sequence is covered by
    // the next one when that one extends it, and chains end at the longest.
    const keys = [...byActions.keys()].sort();
    const spec = byActions.get(keys[0] as string)?.[0]?.spec as string;
    const closed = prefixClosed.includes(spec);
    let carried: Member[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      const members = byActions.get(k) as Member[];
      const next = keys[i + 1];
      if (closed && next !== undefined && next.startsWith(`${k}\n`)) {
        carried.push(...members);
        countsOf(spec).prefixOfLonger += members.length;
        continue;
      }
      const own = members[0] as Member;
      runs.push({ scenario: own.scenario, members: [...members, ...carried] });
      countsOf(spec).runs++;
      countsOf(spec).stepsRun += own.scenario.actions.length;
      carried = [];
    }
  }
  return { runs, notApplicable, counts };
}

export async function runSuitesOnTarget(
  suites: SuiteData[],
  target: Target,
  profile: string,
  concurrency = 6,
  plan: SuitePlan = planSuiteRuns(suites, target, profile),
): Promise<ScenarioOutcome[]> {
  const outcomes: ScenarioOutcome[] = [...plan.notApplicable];
  const jobs = plan.runs.map((run) => async () => {
    const t0 = performance.now();
    let observed: StepObservation[];
    try {
      observed = await target.run(run.scenario, profile);
    } catch (e) {
      const ms = performance.now() - t0;
      for (const m of run.members)
        outcomes.push({
          spec: m.spec,
          config: m.config,
          scenario: m.scenario.id,
          outcome: 'error',
          ms,
          ...(m.prefixOnly !== undefined ? { prefixOnly: m.prefixOnly } : {}),
          detail: `${(e as Error).message}${coveredBy(m, run)}`,
        });
      return;
    }
    const ms = performance.now() - t0;
    const unobservable = target.unobservable?.(run.scenario.spec) ?? [];
    for (const m of run.members) {
      const n = m.scenario.actions.length;
      const mismatches = compareObservations(
        m.scenario,
        profile,
        m.expected,
        observed.slice(0, n),
        unobservable,
      );
      const base = {
        spec: m.spec,
        config: m.config,
        scenario: m.scenario.id,
        ms,
        ...(m.prefixOnly !== undefined ? { prefixOnly: m.prefixOnly } : {}),
      };
      outcomes.push(
        mismatches.length === 0
          ? { ...base, outcome: 'passed' }
          : {
              ...base,
              outcome: 'failed',
              detail: `${mismatches.map(formatMismatch).join('\n')}${coveredBy(m, run)}`,
            },
      );
    }
  });
  await pool(jobs, concurrency, (job) => job());
  return outcomes.sort((a, b) =>
    `${a.spec}/${a.config}/${a.scenario}`.localeCompare(`${b.spec}/${b.config}/${b.scenario}`),
  );
}

function coveredBy(m: Member, run: PlannedRun): string {
  const prefix = m.prefixNote === undefined ? '' : `\n(prefix only: ${m.prefixNote})`;
  if (m.scenario === run.scenario) return prefix;
  return `${prefix}\n(checked on the run of ${run.scenario.config}/${run.scenario.id}, steps 0..${m.scenario.actions.length - 1} of 0..${run.scenario.actions.length - 1})`;
}

export function countBySpec(outcomes: ScenarioOutcome[]): Record<string, SpecCounts> {
  const by: Record<string, SpecCounts> = {};
  for (const o of outcomes) {
    const c = by[o.spec] ?? {
      run: 0,
      passed: 0,
      failed: 0,
      notApplicable: 0,
      errors: 0,
      notApplicableReasons: {},
      prefixOnly: 0,
      prefixOnlyReasons: {},
    };
    by[o.spec] = c;
    if (o.outcome === 'not-applicable') {
      c.notApplicable++;
      const why = o.detail ?? 'no reason given';
      c.notApplicableReasons[why] = (c.notApplicableReasons[why] ?? 0) + 1;
    } else {
      c.run++;
      if (o.prefixOnly !== undefined) {
        c.prefixOnly++;
        const why = `step ${o.prefixOnly.action}: ${o.prefixOnly.reason}`;
        c.prefixOnlyReasons[why] = (c.prefixOnlyReasons[why] ?? 0) + 1;
      }
      if (o.outcome === 'passed') c.passed++;
      else if (o.outcome === 'failed') c.failed++;
      else c.errors++;
    }
  }
  return by;
}

export function loadSuites(root: string): SuiteData[] {
  return findGeneratedSuites(root).map((f) => loadSuite(f));
}

/**
 * PINLAB_KERNEL_SCENARIO_CAP=n keeps only the first n scenarios of each suite. A full run of
 * today's ~2000 ForkRace scenarios per kernel stalls after a few hundred (README, known
 * problems); CI runs a capped prefix until that is fixed, and says so in the test title.
 */
export function scenarioCap(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const cap = Number(env.PINLAB_KERNEL_SCENARIO_CAP ?? 'NaN');
  return Number.isInteger(cap) && cap > 0 ? cap : undefined;
}

export function capSuites(suites: SuiteData[], cap: number | undefined): SuiteData[] {
  return cap === undefined
    ? suites
    : suites.map((s) => ({ ...s, scenarios: s.scenarios.slice(0, cap) }));
}
