// Stepping a spec's next-state relation one state at a time, which is all testgen needs from an
// engine: replay (find the successor a scenario's action names) and walks drawn from the model.
// @pinlab/tla owns the engines; this is a stepping view over them, one view per constants set
// (a config's own, or a profile's applied over it), in one of two modes:
// - `graph` (generation): the view's whole reachable graph is built once, from ONE tla-checker
//   check run (buildStateGraphFromCheckSync), and kept in .pinlab/cache/ keyed by the hash of the
//   spec text and the cfg text with the constants applied (graph-cache.ts); stepping is then a
//   table look-up. A graph over the state bound falls back to `step`.
// - `step`: @pinlab/tla's ModelExplorer, explore_next per distinct state visited (memoised).
// States are ITF values (@pinlab/tla's encoding: sets `#set`, functions `#map`, tuples arrays,
// model values strings); value.ts reads them. Successors are ordered by state key in both cases,
// so walks do not depend on which backend answered.

import {
  applyConstantOverrides,
  buildStateGraphFromCheck,
  buildStateGraphFromCheckSync,
  GraphBoundError,
  type GraphJob,
  type GraphState,
  ModelExplorer,
  readTlaModule,
  type StateGraph,
  stateKey,
} from '@pinlab/tla';
import type { ScenarioAction } from '../target.ts';
import {
  createGraphCache,
  type GraphCache,
  getGraph,
  graphCacheKey,
  knownOverBound,
  markOverBound,
  putGraph,
} from './graph-cache.ts';
import { canonicalJson, type ModelState } from './value.ts';

export type ConstantValue = string | number | boolean;
export type Constants = Readonly<Record<string, ConstantValue>>;

export interface Successor {
  /** The `action` record of the successor state. */
  readonly action: ScenarioAction;
  /** canonicalJson(action): replay compares actions by this text. */
  readonly actionKey: string;
  readonly state: ModelState;
}

/** One spec + config, stepped under a choice of constants (overriding the config's). */
export interface ModelStepper {
  readonly spec: string;
  init(constants: Constants): ModelState[];
  next(constants: Constants, state: ModelState): Successor[];
}

export class EngineError extends Error {
  override name = 'EngineError';
}

/** Graphs larger than this are stepped state by state instead (explore_next). */
export const MAX_GRAPH_STATES = 40_000;

export interface StepperOptions {
  /**
   * `graph`: build each constants set's whole reachable graph up front (one check run, about 3 ms
   * a state here): what generation wants, as its tours and profile replays visit every state.
   * `step` (default): explore_next per distinct state visited (about 25 ms a state here): what a
   * few sampled sequences want (model-based testing, adapter tests) on a large config.
   */
  readonly mode?: 'graph' | 'step';
  /** Graphs already built (in this run, or on disk); omitted: a private in-memory cache. */
  readonly cache?: GraphCache;
  readonly maxGraphStates?: number;
}

/** Engine calls and cache use of a stepper (the bench prints them). */
export interface StepperStats {
  graphsBuilt: number;
  graphsFromCache: number;
  /** Views stepped state by state (mode `step`, or a graph over the bound). */
  steppedViews: number;
}

/**
 * canonicalJson of an action record, computed once per object: a graph's states share their
 * action values (every state a given step reaches holds the same object), so replays and
 * scenario keys ask for the same few texts over and over.
 */
const actionKeys = new WeakMap<object, string>();
export function actionKey(action: ScenarioAction): string {
  let key = actionKeys.get(action);
  if (key === undefined) {
    key = canonicalJson(action);
    actionKeys.set(action, key);
  }
  return key;
}

/** A text equal for two action lists iff their canonicalJson texts are (for map keys). */
export function actionsKey(actions: readonly ScenarioAction[]): string {
  // canonicalJson texts hold no raw newline (JSON escapes it), so the join is unambiguous.
  return actions.map(actionKey).join('\n');
}

function toAction(state: ModelState, spec: string): ScenarioAction {
  const a = state.action;
  if (
    a === null ||
    typeof a !== 'object' ||
    Array.isArray(a) ||
    typeof (a as { name?: unknown }).name !== 'string'
  ) {
    throw new EngineError(
      `${spec}: state has no action record with a name (every spec must keep an \`action\` variable, docs/CONTRACTS.md)`,
    );
  }
  return a as unknown as ScenarioAction;
}

/** One constants set's view: initial states and successor lists by state. */
interface View {
  readonly graph?: StateGraph;
  readonly init: ModelState[];
  next(state: ModelState): Successor[];
}

function graphView(spec: string, graph: StateGraph): View {
  const indexOf = new WeakMap<object, number>();
  const byKey = new Map<string, number>();
  graph.states.forEach((s, i) => {
    indexOf.set(s.values, i);
    byKey.set(s.key, i);
  });
  const succ: (Successor[] | undefined)[] = [];
  const find = (state: ModelState): number => {
    const known = indexOf.get(state);
    if (known !== undefined) return known;
    const i = byKey.get(stateKey(graph.vars, state));
    if (i === undefined) throw new EngineError(`${spec}: state not in the reachable graph`);
    return i;
  };
  return {
    graph,
    init: graph.initial.map((i) => (graph.states[i] as GraphState).values as ModelState),
    next(state) {
      const i = find(state);
      let hit = succ[i];
      if (hit === undefined) {
        hit = (graph.out[i] ?? []).map((e) => {
          const s = (graph.states[e.to] as GraphState).values as ModelState;
          const action = toAction(s, spec);
          return { action, actionKey: actionKey(action), state: s };
        });
        succ[i] = hit;
      }
      return hit;
    },
  };
}

function explorerView(spec: string, explorer: ModelExplorer): View {
  const byValues = new WeakMap<object, (typeof explorer.initial)[number]>();
  const wrap = (s: (typeof explorer.initial)[number]) => {
    byValues.set(s.values, s);
    return s.values as ModelState;
  };
  const sorted = <T extends { key: string }>(list: readonly T[]) =>
    [...list].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const memo = new WeakMap<object, Successor[]>();
  return {
    init: sorted(explorer.initial).map(wrap),
    next(state) {
      const hit = memo.get(state);
      if (hit !== undefined) return hit;
      const own = byValues.get(state);
      if (own === undefined)
        throw new EngineError(`${spec}: state was not produced by this stepper`);
      const out = sorted(explorer.successors(own)).map((s) => {
        const values = wrap(s);
        const action = toAction(values, spec);
        return { action, actionKey: actionKey(action), state: values };
      });
      memo.set(state, out);
      return out;
    },
  };
}

export interface GraphStepper extends ModelStepper {
  readonly stats: StepperStats;
  /** The reachable graph under `constants`; undefined when it is over the state bound. */
  graph(constants: Constants): StateGraph | undefined;
  /**
   * Identity of the model under `constants` (spec text + graph-relevant cfg text with the
   * constants applied): equal identities step identically, so replays under them agree.
   */
  modelIdentity(constants: Constants): string;
}

/** The last spec text read and its constants: a generation run opens many views of one spec. */
let lastModule: { specText: string; constants: string[] } | undefined;
function declaredConstants(specText: string): string[] {
  if (lastModule?.specText !== specText)
    lastModule = { specText, constants: readTlaModule(specText).constants };
  return lastModule.constants;
}

/** The cfg text a stepper's view under `constants` is built from (the constants applied). */
export function cfgUnderConstants(
  spec: string,
  cfgText: string,
  constants: Constants,
  declared: string[],
): string {
  try {
    return applyConstantOverrides(cfgText, { ...constants }, declared);
  } catch (e) {
    throw new EngineError(`${spec}: ${(e as Error).message}`);
  }
}

/** The model a `graph` stepper of `specText` + `cfgText` opens under `constants`. */
export function graphJob(
  spec: string,
  specText: string,
  cfgText: string,
  constants: Constants,
): GraphJob {
  return {
    specText,
    cfgText: cfgUnderConstants(spec, cfgText, constants, declaredConstants(specText)),
  };
}

/**
 * No time bound on a generation's check runs, as in the in-thread build: a timeout would be taken
 * for a graph over the bound, dropping the config's tour, so the output would depend on the
 * machine's load. (The largest value setTimeout takes: about 24.8 days.)
 */
const NO_TIME_BOUND_MS = 2 ** 31 - 1;

/**
 * Starts putting the graphs of `jobs` into `cache`: those it holds neither in memory nor on disk
 * are built side by side in the engine's worker pool (@pinlab/tla buildStateGraphFromCheck, in
 * job order), each DOT export read in this thread as it arrives. Returns, per job, a promise
 * settled once a `graph` stepper over the same cache finds the job's view built (rejected with
 * the build's error). Jobs of the same model (same graphCacheKey) share one build; a model over
 * `maxStates` is recorded as such, so the stepper steps it state by state without running the
 * same check again. `builds` counts the check runs started.
 */
export function startGraphBuilds(
  cache: GraphCache,
  jobs: readonly GraphJob[],
  maxStates: number = MAX_GRAPH_STATES,
): { readonly builds: number; readonly ready: Promise<void>[] } {
  const byKey = new Map<string, Promise<void>>();
  const done = Promise.resolve();
  let builds = 0;
  const ready = jobs.map((j) => {
    const key = graphCacheKey(j.specText, j.cfgText);
    let p = byKey.get(key);
    if (p === undefined) {
      if (
        knownOverBound(cache, j.specText, j.cfgText, maxStates) ||
        getGraph(cache, j.specText, j.cfgText) !== undefined
      )
        p = done;
      else {
        builds++;
        p = buildStateGraphFromCheck(j.specText, j.cfgText, {
          maxStates,
          timeoutMs: NO_TIME_BOUND_MS,
        }).then(
          (graph) => putGraph(cache, j.specText, j.cfgText, graph),
          (error: unknown) => {
            if (!(error instanceof GraphBoundError)) throw error;
            markOverBound(cache, j.specText, j.cfgText, maxStates);
          },
        );
        // Awaited by whoever needs the job; never an unhandled rejection in the meantime.
        p.catch(() => {});
      }
      byKey.set(key, p);
    }
    return p;
  });
  return { builds, ready };
}

/** startGraphBuilds, awaited: every job's graph is in `cache`. Returns the check runs made. */
export async function prebuildGraphs(
  cache: GraphCache,
  jobs: readonly GraphJob[],
  maxStates: number = MAX_GRAPH_STATES,
): Promise<number> {
  const { builds, ready } = startGraphBuilds(cache, jobs, maxStates);
  await Promise.all(ready);
  return builds;
}

/**
 * A stepper over @pinlab/tla's engines for `specText` + `cfgText`; `init`/`next` take the
 * constants to apply over the cfg's (a profile's), each constants set opening its own view.
 */
export function createEmbeddedStepper(
  spec: string,
  specText: string,
  cfgText: string,
  options: StepperOptions = {},
): GraphStepper {
  const views = new Map<string, View>();
  const declared = declaredConstants(specText);
  const cache = options.cache ?? createGraphCache();
  const stats: StepperStats = { graphsBuilt: 0, graphsFromCache: 0, steppedViews: 0 };
  const maxStates = options.maxGraphStates ?? MAX_GRAPH_STATES;
  const cfgUnder = (constants: Constants): string =>
    cfgUnderConstants(spec, cfgText, constants, declared);
  const viewFor = (constants: Constants): View => {
    const ck = canonicalJson(constants);
    let view = views.get(ck);
    if (view !== undefined) return view;
    const cfg = cfgUnder(constants);
    let graph = options.mode === 'graph' ? getGraph(cache, specText, cfg) : undefined;
    if (graph !== undefined) stats.graphsFromCache++;
    else if (options.mode === 'graph' && !knownOverBound(cache, specText, cfg, maxStates)) {
      try {
        graph = buildStateGraphFromCheckSync(specText, cfg, { maxStates });
        stats.graphsBuilt++;
        putGraph(cache, specText, cfg, graph);
      } catch (e) {
        if (!(e instanceof GraphBoundError)) throw e;
        markOverBound(cache, specText, cfg, maxStates);
      }
    }
    if (graph !== undefined) view = graphView(spec, graph);
    else {
      stats.steppedViews++;
      view = explorerView(spec, new ModelExplorer(specText, cfg));
    }
    views.set(ck, view);
    return view;
  };
  return {
    spec,
    stats,
    init: (constants) => viewFor(constants).init,
    next: (constants, state) => viewFor(constants).next(state),
    graph: (constants) => viewFor(constants).graph,
    modelIdentity: (constants) => graphCacheKey(specText, cfgUnder(constants)),
  };
}

/** Whether two action records name the same step (same name, same parameters). */
export function sameAction(a: ScenarioAction, b: ScenarioAction): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
