// The graph cache's stored form (graph-v2: each variable's distinct values once, states as rows
// of indices) reads back as the graph that was written: same states, keys, edges, initial states.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStateGraphFromCheckSync, stateKey } from '@pinlab/tla';
import { afterAll, describe, expect, it } from 'vitest';
import { readCachedGraph, writeCachedGraph } from '../../src/model/graph-cache.ts';

const fx = (f: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', f), 'utf8');
const spec = fx('ToyPin.tla');
const cfg = fx('ToyPin.cfg');
const dir = mkdtempSync(join(tmpdir(), 'testgen-graph-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the stored graph', () => {
  const built = buildStateGraphFromCheckSync(spec, cfg);
  writeCachedGraph(dir, spec, cfg, built);
  const file = join(dir, readdirSync(dir)[0] as string);

  it('reads back as the graph written', () => {
    const read = readCachedGraph(dir, spec, cfg);
    expect(read).toBeDefined();
    expect(read?.states).toEqual(built.states);
    expect(read?.states.map((s) => stateKey(built.vars, s.values))).toEqual(
      built.states.map((s) => s.key),
    );
    expect(read?.out).toEqual(built.out);
    expect(read?.initial).toEqual(built.initial);
    expect(read?.edgeCount).toBe(built.edgeCount);
    expect(read?.actions).toEqual(built.actions);
  });

  it('stores each distinct value of a variable once', () => {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      vars: string[];
      values: unknown[][];
      states: number[];
    };
    expect(stored.states).toHaveLength(built.states.length * built.vars.length);
    stored.vars.forEach((v, k) => {
      const distinct = new Set(built.states.map((s) => JSON.stringify(s.values[v])));
      expect(stored.values[k]).toHaveLength(distinct.size);
    });
  });

  it('treats rows that do not fit the variables as a damaged file', () => {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { states: number[] };
    writeFileSync(file, JSON.stringify({ ...stored, states: stored.states.slice(1) }));
    expect(readCachedGraph(dir, spec, cfg)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...stored, states: stored.states.map(() => 999) }));
    expect(readCachedGraph(dir, spec, cfg)).toBeUndefined();
  });
});
