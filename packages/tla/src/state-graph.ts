// The reachable state graph of a model with typed states, built breadth-first with
// explore_init/explore_next. Exploration strategies and coverage work on it. Successors are
// sorted by state key, so the graph (and everything derived from it) does not depend on the
// engine's internal ordering.
import type { ModelExplorer, ModelState } from './embedded-explore.ts';
import { canonicalItf, type ItfValue } from './itf.ts';
import { ACTION_VAR } from './step-table.ts';

export interface GraphEdge {
  from: number;
  to: number;
  /** The `action` record's name of the target state. */
  action: string;
}

/** A state of the graph: its variables as ITF values and its canonical key. */
export interface GraphState {
  key: string;
  values: Record<string, ItfValue>;
}

export interface StateGraph {
  vars: string[];
  states: GraphState[];
  initial: number[];
  /** Outgoing edges per state, sorted by target key. */
  out: GraphEdge[][];
  edgeCount: number;
  /** Every action name that labels some edge, sorted. */
  actions: string[];
  /** Calls made to the engine while building (cost figure). */
  engineCalls: number;
}

export class GraphBoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphBoundError';
  }
}

export function actionName(value: ItfValue | undefined): string {
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as Record<string, unknown>).name === 'string'
  )
    return (value as Record<string, string>).name as string;
  return value === undefined ? '?' : canonicalItf(value);
}

/** Canonical key of a state given as ITF values (equal to ModelState.key for the same state). */
export function stateKey(vars: string[], values: Record<string, unknown>): string {
  return vars.map((v) => `${v}=${canonicalItf(values[v] as ItfValue)}`).join(';');
}

const byKey = (a: ModelState, b: ModelState) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export function buildStateGraph(explorer: ModelExplorer, maxStates = 200_000): StateGraph {
  const index = new Map<string, number>();
  const states: ModelState[] = [];
  const out: GraphEdge[][] = [];
  const add = (s: ModelState) => {
    const known = index.get(s.key);
    if (known !== undefined) return known;
    if (states.length >= maxStates)
      throw new GraphBoundError(
        `state bound of ${maxStates} states exceeded while building the state graph`,
      );
    index.set(s.key, states.length);
    states.push(s);
    out.push([]);
    return states.length - 1;
  };
  const initial = [...explorer.initial].sort(byKey).map(add);
  let edgeCount = 0;
  const actions = new Set<string>();
  for (let i = 0; i < states.length; i++) {
    const succ = [...explorer.successors(states[i] as ModelState)].sort(byKey);
    for (const s of succ) {
      const to = add(s);
      const action = actionName(s.values[ACTION_VAR]);
      actions.add(action);
      (out[i] as GraphEdge[]).push({ from: i, to, action });
      edgeCount += 1;
    }
  }
  return {
    vars: explorer.vars,
    states,
    initial,
    out,
    edgeCount,
    actions: [...actions].sort(),
    engineCalls: explorer.calls,
  };
}
