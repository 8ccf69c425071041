// Stepping a spec's next-state relation one state at a time, which is all testgen needs from
// an engine: replay (find the successor a scenario's action names) and random walks drawn from
// the model. Backed by tla-checker's explore_* API (the embedded engine of ARCHITECTURE.md).
// @pinlab/tla owns the engines; this is the thin stepping view over the same WASM module.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tla from 'tla-checker';
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
): ModelStepper {
  ensureWasm();
  const nextCache = new Map<string, Successor[]>();
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

/** Whether two action records name the same step (same name, same parameters). */
export function sameAction(a: ScenarioAction, b: ScenarioAction): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
