// The state graph of a small config, explored breadth first through the embedded engine's
// stepping API (@pinlab/testgen's ModelStepper over tla-checker), and the transitions a suite's
// scenarios take through it. Node ids are discovery order, so the same spec gives the same graph.
import {
  canonicalJson,
  type ModelState,
  type ModelStepper,
  type SuiteData,
  sameAction,
} from '@pinlab/testgen';
import { showValue } from '../report/html.ts';
import { plainValue } from '../report/values.ts';
import type { StateGraph } from '../results.ts';

function label(state: ModelState): string {
  return Object.entries(state)
    .filter(([k]) => k !== 'action')
    .map(([k, v]) => `${k} = ${showValue(plainValue(v))}`)
    .join('\n');
}

/**
 * BFS up to `maxNodes` states (under the config's own constants). Returns the graph and, for
 * replaying scenarios, the state behind each node id.
 */
export function exploreGraph(
  stepper: ModelStepper,
  maxNodes: number,
  invariants: readonly string[] = [],
): { graph: StateGraph; states: Map<string, ModelState>; ids: Map<string, string> } {
  const ids = new Map<string, string>();
  const states = new Map<string, ModelState>();
  const graph: StateGraph = { nodes: [], edges: [] };
  const queue: ModelState[] = [];
  const add = (s: ModelState, init: boolean): string | undefined => {
    const key = canonicalJson(s);
    const known = ids.get(key);
    if (known) return known;
    if (graph.nodes.length >= maxNodes) {
      graph.truncated = true;
      return undefined;
    }
    const id = `s${graph.nodes.length}`;
    ids.set(key, id);
    states.set(id, s);
    const violating = invariants.some((inv) => !stepper.holds({}, s, inv));
    graph.nodes.push({
      id,
      label: label(s),
      ...(init ? { init: true } : {}),
      ...(violating ? { violating: true } : {}),
    });
    queue.push(s);
    return id;
  };
  for (const s of stepper.init({})) add(s, true);
  while (queue.length) {
    const s = queue.shift()!;
    const from = ids.get(canonicalJson(s))!;
    for (const succ of stepper.next({}, s)) {
      const to = add(succ.state, false);
      if (to) graph.edges.push({ from, to, action: succ.action.name });
    }
  }
  return { graph, states, ids };
}

/** Marks the edges the suite's scenarios take (action records matched step by step). */
export function markCovered(
  stepper: ModelStepper,
  explored: ReturnType<typeof exploreGraph>,
  suite: SuiteData,
): void {
  const edgeIndex = new Map<string, StateGraph['edges'][number]>();
  for (const e of explored.graph.edges) edgeIndex.set(`${e.from}>${e.to}>${e.action}`, e);
  const inits = stepper.init({});
  for (const scenario of suite.scenarios) {
    const [init, ...steps] = scenario.actions;
    if (!init) continue;
    let current = inits.find((s) => sameAction(s.action as never, init)) ?? inits[0];
    for (const action of steps) {
      if (!current) break;
      const succ = stepper.next({}, current).find((t) => sameAction(t.action, action));
      if (!succ) break;
      const from = explored.ids.get(canonicalJson(current));
      const to = explored.ids.get(canonicalJson(succ.state));
      const edge = from && to ? edgeIndex.get(`${from}>${to}>${action.name}`) : undefined;
      if (edge) edge.covered = true;
      current = succ.state;
    }
  }
}
