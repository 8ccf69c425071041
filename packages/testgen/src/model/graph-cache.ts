// Reachable state graphs kept across runs in .pinlab/cache/, keyed by a hash of the spec text and
// the cfg text with the constants applied: a changed spec, cfg or profile gets a new file, so a
// stale graph can never be read. Regenerating unchanged suites (and `pinlab gen --check`) then
// costs no check run. State keys are not stored (they are recomputed on load: half the size).

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type GraphEdge,
  type ItfValue,
  type StateGraph,
  stateKey,
  withoutInvariants,
} from '@pinlab/tla';
import { writeFileAtomic } from '../atomic.ts';

/** Bumped when the stored shape changes (old files are then simply not found). */
const FORMAT = 'graph-v1';

interface StoredGraph {
  readonly format: string;
  readonly vars: string[];
  readonly states: Record<string, ItfValue>[];
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
    let edgeCount = 0;
    const out: GraphEdge[][] = g.out.map((edges, from) =>
      edges.map(([to, action]) => {
        edgeCount++;
        return { from, to, action };
      }),
    );
    return {
      vars: g.vars,
      states: g.states.map((values) => ({ key: stateKey(g.vars, values), values })),
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
  const stored: StoredGraph = {
    format: FORMAT,
    vars: graph.vars,
    states: graph.states.map((s) => s.values),
    initial: graph.initial,
    out: graph.out.map((edges) => edges.map((e) => [e.to, e.action])),
    actions: graph.actions,
  };
  writeFileAtomic(graphCachePath(dir, specText, cfgText), JSON.stringify(stored));
}
