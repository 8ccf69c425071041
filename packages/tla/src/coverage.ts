// Model coverage of a set of scenarios: which actions and which transitions (edges of the
// reachable state graph of a config) the scenarios take.
import type { ItfTrace } from './itf.ts';
import { type StateGraph, stateKey } from './state-graph.ts';

export interface ModelCoverage {
  actions: { covered: number; total: number; missed: string[] };
  transitions: { covered: number; total: number; missedSample: string[] };
  /** Scenario steps that are not edges of this graph (e.g. scenarios from another config). */
  foreignSteps: number;
}

export function modelCoverage(graph: StateGraph, scenarios: ItfTrace[]): ModelCoverage {
  const index = new Map(graph.states.map((s, i) => [s.key, i]));
  const coveredEdges = new Set<string>();
  const coveredActions = new Set<string>();
  let foreignSteps = 0;
  for (const trace of scenarios) {
    const keys = trace.states.map((s) =>
      index.get(stateKey(graph.vars, s as Record<string, unknown>)),
    );
    for (let i = 1; i < keys.length; i++) {
      const from = keys[i - 1];
      const to = keys[i];
      const edge =
        from === undefined || to === undefined
          ? undefined
          : graph.out[from]?.find((e) => e.to === to);
      if (!edge) {
        foreignSteps += 1;
        continue;
      }
      coveredEdges.add(`${edge.from}>${edge.to}`);
      coveredActions.add(edge.action);
    }
  }
  const missedEdges: string[] = [];
  for (const edges of graph.out)
    for (const e of edges)
      if (!coveredEdges.has(`${e.from}>${e.to}`) && missedEdges.length < 10)
        missedEdges.push(`s${e.from} -${e.action}-> s${e.to}`);
  return {
    actions: {
      covered: coveredActions.size,
      total: graph.actions.length,
      missed: graph.actions.filter((a) => !coveredActions.has(a)),
    },
    transitions: { covered: coveredEdges.size, total: graph.edgeCount, missedSample: missedEdges },
    foreignSteps,
  };
}
