// The state graph tla-checker exports as DOT (dot_mode "full"): nodes s0..sN in discovery order,
// edges `sI -> sJ`. pinlab uses it for the depth of the search, which the engine does not report.

export interface DotGraph {
  nodes: number;
  edges: [number, number][];
}

export function parseDotGraph(dot: string): DotGraph {
  let nodes = 0;
  const edges: [number, number][] = [];
  for (const line of dot.split('\n')) {
    const edge = /^\s*s(\d+) -> s(\d+)\b/.exec(line);
    if (edge) {
      edges.push([Number(edge[1]), Number(edge[2])]);
      continue;
    }
    const node = /^\s*s(\d+) \[label=/.exec(line);
    if (node) nodes = Math.max(nodes, Number(node[1]) + 1);
  }
  return { nodes, edges };
}

/** Number of BFS levels from the initial nodes (TLC's depth: initial states are depth 1). */
export function bfsDepth(graph: DotGraph, initialNodes: number[]): number {
  const adjacency: number[][] = Array.from({ length: graph.nodes }, () => []);
  for (const [a, b] of graph.edges) adjacency[a]?.push(b);
  const level = new Int32Array(graph.nodes).fill(-1);
  let frontier = initialNodes.filter((n) => n < graph.nodes);
  for (const n of frontier) level[n] = 1;
  let depth = frontier.length > 0 ? 1 : 0;
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const n of frontier)
      for (const m of adjacency[n] ?? [])
        if (level[m] === -1) {
          level[m] = (level[n] as number) + 1;
          next.push(m);
        }
    if (next.length > 0) depth += 1;
    frontier = next;
  }
  return depth;
}
