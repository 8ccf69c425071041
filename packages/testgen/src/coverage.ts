// Coverage of the generated suites: action and transition coverage of each config's reachable
// state graph by the suite's scenarios (the model side), and branch coverage of
// packages/reference by the generated tests alone (branch-coverage.ts). Written to
// .pinlab/results/coverage.json; the shape is documented in packages/testgen/README.md.

import { join } from 'node:path';
import {
  buildStateGraph,
  GraphBoundError,
  type GraphEdge,
  openModel,
  type StateGraph,
} from '@pinlab/tla';
import { writeFileAtomic } from './atomic.ts';
import { type CoveredOfTotal, measureReferenceBranches } from './branch-coverage.ts';
import { canonicalJson } from './model/value.ts';
import { findGeneratedSuites, loadSuite } from './run-suite.ts';
import { toScenarioAction } from './scenarios.ts';
import type { SuiteData } from './suite.ts';

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
    readonly error?: string;
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

export function modelCoverage(root: string, maxStates = 20_000): ConfigCoverage[] {
  const out: ConfigCoverage[] = [];
  for (const file of findGeneratedSuites(join(root, 'generated-tests'))) {
    const suite = loadSuite(file);
    const base = { spec: suite.spec, config: suite.config, scenarios: suite.scenarios.length };
    let graph: StateGraph;
    try {
      graph = buildStateGraph(openModel(root, suite.config).explorer, maxStates);
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
export function referenceBranchCoverage(root: string): CoverageReport['reference'] {
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
    ...(m.failure === undefined ? {} : { error: `exit ${m.status}: ${m.failure}` }),
  };
}

export function coverageReport(root: string, opts: { reference: boolean }): CoverageReport {
  const model = modelCoverage(root);
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
      ? referenceBranchCoverage(root)
      : { command: '(skipped)', branches: null, lines: null, functions: null },
  };
}

export function writeCoverageReport(root: string, report: CoverageReport): string {
  const path = join(root, '.pinlab', 'results', 'coverage.json');
  writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
