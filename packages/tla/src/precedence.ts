// Implication mixed with an infix conjunction or disjunction, unparenthesised: `A => B /\ C`.
// TLA+ gives /\ and \/ (precedence 3-3) tighter binding than => and <=> (1-1 and 2-2), so TLC
// reads A => (B /\ C). The embedded engine (tla-checker) does not: it reads `A => B /\ C` as
// (A => B) /\ C and `A \/ B => C` as A \/ (B => C) in definitions, ASSUMEs, set filters and
// LET bodies (test/precedence.test.ts shows it on the engine itself). Both engines accept the
// text and give it different meanings, so a spec written that way checks one thing under TLC and
// another under the embedded engine, silently. The checker refuses such a spec before either
// engine runs and names the line; parentheses make the meaning the same under both.

import type { TlaSyntaxProblem } from './tla-source.ts';
import { stripTlaComments } from './tla-source.ts';

type Tok = { text: string; line: number; column: number; first: boolean };

const OPERATORS = ['<=>', '=>', '/\\', '\\/', '|->', '==', '->', '<<', '>>'];
const OPENERS = new Set(['(', '[', '{', '<<']);
const CLOSERS = new Set([')', ']', '}', '>>']);
/** Tokens that end one expression and start another at the same bracket depth. */
const SEPARATORS = new Set([
  '==',
  ',',
  ':',
  '|->',
  '->',
  'IF',
  'THEN',
  'ELSE',
  'LET',
  'IN',
  'CASE',
  'OTHER',
  'ASSUME',
  'ASSUMPTION',
  'THEOREM',
  'EXCEPT',
  '!',
]);
const IMPLICATIONS = new Set(['=>', '<=>']);
const JUNCTIONS = new Set(['/\\', '\\/']);

function tokenize(text: string): Tok[] {
  const clean = stripTlaComments(text);
  const toks: Tok[] = [];
  let line = 1;
  let column = 1;
  let first = true;
  let i = 0;
  const push = (t: string) => {
    toks.push({ text: t, line, column, first });
    first = false;
    i += t.length;
    column += t.length;
  };
  while (i < clean.length) {
    const c = clean[i] as string;
    if (c === '\n') {
      line += 1;
      column = 1;
      first = true;
      i += 1;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
      column += 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < clean.length && clean[j] !== '"' && clean[j] !== '\n')
        j += clean[j] === '\\' ? 2 : 1;
      push(clean.slice(i, Math.min(j + 1, clean.length)));
    } else {
      const op = OPERATORS.find((o) => clean.startsWith(o, i));
      if (op !== undefined) push(op);
      else if (/[A-Za-z0-9_]/.test(c))
        push((/^[A-Za-z0-9_]+/.exec(clean.slice(i)) as RegExpExecArray)[0]);
      else if (c === '\\' && /[A-Za-z]/.test(clean[i + 1] ?? ''))
        push((/^\\[A-Za-z]+/.exec(clean.slice(i)) as RegExpExecArray)[0]);
      else push(c);
    }
  }
  return toks;
}

/**
 * Each expression segment (between brackets and separators, and between bulleted list items)
 * that holds both an implication and an infix /\ or \/: one problem per segment, at the
 * implication. A junction starts a bulleted list when it stands where an expression starts
 * (after an operator, an opener or a separator); a later junction that opens its line in that
 * list's column is the next item. Any other junction is infix, whatever line it is on.
 */
export function findPrecedenceProblems(text: string): TlaSyntaxProblem[] {
  const problems: TlaSyntaxProblem[] = [];
  type Segment = { implication: Tok | null; junction: Tok | null; reported: boolean };
  const fresh = (): Segment => ({ implication: null, junction: null, reported: false });
  const stack: Segment[] = [fresh()];
  /** Columns of the bulleted lists still open, innermost last. */
  const bullets: number[] = [];
  let prev: Tok | null = null;
  for (const tok of tokenize(text)) {
    const t = tok.text;
    if (tok.first)
      while (bullets.length > 0 && (bullets[bullets.length - 1] as number) > tok.column)
        bullets.pop();
    if (OPENERS.has(t)) stack.push(fresh());
    else if (CLOSERS.has(t)) {
      if (stack.length > 1) stack.pop();
    } else if (SEPARATORS.has(t) || t.startsWith('----') || t === '====') {
      stack[stack.length - 1] = fresh();
    } else if (JUNCTIONS.has(t) && tok.first && bullets[bullets.length - 1] === tok.column) {
      stack[stack.length - 1] = fresh();
    } else if (JUNCTIONS.has(t) && startsExpression(prev)) {
      bullets.push(tok.column);
      stack[stack.length - 1] = fresh();
    } else {
      const seg = stack[stack.length - 1] as Segment;
      if (IMPLICATIONS.has(t)) seg.implication ??= tok;
      if (JUNCTIONS.has(t)) seg.junction ??= tok;
      if (seg.implication && seg.junction && !seg.reported) {
        seg.reported = true;
        const at = seg.implication;
        problems.push({
          line: at.line,
          column: at.column,
          message:
            `'${at.text}' and '${seg.junction.text}' (line ${seg.junction.line}) in one expression without parentheses: ` +
            `TLC binds '${seg.junction.text}' tighter, the embedded engine does not; parenthesise to say which is meant`,
        });
      }
    }
    prev = tok;
  }
  return problems;
}

/** A token after which an expression starts: so a junction there opens a bulleted list. */
function startsExpression(prev: Tok | null): boolean {
  if (prev === null) return true;
  const p = prev.text;
  return (
    OPENERS.has(p) ||
    SEPARATORS.has(p) ||
    IMPLICATIONS.has(p) ||
    JUNCTIONS.has(p) ||
    p === '~' ||
    p === '=' ||
    p === '#' ||
    p === '\\lnot'
  );
}
