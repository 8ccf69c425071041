// The reachable state graph from ONE tla-checker check run (DOT export, dot_mode "full") instead
// of one explore_next call per state. explore_next re-reads the whole spec on every call (tens of
// milliseconds per call on the pinlab specs), so for graphs of thousands of states this is the
// only affordable way. The check runs without invariants (a violation would stop the search and
// they cost most of the time) and with deadlocks allowed (terminal states are part of the graph).
// Labels are the engine's printed values, read by display-values.ts into the same ITF values
// explore_next gives (a test checks both builders agree).
import { parseDisplayValue } from './display-values.ts';
import { initialStatesFromExploreInit, ModelExplorer } from './embedded-explore.ts';
import { type RawCheckOutput, type RawCheckRequest, runCheckInWorker } from './embedded-worker.ts';
import { canonicalItf, type ItfValue } from './itf.ts';
import { DEFAULT_BOUNDS } from './result.ts';
import {
  actionName,
  GraphBoundError,
  type GraphEdge,
  type GraphState,
  type StateGraph,
} from './state-graph.ts';
import { ACTION_VAR } from './step-table.ts';
import { loadTlaChecker } from './wasm.ts';

/** The cfg without INVARIANT(S) and PROPERTY sections. */
export function withoutInvariants(cfgText: string): string {
  const out: string[] = [];
  let skipping = false;
  for (const line of cfgText.split('\n')) {
    const head = /^\s*([A-Z_]+)\b/.exec(line)?.[1];
    if (
      head &&
      /^(CONSTANTS?|INIT|NEXT|SPECIFICATION|INVARIANTS?|PROPERT(Y|IES)|CHECK_DEADLOCK|SYMMETRY|VIEW|CONSTRAINTS?|ACTION_CONSTRAINTS?|ALIAS)$/.test(
        head,
      )
    )
      skipping = /^(INVARIANTS?|PROPERT(Y|IES))$/.test(head);
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

export interface GraphFromCheckOptions {
  maxStates?: number;
  timeoutMs?: number;
}

function checkRequest(specText: string, cfgText: string, maxStates: number): RawCheckRequest {
  return {
    specText,
    cfgText: withoutInvariants(cfgText),
    maxStates,
    maxDepth: DEFAULT_BOUNDS.maxDepth,
    allowDeadlock: true,
    exportDot: true,
    exploreInit: true,
  };
}

/** The DOT text of a finished check, or the bound/engine error it ended with. */
function dotOf(out: RawCheckOutput, maxStates: number): string {
  if (out.error_type === 'MaxStatesExceeded')
    throw new GraphBoundError(
      `state bound of ${maxStates} states exceeded while building the state graph`,
    );
  if (!out.success || !out.dot)
    throw new Error(
      `tla-checker could not build the state graph: ${out.error_type}: ${out.error_message}`,
    );
  return out.dot;
}

export async function buildStateGraphFromCheck(
  specText: string,
  cfgText: string,
  options: GraphFromCheckOptions = {},
): Promise<StateGraph> {
  const maxStates = options.maxStates ?? 200_000;
  const reply = await runCheckInWorker(
    checkRequest(specText, cfgText, maxStates),
    options.timeoutMs ?? DEFAULT_BOUNDS.timeoutMs,
  );
  if (reply.kind === 'timeout')
    throw new GraphBoundError(
      `time bound of ${options.timeoutMs} ms exceeded while building the state graph`,
    );
  if (reply.kind === 'crash')
    throw new Error(`tla-checker crashed while building the state graph: ${reply.message}`);
  const dot = dotOf(reply.output, maxStates);
  return reply.initText === undefined
    ? stateGraphFromDot(specText, cfgText, dot)
    : graphFromDot(dot, initialStatesFromExploreInit(reply.initText));
}

/** One model whose reachable graph is wanted: the spec text and the cfg text (constants applied). */
export interface GraphJob {
  readonly specText: string;
  readonly cfgText: string;
}

/** A job's graph, or the error its build ended with (GraphBoundError over the state bound). */
export type GraphJobResult = { readonly graph: StateGraph } | { readonly error: Error };

/**
 * The graphs of several models, built at once: one check run each, spread over the engine
 * worker pool (embedded-worker.ts: `engineConcurrency()` runs at a time, default min(2, CPUs)),
 * each DOT export read in this thread while the workers go on with the next checks. The engine
 * costs milliseconds per state and a run of one model cannot be split, so building the graphs
 * a generator needs side by side is what uses a machine's cores. Results are in `jobs` order
 * and each is the graph buildStateGraphFromCheckSync gives for the same job.
 */
export async function buildStateGraphsFromCheck(
  jobs: readonly GraphJob[],
  options: GraphFromCheckOptions = {},
): Promise<GraphJobResult[]> {
  return Promise.all(
    jobs.map((j) =>
      buildStateGraphFromCheck(j.specText, j.cfgText, options).then(
        (graph) => ({ graph }),
        (error: unknown) => ({
          error: error instanceof Error ? error : new Error(String(error)),
        }),
      ),
    ),
  );
}

/**
 * The same graph, from a check run in the calling thread: no worker start-up and no time bound
 * (the state bound still applies). For callers that are synchronous and build many graphs
 * (testgen's generator builds one per config and per profile's constants).
 */
export function buildStateGraphFromCheckSync(
  specText: string,
  cfgText: string,
  options: Omit<GraphFromCheckOptions, 'timeoutMs'> = {},
): StateGraph {
  const maxStates = options.maxStates ?? 200_000;
  const r = checkRequest(specText, cfgText, maxStates);
  let text: string;
  let initText: string;
  try {
    text = loadTlaChecker().check_spec_with_options(
      r.specText,
      JSON.stringify({
        cfg_source: r.cfgText,
        max_states: r.maxStates,
        max_depth: r.maxDepth,
        allow_deadlock: r.allowDeadlock,
        export_dot: r.exportDot,
        dot_mode: 'full',
      }),
    );
    initText = loadTlaChecker().explore_init(r.specText, r.cfgText, '{}');
  } catch (error) {
    throw new Error(`tla-checker crashed while building the state graph: ${String(error)}`);
  }
  const dot = dotOf(JSON.parse(text) as RawCheckOutput, maxStates);
  return graphFromDot(dot, initialStatesFromExploreInit(initText));
}

/** A label part `var=value` read once: the variable, its ITF value, the text keys are built of. */
interface ReadPart {
  readonly variable: string;
  readonly value: ItfValue;
  readonly keyPart: string;
}

/** Deep-freezes a value shared by several states, so no reader can change it for the others. */
function frozen<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * Reads DOT label parts (`var=value`, escaped as printed), each distinct part once. The states
 * of a graph share most variables' values (a step changes a few), so a graph of n states has far
 * fewer distinct parts than n x vars; unescaping, parsing and canonicalising every part was most
 * of the time spent reading a DOT export. Values are frozen because states share them.
 */
function labelPartReader(): (part: string) => ReadPart {
  const memo = new Map<string, ReadPart>();
  return (part) => {
    let read = memo.get(part);
    if (read === undefined) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error(`DOT label part without "var=": ${part.slice(0, 60)}`);
      const variable = part.slice(0, eq);
      const value = frozen(parseDisplayValue(part.slice(eq + 1).replace(/\\(["\\])/g, '$1')));
      read = { variable, value, keyPart: `${variable}=${canonicalItf(value)}` };
      memo.set(part, read);
    }
    return read;
  };
}

/** Reads a full-mode DOT export into a StateGraph numbered as buildStateGraph numbers it. */
export function stateGraphFromDot(specText: string, cfgText: string, dot: string): StateGraph {
  return graphFromDot(dot, new ModelExplorer(specText, cfgText));
}

/**
 * The same, given what explore_init says of the model: the variables in order and the initial
 * states (the first nodes discovered; the DOT export does not mark them).
 */
function graphFromDot(
  dot: string,
  init: { readonly vars: string[]; readonly initial: readonly { readonly key: string }[] },
): StateGraph {
  const vars = init.vars;
  const position = new Map(vars.map((v, i) => [v, i]));
  const read = labelPartReader();
  const states: GraphState[] = [];
  const edgesByNode: [number, number][] = [];
  for (const line of dot.split('\n')) {
    const node = /^\s*s(\d+) \[label="(.*)"\];\s*$/.exec(line);
    if (node) {
      const id = Number(node[1]);
      const parts: (ReadPart | undefined)[] = new Array(vars.length);
      for (const text of (node[2] as string).split('\\n')) {
        const r = read(text);
        const at = position.get(r.variable);
        if (at !== undefined) parts[at] = r;
      }
      const values: Record<string, ItfValue> = {};
      const keyParts: string[] = [];
      for (const [i, v] of vars.entries()) {
        const r = parts[i];
        if (r === undefined) throw new Error(`DOT node s${id} has no value for ${v}`);
        values[v] = r.value;
        keyParts.push(r.keyPart);
      }
      // The same text as stateKey(vars, values) (state-graph.ts), from the memoised parts.
      states[id] = { key: keyParts.join(';'), values };
      continue;
    }
    const edge = /^\s*s(\d+) -> s(\d+)\b/.exec(line);
    if (edge) edgesByNode.push([Number(edge[1]), Number(edge[2])]);
  }
  // Renumber so the result is the same as buildStateGraph's: BFS from sorted initial states over
  // successors sorted by key.
  const initialKeys = init.initial.map((s) => s.key);
  const byKeyIndex = new Map(states.map((s, i) => [s.key, i]));
  const succ: number[][] = states.map(() => []);
  for (const [a, b] of edgesByNode) succ[a]?.push(b);
  const order: number[] = [];
  const newIndex = new Map<number, number>();
  const visit = (old: number) => {
    if (newIndex.has(old)) return;
    newIndex.set(old, order.length);
    order.push(old);
  };
  const sortByKey = (ids: number[]) =>
    [...new Set(ids)].sort((x, y) =>
      (states[x] as GraphState).key < (states[y] as GraphState).key ? -1 : 1,
    );
  for (const old of sortByKey(initialKeys.map((k) => byKeyIndex.get(k) as number))) visit(old);
  for (let n = 0; n < order.length; n++)
    for (const m of sortByKey(succ[order[n] as number] as number[])) visit(m);
  const graphStates = order.map((old) => states[old] as GraphState);
  const outEdges: GraphEdge[][] = order.map(() => []);
  const actions = new Set<string>();
  let edgeCount = 0;
  for (const [from, old] of order.entries())
    for (const target of sortByKey(succ[old] as number[])) {
      const to = newIndex.get(target) as number;
      const action = actionName((graphStates[to] as GraphState).values[ACTION_VAR]);
      actions.add(action);
      (outEdges[from] as GraphEdge[]).push({ from, to, action });
      edgeCount += 1;
    }
  return {
    vars,
    states: graphStates,
    initial: initialKeys
      .map((k) => newIndex.get(byKeyIndex.get(k) as number) as number)
      .sort((a, b) => a - b),
    out: outEdges,
    edgeCount,
    actions: [...actions].sort(),
    engineCalls: 2,
  };
}
