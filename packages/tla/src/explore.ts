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

/**
 * Which edges a tour has covered, by position in the graph's outgoing lists. Edges only ever
 * become covered, so the first uncovered edge of a state is found by a cursor that only moves
 * forward: the whole tour costs O(edges) for these look-ups instead of a scan of every list.
 */
class EdgeCoverage {
  /** Global index of out[n][0]; out[n][i] is edge start[n] + i. */
  private readonly start: Int32Array;
  private readonly covered: Uint8Array;
  /** Per state: no edge before this position of its list is uncovered. */
  private readonly cursor: Int32Array;
  uncovered: number;

  constructor(private readonly graph: StateGraph) {
    this.start = new Int32Array(graph.out.length + 1);
    graph.out.forEach((edges, n) => {
      this.start[n + 1] = (this.start[n] as number) + edges.length;
    });
    this.uncovered = this.start[graph.out.length] as number;
    this.covered = new Uint8Array(this.uncovered);
    this.cursor = new Int32Array(graph.out.length);
  }

  /** Position in out[n] of n's first uncovered edge, or -1. */
  firstUncovered(n: number): number {
    const count = (this.graph.out[n] as GraphEdge[]).length;
    const base = this.start[n] as number;
    let i = this.cursor[n] as number;
    while (i < count && this.covered[base + i] === 1) i++;
    this.cursor[n] = i;
    return i < count ? i : -1;
  }

  cover(n: number, i: number): void {
    const g = (this.start[n] as number) + i;
    if (this.covered[g] === 0) {
      this.covered[g] = 1;
      this.uncovered--;
    }
  }
}

/**
 * Shortest path (list of edges, as [state, position in its out list]) from `from` to a state
 * with an uncovered outgoing edge: breadth-first over out lists in order, the first such state
 * met wins. `seen` is scratch space (one stamp per state; `stamp` unique per call).
 */
function detourToUncovered(
  graph: StateGraph,
  from: number,
  coverage: EdgeCoverage,
  scratch: {
    seen: Int32Array;
    via: Int32Array;
    viaPos: Int32Array;
    queue: Int32Array;
    stamp: number;
  },
): [number, number][] | null {
  const stamp = ++scratch.stamp;
  const { seen, via, viaPos, queue } = scratch;
  seen[from] = stamp;
  via[from] = -1;
  queue[0] = from;
  let tail = 1;
  for (let head = 0; head < tail; head++) {
    const n = queue[head] as number;
    if (coverage.firstUncovered(n) !== -1) {
      const edges: [number, number][] = [];
      for (let cur = n; via[cur] !== -1; cur = via[cur] as number)
        edges.push([via[cur] as number, viaPos[cur] as number]);
      return edges.reverse();
    }
    const out = graph.out[n] as GraphEdge[];
    for (let i = 0; i < out.length; i++) {
      const to = (out[i] as GraphEdge).to;
      if (seen[to] !== stamp) {
        seen[to] = stamp;
        via[to] = n;
        viaPos[to] = i;
        queue[tail++] = to;
      }
    }
  }
  return null;
}

export function tourPaths(graph: StateGraph, maxLength = 500): StatePath[] {
  const coverage = new EdgeCoverage(graph);
  const size = graph.states.length;
  const scratch = {
    seen: new Int32Array(size),
    via: new Int32Array(size),
    viaPos: new Int32Array(size),
    queue: new Int32Array(size),
    stamp: 0,
  };
  const paths: StatePath[] = [];
  while (coverage.uncovered > 0) {
    // Start from the initial state closest to an uncovered edge.
    let best: { start: number; detour: [number, number][] } | null = null;
    for (const i of graph.initial) {
      const d = detourToUncovered(graph, i, coverage, scratch);
      if (d && (!best || d.length < best.detour.length)) best = { start: i, detour: d };
    }
    if (!best) break; // the rest is unreachable from the initial states (cannot happen for a BFS graph)
    const path: StatePath = [best.start];
    const follow = ([n, i]: [number, number]) => {
      coverage.cover(n, i);
      path.push(((graph.out[n] as GraphEdge[])[i] as GraphEdge).to);
    };
    for (const e of best.detour) follow(e);
    while (path.length - 1 < maxLength) {
      const here = path[path.length - 1] as number;
      const k = coverage.firstUncovered(here);
      if (k !== -1) {
        follow([here, k]);
        continue;
      }
      const detour = detourToUncovered(graph, here, coverage, scratch);
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
