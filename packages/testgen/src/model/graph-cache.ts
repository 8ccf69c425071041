// Reachable state graphs kept across runs in .pinlab/cache/, keyed by a hash of the spec text and
// the cfg text with the constants applied: a changed spec, cfg or profile gets a new file, so a
// stale graph can never be read. Regenerating unchanged suites (and `pinlab gen --check`) then
// costs no check run. State keys are not stored (they are recomputed on load).

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  canonicalItf,
  type GraphEdge,
  type ItfValue,
  type StateGraph,
  withoutInvariants,
} from '@pinlab/tla';
import { writeFileAtomic } from '../atomic.ts';

/** Bumped when the stored shape changes (old files are then simply not found). */
const FORMAT = 'graph-v2';

/**
 * A graph as stored. States share most of their variables' values (a step changes a few), so
 * each variable's distinct values are written once (`values[v]`) and a state is a row of
 * indices into them (`states`, flat: state i's value of vars[v] is values[v][states[i * vars +
 * v]]): several times smaller and faster to write and read than every state's values in full.
 */
interface StoredGraph {
  readonly format: string;
  readonly vars: string[];
  readonly values: ItfValue[][];
  readonly states: number[];
  readonly initial: number[];
  /** Per state: [to, action] of each outgoing edge, in order. */
  readonly out: [number, string][][];
  readonly actions: string[];
}

/**
 * Graphs built in this process (shared by the steppers of one run: the bug configs of a spec
 * often give the same cfg text once a profile's constants are applied) and, with `dir`, on disk.
 */
export interface GraphCache {
  readonly dir: string | undefined;
  readonly memory: Map<string, StateGraph>;
  /**
   * Keys of models found over a state bound in this run (with the bound): a stepper steps them
   * state by state instead of running the same doomed check again.
   */
  readonly overBound: Map<string, number>;
}

export function createGraphCache(dir?: string): GraphCache {
  return { dir, memory: new Map(), overBound: new Map() };
}

/** Whether a build of this model with `maxStates` is known to exceed the bound. */
export function knownOverBound(
  cache: GraphCache,
  specText: string,
  cfgText: string,
  maxStates: number,
): boolean {
  const bound = cache.overBound.get(graphCacheKey(specText, cfgText));
  return bound !== undefined && bound >= maxStates;
}

export function markOverBound(
  cache: GraphCache,
  specText: string,
  cfgText: string,
  maxStates: number,
): void {
  const key = graphCacheKey(specText, cfgText);
  cache.overBound.set(key, Math.max(maxStates, cache.overBound.get(key) ?? 0));
}

export function getGraph(
  cache: GraphCache,
  specText: string,
  cfgText: string,
): StateGraph | undefined {
  const key = graphCacheKey(specText, cfgText);
  let g = cache.memory.get(key);
  if (g === undefined && cache.dir !== undefined) {
    g = readCachedGraph(cache.dir, specText, cfgText);
    if (g !== undefined) cache.memory.set(key, g);
  }
  return g;
}

export function putGraph(
  cache: GraphCache,
  specText: string,
  cfgText: string,
  graph: StateGraph,
): void {
  cache.memory.set(graphCacheKey(specText, cfgText), graph);
  if (cache.dir !== undefined) writeCachedGraph(cache.dir, specText, cfgText, graph);
}

/**
 * What of a cfg decides its reachable graph: the text without comments, blank lines and the
 * INVARIANT/PROPERTY sections (the graph is built without them). Bug configs that differ from
 * their spec's main config only there and in constants a profile overrides then share a graph.
 */
export function graphRelevantCfg(cfgText: string): string {
  return withoutInvariants(
    cfgText
      .split('\n')
      .map((l) => l.replace(/\\\*.*$/, '').trimEnd())
      .filter((l) => l.trim() !== '')
      .join('\n'),
  );
}

/** Identity of a model's reachable graph: hash of the spec text and graphRelevantCfg. */
export function graphCacheKey(specText: string, cfgText: string): string {
  return createHash('sha256')
    .update(FORMAT)
    .update('\u0000')
    .update(specText)
    .update('\u0000')
    .update(graphRelevantCfg(cfgText))
    .digest('hex')
    .slice(0, 24);
}

export function graphCachePath(dir: string, specText: string, cfgText: string): string {
  return join(dir, `graph-${graphCacheKey(specText, cfgText)}.json`);
}

/** Deep-freezes a value read once and shared by the states that hold it. */
function frozen<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}

export function readCachedGraph(
  dir: string,
  specText: string,
  cfgText: string,
): StateGraph | undefined {
  const path = graphCachePath(dir, specText, cfgText);
  if (!existsSync(path)) return undefined;
  try {
    const g = JSON.parse(readFileSync(path, 'utf8')) as StoredGraph;
    if (g.format !== FORMAT) return undefined;
    const width = g.vars.length;
    // The key part of each distinct value, computed once (stateKey's text, state-graph.ts).
    const keyParts = g.vars.map((v, k) =>
      (g.values[k] as ItfValue[]).map((x) => `${v}=${canonicalItf(frozen(x))}`),
    );
    const count = g.states.length / width;
    if (!Number.isInteger(count) || g.out.length !== count) return undefined;
    const states = Array.from({ length: count }, (_, i) => {
      const values: Record<string, ItfValue> = {};
      const parts: string[] = [];
      for (let k = 0; k < width; k++) {
        const at = g.states[i * width + k] as number;
        const value = (g.values[k] as ItfValue[])[at];
        if (value === undefined) throw new Error(`state ${i}: no value ${at} of ${g.vars[k]}`);
        values[g.vars[k] as string] = value;
        parts.push((keyParts[k] as string[])[at] as string);
      }
      return { key: parts.join(';'), values };
    });
    let edgeCount = 0;
    const out: GraphEdge[][] = g.out.map((edges, from) =>
      edges.map(([to, action]) => {
        edgeCount++;
        return { from, to, action };
      }),
    );
    return {
      vars: g.vars,
      states,
      initial: g.initial,
      out,
      edgeCount,
      actions: g.actions,
      engineCalls: 0,
    };
  } catch {
    // A damaged cache file is only a lost speed-up: rebuild (and rewrite) it.
    return undefined;
  }
}

export function writeCachedGraph(
  dir: string,
  specText: string,
  cfgText: string,
  graph: StateGraph,
): void {
  // Distinct values by identity (graphs read from a DOT export or from this cache share value
  // objects between states), primitives by value: equal values held as different objects are
  // merely stored twice.
  const values: ItfValue[][] = graph.vars.map(() => []);
  const index = graph.vars.map(() => new Map<ItfValue, number>());
  const rows: number[] = [];
  for (const s of graph.states)
    graph.vars.forEach((v, k) => {
      const value = s.values[v] as ItfValue;
      const seen = index[k] as Map<ItfValue, number>;
      let at = seen.get(value);
      if (at === undefined) {
        at = (values[k] as ItfValue[]).length;
        (values[k] as ItfValue[]).push(value);
        seen.set(value, at);
      }
      rows.push(at);
    });
  const stored: StoredGraph = {
    format: FORMAT,
    vars: graph.vars,
    values,
    states: rows,
    initial: graph.initial,
    out: graph.out.map((edges) => edges.map((e) => [e.to, e.action])),
    actions: graph.actions,
  };
  writeFileAtomic(graphCachePath(dir, specText, cfgText), JSON.stringify(stored));
}
