// The state graph of a small config as SVG, laid out here (no graphviz): layers by BFS depth
// from the initial states, order within a layer by the mean position of each node's parents
// (one barycentre sweep), edges as straight arrows between layers and arcs within a layer or
// back up. Transitions the scenarios covered are solid green; the others grey and dashed.
import type { StateGraph } from '../results.ts';
import { esc } from './html.ts';

export const MAX_DRAWN_NODES = 400;

export interface Layout {
  pos: Map<string, { x: number; y: number; layer: number }>;
  width: number;
  height: number;
}

const NODE_R = 9;
const LAYER_H = 64;
const GAP_X = 30;
const MARGIN = 24;

export function layeredLayout(graph: StateGraph): Layout {
  const out = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = out.get(e.from) ?? [];
    list.push(e.to);
    out.set(e.from, list);
  }
  const layerOf = new Map<string, number>();
  let frontier = graph.nodes.filter((n) => n.init).map((n) => n.id);
  if (frontier.length === 0 && graph.nodes[0]) frontier = [graph.nodes[0].id];
  for (const id of frontier) layerOf.set(id, 0);
  while (frontier.length) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const to of out.get(id) ?? []) {
        if (!layerOf.has(to)) {
          layerOf.set(to, layerOf.get(id)! + 1);
          next.push(to);
        }
      }
    }
    frontier = next;
  }
  // Unreachable nodes (should not happen in an explored graph) go on a last layer.
  const maxLayer = Math.max(0, ...layerOf.values());
  for (const n of graph.nodes) if (!layerOf.has(n.id)) layerOf.set(n.id, maxLayer + 1);

  const layers: string[][] = [];
  for (const n of graph.nodes) {
    const l = layerOf.get(n.id)!;
    const layer = layers[l] ?? [];
    layer.push(n.id);
    layers[l] = layer;
  }
  const parents = new Map<string, string[]>();
  for (const e of graph.edges) {
    if (layerOf.get(e.from)! < layerOf.get(e.to)!) {
      const list = parents.get(e.to) ?? [];
      list.push(e.from);
      parents.set(e.to, list);
    }
  }
  const order = new Map<string, number>();
  layers.forEach((layer, l) => {
    if (l > 0) {
      const bary = (id: string) => {
        const ps = parents.get(id) ?? [];
        return ps.length ? ps.reduce((s, p) => s + order.get(p)!, 0) / ps.length : 0;
      };
      // Stable sort: ties keep discovery order, so the layout is deterministic.
      layer.sort((a, b) => bary(a) - bary(b));
    }
    layer.forEach((id, i) => {
      order.set(id, i);
    });
  });
  const widest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const width = MARGIN * 2 + widest * (NODE_R * 2 + GAP_X);
  const pos = new Map<string, { x: number; y: number; layer: number }>();
  layers.forEach((layer, l) => {
    const span = layer.length * (NODE_R * 2 + GAP_X);
    const start = (width - span) / 2 + (NODE_R * 2 + GAP_X) / 2;
    layer.forEach((id, i) => {
      pos.set(id, { x: start + i * (NODE_R * 2 + GAP_X), y: MARGIN + l * LAYER_H, layer: l });
    });
  });
  return { pos, width, height: MARGIN * 2 + (layers.length - 1) * LAYER_H + NODE_R * 2 };
}

function fmt(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

export function stateGraphSvg(graph: StateGraph, title: string): string {
  if (graph.nodes.length > MAX_DRAWN_NODES) {
    return `<p class="muted">${graph.nodes.length} states: too many to draw (limit ${MAX_DRAWN_NODES}).</p>`;
  }
  const { pos, width, height } = layeredLayout(graph);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${fmt(width)}" height="${fmt(height)}" viewBox="0 0 ${fmt(width)} ${fmt(height)}" role="img" aria-label="state graph of ${esc(title)}">`,
    '<defs><marker id="ga" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#999"/></marker>',
    '<marker id="gc" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#1a7f37"/></marker></defs>',
  ];
  // Uncovered edges first so covered ones are drawn on top.
  const edges = [...graph.edges].sort(
    (a, b) => Number(a.covered ?? false) - Number(b.covered ?? false),
  );
  for (const e of edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const cls = e.covered ? 'edge covered' : 'edge';
    const marker = e.covered ? 'gc' : 'ga';
    const tip = `<title>${esc(`${e.action}: ${e.from} → ${e.to}${e.covered ? ' (covered)' : ''}`)}</title>`;
    if (e.from === e.to) {
      parts.push(
        `<path class="${cls}" d="M${fmt(a.x - 5)},${fmt(a.y - NODE_R)} C${fmt(a.x - 22)},${fmt(a.y - 34)} ${fmt(a.x + 22)},${fmt(a.y - 34)} ${fmt(a.x + 5)},${fmt(a.y - NODE_R)}" marker-end="url(#${marker})">${tip}</path>`,
      );
      continue;
    }
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    const x1 = a.x + (dx / len) * NODE_R;
    const y1 = a.y + (dy / len) * NODE_R;
    const x2 = b.x - (dx / len) * (NODE_R + 2);
    const y2 = b.y - (dy / len) * (NODE_R + 2);
    if (b.layer > a.layer) {
      parts.push(
        `<line class="${cls}" x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" marker-end="url(#${marker})">${tip}</line>`,
      );
    } else {
      // Same layer or back edge: bend it sideways so it does not hide the forward edges.
      const cx = (a.x + b.x) / 2 + (dy === 0 ? 0 : 40);
      const cy = (a.y + b.y) / 2 - (dy === 0 ? 30 : 0);
      parts.push(
        `<path class="${cls} back" d="M${fmt(x1)},${fmt(y1)} Q${fmt(cx)},${fmt(cy)} ${fmt(x2)},${fmt(y2)}" marker-end="url(#${marker})">${tip}</path>`,
      );
    }
  }
  for (const n of graph.nodes) {
    const p = pos.get(n.id)!;
    const cls = `node${n.init ? ' init' : ''}${n.violating ? ' violating' : ''}`;
    parts.push(
      `<circle class="${cls}" cx="${fmt(p.x)}" cy="${fmt(p.y)}" r="${NODE_R}"><title>${esc(`${n.id}\n${n.label}`)}</title></circle>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Parses the DOT that tla-checker exports (`s0 [label="..."]; s0 -> s1 [label="Inc"]`). */
export function graphFromDot(dot: string): StateGraph {
  const nodes: StateGraph['nodes'] = [];
  const edges: StateGraph['edges'] = [];
  const unquote = (s: string) =>
    s.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  for (const line of dot.split('\n')) {
    const edge = /^\s*(\w+)\s*->\s*(\w+)\s*\[label="((?:[^"\\]|\\.)*)"/.exec(line);
    if (edge) {
      edges.push({ from: edge[1]!, to: edge[2]!, action: unquote(edge[3]!) });
      continue;
    }
    const node = /^\s*(\w+)\s*\[label="((?:[^"\\]|\\.)*)"(.*)\]/.exec(line);
    if (node && node[1] !== 'node') {
      nodes.push({
        id: node[1]!,
        label: unquote(node[2]!),
        violating: /fillcolor/.test(node[3] ?? ''),
      });
    }
  }
  const targets = new Set(edges.map((e) => e.to));
  if (nodes[0]) nodes[0].init = true; // tla-checker numbers the initial states first
  for (const n of nodes) if (!targets.has(n.id)) n.init = true;
  return { nodes, edges };
}
