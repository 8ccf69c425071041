// The result of checking one config, the same whichever engine produced it.
import type { ItfTrace } from './itf.ts';

export type EngineName = 'embedded' | 'tlc';

export type CheckErrorKind =
  | 'syntax' // the module does not parse (file and line given when known)
  | 'unknown-constant' // the config or a profile names a constant the module does not declare
  | 'config' // the config is malformed or names a missing definition
  | 'evaluation' // an expression failed to evaluate (type error, failed Assert, ...)
  | 'state-bound' // the state bound was exceeded before the check finished
  | 'depth-bound' // the depth bound was exceeded before the check finished
  | 'time-bound' // the time bound was exceeded before the check finished
  | 'engine-crash' // the engine itself failed (WASM trap, JVM crash, unreadable output)
  | 'missing-tool'; // the engine is not installed (TLC without a jar)

export interface CheckError {
  kind: CheckErrorKind;
  message: string;
  file?: string;
  line?: number;
}

/**
 * `ok`: every invariant holds in every reachable state (and no deadlock, when checked).
 * `invariant`: `invariant` names the one violated; `counterexample` is a shortest trace.
 * `deadlock`: a reachable state has no successor; `counterexample` leads to it.
 * `error`: the check did not complete; `error` says why.
 */
export type CheckOutcome = 'ok' | 'invariant' | 'deadlock' | 'error';

export interface CheckResult {
  engine: EngineName;
  spec: string;
  config: string;
  outcome: CheckOutcome;
  invariant?: string;
  /**
   * Distinct states found. For `ok` the whole reachable set; for a violation, the states the
   * engine had found when it stopped (engine-dependent; compare only for `ok`).
   */
  distinct: number;
  /** Depth as TLC counts it: initial states are depth 1. For a violation: the trace's length. */
  depth: number;
  counterexample?: ItfTrace;
  error?: CheckError;
  durationMs: number;
  /** Engine notes worth showing (e.g. the shortest-trace verification). */
  notes: string[];
}

export interface CheckInput {
  /** Module name, e.g. `PinUnpin`. */
  spec: string;
  /** Config name without `.cfg`, e.g. `PinUnpin_kvec_offset0`. */
  config: string;
  specPath: string;
  cfgPath: string;
  specText: string;
  cfgText: string;
}

export interface CheckBounds {
  maxStates?: number;
  maxDepth?: number;
  timeoutMs?: number;
}

export const DEFAULT_BOUNDS: Required<CheckBounds> = {
  maxStates: 2_000_000,
  maxDepth: 1_000,
  timeoutMs: 300_000,
};
