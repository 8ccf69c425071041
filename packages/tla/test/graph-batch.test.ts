// Graphs built side by side in the engine's worker pool (what `pinlab gen` does before
// generating) are the graphs one check run in this thread gives, and share their values.
import { describe, expect, it } from 'vitest';
import {
  buildStateGraphFromCheckSync,
  buildStateGraphsFromCheck,
} from '../src/graph-from-check.ts';
import { fixtureInput } from './helpers.ts';

describe('state graphs of several models at once', () => {
  it('builds several graphs side by side: the same graphs, in job order, errors per job', async () => {
    const jobs = (['Counter', 'Shapes', 'Counter_low', 'Values'] as const).map((c) =>
      fixtureInput(c.replace(/_.*/, ''), c),
    );
    const results = await buildStateGraphsFromCheck([
      ...jobs,
      { ...(jobs[0] as (typeof jobs)[0]) },
    ]);
    expect(results).toHaveLength(5);
    for (const [n, r] of results.entries()) {
      const j = jobs[n % jobs.length] as (typeof jobs)[0];
      if (!('graph' in r)) throw r.error;
      const alone = buildStateGraphFromCheckSync(j.specText, j.cfgText);
      expect(r.graph.states).toEqual(alone.states);
      expect(r.graph.out).toEqual(alone.out);
      expect(r.graph.initial).toEqual(alone.initial);
    }
    const bounded = await buildStateGraphsFromCheck([jobs[0] as (typeof jobs)[0]], {
      maxStates: 5,
    });
    expect(
      'error' in (bounded[0] as object) && String((bounded[0] as { error: Error }).error),
    ).toMatch(/GraphBoundError: state bound of 5 states exceeded/);
  });

  it('states share the values they have in common, frozen', () => {
    for (const spec of ['Shapes', 'Values', 'TwoPaths']) {
      const input = fixtureInput(spec);
      const g = buildStateGraphFromCheckSync(input.specText, input.cfgText);
      const objects = g.states
        .flatMap((s) => Object.values(s.values))
        .filter((v) => typeof v === 'object' && v !== null);
      expect(objects.length).toBeGreaterThan(0);
      expect(objects.every((v) => Object.isFrozen(v))).toBe(true);
      // One object per distinct (variable, value): fewer objects than state x variable slots.
      expect(new Set(objects).size).toBeLessThan(objects.length);
    }
  });
});
