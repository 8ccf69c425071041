// compareObservations' fast path (structural equality) must accept exactly what the canonical
// comparison accepts and report exactly what it reports.
import { describe, expect, it } from 'vitest';
import { compareObservations, formatMismatch } from '../src/compare.ts';
import type { Scenario, StepObservation } from '../src/target.ts';

const scenario: Scenario = {
  id: 'S/1',
  spec: 'S',
  config: 'S',
  actions: [{ name: 'Init' }, { name: 'Pin', page: 1 }, { name: 'Unpin', page: 1 }],
};

describe('comparing observations', () => {
  it('accepts equal steps whatever the key order', () => {
    const exp: StepObservation[] = [{ a: 1, b: 'x', c: null, d: true }, { a: 2 }];
    const obs: StepObservation[] = [{ d: true, c: null, b: 'x', a: 1 }, { a: 2 }];
    expect(compareObservations(scenario, 'p', exp, obs)).toEqual([]);
  });

  it('treats a key the model predicts as undefined like an absent key (JSON)', () => {
    const exp = [{ a: 1, b: undefined }] as unknown as StepObservation[];
    expect(compareObservations(scenario, 'p', exp, [{ a: 1 }])).toEqual([]);
  });

  it('reports the first diverging step, key by key in sorted order', () => {
    const exp: StepObservation[] = [{ a: 1 }, { a: 2, b: 'P0,P1', c: 0 }, { a: 9 }];
    const obs: StepObservation[] = [{ a: 1 }, { c: 0, b: 'P1,P0', a: 3, extra: 'x' }, { a: 0 }];
    expect(compareObservations(scenario, 'p', exp, obs).map(formatMismatch)).toEqual([
      'S/1 [p] step 1 Pin(page=1): a expected 2, observed 3',
      'S/1 [p] step 1 Pin(page=1): b expected "P0,P1", observed "P1,P0"',
      'S/1 [p] step 1 Pin(page=1): extra expected undefined, observed "x"',
    ]);
  });

  it('leaves out unobservable keys, both predicted and reported', () => {
    const exp = [{ a: 1, hidden: 1 }];
    expect(compareObservations(scenario, 'p', exp, [{ a: 1, hidden: 2 }], ['hidden'])).toEqual([]);
    expect(compareObservations(scenario, 'p', exp, [{ a: 1 }], ['hidden'])).toEqual([]);
    expect(
      compareObservations(scenario, 'p', exp, [{ a: 2, hidden: 1 }], ['hidden']).map((m) => m.key),
    ).toEqual(['a']);
  });

  it('reports a missing step', () => {
    const m = compareObservations(scenario, 'p', [{ a: 1 }, { a: 2 }], [{ a: 1 }]);
    expect(m.map((x) => [x.step, x.key])).toEqual([[1, '(step)']]);
  });
});

describe('the fast path of comparing observations', () => {
  it('accepts nested values that are equal but not the same object', () => {
    const exp = [{ a: [1, { b: 'x' }] }] as unknown as StepObservation[];
    const obs = [{ a: [1, { b: 'x' }] }] as unknown as StepObservation[];
    expect(compareObservations(scenario, 'p', exp, obs)).toEqual([]);
  });

  it('rejects an observation with one key more, even when the key counts could cancel', () => {
    const m = compareObservations(scenario, 'p', [{ a: 1 }], [{ a: 1, z: null }]);
    expect(m.map((x) => x.key)).toEqual(['z']);
  });

  // The fast path is compiled per key list (compare.ts compileMatcher): keys are quoted, never
  // evaluated, and a key found only on Object.prototype is not an own key.
  it('compiles any key as a quoted literal', () => {
    const odd = ['a"b', "c'd", 'e\\f', 'g\nh', `$${'{x}'}`, '`', 'i j', '0', ''];
    const exp = Object.fromEntries(odd.map((k, i) => [k, i])) as StepObservation;
    expect(compareObservations(scenario, 'p', [exp], [{ ...exp }])).toEqual([]);
    const changed = { ...exp, 'g\nh': 99 };
    expect(compareObservations(scenario, 'p', [exp], [changed]).map((m) => m.key)).toEqual([
      'g\nh',
    ]);
  });

  it('rejects a missing key replaced by another (same key count)', () => {
    const m = compareObservations(scenario, 'p', [{ a: 1, b: 2 }], [{ a: 1, c: 2 }]);
    expect(m.map((x) => x.key)).toEqual(['b', 'c']);
  });

  it('does not take an inherited property for an observed key', () => {
    const exp: StepObservation = { a: 1, toString: null };
    const m = compareObservations(scenario, 'p', [exp], [{ a: 1, b: null }]);
    expect(m.map((x) => x.key)).toEqual(['b', 'toString']);
  });

  it('gives the same verdicts as the canonical comparison on many shapes', () => {
    // Every pair of a small family of observations: equal exactly when canonically equal.
    const family: StepObservation[] = [
      { a: 1, b: 'x' },
      { b: 'x', a: 1 },
      { a: 1, b: 'y' },
      { a: 1 },
      { a: 1, b: 'x', c: null },
      { a: '1', b: 'x' },
      { a: 1, b: null },
      { a: true, b: 'x' },
    ];
    const canon = (o: StepObservation) =>
      JSON.stringify(Object.fromEntries(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1))));
    for (const e of family)
      for (const o of family)
        expect(compareObservations(scenario, 'p', [e], [o]).length === 0).toBe(
          canon(e) === canon(o),
        );
  });
});
