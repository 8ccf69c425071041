import { readFileSync } from 'node:fs';
import { createEmbeddedStepper, type SuiteData } from '@pinlab/testgen';
import { describe, expect, it } from 'vitest';
import { specActionNames } from '../src/collect/actions.ts';
import { exploreGraph, markCovered } from '../src/collect/graph.ts';

const specs = new URL('./fixtures/project/specs/', import.meta.url);
const specText = readFileSync(new URL('Toy.tla', specs), 'utf8');
const cfgText = readFileSync(new URL('Toy_foll_get.cfg', specs), 'utf8');

describe('state graph and transition coverage on the toy spec', () => {
  const stepper = createEmbeddedStepper('Toy', specText, cfgText);

  it('explores every reachable state and marks violating ones', () => {
    const explored = exploreGraph(stepper, 100, ['ParentSeesDioData']);
    // All 14 reachable states (the check itself stops at the violation, after 12).
    expect(explored.graph.nodes).toHaveLength(14);
    expect(explored.graph.truncated).toBeUndefined();
    expect(explored.graph.nodes.filter((n) => n.init)).toHaveLength(1);
    expect(explored.graph.nodes.some((n) => n.violating)).toBe(true);
    const cut = exploreGraph(stepper, 5);
    expect(cut.graph.nodes).toHaveLength(5);
    expect(cut.graph.truncated).toBe(true);
  });

  it('marks exactly the transitions a scenario takes', () => {
    const explored = exploreGraph(stepper, 100);
    const suite = {
      spec: 'Toy',
      config: 'Toy_foll_get',
      scenarios: [
        {
          id: 'race',
          origin: 'test',
          expect: {},
          actions: [
            { name: 'Init', proc: 'none', page: 'none' },
            { name: 'DioSubmit', proc: 'parent', page: 'pg1' },
            { name: 'Fork', proc: 'parent', page: 'pg1' },
            { name: 'ParentWrite', proc: 'parent', page: 'pg1' },
            { name: 'DioComplete', proc: 'none', page: 'pg1' },
          ],
        },
      ],
    } as unknown as SuiteData;
    markCovered(stepper, explored, suite);
    const covered = explored.graph.edges.filter((e) => e.covered).map((e) => e.action);
    expect(covered).toEqual(['DioSubmit', 'Fork', 'ParentWrite', 'DioComplete']);
  });

  it('lists the actions a spec defines', () => {
    expect(specActionNames(specText)).toEqual(['DioComplete', 'DioSubmit', 'Fork', 'ParentWrite']);
  });
});
