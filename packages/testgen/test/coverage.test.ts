import type { StateGraph } from '@pinlab/tla';
import { describe, expect, it } from 'vitest';
import { suiteModelCoverage } from '../src/coverage.ts';
import type { SuiteData } from '../src/suite.ts';

// A diamond: Init -> A(1) or B -> C, plus a self-loop edge D on the last state. The action
// variable is a record, as in every pinlab spec.
const act = (name: string, extra: Record<string, number> = {}) => ({ action: { name, ...extra } });
const graph: StateGraph = {
  vars: ['action'],
  states: [
    { key: 's0', values: act('Init') },
    { key: 's1', values: act('A', { n: 1 }) },
    { key: 's2', values: act('B') },
    { key: 's3', values: act('C') },
  ],
  initial: [0],
  out: [
    [
      { from: 0, to: 1, action: 'A' },
      { from: 0, to: 2, action: 'B' },
    ],
    [{ from: 1, to: 3, action: 'C' }],
    [{ from: 2, to: 3, action: 'C' }],
    [],
  ],
  edgeCount: 4,
  actions: ['A', 'B', 'C'],
  engineCalls: 0,
};

const suite = (runs: object[][]): SuiteData => ({
  generated: 'test',
  spec: 'S',
  config: 'S',
  seed: 1,
  regenerate: '',
  profiles: [],
  scenarios: runs.map((actions, n) => ({
    id: `s${n}`,
    origin: 'test',
    actions: actions as SuiteData['scenarios'][number]['actions'],
    expect: {},
  })),
});

describe('suiteModelCoverage', () => {
  it('counts the edges and actions the scenarios walk', () => {
    const c = suiteModelCoverage(
      graph,
      suite([[{ name: 'Init' }, { name: 'A', n: 1 }, { name: 'C' }]]),
    );
    expect(c.transitions).toEqual({ covered: 2, total: 4, pct: 50 });
    expect(c.actions).toEqual({ covered: 2, total: 3, missed: ['B'] });
    expect(c.foreignSteps).toBe(0);
  });

  it('reaches 100% only when every edge is walked', () => {
    const c = suiteModelCoverage(
      graph,
      suite([
        [{ name: 'Init' }, { name: 'A', n: 1 }, { name: 'C' }],
        [{ name: 'Init' }, { name: 'B' }, { name: 'C' }],
      ]),
    );
    expect(c.transitions?.covered).toBe(4);
    expect(c.actions?.missed).toEqual([]);
  });

  it('counts steps that leave the graph as foreign, from the first one on', () => {
    // A with n = 2 is no edge of the graph: it and the step after it are foreign.
    const c = suiteModelCoverage(
      graph,
      suite([[{ name: 'Init' }, { name: 'A', n: 2 }, { name: 'C' }]]),
    );
    expect(c.foreignSteps).toBe(2);
    expect(c.transitions?.covered).toBe(0);
  });
});
