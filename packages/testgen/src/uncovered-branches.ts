// The reference branches no generated test takes, each named by file, line and the source there,
// and sorted by what the branch does. A reviewer reading the branch figure wants to know what
// the missing part is: a check that throws on arguments no kernel path passes reads very
// differently from a kernel path the model never drives. The kind is read from the syntax tree
// of the reference source (TypeScript's parser), never from the line's text, so a `throw` in a
// comment or a string does not count.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import ts from 'typescript';

/**
 * - `throws`: the if-branch's body ends in a `throw` (an argument check, or a state the kernel
 *   would BUG/WARN on: the reference refuses to go on);
 * - `errno`: the if-branch's body is `return -E...` (a syscall or helper failing with an errno);
 * - `reports`: the if-branch's body ends by reporting an invariant violation (`out.push(...)` in
 *   the reference's checkers) or a kernel WARN (`....WARN(...)`): taken only when something is
 *   wrong, i.e. by a bug config whose fault breaks that very check;
 * - `other`: everything else (a kernel path the generated tests do not drive).
 */
export type UncoveredKind = 'throws' | 'errno' | 'reports' | 'other';

export interface UncoveredBranch {
  /** Path relative to the repository root, with '/' separators. */
  readonly file: string;
  readonly line: number;
  /** Istanbul's branch type (`if`, `cond-expr`, `binary-expr`, `switch`, `default-arg`) and arm. */
  readonly type: string;
  readonly arm: number;
  readonly kind: UncoveredKind;
  /** The source line, trimmed (at most 120 characters). */
  readonly source: string;
}

interface Position {
  readonly line?: number;
  readonly column?: number | null;
}
interface BranchMapping {
  readonly type: string;
  readonly loc: { readonly start: Position };
  readonly locations?: readonly { readonly start: Position }[];
}
/** One file of an istanbul `coverage-final.json` (vitest's `json` reporter). */
export interface FileCoverageData {
  readonly branchMap: Record<string, BranchMapping>;
  readonly b: Record<string, readonly number[]>;
}

/** `out.push(...)` (a checker's violation list) or `<kernel>.WARN(...)`. */
function isReport(e: ts.Expression): boolean {
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return false;
  const { expression: receiver, name } = e.expression;
  return (
    name.text === 'WARN' ||
    (name.text === 'push' && ts.isIdentifier(receiver) && receiver.text === 'out')
  );
}

/** The statement that makes an if-branch `throws`, `errno` or neither. */
function statementKind(s: ts.Statement): UncoveredKind {
  const last = ts.isBlock(s) ? s.statements[s.statements.length - 1] : s;
  if (last === undefined) return 'other';
  if (ts.isThrowStatement(last)) return 'throws';
  if (ts.isExpressionStatement(last) && isReport(last.expression)) return 'reports';
  if (
    ts.isReturnStatement(last) &&
    (!ts.isBlock(s) || s.statements.length === 1) &&
    last.expression !== undefined &&
    ts.isPrefixUnaryExpression(last.expression) &&
    last.expression.operator === ts.SyntaxKind.MinusToken &&
    ts.isIdentifier(last.expression.operand) &&
    /^E[A-Z0-9]+$/.test(last.expression.operand.text)
  )
    return 'errno';
  return 'other';
}

/** The if-statement that starts on `line` (1-based), outermost first. */
function ifStatementAt(sf: ts.SourceFile, line: number): ts.IfStatement | undefined {
  let found: ts.IfStatement | undefined;
  const visit = (n: ts.Node): void => {
    if (found !== undefined) return;
    if (ts.isIfStatement(n) && sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1 === line) {
      found = n;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/**
 * The uncovered branches of one file. `text` is the file's source as coverage measured it. An
 * if's arm 0 is its then-branch, arm 1 its else (absent or not): only arm 0 has a body to read.
 */
export function uncoveredBranchesOfFile(
  file: string,
  text: string,
  data: FileCoverageData,
): UncoveredBranch[] {
  const lines = text.split('\n');
  let sf: ts.SourceFile | undefined;
  const out: UncoveredBranch[] = [];
  for (const [id, mapping] of Object.entries(data.branchMap)) {
    const counts = data.b[id] ?? [];
    counts.forEach((count, arm) => {
      if (count > 0) return;
      const at = mapping.locations?.[arm]?.start.line ?? mapping.loc.start.line;
      if (at === undefined) return;
      let kind: UncoveredKind = 'other';
      if (mapping.type === 'if' && arm === 0) {
        sf ??= ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
        const stmt = ifStatementAt(sf, at);
        if (stmt !== undefined) kind = statementKind(stmt.thenStatement);
      }
      const source = (lines[at - 1] ?? '').trim().slice(0, 120);
      out.push({ file, line: at, type: mapping.type, arm, kind, source });
    });
  }
  return out.sort((a, b) => a.line - b.line || a.arm - b.arm);
}

/** Every uncovered branch of a `coverage-final.json`, files relative to `root`, sorted by path. */
export function uncoveredBranches(
  root: string,
  final: Record<string, FileCoverageData>,
  readSource: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): UncoveredBranch[] {
  const out: UncoveredBranch[] = [];
  for (const path of Object.keys(final).sort()) {
    const data = final[path];
    if (data === undefined) continue;
    const file = relative(root, path).split('\\').join('/');
    out.push(...uncoveredBranchesOfFile(file, readSource(path), data));
  }
  return out;
}

/** How many uncovered branches of each kind. */
export function countByKind(list: readonly UncoveredBranch[]): Record<UncoveredKind, number> {
  const out: Record<UncoveredKind, number> = { throws: 0, errno: 0, reports: 0, other: 0 };
  for (const u of list) out[u.kind]++;
  return out;
}
