import { describe, expect, it } from 'vitest';
import {
  countByKind,
  type FileCoverageData,
  uncoveredBranches,
  uncoveredBranchesOfFile,
} from '../src/uncovered-branches.ts';

// A file shaped like the reference's: an argument check that throws, an errno return, a WARN and
// a checker's violation, a kernel path, and a `throw` that only appears in a comment and a string.
const SOURCE = [
  'export function f(n: number, k: { dead: boolean }): number {',
  '  if (n < 0) {',
  "    throw new RangeError('f: n < 0');",
  '  }',
  '  if (k.dead) return -EFAULT;',
  '  if (n > 4) n = 4; // throw nothing here',
  "  const s = n ? 'throw' : '';",
  '  if (n === 3) {',
  '    warn();',
  "    throw new Error('three');",
  '  }',
  "  if (s === 'x') k.WARN('odd', 's');",
  '  const out: string[] = [];',
  "  if (n === 2) out.push('two');",
  '  return s.length;',
  '}',
].join('\n');

const at = (line: number) => ({ start: { line, column: 2 } });
const none = { start: {} };

const DATA: FileCoverageData = {
  branchMap: {
    '0': { type: 'if', loc: at(2), locations: [at(2), none] },
    '1': { type: 'if', loc: at(5), locations: [at(5), none] },
    '2': { type: 'if', loc: at(6), locations: [at(6), none] },
    '3': { type: 'cond-expr', loc: at(7), locations: [at(7), at(7)] },
    '4': { type: 'if', loc: at(8), locations: [at(8), none] },
    '5': { type: 'if', loc: at(12), locations: [at(12), none] },
    '6': { type: 'if', loc: at(14), locations: [at(14), none] },
  },
  b: { '0': [0, 9], '1': [0, 9], '2': [0, 0], '3': [5, 0], '4': [0, 3], '5': [0, 1], '6': [0, 1] },
};

describe('uncovered branches', () => {
  it('reads each untaken arm with its kind from the syntax tree', () => {
    const u = uncoveredBranchesOfFile('src/f.ts', SOURCE, DATA);
    expect(u.map((x) => [x.line, x.type, x.arm, x.kind])).toEqual([
      [2, 'if', 0, 'throws'],
      [5, 'if', 0, 'errno'],
      [6, 'if', 0, 'other'],
      [6, 'if', 1, 'other'],
      [7, 'cond-expr', 1, 'other'],
      [8, 'if', 0, 'throws'],
      [12, 'if', 0, 'reports'],
      [14, 'if', 0, 'reports'],
    ]);
    expect(u[0]?.source).toBe('if (n < 0) {');
    expect(countByKind(u)).toEqual({ throws: 2, errno: 1, reports: 2, other: 3 });
  });

  it('names files relative to the root, sorted, and lists nothing for a file fully taken', () => {
    const taken: FileCoverageData = { branchMap: DATA.branchMap, b: { '0': [1, 1] } };
    const u = uncoveredBranches(
      '/r',
      { '/r/packages/z.ts': DATA, '/r/packages/a.ts': taken },
      () => SOURCE,
    );
    expect(new Set(u.map((x) => x.file))).toEqual(new Set(['packages/z.ts']));
    expect(u).toHaveLength(8);
  });
});
