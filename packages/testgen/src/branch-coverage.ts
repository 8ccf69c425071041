// Branch coverage of packages/reference by the generated tests alone: the generated vitest
// project runs under istanbul coverage restricted to packages/reference/src, summarised per file.
// This is also the "run the generated vitest files" step of `pinlab verify`: a non-zero vitest
// exit is reported as a failure.
//
// Two choices matter for an honest figure. `all`: files no generated test loads are counted, not
// dropped. The istanbul provider: it instruments the source, so every branch arm has its own
// counter, bumped when that arm runs. V8's block coverage has to be mapped back onto the syntax
// tree, and both mappings we tried miscount. V8's own counts no branch in a file or function that
// never ran (73% against 49% counted from the source, on the same run). vitest's
// `experimentalAstAwareRemapping` gets the branch list right, but infers some counts: a default
// parameter's arm got its function's count even when the default was never used (16 such arms on
// the twelfth-session tree), and one implicit else read 0 although it ran (mm/io_uring.ts
// `io_sqe_buffers_unregister` meeting a sparse slot; a mutant throwing there fails 207 generated
// tests). That was 1825/2066 where istanbul counts 1810/2066 on the same tree.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  type FileCoverageData,
  type UncoveredBranch,
  uncoveredBranches,
} from './uncovered-branches.ts';

export interface CoveredOfTotal {
  readonly covered: number;
  readonly total: number;
}

export interface FileBranches extends CoveredOfTotal {
  /** Path relative to the repository root, with '/' separators. */
  readonly name: string;
}

export interface ReferenceBranches {
  /** The command a user runs to reproduce the measurement. */
  readonly command: string;
  /** Branches per file of packages/reference/src, sorted by path. */
  readonly files: FileBranches[];
  readonly branches: CoveredOfTotal | null;
  readonly lines: CoveredOfTotal | null;
  readonly functions: CoveredOfTotal | null;
  /** vitest's exit status: 0 when every generated test passed. */
  readonly status: number;
  /** Every branch no generated test took, with its kind (uncovered-branches.ts). */
  readonly uncovered: UncoveredBranch[];
  /** The tail of vitest's output when it failed or wrote no summary. */
  readonly failure?: string;
}

type Summary = Record<string, Record<string, CoveredOfTotal> | undefined>;

const COVERAGE_ARGS = [
  '--coverage.enabled=true',
  '--coverage.provider=istanbul',
  '--coverage.include=packages/reference/src/**',
  '--coverage.all=true',
  '--coverage.reporter=json-summary',
  // Per-branch counts (coverage-final.json), for the list of uncovered branches.
  '--coverage.reporter=json',
  // Figures even when a generated test fails; the failure is still reported (status, failure).
  '--coverage.reportOnFailure=true',
];

export function summaryFiles(root: string, summary: Summary): FileBranches[] {
  const out: FileBranches[] = [];
  for (const [file, e] of Object.entries(summary)) {
    if (file === 'total' || e?.branches === undefined) continue;
    out.push({
      name: relative(root, file).split('\\').join('/'),
      covered: e.branches.covered,
      total: e.branches.total,
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Runs the generated project alone under coverage; `reportsDirectory` defaults to a temp dir. */
export function measureReferenceBranches(
  root: string,
  opts: { env?: NodeJS.ProcessEnv; reportsDirectory?: string } = {},
): ReferenceBranches {
  const vitest = createRequire(join(root, 'package.json')).resolve('vitest/vitest.mjs');
  const dir = opts.reportsDirectory ?? mkdtempSync(join(tmpdir(), 'pinlab-cov-'));
  const args = ['run', '--project', 'generated', ...COVERAGE_ARGS];
  const command = `npx vitest ${args.join(' ')}`;
  try {
    const res = spawnSync(
      process.execPath,
      [vitest, ...args, `--coverage.reportsDirectory=${dir}`],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...(opts.env ?? process.env), FORCE_COLOR: '0', NO_COLOR: '1' },
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    const status = res.status ?? 1;
    const tail = () =>
      `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    const summaryPath = join(dir, 'coverage-summary.json');
    if (!existsSync(summaryPath)) {
      return {
        command,
        files: [],
        branches: null,
        lines: null,
        functions: null,
        uncovered: [],
        status: status === 0 ? 1 : status,
        failure: `vitest wrote no coverage summary (${summaryPath})\n${tail()}`,
      };
    }
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary;
    const pick = (k: string): CoveredOfTotal | null => {
      const t = summary.total?.[k];
      return t === undefined ? null : { covered: t.covered, total: t.total };
    };
    const finalPath = join(dir, 'coverage-final.json');
    const final = existsSync(finalPath)
      ? (JSON.parse(readFileSync(finalPath, 'utf8')) as Record<string, FileCoverageData>)
      : {};
    return {
      command,
      files: summaryFiles(root, summary),
      uncovered: uncoveredBranches(root, final),
      branches: pick('branches'),
      lines: pick('lines'),
      functions: pick('functions'),
      status,
      ...(status === 0 ? {} : { failure: tail() }),
    };
  } finally {
    if (opts.reportsDirectory === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
