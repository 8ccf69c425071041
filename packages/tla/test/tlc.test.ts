// The TLC engine. The parser tests are FIXTURE-BASED: test/fixtures/tlc/*.out are written in the
// format of TLC's -tool output (MP.java/EC.java), not captured from a real TLC run, because no
// tla2tools.jar can be downloaded here. The differential test runs real TLC only when a jar and
// Java are present, and is otherwise reported as skipped with the reason.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDisplayValue } from '../src/display-values.ts';
import { checkEmbedded } from '../src/embedded.ts';
import {
  checkTlc,
  findTlaToolsJar,
  installTlaTools,
  sha256,
  TLA2TOOLS_RELEASE,
  TlcMissingError,
} from '../src/tlc.ts';
import { parseTlcToolOutput, summarizeTlcRun } from '../src/tlc-output.ts';
import { readTlcJsonTrace, tlcJsonMatches, tlcTraceToItf } from '../src/tlc-trace.ts';
import { FIXTURES, fixtureInput } from './helpers.ts';

const tlcFixture = (name: string) => readFileSync(join(FIXTURES, 'tlc', name), 'utf8');
const meta = {
  format: 'ITF',
  source: 'Counter.tla',
  config: 'Counter_low',
  engine: 'tlc',
  strategy: 'counterexample',
  id: 'x',
} as const;

describe('TLC -tool output parser (fixture-based: TLC format, not a captured run)', () => {
  it('splits messages with code and class', () => {
    const messages = parseTlcToolOutput(tlcFixture('counter-ok.out'));
    expect(messages.map((m) => m.code)).toEqual([
      2262, 2187, 2220, 2219, 2185, 2189, 2190, 2193, 2201, 2202, 2200, 2199, 2194, 2268, 2186,
    ]);
    expect(messages.find((m) => m.code === 2199)?.text).toBe(
      '37 states generated, 19 distinct states found, 0 states left on queue.',
    );
  });

  it('reads a successful run: distinct states and depth', () => {
    expect(
      summarizeTlcRun(tlcFixture('counter-ok.out'), 0, 'Counter.tla', 'Counter.cfg'),
    ).toMatchObject({
      outcome: 'ok',
      distinct: 19,
      generated: 37,
      depth: 6,
    });
  });

  it('reads an invariant violation with its trace states', () => {
    const s = summarizeTlcRun(
      tlcFixture('counter-low-invariant.out'),
      12,
      'Counter.tla',
      'Counter_low.cfg',
    );
    expect(s.outcome).toBe('invariant');
    expect(s.invariant).toBe('BelowLimit');
    expect(s.trace.map((t) => t.number)).toEqual([1, 2, 3]);
    expect(s.trace[1]).toMatchObject({
      label: '<Inc(p) line 16, col 3 to line 18, col 42 of module Counter>',
      values: { count: '[p1 |-> 1, p2 |-> 0]', action: '[name |-> "Inc", proc |-> "p1"]' },
    });
  });

  it('reads TLC-printed trace values into the same ITF values as the embedded engine', async () => {
    const s = summarizeTlcRun(
      tlcFixture('counter-low-invariant.out'),
      12,
      'Counter.tla',
      'Counter_low.cfg',
    );
    const embedded = await checkEmbedded(fixtureInput('Counter', 'Counter_low'));
    const fromText = s.trace.map((t) =>
      Object.fromEntries(Object.entries(t.values).map(([k, v]) => [k, parseDisplayValue(v)])),
    );
    expect(fromText).toEqual(
      embedded.counterexample?.states.map((st) =>
        Object.fromEntries(Object.entries(st).filter(([k]) => k !== '#meta')),
      ),
    );
    expect(parseDisplayValue('("p1" :> 0 @@ "p2" :> TRUE)')).toEqual({ p1: 0, p2: true });
    expect(parseDisplayValue('(p1 :> 0)')).toEqual({ '#map': [['p1', 0]] });
  });

  it('reads a deadlock', () => {
    const s = summarizeTlcRun(tlcFixture('shapes-deadlock.out'), 11, 'Shapes.tla', 'Shapes.cfg');
    expect(s.outcome).toBe('deadlock');
    expect(s.trace[0]?.values.flag).toBe('FALSE');
  });

  it('turns a parse error (exit 150) into a syntax error with file and line', () => {
    const s = summarizeTlcRun(
      tlcFixture('syntax-parse-error.out'),
      150,
      'specs/Syntax.tla',
      'Syntax.cfg',
    );
    expect(s.error).toMatchObject({ kind: 'syntax', line: 7, file: 'specs/Syntax.tla' });
    expect(s.error?.message).toMatch(/^specs\/Syntax\.tla:7:1: \*\*\*Parse Error\*\*\*/);
  });

  it('turns an unknown constant in the cfg (exit 151) into an unknown-constant error', () => {
    const s = summarizeTlcRun(
      tlcFixture('unknown-constant.out'),
      151,
      'Counter.tla',
      'Counter_unknown_constant.cfg',
    );
    expect(s.error).toMatchObject({ kind: 'unknown-constant' });
    expect(s.error?.message).toMatch(/Counter_unknown_constant\.cfg: .*identifier Bogus/);
  });

  it.each([
    [75, 'evaluation'],
    [14, 'evaluation'],
    [152, 'state-bound'],
    [153, 'engine-crash'],
    [255, 'engine-crash'],
  ])('maps exit status %i to %s', (code, kind) => {
    expect(summarizeTlcRun('', code, 'a.tla', 'a.cfg').error?.kind).toBe(kind);
  });

  it('reports truncated output as an engine crash, and exit 0 without success as one too', () => {
    expect(summarizeTlcRun(tlcFixture('truncated.out'), 12, 'a.tla', 'a.cfg').error?.kind).toBe(
      'engine-crash',
    );
    expect(summarizeTlcRun('', 0, 'a.tla', 'a.cfg').error?.message).toMatch(
      /without reporting success/,
    );
  });
});

describe('TLC -dumpTrace json (fixture-based)', () => {
  it('reads states in order and types them through the embedded model', () => {
    const states = readTlcJsonTrace(JSON.parse(tlcFixture('counter-low-trace.json')));
    expect(states).toHaveLength(3);
    const input = fixtureInput('Counter', 'Counter_low');
    const { trace, typed } = tlcTraceToItf(states, input, meta);
    expect(typed).toBe(true);
    expect(trace.states[2]).toMatchObject({
      count: { p1: 2, p2: 0 },
      action: { name: 'Inc', proc: 'p1' },
    });
  });

  it('recovers sets, sequences and model values that TLC JSON flattens', () => {
    const states = readTlcJsonTrace(JSON.parse(tlcFixture('shapes-deadlock-trace.json')));
    const { trace, typed } = tlcTraceToItf(states, fixtureInput('Shapes'), {
      ...meta,
      config: 'Shapes',
    });
    expect(typed).toBe(true);
    expect(trace.states[2]).toMatchObject({
      set: { '#set': ['p1'] },
      seq: [
        ['p1', 0],
        ['p1', 1],
      ],
      owner: 'p1',
    });
  });

  it('falls back to lossy values, and says so, when the model cannot be stepped', () => {
    const states = readTlcJsonTrace(JSON.parse(tlcFixture('shapes-deadlock-trace.json')));
    const { trace, typed, note } = tlcTraceToItf(states, null, meta);
    expect(typed).toBe(false);
    expect(note).toMatch(/as TLC wrote them/);
    expect(trace.states[1]?.set).toEqual(['p1']);
  });

  it('matches values loosely only where TLC JSON is ambiguous', () => {
    expect(tlcJsonMatches(['b', 'a'], { '#set': ['a', 'b'] })).toBe(true);
    expect(tlcJsonMatches(['b', 'a'], ['a', 'b'])).toBe(false);
    expect(tlcJsonMatches({ '1': 'x' }, { '#map': [[1, 'x']] })).toBe(true);
    expect(tlcJsonMatches({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });

  it('rejects a malformed dump', () => {
    expect(() => readTlcJsonTrace({ state: [[1]] })).toThrow(
      /state\[0\] is not a \[number, \{variables\}\] pair/,
    );
    expect(() => readTlcJsonTrace([])).toThrow(/no "state" list/);
  });
});

describe('TLC availability and install', () => {
  const empty = mkdtempSync(join(tmpdir(), 'pinlab-tlc-cache-'));
  const env = { ...process.env, TLA2TOOLS_JAR: '', XDG_CACHE_HOME: empty };

  it('says what is missing and how to get it', async () => {
    expect(() => findTlaToolsJar(env)).toThrow(TlcMissingError);
    expect(() => findTlaToolsJar(env)).toThrow(/pinlab tlc install.*TLA2TOOLS_JAR/s);
    const r = await checkTlc(fixtureInput('Counter'), {}, env);
    expect(r.error?.kind).toBe('missing-tool');
    expect(() => findTlaToolsJar({ ...env, TLA2TOOLS_JAR: '/nonexistent.jar' })).toThrow(
      /TLA2TOOLS_JAR=\/nonexistent.jar does not exist/,
    );
  });

  it('install fails clearly when the download is impossible', async () => {
    const offline = (() =>
      Promise.reject(
        Object.assign(new TypeError('fetch failed'), {
          cause: new Error('getaddrinfo ENOTFOUND github.com'),
        }),
      )) as unknown as typeof fetch;
    await expect(installTlaTools({ env, fetchImpl: offline })).rejects.toThrow(
      /cannot download .*ENOTFOUND.*pinlab tlc install --from <file>/s,
    );
  });

  it('install refuses a file whose SHA-256 is not the pinned one', async () => {
    const fake = join(empty, 'fake.jar');
    writeFileSync(fake, 'not a jar');
    await expect(installTlaTools({ env, from: fake })).rejects.toThrow(
      new RegExp(
        `SHA-256 ${sha256(Buffer.from('not a jar'))} is not the pinned ${TLA2TOOLS_RELEASE.sha256}`,
      ),
    );
  });
});
