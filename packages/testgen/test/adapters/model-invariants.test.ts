// The model-invariant table (adapters/model-invariants.ts) and the reference target's check that
// every invariant the model breaks at a step is reported by one of its reference checks.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Violation } from '@pinlab/reference';
import { applyConstantOverrides, ModelExplorer, parseTlcConfig, readTlaModule } from '@pinlab/tla';
import * as tlaChecker from 'tla-checker';
import { describe, expect, it } from 'vitest';
import type { ReferenceDriver, SpecAdapter } from '../../src/adapters/adapter.ts';
import { allAdapters } from '../../src/adapters/index.ts';
import {
  brokenModelInvariants,
  brokenModelInvariantsOfSuite,
  modelInvariantTable,
  modelInvariantTables,
} from '../../src/adapters/model-invariants.ts';
import { canonicalJson } from '../../src/model/value.ts';
import { runOnReference, TargetRunError } from '../../src/reference-target.ts';
import { loadSuite } from '../../src/run-suite.ts';
import type { Scenario, ScenarioAction, StepObservation } from '../../src/target.ts';

const root = join(import.meta.dirname, '../../../..');
const specs = join(root, 'specs');
const manifest = JSON.parse(readFileSync(join(specs, 'manifest.json'), 'utf8')) as Record<
  string,
  { spec: string; expect: 'ok' | { invariant: string } }
>;

/** Every invariant the configs of `spec` check (their INVARIANT lists). */
function specInvariants(spec: string): Set<string> {
  const out = new Set<string>();
  for (const f of readdirSync(specs)) {
    if (!f.endsWith('.cfg') || (f !== `${spec}.cfg` && !f.startsWith(`${spec}_`))) continue;
    for (const inv of parseTlcConfig(readFileSync(join(specs, f), 'utf8')).invariants) out.add(inv);
  }
  return out;
}

describe('model invariant table', () => {
  it('has one table per adapter', () => {
    expect(modelInvariantTables.map((t) => t.spec).sort()).toEqual(
      allAdapters.map((a) => a.spec).sort(),
    );
  });

  for (const t of modelInvariantTables) {
    it(`${t.spec}: lists every invariant of its configs once, checked or with a reason`, () => {
      const checked = t.checked.map((c) => c.invariant);
      const unchecked = Object.keys(t.unchecked);
      const listed = [...checked, ...unchecked];
      expect(new Set(listed).size).toBe(listed.length);
      expect(new Set(listed)).toEqual(specInvariants(t.spec));
      for (const c of t.checked) expect(c.reportedAs.length).toBeGreaterThan(0);
      for (const reason of Object.values(t.unchecked)) expect(reason.length).toBeGreaterThan(20);
    });
  }

  // A config the manifest expects to break a checked invariant: its generated suite has steps
  // where the model's observations show it broken (under the config's design, the profile with
  // the bug's fault), so the check is exercised there and not only declared.
  const bugConfigs = Object.entries(manifest).filter(
    ([, m]) =>
      typeof m.expect === 'object' &&
      modelInvariantTable(m.spec)?.checked.some(
        (c) => c.invariant === (m.expect as { invariant: string }).invariant,
      ),
  );
  it.each(bugConfigs)(
    '%s: the suite shows the model breaking its invariant, and the model agrees',
    (config, m) => {
      const invariant = (m.expect as { invariant: string }).invariant;
      const suite = loadSuite(join(root, 'generated-tests', m.spec, `${config}.suite.json`));
      let steps = 0;
      let first: { actions: readonly ScenarioAction[]; profile: string; step: number } | undefined;
      for (const s of suite.scenarios)
        for (const [profile, e] of Object.entries(s.expect)) {
          if (!('observations' in e)) continue;
          const constants = suite.constants?.[profile] ?? {};
          e.observations.forEach((now, i) => {
            const prev = i === 0 ? undefined : e.observations[i - 1];
            const action = s.actions[i] as ScenarioAction;
            const broken = brokenModelInvariants(m.spec, prev, now, action, constants);
            if (!broken.some((c) => c.invariant === invariant)) return;
            steps++;
            if (first === undefined || i < first.step)
              first = { actions: s.actions, profile, step: i };
          });
        }
      expect(steps).toBeGreaterThan(0);
      // The model itself (the engine's evaluation of the spec's invariant) breaks it at the
      // earliest such step or the one before (a check that can only see it once the step is
      // done: a freed buffer's DMA at the bio's completion).
      const f = first as NonNullable<typeof first>;
      const states = replayModel(
        m.spec,
        config,
        suite.constants?.[f.profile] ?? {},
        f.actions,
        f.step,
      );
      expect(
        states
          .slice(-2)
          .some(
            (st) =>
              !invariantHolds(m.spec, config, suite.constants?.[f.profile] ?? {}, st, invariant),
          ),
        `${config} [${f.profile}] step ${f.step}: the model keeps ${invariant}`,
      ).toBe(true);
    },
    120_000,
  );
});

// The engine, for the model's own invariant results: tla-checker's explore_invariants on a state
// the ModelExplorer replayed.
const require = createRequire(import.meta.url);
tlaChecker.initSync({
  module: readFileSync(join(dirname(require.resolve('tla-checker')), 'tla_checker_bg.wasm')),
});

function modelText(spec: string, config: string, constants: Record<string, unknown>) {
  const specText = readFileSync(join(specs, `${spec}.tla`), 'utf8');
  const cfgText = applyConstantOverrides(
    readFileSync(join(specs, `${config}.cfg`), 'utf8'),
    { ...(constants as Record<string, string | number | boolean>) },
    readTlaModule(specText).constants,
  );
  return { specText, cfgText };
}

type ExplorerState = ModelExplorer['initial'][number];

/** The model's states 0..last along `actions` (each step: the successor its action names). */
function replayModel(
  spec: string,
  config: string,
  constants: Record<string, unknown>,
  actions: readonly ScenarioAction[],
  last: number,
): ExplorerState[] {
  const { specText, cfgText } = modelText(spec, config, constants);
  const ex = new ModelExplorer(specText, cfgText);
  const key = (a: unknown) => canonicalJson(a as never);
  let state = ex.initial.find((s) => key(s.values.action) === key(actions[0]));
  if (state === undefined) throw new Error(`${config}: no initial state`);
  const out = [state];
  for (let i = 1; i <= last; i++) {
    state = ex.successors(state).find((s) => key(s.values.action) === key(actions[i]));
    if (state === undefined) throw new Error(`${config}: step ${i} not enabled`);
    out.push(state);
  }
  return out;
}

function invariantHolds(
  spec: string,
  config: string,
  constants: Record<string, unknown>,
  state: ExplorerState,
  invariant: string,
): boolean {
  const { specText, cfgText } = modelText(spec, config, constants);
  const r = JSON.parse(
    tlaChecker.explore_invariants(specText, cfgText, '{}', JSON.stringify(state.raw)),
  ) as { ok: boolean; invariants: { name: string; holds: boolean }[] };
  const inv = r.invariants.find((i) => i.name === invariant);
  if (!r.ok || inv === undefined) throw new Error(`${config}: no result for ${invariant}`);
  return inv.holds;
}

/** A driver whose observations and violations are scripted per step. */
function scriptedAdapter(
  steps: readonly { obs: StepObservation; violations: readonly Violation[] }[],
): SpecAdapter {
  return {
    spec: 'IterCursor',
    observeModel: () => ({}),
    supports: () => true,
    // Allows whatever the scripted driver reports: only the other direction is under test.
    predictedViolations: () => ['no_over_reversion', 'iter_count_consistent'],
    createDriver(): ReferenceDriver {
      let i = 0;
      return {
        apply() {
          i++;
        },
        observe: () => steps[i]?.obs ?? {},
        violations: () => steps[i]?.violations ?? [],
      };
    },
  };
}

const fine: StepObservation = { oops: 'NONE', count: 6, npages: 2 };
const overReverted: StepObservation = { oops: 'OOB', count: null, npages: null };
const scenario: Scenario = {
  id: 'IterCursor_over_revert/tour-1',
  spec: 'IterCursor',
  config: 'IterCursor_over_revert',
  actions: [{ name: 'Init' }, { name: 'IterInit', type: 'IOVEC' }, { name: 'Revert', bytes: 1 }],
};
const reported: Violation = { invariant: 'no_over_reversion', message: 'before its start' };

describe('reference target: a violation the model predicts must be reported', () => {
  it('passes when a reference check mapped to the invariant reports it', () => {
    const a = scriptedAdapter([
      { obs: fine, violations: [] },
      { obs: fine, violations: [] },
      { obs: overReverted, violations: [reported] },
    ]);
    expect(runOnReference(a, scenario, 'linux-6.12')).toHaveLength(3);
  });

  it('fails naming scenario, step, action, the invariant and what was reported', () => {
    const a = scriptedAdapter([
      { obs: fine, violations: [] },
      { obs: fine, violations: [] },
      { obs: overReverted, violations: [] },
    ]);
    expect(() => runOnReference(a, scenario, 'linux-6.12')).toThrow(TargetRunError);
    expect(() => runOnReference(a, scenario, 'linux-6.12')).toThrow(
      'IterCursor_over_revert/tour-1 [linux-6.12] step 2 Revert(bytes=1): the model breaks NeverBeforeStart, which the reference does not report (expected a violation of no_over_reversion or iter_count_consistent; reported: none)',
    );
  });

  it('names the violations reported when none is the invariant’s', () => {
    const other: Violation = { invariant: 'no_pin_underflow', message: 'x' };
    const a: SpecAdapter = {
      ...scriptedAdapter([
        { obs: fine, violations: [] },
        { obs: fine, violations: [] },
        { obs: overReverted, violations: [other] },
      ]),
      predictedViolations: () => ['no_pin_underflow'],
    };
    expect(() => runOnReference(a, scenario, 'linux-6.12')).toThrow('reported: no_pin_underflow)');
  });

  it('counts a violation reported at an earlier step that still shows', () => {
    const a = scriptedAdapter([
      { obs: fine, violations: [] },
      { obs: overReverted, violations: [reported] },
      { obs: overReverted, violations: [reported] },
    ]);
    expect(runOnReference(a, scenario, 'linux-6.12')).toHaveLength(3);
  });

  it('takes a check mapped to an invariant the model breaks at the step as predicted', () => {
    // The adapter predicts nothing; the model breaks NeverBeforeStart at step 2, which the
    // table maps to no_over_reversion: reported there, it needs no prediction of its own.
    const unpredicting = (steps: Parameters<typeof scriptedAdapter>[0]): SpecAdapter => ({
      ...scriptedAdapter(steps),
      predictedViolations: () => [],
    });
    expect(
      runOnReference(
        unpredicting([
          { obs: fine, violations: [] },
          { obs: fine, violations: [] },
          { obs: overReverted, violations: [reported] },
        ]),
        scenario,
        'linux-6.12',
      ),
    ).toHaveLength(3);
    // At a step the model does not break it, the same report is still unpredicted.
    expect(() =>
      runOnReference(
        unpredicting([
          { obs: fine, violations: [] },
          { obs: fine, violations: [reported] },
          { obs: fine, violations: [reported] },
        ]),
        scenario,
        'linux-6.12',
      ),
    ).toThrow(
      'step 1 IterInit(type="IOVEC"): reference invariant no_over_reversion violated, which the model does not predict',
    );
  });

  it("reads the model's break from the expected observations when given", () => {
    // The reference observes nothing wrong and reports nothing; the model's observations say
    // step 2 over-reverts: the run fails on the invariant (the observations' comparison, which
    // runs after, would fail too).
    const a = scriptedAdapter([
      { obs: fine, violations: [] },
      { obs: fine, violations: [] },
      { obs: fine, violations: [] },
    ]);
    expect(runOnReference(a, scenario, 'linux-6.12')).toHaveLength(3);
    expect(() => runOnReference(a, scenario, 'linux-6.12', [fine, fine, overReverted])).toThrow(
      'step 2 Revert(bytes=1): the model breaks NeverBeforeStart',
    );
  });
});

describe('brokenModelInvariantsOfSuite', () => {
  it("gives brokenModelInvariants' answers for every step of a suite, each triple computed once", () => {
    const suite = loadSuite(
      join(root, 'generated-tests/BvecqCursors/BvecqCursors_read_too_much.suite.json'),
    );
    let steps = 0;
    let broken = 0;
    for (const profile of suite.profiles) {
      const constants = suite.constants?.[profile] ?? {};
      const memo = brokenModelInvariantsOfSuite(suite.spec, constants);
      for (const sc of suite.scenarios) {
        const e = sc.expect[profile];
        if (e === undefined || !('observations' in e)) continue;
        const obs = e.observations;
        for (let i = 0; i < obs.length; i++) {
          const args = [
            i === 0 ? undefined : obs[i - 1],
            obs[i] as StepObservation,
            sc.actions[i] as ScenarioAction,
          ] as const;
          const want = brokenModelInvariants(suite.spec, ...args, constants);
          const first = memo(...args);
          expect(first.map((c) => c.invariant)).toEqual(want.map((c) => c.invariant));
          // Remembered: the same array for the same objects.
          expect(memo(...args)).toBe(first);
          steps++;
          broken += want.length;
        }
      }
    }
    expect(steps).toBeGreaterThan(1000);
    expect(broken).toBeGreaterThan(0);
    // Thousands of steps, each judged twice: about 3 s alone, over vitest's 5 s default when CI's
    // projects share the machine.
  }, 60_000);
});
