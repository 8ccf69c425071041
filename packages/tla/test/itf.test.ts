import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/atomic.ts';
import { engineValueToItf } from '../src/engine-values.ts';
import {
  canonicalItf,
  ItfError,
  type ItfTrace,
  parseItf,
  serializeItf,
  showItf,
} from '../src/itf.ts';

const trace: ItfTrace = {
  '#meta': {
    format: 'ITF',
    source: 'X.tla',
    config: 'X',
    engine: 'embedded',
    strategy: 'tour',
    seed: 1,
    id: 'x-1',
  },
  vars: ['n', 'action'],
  states: [
    { '#meta': { index: 0 }, n: 0, action: { name: 'Init' } },
    {
      '#meta': { index: 1 },
      n: { '#bigint': '12345678901234567890' },
      action: { name: 'Inc', by: 1 },
    },
  ],
};

describe('ITF read/write', () => {
  it('round-trips a trace byte for byte', () => {
    const text = serializeItf(trace);
    expect(serializeItf(parseItf(text))).toBe(text);
    expect(text.startsWith('{\n  "#meta"')).toBe(true);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['no meta', '{"vars":[],"states":[]}', /missing #meta/],
    [
      'bad engine',
      JSON.stringify({ ...trace, '#meta': { ...trace['#meta'], engine: 'x' } }),
      /#meta.engine/,
    ],
    ['empty states', JSON.stringify({ ...trace, states: [] }), /non-empty/],
    [
      'wrong index',
      JSON.stringify({ ...trace, states: [{ ...trace.states[0], '#meta': { index: 3 } }] }),
      /index must be 0/,
    ],
    [
      'missing var',
      JSON.stringify({ ...trace, states: [{ '#meta': { index: 0 }, n: 0 }] }),
      /variable action is missing/,
    ],
    [
      'extra var',
      JSON.stringify({ ...trace, states: [{ ...trace.states[0], z: 1 }] }),
      /z is not listed/,
    ],
    [
      'float',
      JSON.stringify({ ...trace, states: [{ ...trace.states[0], n: 1.5 }] }),
      /states\[0\]\.n: number 1.5/,
    ],
    [
      'null',
      JSON.stringify({ ...trace, states: [{ ...trace.states[0], n: null }] }),
      /null is not an ITF value/,
    ],
    [
      'bad tag',
      JSON.stringify({ ...trace, states: [{ ...trace.states[0], n: { '#foo': 1 } }] }),
      /unknown ITF tag #foo/,
    ],
    [
      'bad map',
      JSON.stringify({ ...trace, states: [{ ...trace.states[0], n: { '#map': [[1]] } }] }),
      /\[key, value\] pair/,
    ],
    ['bad loop', JSON.stringify({ ...trace, loop: 5 }), /loop must index a state/],
  ])('rejects a malformed trace: %s', (_name, text, message) => {
    expect(() => parseItf(text, 'bad.itf.json')).toThrow(ItfError);
    expect(() => parseItf(text, 'bad.itf.json')).toThrow(message);
  });

  it('canonical text ignores set and map order but not sequence order', () => {
    expect(canonicalItf({ '#set': [1, 2] })).toBe(canonicalItf({ '#set': [2, 1] }));
    expect(
      canonicalItf({
        '#map': [
          [1, 'a'],
          [2, 'b'],
        ],
      }),
    ).toBe(
      canonicalItf({
        '#map': [
          [2, 'b'],
          [1, 'a'],
        ],
      }),
    );
    expect(canonicalItf([1, 2])).not.toBe(canonicalItf([2, 1]));
    expect(canonicalItf({ b: 1, a: 2 })).toBe(canonicalItf({ a: 2, b: 1 }));
  });

  it('shows values TLA+-like', () => {
    expect(showItf({ name: 'Inc', proc: 'p1' })).toBe('[name |-> "Inc", proc |-> "p1"]');
    expect(showItf({ '#set': [1, 2] })).toBe('{1, 2}');
    expect(showItf([true, 3])).toBe('<<TRUE, 3>>');
  });
});

describe('engine values -> ITF', () => {
  it('converts every tla-checker shape', () => {
    expect(
      engineValueToItf({
        set: [{ __model: 'p2' }, { __model: 'p1' }],
        seq: { __tuple: [{ __tuple: [1, 'a'] }] },
        fn: {
          __fn: [
            [{ __tuple: [2, 1] }, true],
            [{ __tuple: [1, 1] }, false],
          ],
        },
        rec: { b: 1, a: 'x' },
      }),
    ).toEqual({
      fn: {
        '#map': [
          [[1, 1], false],
          [[2, 1], true],
        ],
      },
      rec: { a: 'x', b: 1 },
      seq: [[1, 'a']],
      set: { '#set': ['p1', 'p2'] },
    });
  });

  it('rejects values it does not know', () => {
    expect(() => engineValueToItf({ x: null }, 'state')).toThrow(
      /state.x: unsupported engine value null/,
    );
    expect(() => engineValueToItf(0.5)).toThrow(/not an integer/);
  });
});

describe('writeFileAtomic', () => {
  it('writes through a temp file and leaves no temp file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinlab-atomic-'));
    const path = join(dir, 'sub', 'a.itf.json');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['a.itf.json']);
  });
});
