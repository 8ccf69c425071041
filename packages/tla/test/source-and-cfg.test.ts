import { describe, expect, it } from 'vitest';
import { applyConstantOverrides, parseTlcConfig } from '../src/cfg.ts';
import { findBracketProblems, readTlaModule } from '../src/tla-source.ts';
import { fixtureInput } from './helpers.ts';

describe('TLA+ module reading', () => {
  it('finds constants, variables and definition lines', () => {
    const m = readTlaModule(fixtureInput('Counter').specText);
    expect(m.name).toBe('Counter');
    expect(m.constants).toEqual(['Procs', 'Max', 'Limit']);
    expect(m.variables).toEqual(['count', 'action']);
    expect(m.definitions.get('Inc')).toBe(16);
  });

  it('reads multi-line declarations and ignores comments', () => {
    const m = readTlaModule(
      '---- MODULE M ----\nCONSTANTS A, \\* first\n  B,\n  C\n(* CONSTANT Z *)\nVARIABLE x\n====\n',
    );
    expect(m.constants).toEqual(['A', 'B', 'C']);
    expect(m.variables).toEqual(['x']);
  });

  it('locates unbalanced brackets with line and column', () => {
    expect(findBracketProblems(fixtureInput('Syntax').specText)).toEqual([
      { line: 6, column: 33, message: "'[' is never closed" },
    ]);
    expect(findBracketProblems('x == <<1, 2]\n')[0]?.message).toMatch(
      /'\]' closes '<<' opened at line 1/,
    );
    expect(findBracketProblems('x == "(" /\\ <<<<1>>>> \\* )\n')).toEqual([]);
  });
});

describe('TLC config files', () => {
  it('reads constants, init/next and invariants in order', () => {
    const c = parseTlcConfig(fixtureInput('Counter').cfgText);
    expect([...c.constants.entries()]).toEqual([
      ['Procs', '{"p1", "p2"}'],
      ['Max', '2'],
      ['Limit', '2'],
    ]);
    expect(c.init).toBe('Init');
    expect(c.next).toBe('Next');
    expect(c.invariants).toEqual(['TypeOK', 'BelowLimit']);
    expect(parseTlcConfig('INVARIANTS A B\nCHECK_DEADLOCK FALSE\n')).toMatchObject({
      invariants: ['A', 'B'],
      checkDeadlock: false,
    });
  });

  it('applies profile constants over a config', () => {
    const cfg = fixtureInput('Counter').cfgText;
    const out = applyConstantOverrides(cfg, { Limit: 1, Procs: ['a', 'b'] }, [
      'Procs',
      'Max',
      'Limit',
    ]);
    expect(parseTlcConfig(out).constants.get('Limit')).toBe('1');
    expect(parseTlcConfig(out).constants.get('Procs')).toBe('{"a", "b"}');
    const appended = applyConstantOverrides('INIT Init\n', { Flag: true, Mode: 'FOLL_PIN' }, [
      'Flag',
      'Mode',
    ]);
    expect(parseTlcConfig(appended).constants.get('Flag')).toBe('TRUE');
    expect(parseTlcConfig(appended).constants.get('Mode')).toBe('"FOLL_PIN"');
    expect(() => applyConstantOverrides(cfg, { Nope: 1 }, ['Procs'])).toThrow(
      /unknown constant Nope/,
    );
  });
});
