import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareObservations, formatMismatch } from '../src/compare.ts';
import { computeExpectation } from '../src/expect.ts';
import { createEmbeddedStepper } from '../src/model/engine.ts';
import { createReferenceTarget } from '../src/reference-target.ts';
import type { Scenario } from '../src/target.ts';
import { applicability } from '../src/target.ts';
import { toyAdapter, toyProfiles } from './fixtures/toy-adapter.ts';

const fx = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');
const stepper = createEmbeddedStepper('ToyPin', fx('ToyPin.tla'), fx('ToyPin.cfg'));

const scenario: Scenario = {
  id: 'ToyPin/s1',
  spec: 'ToyPin',
  config: 'ToyPin',
  actions: [
    { name: 'Init', page: 0 },
    { name: 'Acquire', page: 1 },
    { name: 'Acquire', page: 1 },
    { name: 'Release', page: 1 },
  ],
};

describe('expectations by replay', () => {
  it('replays the same actions under each profile with different observations', () => {
    const adapter = toyAdapter();
    const legacy = computeExpectation(
      stepper,
      adapter.observeModel,
      scenario,
      'legacy',
      toyProfiles.legacy.ToyPin,
    );
    const pinned = computeExpectation(
      stepper,
      adapter.observeModel,
      scenario,
      'pinned',
      toyProfiles.pinned.ToyPin,
    );
    expect(legacy.stoppedAt).toBeUndefined();
    expect(legacy.observations.map((o) => o.ref1)).toEqual([1, 2, 3, 2]);
    expect(pinned.observations.map((o) => o.ref1)).toEqual([1, 3, 5, 3]);
    expect(pinned.observations.map((o) => o.refDelta)).toEqual([0, 2, 2, -2]);
  });

  it('records an action the profile does not enable, keeping the prefix', () => {
    const adapter = toyAdapter();
    const s: Scenario = {
      ...scenario,
      actions: [
        { name: 'Init', page: 0 },
        { name: 'Acquire', page: 2 },
        { name: 'PinOnly', page: 1 },
      ],
    };
    const legacy = computeExpectation(
      stepper,
      adapter.observeModel,
      s,
      'legacy',
      toyProfiles.legacy.ToyPin,
    );
    expect(legacy.observations).toHaveLength(2);
    expect(legacy.stoppedAt).toMatchObject({ step: 2, action: 'PinOnly(page=1)' });
  });
});

describe('reference target and comparison', () => {
  it('matches a correct reference step by step and names the first divergence of a buggy one', async () => {
    for (const [adapter, bad] of [
      [toyAdapter(), false],
      [toyAdapter({ buggyRelease: true }), true],
    ] as const) {
      const target = createReferenceTarget([adapter], ['legacy', 'pinned']);
      expect(applicability(target, scenario, 'pinned')).toEqual({ applicable: true });
      const exp = computeExpectation(
        stepper,
        adapter.observeModel,
        scenario,
        'pinned',
        toyProfiles.pinned.ToyPin,
      );
      const obs = await target.run(scenario, 'pinned');
      const mismatches = compareObservations(scenario, 'pinned', exp.observations, obs);
      if (!bad) expect(mismatches).toEqual([]);
      else {
        expect(mismatches.map(formatMismatch)).toEqual([
          'ToyPin/s1 [pinned] step 3 Release(page=1): ref1 expected 3, observed 4',
          'ToyPin/s1 [pinned] step 3 Release(page=1): refDelta expected -2, observed -1',
        ]);
      }
    }
  });

  it('reports a scenario with an unsupported action or an unknown profile as not applicable', () => {
    const target = createReferenceTarget([toyAdapter()], ['legacy']);
    const s: Scenario = {
      ...scenario,
      actions: [
        { name: 'Init', page: 0 },
        { name: 'Teleport', page: 1 },
      ],
    };
    expect(applicability(target, s, 'legacy')).toMatchObject({
      applicable: false,
      reason: expect.stringContaining('Teleport'),
    });
    expect(applicability(target, scenario, 'pinned')).toMatchObject({ applicable: false });
  });
});
