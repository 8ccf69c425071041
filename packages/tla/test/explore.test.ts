// Exploration strategies, replay and coverage on the Counter fixture (19 states, 2 processes).
import { describe, expect, it } from 'vitest';
import { modelCoverage } from '../src/coverage.ts';
import { ModelExplorer } from '../src/embedded-explore.ts';
import {
  exhaustivePaths,
  explore,
  randomPaths,
  tourLowerBound,
  tourPaths,
} from '../src/explore.ts';
import { serializeItf } from '../src/itf.ts';
import { Prng } from '../src/prng.ts';
import { replay, scenarioActions } from '../src/replay.ts';
import { buildStateGraph } from '../src/state-graph.ts';
import { fixtureInput } from './helpers.ts';

const counter = fixtureInput('Counter');
const graph = buildStateGraph(new ModelExplorer(counter.specText, counter.cfgText));
const source = { spec: 'Counter', config: 'Counter', engine: 'embedded' as const };

describe('state graph', () => {
  it('has the states the checker counts, with labelled edges', () => {
    expect(graph.states).toHaveLength(19);
    expect(graph.initial).toHaveLength(1);
    expect(graph.actions).toEqual(['Inc', 'Reset']);
    // every state has 2 successors: one per process (Inc below Max, Reset at Max)
    expect(graph.edgeCount).toBe(38);
  });
});

describe('exhaustive', () => {
  it('enumerates every behaviour up to the depth (2 choices per step)', () => {
    expect(exhaustivePaths(graph, 0)).toHaveLength(1);
    expect(exhaustivePaths(graph, 3)).toHaveLength(8);
    expect(exhaustivePaths(graph, 6)).toHaveLength(64);
    const paths = exhaustivePaths(graph, 3).map((p) => p.join(','));
    expect(new Set(paths).size).toBe(8);
  });

  it('refuses to produce more than the limit, saying what to do', () => {
    expect(() => exhaustivePaths(graph, 10, 100)).toThrow(
      /more than 100 behaviours up to depth 10; lower --depth/,
    );
  });
});

describe('transition tour', () => {
  it('covers every edge of the reachable graph', () => {
    const scenarios = explore(graph, source, { strategy: 'tour' });
    const cov = modelCoverage(graph, scenarios);
    expect(cov.transitions).toMatchObject({ covered: 38, total: 38 });
    expect(cov.actions).toMatchObject({ covered: 2, total: 2, missed: [] });
    expect(cov.foreignSteps).toBe(0);
  });

  it('uses far fewer scenarios than edges, and still covers all with a short length cap', () => {
    expect(tourPaths(graph).length).toBeLessThanOrEqual(3);
    expect(tourLowerBound(graph)).toBe(1); // no terminal states: one long scenario could do
    const capped = tourPaths(graph, 8);
    const edges = new Set(capped.flatMap((p) => p.slice(1).map((to, i) => `${p[i]}>${to}`)));
    expect(edges.size).toBe(38);
    expect(Math.max(...capped.map((p) => p.length - 1))).toBeLessThanOrEqual(8);
  });
});

describe('random walks', () => {
  it('are reproducible from the seed and differ across seeds', () => {
    const a = explore(graph, source, { strategy: 'random', seed: 7, count: 5, depth: 12 })
      .map(serializeItf)
      .join('');
    const b = explore(graph, source, { strategy: 'random', seed: 7, count: 5, depth: 12 })
      .map(serializeItf)
      .join('');
    const c = explore(graph, source, { strategy: 'random', seed: 8, count: 5, depth: 12 })
      .map(serializeItf)
      .join('');
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(randomPaths(graph, 12, 5, 7).every((p) => p.length === 13)).toBe(true);
  });

  it('PRNG is the reference mulberry32 sequence (values from the published JS one-liner)', () => {
    const r = new Prng(1);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([
      2693262067, 11749833, 2265367787,
    ]);
    expect(() => new Prng(1.5)).toThrow(/integer/);
  });

  it('scenarios carry the contract #meta', () => {
    const [s] = explore(graph, source, { strategy: 'random', seed: 3, count: 1, depth: 2 });
    expect(s?.['#meta']).toMatchObject({
      format: 'ITF',
      source: 'Counter.tla',
      config: 'Counter',
      engine: 'embedded',
      strategy: 'random',
      seed: 3,
      id: 'Counter-random-0',
    });
  });
});

describe('replay', () => {
  const [scenario] = explore(graph, source, { strategy: 'exhaustive', depth: 3 });

  it('follows a scenario through the same model', () => {
    const r = replay(
      new ModelExplorer(counter.specText, counter.cfgText),
      scenarioActions(scenario!),
    );
    expect(r.ok).toBe(true);
    expect(r.states.map((s) => s.key)).toEqual(
      scenario!.states.map((_, i) => graph.states[exhaustivePaths(graph, 3)[0]![i]!]!.key),
    );
  });

  it('says at which step an action is not enabled under other constants, and what was', () => {
    // Max = 1: the second Inc of p1 is not enabled, Reset of p1 and Inc of p2 are.
    const r = replay(
      new ModelExplorer(counter.specText, counter.cfgText, JSON.stringify({ Max: 1 })),
      [{ name: 'Init' }, { name: 'Inc', proc: 'p1' }, { name: 'Inc', proc: 'p1' }],
    );
    expect(r).toMatchObject({
      ok: false,
      failedStep: 2,
      action: 'Inc(proc="p1")',
      enabled: ['Inc(proc="p2")', 'Reset(proc="p1")'],
    });
  });
});
