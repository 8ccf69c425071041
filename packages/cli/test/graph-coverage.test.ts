import { readFileSync, rmSync } from 'node:fs';
import type { SuiteData } from '@pinlab/testgen';
import { configGraph } from '@pinlab/tla';
import { afterAll, describe, expect, it } from 'vitest';
import { specActionNames } from '../src/collect/actions.ts';
import { markCovered, toReportGraph } from '../src/collect/graph.ts';
import { toyProject } from './helpers.ts';

const root = toyProject();
afterAll(() => rmSync(root, { recursive: true, force: true }));

const race = [
  { name: 'Init', proc: 'none', page: 'none' },
  { name: 'DioSubmit', proc: 'parent', page: 'pg1' },
  { name: 'Fork', proc: 'parent', page: 'pg1' },
  { name: 'ParentWrite', proc: 'parent', page: 'pg1' },
  { name: 'DioComplete', proc: 'none', page: 'pg1' },
];

describe('state graph and transition coverage on the toy spec', () => {
  it('maps every reachable state, initial state first', async () => {
    const g = toReportGraph(await configGraph(root, 'Toy_foll_get'));
    // All 14 reachable states (the check itself stops at the violation, after 12).
    expect(g.graph.nodes).toHaveLength(14);
    expect(g.graph.nodes.filter((n) => n.init)).toHaveLength(1);
    expect(g.graph.edges).toHaveLength(16);
  });

  it('marks exactly the transitions a scenario takes, and counts steps off the graph', async () => {
    const g = toReportGraph(await configGraph(root, 'Toy_foll_get'));
    const suite = {
      spec: 'Toy',
      config: 'Toy_foll_get',
      scenarios: [
        { id: 'race', origin: 'test', expect: {}, actions: race },
        {
          id: 'bogus',
          origin: 'test',
          expect: {},
          actions: [race[0], { name: 'Fly', proc: 'x', page: 'y' }],
        },
      ],
    } as unknown as SuiteData;
    expect(markCovered(g, [suite])).toBe(1);
    const covered = g.graph.edges.filter((e) => e.covered).map((e) => e.action);
    expect(covered.sort()).toEqual(['DioComplete', 'DioSubmit', 'Fork', 'ParentWrite']);
  });

  it('lists the actions a spec defines', () => {
    const text = readFileSync(`${root}/specs/Toy.tla`, 'utf8');
    expect(specActionNames(text)).toEqual(['DioComplete', 'DioSubmit', 'Fork', 'ParentWrite']);
  });
});
