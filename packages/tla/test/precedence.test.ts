import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { precheck } from '../src/embedded.ts';
import { findPrecedenceProblems } from '../src/precedence.ts';
import { loadTlaChecker } from '../src/wasm.ts';

const SPECS = join(dirname(fileURLToPath(import.meta.url)), '../../../specs');

/** The embedded engine's verdict on `ASSUME <expr>` with A = FALSE, B = TRUE, C = FALSE. */
function engineAssumes(expr: string): boolean {
  const spec = `---- MODULE P ----\nCONSTANTS A, B, C\nASSUME ${expr}\nVARIABLE x\nInit == x = 0\nNext == x' = x\n====\n`;
  const cfg = 'CONSTANTS A = FALSE B = TRUE C = FALSE\nINIT Init\nNEXT Next\n';
  const out = loadTlaChecker().check_spec_with_options(spec, JSON.stringify({ cfg_source: cfg }));
  return (JSON.parse(out) as { success: boolean }).success;
}

describe('implication mixed with /\\ or \\/ without parentheses', () => {
  it('is read differently by the embedded engine than TLA+ (and TLC) read it: why the check exists', () => {
    // TLA+: /\ binds tighter than =>, so A => B /\ C is A => (B /\ C): TRUE when A is FALSE.
    expect(engineAssumes('A => (B /\\ C)')).toBe(true);
    // tla-checker reads it as (A => B) /\ C: FALSE. If this starts to hold, the engine was fixed.
    expect(engineAssumes('A => B /\\ C')).toBe(false);
    expect(engineAssumes('(A => B) /\\ C')).toBe(false);
  });

  it.each([
    ['Op == A => B /\\ C', 1],
    ['Op == A \\/ B => C', 1],
    ['Op == A <=> B /\\ C', 1],
    ['Op == A =>\n   B /\\ C', 1],
    ['Op == A\n   => B /\\ C', 1],
    ['Op == A => B\n        /\\ C', 1],
    ['Op == \\A x \\in S : A => B /\\ C', 1],
    ['Op == (A => B) /\\ C', 0],
    ['Op == A => (B /\\ C)', 0],
    ['Op == A => /\\ B\n           /\\ C', 0],
    ['Op == /\\ A\n      /\\ B => C\n      /\\ D', 0],
    ['Op == \\A x \\in S : A /\\ B', 0],
    ['Op == IF A => B THEN C /\\ D ELSE E', 0],
    ['Op == [x \\in S |-> A => B] /\\ C', 0],
    ['Op == "=> /\\\\" /\\ A \\* => B', 0],
    ['Op == A /\\ B (* => C *)', 0],
  ])('%j: %i problem(s)', (src, n) => {
    expect(findPrecedenceProblems(src)).toHaveLength(n);
  });

  it('names the line and column of the implication', () => {
    expect(
      findPrecedenceProblems('---- MODULE M ----\nOp ==\n    A\n      => B /\\ C\n====\n'),
    ).toEqual([
      {
        line: 4,
        column: 7,
        message: expect.stringMatching(/'=>' and '\/\\' \(line 4\).*parenthesise/),
      },
    ]);
  });

  it('stops a check before either engine runs, as a syntax error at the spec line', () => {
    const specText =
      "---- MODULE M ----\nCONSTANT A\nVARIABLE x\nInit == x = 0 => A /\\ TRUE\nNext == x' = x\n====\n";
    const pre = precheck({
      spec: 'M',
      config: 'M',
      specPath: 'M.tla',
      cfgPath: 'M.cfg',
      specText,
      cfgText: 'CONSTANT A = TRUE\nINIT Init\nNEXT Next\n',
    });
    expect(pre.error).toMatchObject({ kind: 'syntax', file: 'M.tla', line: 4 });
    expect(pre.error?.message).toMatch(/^M\.tla:4:15: '=>' and '\/\\'/);
  });

  it('is absent from every spec of specs/', () => {
    const found = readdirSync(SPECS)
      .filter((f) => f.endsWith('.tla'))
      .flatMap((f) =>
        findPrecedenceProblems(readFileSync(join(SPECS, f), 'utf8')).map((p) => `${f}:${p.line}`),
      );
    expect(found).toEqual([]);
  });
});
