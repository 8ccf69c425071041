// The two ways of building a state graph agree: one explore_next call per state (typed JSON)
// and one check run's DOT export (printed values parsed by display-values.ts).
import { describe, expect, it } from 'vitest';
import { parseDisplayValue } from '../src/display-values.ts';
import { ModelExplorer } from '../src/embedded-explore.ts';
import {
  buildStateGraphFromCheck,
  buildStateGraphFromCheckSync,
  withoutInvariants,
} from '../src/graph-from-check.ts';
import { buildStateGraph } from '../src/state-graph.ts';
import { fixtureInput } from './helpers.ts';

describe('printed values -> ITF', () => {
  it('reads every printed shape', () => {
    expect(parseDisplayValue('[b |-> {<<1, true>>}, a |-> <<[x |-> Nil]>>]')).toEqual({
      a: [{ x: 'Nil' }],
      b: { '#set': [[1, true]] },
    });
    expect(parseDisplayValue('(<<2, "b">> :> 2 @@ <<1, "a">> :> 1)')).toEqual({
      '#map': [
        [[1, 'a'], 1],
        [[2, 'b'], 2],
      ],
    });
    // set members in canonical-text order, as engine-values.ts sorts them
    expect(parseDisplayValue('{"b", "a", -3}')).toEqual({ '#set': ['a', 'b', -3] });
    expect(parseDisplayValue('<<>>')).toEqual([]);
  });

  it('names the problem in malformed text', () => {
    expect(() => parseDisplayValue('[a |-> 1')).toThrow(/expected "\]" at offset 8/);
    expect(() => parseDisplayValue('<<1>> x')).toThrow(/trailing text/);
  });
});

describe('state graph from one check run', () => {
  it('drops invariant sections from a cfg, keeping the rest', () => {
    expect(
      withoutInvariants(
        'CONSTANTS\n  N = 1\nINVARIANTS\n  A\n  B\nINIT Init\nNEXT Next\nINVARIANT C\n',
      ),
    ).toBe('CONSTANTS\n  N = 1\nINIT Init\nNEXT Next');
  });

  it.each([
    ['Counter', 'Counter'],
    ['Counter', 'Counter_low'],
    ['Shapes', 'Shapes'],
    ['Values', 'Values'],
    ['TwoPaths', 'TwoPaths'],
  ])('%s / %s: same states, numbering and edges as explore_next', async (spec, config) => {
    const input = fixtureInput(spec, config);
    const viaExplore = buildStateGraph(new ModelExplorer(input.specText, input.cfgText));
    const viaCheck = await buildStateGraphFromCheck(input.specText, input.cfgText);
    expect(viaCheck.states.map((s) => s.key)).toEqual(viaExplore.states.map((s) => s.key));
    expect(viaCheck.initial).toEqual(viaExplore.initial);
    expect(viaCheck.out).toEqual(viaExplore.out);
    expect(viaCheck.actions).toEqual(viaExplore.actions);
    const inThread = buildStateGraphFromCheckSync(input.specText, input.cfgText);
    expect(inThread.states).toEqual(viaCheck.states);
    expect(inThread.out).toEqual(viaCheck.out);
    expect(inThread.initial).toEqual(viaCheck.initial);
  });

  it('says when the state bound is exceeded', async () => {
    const input = fixtureInput('Counter');
    await expect(
      buildStateGraphFromCheck(input.specText, input.cfgText, { maxStates: 5 }),
    ).rejects.toThrow(/state bound of 5 states exceeded/);
    expect(() =>
      buildStateGraphFromCheckSync(input.specText, input.cfgText, { maxStates: 5 }),
    ).toThrow(/state bound of 5 states exceeded/);
  });
});
