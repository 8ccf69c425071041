// Coverage of the generated suites: action and transition coverage of each config's reachable
// state graph by the suite's scenarios (the model side), and branch coverage of
// packages/reference by the generated tests alone (branch-coverage.ts). Written to
// .pinlab/results/coverage.json; the shape is documented in packages/testgen/README.md.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildStateGraphFromCheckSync,
  GraphBoundError,
  type GraphEdge,
  type StateGraph,
} from '@pinlab/tla';
import { writeFileAtomic } from './atomic.ts';
import { type CoveredOfTotal, measureReferenceBranches } from './branch-coverage.ts';
import { graphJob, MAX_GRAPH_STATES } from './model/engine.ts';
import { createGraphCache, type GraphCache, getGraph, putGraph } from './model/graph-cache.ts';
import { canonicalJson } from './model/value.ts';
import { findGeneratedSuites, loadSuite } from './run-suite.ts';
import { toScenarioAction } from './scenarios.ts';
import type { SuiteData } from './suite.ts';
import { countByKind, type UncoveredBranch, type UncoveredKind } from './uncovered-branches.ts';
import {
  classifyUntaken,
  LEDGER_WHYS,
  type LedgerEntry,
  type LedgerWhy,
  loadLedger,
} from './untaken-ledger.ts';

export interface ConfigCoverage {
  readonly spec: string;
  readonly config: string;
  readonly scenarios: number;
  readonly reachableStates: number | null;
  readonly actions: { covered: number; total: number; missed: string[] } | null;
  readonly transitions: { covered: number; total: number; pct: number } | null;
  /** Scenario steps that are not edges of the graph (should be 0). */
  readonly foreignSteps: number;
  readonly note?: string;
}

export interface BranchCoverage {
  readonly covered: number;
  readonly total: number;
  readonly pct: number;
}

export interface CoverageReport {
  readonly model: ConfigCoverage[];
  readonly totals: {
    actions: { covered: number; total: number; pct: number };
    transitions: { covered: number; total: number; pct: number };
  };
  readonly reference: {
    readonly command: string;
    readonly branches: BranchCoverage | null;
    readonly lines: BranchCoverage | null;
    readonly functions: BranchCoverage | null;
    /** The branches no generated test took, counted by kind and listed (uncovered-branches.ts). */
    readonly uncovered:
      | (Record<UncoveredKind, number> & { branches: LedgeredBranch[]; ledger: LedgerSummary })
      | null;
    readonly error?: string;
  };
}

/** An untaken branch with the ledger's reason for it (null: none recorded). */
export type LedgeredBranch = UncoveredBranch & {
  readonly why: LedgerWhy | null;
  readonly reason: string | null;
};

/** The untaken branches counted by the ledger's reasons (untaken-ledger.ts). */
export interface LedgerSummary {
  readonly path: string;
  readonly byWhy: Record<LedgerWhy, number>;
  readonly unrecorded: number;
  /** Entries matching no untaken branch: taken now, or their source line changed. */
  readonly stale: LedgerEntry[];
}

/** Where the ledger of untaken reference branches lives, relative to the repository root. */
export const LEDGER_PATH = 'docs/untaken-branches.json';

/** The untaken branches with their recorded reasons, and the counts. */
export function ledgerUntaken(
  untaken: readonly UncoveredBranch[],
  ledger: readonly LedgerEntry[],
  path: string = LEDGER_PATH,
): { branches: LedgeredBranch[]; ledger: LedgerSummary } {
  const c = classifyUntaken(untaken, ledger);
  const reasonOf = new Map<UncoveredBranch, LedgerEntry>();
  for (const w of LEDGER_WHYS)
    for (const { branch, entry } of c.byWhy[w]) reasonOf.set(branch, entry);
  return {
    branches: untaken.map((u) => {
      const e = reasonOf.get(u);
      return { ...u, why: e?.why ?? null, reason: e?.reason ?? null };
    }),
    ledger: {
      path,
      byWhy: Object.fromEntries(LEDGER_WHYS.map((w) => [w, c.byWhy[w].length])) as Record<
        LedgerWhy,
        number
      >,
      unrecorded: c.unrecorded.length,
      stale: c.stale,
    },
  };
}

const pct = (c: number, t: number) => (t === 0 ? 100 : Math.round((1000 * c) / t) / 10);

/** Follows each scenario along the graph's edges and counts what it covers. */
export function suiteModelCoverage(
  graph: StateGraph,
  suite: SuiteData,
): Omit<ConfigCoverage, 'spec' | 'config' | 'scenarios' | 'reachableStates'> {
  const actionKey = (i: number) =>
    canonicalJson(toScenarioAction(graph.states[i]?.values.action, 'graph state'));
  const edges = new Set<string>();
  const actions = new Set<string>();
  let foreign = 0;
  for (const s of suite.scenarios) {
    const [init, ...steps] = s.actions;
    if (init === undefined) continue;
    const start = graph.initial.find((i) => actionKey(i) === canonicalJson(init));
    if (start === undefined) {
      foreign += steps.length;
      continue;
    }
    let at: number = start;
    for (const [k, step] of steps.entries()) {
      const want = canonicalJson(step);
      const edge: GraphEdge | undefined = graph.out[at]?.find((e) => actionKey(e.to) === want);
      if (edge === undefined) {
        foreign += steps.length - k;
        break;
      }
      edges.add(`${edge.from}>${edge.to}`);
      actions.add(edge.action);
      at = edge.to;
    }
  }
  return {
    actions: {
      covered: actions.size,
      total: graph.actions.length,
      missed: graph.actions.filter((a) => !actions.has(a)),
    },
    transitions: {
      covered: edges.size,
      total: graph.edgeCount,
      pct: pct(edges.size, graph.edgeCount),
    },
    foreignSteps: foreign,
  };
}

export interface ModelCoverageOptions {
  /** Only the suites of these specs (all when absent or empty). */
  readonly specs?: readonly string[];
  /** Graphs over this many states are reported without figures. */
  readonly maxStates?: number;
  /** Graph cache directory (default .pinlab/cache, shared with `pinlab gen`; null: none). */
  readonly cacheDir?: string | null;
  /** Called as each config starts, with its position and the number of configs. */
  readonly onProgress?: (line: string) => void;
}

/**
 * The graph a config's suite was generated from: the config's own constants, built from one
 * check run and kept in the same cache `pinlab gen` uses, so after a generation the report costs
 * only the walk along the scenarios (explore_next per state took minutes per config).
 */
function configGraph(
  root: string,
  spec: string,
  config: string,
  cache: GraphCache,
  maxStates: number,
): StateGraph {
  const job = graphJob(
    spec,
    readFileSync(join(root, 'specs', `${spec}.tla`), 'utf8'),
    readFileSync(join(root, 'specs', `${config}.cfg`), 'utf8'),
    {},
  );
  const cached = getGraph(cache, job.specText, job.cfgText);
  if (cached !== undefined) return cached;
  const graph = buildStateGraphFromCheckSync(job.specText, job.cfgText, { maxStates });
  putGraph(cache, job.specText, job.cfgText, graph);
  return graph;
}

export function modelCoverage(root: string, opts: ModelCoverageOptions = {}): ConfigCoverage[] {
  const maxStates = opts.maxStates ?? MAX_GRAPH_STATES;
  const cache = createGraphCache(
    opts.cacheDir === null ? undefined : (opts.cacheDir ?? join(root, '.pinlab', 'cache')),
  );
  const wanted = opts.specs !== undefined && opts.specs.length > 0 ? new Set(opts.specs) : null;
  const suites = findGeneratedSuites(join(root, 'generated-tests'))
    .map((file) => loadSuite(file))
    .filter((s) => wanted === null || wanted.has(s.spec));
  const out: ConfigCoverage[] = [];
  for (const [n, suite] of suites.entries()) {
    opts.onProgress?.(`[${n + 1}/${suites.length}] ${suite.config}`);
    const base = { spec: suite.spec, config: suite.config, scenarios: suite.scenarios.length };
    let graph: StateGraph;
    try {
      graph = configGraph(root, suite.spec, suite.config, cache, maxStates);
    } catch (e) {
      if (!(e instanceof GraphBoundError)) throw e;
      out.push({
        ...base,
        reachableStates: null,
        actions: null,
        transitions: null,
        foreignSteps: 0,
        note: e.message,
      });
      continue;
    }
    out.push({
      ...base,
      reachableStates: graph.states.length,
      ...suiteModelCoverage(graph, suite),
    });
  }
  return out;
}

/** Branch, line and function coverage of packages/reference by the generated tests alone. */
export function referenceBranchCoverage(
  root: string,
  ledger: readonly LedgerEntry[] = loadLedger(join(root, LEDGER_PATH)),
): CoverageReport['reference'] {
  const m = measureReferenceBranches(root, {
    reportsDirectory: join(root, '.pinlab', 'coverage', 'generated'),
  });
  const withPct = (t: CoveredOfTotal | null): BranchCoverage | null =>
    t === null ? null : { ...t, pct: pct(t.covered, t.total) };
  return {
    command: m.command,
    branches: withPct(m.branches),
    lines: withPct(m.lines),
    functions: withPct(m.functions),
    uncovered:
      m.branches === null
        ? null
        : { ...countByKind(m.uncovered), ...ledgerUntaken(m.uncovered, ledger) },
    ...(m.failure === undefined ? {} : { error: `exit ${m.status}: ${m.failure}` }),
  };
}

export function coverageReport(
  root: string,
  opts: { reference: boolean } & ModelCoverageOptions,
): CoverageReport {
  // A malformed ledger fails here, before minutes of measuring.
  const ledger = opts.reference ? loadLedger(join(root, LEDGER_PATH)) : [];
  const model = modelCoverage(root, opts);
  const sum = (f: (c: ConfigCoverage) => { covered: number; total: number } | null) => {
    let covered = 0;
    let total = 0;
    for (const c of model) {
      const x = f(c);
      if (x !== null) {
        covered += x.covered;
        total += x.total;
      }
    }
    return { covered, total, pct: pct(covered, total) };
  };
  return {
    model,
    totals: { actions: sum((c) => c.actions), transitions: sum((c) => c.transitions) },
    reference: opts.reference
      ? referenceBranchCoverage(root, ledger)
      : { command: '(skipped)', branches: null, lines: null, functions: null, uncovered: null },
  };
}

export function writeCoverageReport(root: string, report: CoverageReport): string {
  const path = join(root, '.pinlab', 'results', 'coverage.json');
  writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
