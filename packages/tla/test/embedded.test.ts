// The embedded engine (tla-checker in WASM) on small fixture specs, including broken ones.
import { describe, expect, it } from 'vitest';
import { checkEmbedded } from '../src/embedded.ts';
import { ModelExplorer } from '../src/embedded-explore.ts';
import { replay, scenarioActions } from '../src/replay.ts';
import { stateKey } from '../src/state-graph.ts';
import { fixtureInput } from './helpers.ts';

describe('embedded engine: check', () => {
  it('checks a correct config: distinct states and TLC-style depth', async () => {
    const r = await checkEmbedded(fixtureInput('Counter'));
    expect(r).toMatchObject({ outcome: 'ok', distinct: 19, depth: 6 });
  });

  it('names the violated invariant and rebuilds a typed counterexample', async () => {
    const r = await checkEmbedded(fixtureInput('Counter', 'Counter_low'));
    expect(r.outcome).toBe('invariant');
    expect(r.invariant).toBe('BelowLimit');
    expect(r.depth).toBe(3);
    expect(r.counterexample?.states.map((s) => s.action)).toEqual([
      { name: 'Init' },
      { name: 'Inc', proc: 'p1' },
      { name: 'Inc', proc: 'p1' },
    ]);
    expect(r.notes.join()).toMatch(/shortest: verified/);
  });

  it('reports the shortest counterexample, not the first branch explored', async () => {
    const r = await checkEmbedded(fixtureInput('TwoPaths'));
    expect(r.counterexample?.states.map((s) => (s.action as { name: string }).name)).toEqual([
      'Init',
      'Short',
      'Short',
    ]);
  });

  it('reports a deadlock with the trace leading to it, values converted to ITF', async () => {
    const r = await checkEmbedded(fixtureInput('Shapes'));
    expect(r.outcome).toBe('deadlock');
    const last = r.counterexample?.states[2];
    expect(last).toMatchObject({
      step: 2,
      owner: 'p1',
      set: { '#set': ['p1'] },
      seq: [
        ['p1', 0],
        ['p1', 1],
      ],
      fn: [2, 0],
    });
  });

  it.each([
    ['Counter', 'Counter_low'],
    ['TwoPaths', 'TwoPaths'],
    ['Shapes', 'Shapes'],
  ])(
    '%s / %s: the counterexample read from the engine text is a real path of the model',
    async (spec, config) => {
      const input = fixtureInput(spec, config);
      const trace = (await checkEmbedded(input)).counterexample;
      expect(trace).toBeDefined();
      const walked = replay(
        new ModelExplorer(input.specText, input.cfgText),
        scenarioActions(trace!),
      );
      expect(walked.ok).toBe(true);
      expect(walked.states.map((s) => s.key)).toEqual(
        trace!.states.map((s) => stateKey(trace!.vars, s as Record<string, unknown>)),
      );
    },
  );

  it('gives a syntax error with file and line', async () => {
    const r = await checkEmbedded(fixtureInput('Syntax'));
    expect(r.outcome).toBe('error');
    expect(r.error).toMatchObject({ kind: 'syntax', line: 6 });
    expect(r.error?.message).toMatch(/Syntax\.tla:6:33: '\[' is never closed/);
  });

  it('rejects a config naming an unknown constant', async () => {
    const r = await checkEmbedded(fixtureInput('Counter', 'Counter_unknown_constant'));
    expect(r.error).toMatchObject({ kind: 'unknown-constant' });
    expect(r.error?.message).toMatch(/unknown constant Bogus; Counter declares Procs, Max, Limit/);
  });

  it('reports a config naming a missing invariant', async () => {
    const r = await checkEmbedded(fixtureInput('Counter', 'Counter_unknown_invariant'));
    expect(r.error).toMatchObject({ kind: 'config' });
    expect(r.error?.message).toMatch(/NoSuchInvariant/);
  });

  it('says which bound was exceeded', async () => {
    expect((await checkEmbedded(fixtureInput('Counter'), { maxStates: 5 })).error?.kind).toBe(
      'state-bound',
    );
    expect((await checkEmbedded(fixtureInput('Counter'), { maxDepth: 3 })).error?.kind).toBe(
      'depth-bound',
    );
  });

  it('contains an engine crash (WASM stack exhaustion), reports it, and the next check still runs', async () => {
    const r = await checkEmbedded(fixtureInput('Crash'), { timeoutMs: 60_000 });
    expect(r.outcome).toBe('error');
    expect(r.error?.kind).toBe('engine-crash');
    expect(r.error?.message).toMatch(
      /^tla-checker crashed: RangeError: Maximum call stack size exceeded$/,
    );
    expect((await checkEmbedded(fixtureInput('Counter'))).outcome).toBe('ok');
  });

  it('enforces a time bound by stopping the engine, and the next check still runs', async () => {
    const r = await checkEmbedded(fixtureInput('Slow'), {
      timeoutMs: 300,
      maxStates: 10_000_000,
      maxDepth: 10_000_000,
    });
    expect(r.error?.kind).toBe('time-bound');
    expect(r.error?.message).toMatch(/time bound of 300 ms exceeded/);
    expect((await checkEmbedded(fixtureInput('Counter'))).outcome).toBe('ok');
  });
});
