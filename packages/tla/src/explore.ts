// Exploration strategies (issue 4): turn model behaviours into ITF scenarios.
// - exhaustive: every behaviour up to a depth (paths from an initial state that stop at the
//   depth or in a state without successors);
// - tour: every edge of the reachable graph covered by few scenarios (greedy: extend the current
//   path through uncovered edges, else through the shortest detour to one; restart from an
//   initial state when none is reachable);
// - random: seeded random walks.
// Same model, strategy and seed give byte-identical output.
import type { ItfMeta, ItfTrace } from './itf.ts';
import { Prng } from './prng.ts';
import type { GraphEdge, GraphState, StateGraph } from './state-graph.ts';
import { traceFromStates } from './trace-build.ts';

export type Strategy = 'exhaustive' | 'tour' | 'random';

export interface ExploreOptions {
  strategy: Strategy;
  /** Steps per scenario (exhaustive, random; tour: longest scenario). */
  depth?: number;
  seed?: number;
  /** Random walks: how many. */
  count?: number;
  /** Exhaustive: refuse to produce more scenarios than this. */
  maxScenarios?: number;
}

export interface ScenarioSource {
  spec: string;
  config: string;
  engine: 'embedded' | 'tlc';
}

export class ExploreLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExploreLimitError';
  }
}

/** A path: state indices, first an initial state. */
export type StatePath = number[];

export function exhaustivePaths(
  graph: StateGraph,
  depth: number,
  maxScenarios = 100_000,
): StatePath[] {
  const paths: StatePath[] = [];
  const walk = (path: StatePath) => {
    const last = path[path.length - 1] as number;
    const edges = graph.out[last] as GraphEdge[];
    if (path.length - 1 >= depth || edges.length === 0) {
      if (paths.length >= maxScenarios)
        throw new ExploreLimitError(
          `more than ${maxScenarios} behaviours up to depth ${depth}; lower --depth`,
        );
      paths.push([...path]);
      return;
    }
    for (const e of edges) {
      path.push(e.to);
      walk(path);
      path.pop();
    }
  };
  for (const i of graph.initial) walk([i]);
  return paths;
}

const edgeId = (e: GraphEdge, index: number) => `${e.from}>${e.to}#${index}`;

/** Shortest path (list of edges) from `from` to a state with an uncovered outgoing edge. */
function detourToUncovered(
  graph: StateGraph,
  from: number,
  uncovered: Set<string>,
  hasUncovered: (n: number) => boolean,
): GraphEdge[] | null {
  const previous = new Map<number, GraphEdge | null>([[from, null]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head] as number;
    if (hasUncovered(n)) {
      const edges: GraphEdge[] = [];
      for (let cur = n; previous.get(cur); cur = (previous.get(cur) as GraphEdge).from)
        edges.unshift(previous.get(cur) as GraphEdge);
      return edges;
    }
    for (const e of graph.out[n] as GraphEdge[])
      if (!previous.has(e.to)) {
        previous.set(e.to, e);
        queue.push(e.to);
      }
  }
  void uncovered;
  return null;
}

export function tourPaths(graph: StateGraph, maxLength = 500): StatePath[] {
  const uncovered = new Set<string>();
  graph.out.forEach((edges) => {
    edges.forEach((e, i) => {
      uncovered.add(edgeId(e, i));
    });
  });
  const firstUncovered = (n: number) =>
    (graph.out[n] as GraphEdge[]).findIndex((e, i) => uncovered.has(edgeId(e, i)));
  const hasUncovered = (n: number) => firstUncovered(n) !== -1;
  const paths: StatePath[] = [];
  while (uncovered.size > 0) {
    // Start from the initial state closest to an uncovered edge.
    let best: { start: number; detour: GraphEdge[] } | null = null;
    for (const i of graph.initial) {
      const d = detourToUncovered(graph, i, uncovered, hasUncovered);
      if (d && (!best || d.length < best.detour.length)) best = { start: i, detour: d };
    }
    if (!best) break; // the rest is unreachable from the initial states (cannot happen for a BFS graph)
    const path: StatePath = [best.start];
    const follow = (e: GraphEdge) => {
      const i = (graph.out[e.from] as GraphEdge[]).indexOf(e);
      uncovered.delete(edgeId(e, i));
      path.push(e.to);
    };
    for (const e of best.detour) follow(e);
    while (path.length - 1 < maxLength) {
      const here = path[path.length - 1] as number;
      const k = firstUncovered(here);
      if (k !== -1) {
        follow((graph.out[here] as GraphEdge[])[k] as GraphEdge);
        continue;
      }
      const detour = detourToUncovered(graph, here, uncovered, hasUncovered);
      if (!detour || path.length - 1 + detour.length + 1 > maxLength) break;
      for (const e of detour) follow(e);
    }
    paths.push(path);
  }
  return paths;
}

export function randomPaths(
  graph: StateGraph,
  depth: number,
  count: number,
  seed: number,
): StatePath[] {
  const rng = new Prng(seed);
  const paths: StatePath[] = [];
  for (let k = 0; k < count; k++) {
    const path: StatePath = [graph.initial[rng.below(graph.initial.length)] as number];
    while (path.length - 1 < depth) {
      const edges = graph.out[path[path.length - 1] as number] as GraphEdge[];
      if (edges.length === 0) break;
      path.push((edges[rng.below(edges.length)] as GraphEdge).to);
    }
    paths.push(path);
  }
  return paths;
}

/** Scenarios for a strategy, as ITF traces with pinlab's #meta. */
export function explore(
  graph: StateGraph,
  source: ScenarioSource,
  options: ExploreOptions,
): ItfTrace[] {
  const depth = options.depth ?? 10;
  const seed = options.seed ?? 1;
  let paths: StatePath[];
  switch (options.strategy) {
    case 'exhaustive':
      paths = exhaustivePaths(graph, depth, options.maxScenarios);
      break;
    case 'tour':
      paths = tourPaths(graph, options.depth ?? 500);
      break;
    case 'random':
      paths = randomPaths(graph, depth, options.count ?? 100, seed);
      break;
    default:
      throw new Error(`unknown strategy ${String(options.strategy)}`);
  }
  const width = String(Math.max(paths.length - 1, 0)).length;
  return paths.map((path, i) => {
    const meta: ItfMeta = {
      format: 'ITF',
      source: `${source.spec}.tla`,
      config: source.config,
      engine: source.engine,
      strategy: options.strategy,
      id: `${source.config}-${options.strategy}-${String(i).padStart(width, '0')}`,
    };
    if (options.strategy === 'random') meta.seed = seed;
    if (options.strategy !== 'tour') meta.depth = depth;
    return traceFromStates(
      graph.vars,
      path.map((n) => graph.states[n] as GraphState),
      meta,
    );
  });
}

/**
 * A lower bound on the number of scenarios any tour needs: a state without successors can only
 * end a scenario, so each edge into one needs its own scenario. Shown next to the tour's count.
 */
export function tourLowerBound(graph: StateGraph): number {
  let bound = 0;
  for (const edges of graph.out)
    for (const e of edges) if ((graph.out[e.to] as GraphEdge[]).length === 0) bound += 1;
  return Math.max(bound, graph.edgeCount > 0 ? 1 : 0);
}
