// Stepping a spec's next-state relation one state at a time, which is all testgen needs from
// an engine: replay (find the successor a scenario's action names) and random walks drawn from
// the model. Backed by tla-checker's explore_* API (the embedded engine of ARCHITECTURE.md).
// @pinlab/tla owns the engines; this is the thin stepping view over the same WASM module.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tla from 'tla-checker';
import { writeFileAtomic } from '../atomic.ts';
import type { ScenarioAction } from '../target.ts';
import { canonicalJson, type ModelState } from './value.ts';

export type ConstantValue = string | number | boolean;
export type Constants = Readonly<Record<string, ConstantValue>>;

export interface Successor {
  /** The `action` record of the successor state. */
  readonly action: ScenarioAction;
  readonly state: ModelState;
}

/** One spec + config, stepped under a choice of constants (overriding the config's). */
export interface ModelStepper {
  readonly spec: string;
  init(constants: Constants): ModelState[];
  next(constants: Constants, state: ModelState): Successor[];
  /** Evaluates a TLA+ expression (e.g. an invariant) in a state. */
  holds(constants: Constants, state: ModelState, expr: string): boolean;
}

export class EngineError extends Error {
  override name = 'EngineError';
}

let initialised = false;
function ensureWasm(): void {
  if (initialised) return;
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('tla-checker/package.json'));
  tla.initSync({ module: readFileSync(join(pkgDir, 'tla_checker_bg.wasm')) });
  initialised = true;
}

interface RawState {
  json: Record<string, unknown>;
}
interface RawReply {
  ok: boolean;
  error?: string;
  states?: RawState[];
  transitions?: { state: RawState }[];
  json?: unknown;
}

function parseReply(text: string, what: string): RawReply {
  const reply = JSON.parse(text) as RawReply;
  if (!reply.ok) throw new EngineError(`${what}: ${reply.error ?? 'engine error'}`);
  return reply;
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

/**
 * A stepper over the embedded engine. Successor lists are memoised per (constants, state):
 * scenarios share prefixes and a spec's reachable states are few, so replaying thousands of
 * scenarios under several profiles touches the engine only once per distinct state.
 */
export function createEmbeddedStepper(
  spec: string,
  specText: string,
  cfgText: string,
  cache?: SuccessorCache,
): ModelStepper {
  ensureWasm();
  const nextCache = cache?.entries ?? new Map<string, Successor[]>();
  const initCache = new Map<string, ModelState[]>();
  return {
    spec,
    init(constants) {
      const ck = canonicalJson(constants);
      let hit = initCache.get(ck);
      if (hit === undefined) {
        const reply = parseReply(
          tla.explore_init(specText, cfgText, ck),
          `${spec} Init under ${ck}`,
        );
        hit = (reply.states ?? []).map((s) => s.json as ModelState);
        initCache.set(ck, hit);
      }
      return hit;
    },
    next(constants, state) {
      const ck = canonicalJson(constants);
      const sk = JSON.stringify(state);
      const key = `${ck}\u0000${sk}`;
      let hit = nextCache.get(key);
      if (hit === undefined) {
        const reply = parseReply(
          tla.explore_next(specText, cfgText, ck, sk),
          `${spec} Next under ${ck}`,
        );
        hit = (reply.transitions ?? []).map((t) => {
          const s = t.state.json as ModelState;
          return { action: toAction(s, spec), state: s };
        });
        nextCache.set(key, hit);
        if (cache !== undefined) cache.dirty = true;
      }
      return hit;
    },
    holds(constants, state, expr) {
      const reply = parseReply(
        tla.explore_eval(specText, cfgText, canonicalJson(constants), JSON.stringify(state), expr),
        `${spec} eval ${expr}`,
      );
      return reply.json === true;
    },
  };
}

/**
 * Successor lists kept across runs in `.pinlab/cache/`, keyed by a hash of the spec and cfg text:
 * a changed spec gets a new file, so a stale entry can never be read. Regenerating unchanged
 * suites (and `pinlab gen --check`) then costs no engine call.
 */
export interface SuccessorCache {
  readonly path: string;
  readonly entries: Map<string, Successor[]>;
  dirty: boolean;
}

export function openSuccessorCache(dir: string, specText: string, cfgText: string): SuccessorCache {
  const hash = createHash('sha256')
    .update(specText)
    .update('\u0000')
    .update(cfgText)
    .digest('hex')
    .slice(0, 24);
  const path = join(dir, `successors-${hash}.json`);
  const entries = new Map<string, Successor[]>();
  if (existsSync(path)) {
    try {
      for (const [k, v] of JSON.parse(readFileSync(path, 'utf8')) as [string, Successor[]][])
        entries.set(k, v);
    } catch {
      // A damaged cache is only a lost speed-up: start empty, it is rewritten on save.
      entries.clear();
    }
  }
  return { path, entries, dirty: false };
}

export function saveSuccessorCache(cache: SuccessorCache): void {
  if (!cache.dirty) return;
  writeFileAtomic(cache.path, JSON.stringify([...cache.entries]));
  cache.dirty = false;
}

/** Whether two action records name the same step (same name, same parameters). */
export function sameAction(a: ScenarioAction, b: ScenarioAction): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
