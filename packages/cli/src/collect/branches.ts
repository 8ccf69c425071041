// Reference-branch coverage: the generated suites run under vitest with V8 coverage restricted
// to packages/reference/src, summarised per file from vitest's json-summary. This is also the
// "run the generated vitest files" step: a non-zero vitest exit is reported as a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { CoverageItem } from '../results.ts';

interface SummaryEntry {
  branches: { total: number; covered: number };
}

export interface BranchCoverage {
  items: CoverageItem[];
  total: { covered: number; total: number };
  /** vitest's exit status: 0 when every generated test passed. */
  status: number;
  /** The tail of vitest's output when it failed. */
  failure?: string;
}

export function summaryToItems(
  root: string,
  summary: Record<string, SummaryEntry>,
): CoverageItem[] {
  return Object.entries(summary)
    .filter(([file]) => file !== 'total')
    .map(([file, e]) => ({
      name: relative(root, file).split('\\').join('/'),
      covered: e.branches.covered,
      total: e.branches.total,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function measureReferenceBranches(root: string, env: NodeJS.ProcessEnv): BranchCoverage {
  const dir = mkdtempSync(join(tmpdir(), 'pinlab-cov-'));
  try {
    const res = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--project',
        'generated',
        '--coverage.enabled=true',
        '--coverage.provider=v8',
        '--coverage.include=packages/reference/src/**',
        '--coverage.reporter=json-summary',
        `--coverage.reportsDirectory=${dir}`,
        '--coverage.all=true',
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    const status = res.status ?? 1;
    const summaryPath = join(dir, 'coverage-summary.json');
    const out: BranchCoverage = { items: [], total: { covered: 0, total: 0 }, status };
    if (existsSync(summaryPath)) {
      const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Record<string, SummaryEntry>;
      out.items = summaryToItems(root, summary);
      const t = summary.total?.branches;
      if (t) out.total = { covered: t.covered, total: t.total };
    }
    if (status !== 0) {
      const text = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n');
      out.failure = text.slice(-15).join('\n');
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
