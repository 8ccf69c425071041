// No coverage run: the ledger's parsing and its matching of untaken branches.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LEDGER_PATH, ledgerUntaken } from '../src/coverage.ts';
import type { UncoveredBranch } from '../src/uncovered-branches.ts';
import {
  classifyUntaken,
  type LedgerEntry,
  LedgerError,
  loadLedger,
  parseLedger,
} from '../src/untaken-ledger.ts';

const branch = (line: number, type: string, arm: number, source: string): UncoveredBranch => ({
  file: 'packages/reference/src/x.ts',
  line,
  type,
  arm,
  kind: 'other',
  source,
});
const entry = (source: string, why: LedgerEntry['why'], arm?: string): LedgerEntry => ({
  file: 'packages/reference/src/x.ts',
  source,
  ...(arm === undefined ? {} : { arm }),
  why,
  reason: `because ${source}`,
});

describe('parseLedger', () => {
  it('reads the entries, with or without an arm', () => {
    const text = JSON.stringify({
      branches: [entry('if (a) return;', 'unreachable', 'if 0'), entry('f(x = 1)', 'api')],
    });
    expect(parseLedger(text, 'l.json')).toEqual([
      entry('if (a) return;', 'unreachable', 'if 0'),
      entry('f(x = 1)', 'api'),
    ]);
  });

  it('names the file and the entry of what is wrong', () => {
    expect(() => parseLedger('{', 'l.json')).toThrow(/^l\.json: not JSON/);
    expect(() => parseLedger('{}', 'l.json')).toThrow('l.json: no "branches" array');
    const bad = (b: object) => JSON.stringify({ branches: [entry('ok', 'guard'), b] });
    expect(() => parseLedger(bad({ ...entry('s', 'guard'), why: 'dunno' }), 'l.json')).toThrow(
      'l.json: branches[1]: "why" is "dunno", not one of guard, bug-only, unreachable, not-modelled, harness, api',
    );
    expect(() => parseLedger(bad({ ...entry('s', 'guard'), reason: '' }), 'l.json')).toThrow(
      'l.json: branches[1]: "reason" must be a non-empty string',
    );
    expect(() => parseLedger(bad({ ...entry('s', 'guard'), arm: 'then' }), 'l.json')).toThrow(
      LedgerError,
    );
  });

  it('is empty where there is no ledger file, and checked where there is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
    expect(loadLedger(join(dir, 'none.json'))).toEqual([]);
    writeFileSync(join(dir, 'l.json'), '[]');
    expect(() => loadLedger(join(dir, 'l.json'))).toThrow('no "branches" array');
  });
});

describe('classifyUntaken', () => {
  const untaken = [
    branch(10, 'if', 0, 'if (a) return;'),
    branch(10, 'if', 1, 'if (a) return;'),
    branch(20, 'if', 0, 'if (remain) break;'),
    branch(30, 'if', 0, 'if (remain) break;'),
    branch(40, 'default-arg', 0, 'f(x = 1)'),
    branch(50, 'if', 0, 'if (new) {'),
  ];
  const ledger = [
    entry('if (a) return;', 'unreachable'),
    entry('if (a) return;', 'guard', 'if 0'),
    entry('if (remain) break;', 'unreachable', 'if 0'),
    entry('f(x = 1)', 'api'),
    entry('if (gone) {', 'bug-only'),
  ];

  it('matches by file and source, an entry with the arm before one without, every line with the text', () => {
    const c = classifyUntaken(untaken, ledger);
    expect(c.byWhy.guard.map((x) => [x.branch.line, x.branch.arm])).toEqual([[10, 0]]);
    expect(c.byWhy.unreachable.map((x) => [x.branch.line, x.branch.arm])).toEqual([
      [10, 1],
      [20, 0],
      [30, 0],
    ]);
    expect(c.byWhy.api.map((x) => x.branch.line)).toEqual([40]);
    expect(c.unrecorded.map((x) => x.line)).toEqual([50]);
    expect(c.stale.map((e) => e.source)).toEqual(['if (gone) {']);
  });

  it('does not match another file or another arm', () => {
    const other = {
      ...branch(10, 'if', 0, 'if (remain) break;'),
      file: 'packages/reference/src/y.ts',
    };
    const c = classifyUntaken([other, branch(20, 'if', 1, 'if (remain) break;')], ledger);
    expect(c.unrecorded).toHaveLength(2);
  });

  it('gives each branch of the report its reason and counts them', () => {
    const r = ledgerUntaken(untaken, ledger, 'docs/l.json');
    expect(r.branches.map((b) => b.why)).toEqual([
      'guard',
      'unreachable',
      'unreachable',
      'unreachable',
      'api',
      null,
    ]);
    expect(r.branches[0]?.reason).toBe('because if (a) return;');
    expect(r.ledger).toEqual({
      path: 'docs/l.json',
      byWhy: { guard: 1, 'bug-only': 0, unreachable: 3, 'not-modelled': 0, harness: 0, api: 1 },
      unrecorded: 1,
      stale: [entry('if (gone) {', 'bug-only')],
    });
  });
});

describe('the checked-in ledger', () => {
  const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

  it('parses, and each entry names a source line of the tree as the report prints it', () => {
    const ledger = loadLedger(join(repo, LEDGER_PATH));
    expect(ledger.length).toBeGreaterThan(0);
    const lines = new Map<string, Set<string>>();
    const missing: string[] = [];
    for (const e of ledger) {
      let set = lines.get(e.file);
      if (set === undefined) {
        set = new Set(
          readFileSync(join(repo, e.file), 'utf8')
            .split('\n')
            .map((l) => l.trim().slice(0, 120)),
        );
        lines.set(e.file, set);
      }
      // A line changed or moved to another file: its entry wants the new text (or removing).
      if (!set.has(e.source)) missing.push(`${e.file}: ${e.source}`);
    }
    expect(missing).toEqual([]);
  });
});
