// Runs one tla-checker check in a worker thread. A WASM call cannot be interrupted from the
// thread that made it, so the time bound is enforced by terminating the worker; a WASM trap
// (engine crash) is contained in the worker too.

import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TLA_CHECKER_JS, TLA_CHECKER_WASM } from './wasm.ts';

/** What tla-checker's check_spec_with_options returns. */
export interface RawCheckOutput {
  success: boolean;
  error_type: string | null;
  error_message: string | null;
  states_explored: number;
  trace: string[] | null;
  dot: string | null;
  warnings: string[];
}

export interface RawCheckRequest {
  specText: string;
  cfgText: string;
  maxStates: number;
  maxDepth: number;
  allowDeadlock: boolean;
  exportDot: boolean;
  /**
   * Also run explore_init on the same spec and cfg once the check is done (its reply text comes
   * back as `initText`): what a state graph needs besides the DOT export, computed where the
   * engine is already loaded and warm instead of in the caller's thread.
   */
  exploreInit?: boolean;
}

export type RawCheckReply =
  | { kind: 'done'; output: RawCheckOutput; initText?: string }
  | { kind: 'timeout' }
  | { kind: 'crash'; message: string };

// Plain JS: the worker must not depend on a TypeScript loader being registered. Workers are
// kept between checks: a fresh WASM instance runs its first check several times slower (V8 has
// not optimised its code yet: 3.0 s vs 0.45 s for a 116-state config here), so warm workers
// make a run of many small configs much faster. A worker is replaced after a timeout or crash.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const ready = (async () => {
  const t = await import(workerData.jsUrl);
  t.initSync({ module: readFileSync(workerData.wasmPath) });
  return t;
})();
parentPort.on('message', async ({ id, request: r }) => {
  try {
    const t = await ready;
    const text = t.check_spec_with_options(r.specText, JSON.stringify({
      cfg_source: r.cfgText, max_states: r.maxStates, max_depth: r.maxDepth,
      allow_deadlock: r.allowDeadlock, export_dot: r.exportDot, dot_mode: 'full',
    }));
    const initText = r.exploreInit ? t.explore_init(r.specText, r.cfgText, '{}') : undefined;
    parentPort.postMessage({ id, kind: 'done', text, initText });
  } catch (error) {
    parentPort.postMessage({ id, kind: 'crash', message: String(error && error.stack || error) });
  }
});
`;

interface Pending {
  id: number;
  resolve: (reply: RawCheckReply) => void;
  timer: NodeJS.Timeout;
}

interface EngineWorker {
  worker: Worker;
  pending: Pending | null;
  alive: boolean;
}

// A small pool: checks of different configs run in parallel (one WASM instance per worker).
let poolSize = Math.max(1, Math.min(2, availableParallelism()));
const pool: EngineWorker[] = [];
const idle: EngineWorker[] = [];
const waiters: ((w: EngineWorker) => void)[] = [];
let nextId = 1;

/** How many checks may run at once (default: min(2, CPUs)). */
export function setEngineConcurrency(n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`engine concurrency must be a positive integer, got ${n}`);
  poolSize = n;
}

export function engineConcurrency(): number {
  return poolSize;
}

function discard(entry: EngineWorker, reason: RawCheckReply): void {
  if (!entry.alive) return;
  entry.alive = false;
  pool.splice(pool.indexOf(entry), 1);
  const i = idle.indexOf(entry);
  if (i !== -1) idle.splice(i, 1);
  void entry.worker.terminate();
  if (entry.pending) {
    clearTimeout(entry.pending.timer);
    entry.pending.resolve(reason);
    entry.pending = null;
  }
  // Someone may be waiting for a worker: give them a fresh one.
  const waiter = waiters.shift();
  if (waiter) waiter(spawnWorker());
}

function spawnWorker(): EngineWorker {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { jsUrl: pathToFileURL(TLA_CHECKER_JS).href, wasmPath: TLA_CHECKER_WASM },
  });
  const entry: EngineWorker = { worker, pending: null, alive: true };
  worker.on(
    'message',
    (m: { id: number; kind: string; text?: string; initText?: string; message?: string }) => {
      const p = entry.pending;
      if (!p || p.id !== m.id) return;
      entry.pending = null;
      clearTimeout(p.timer);
      worker.unref();
      if (m.kind === 'done') {
        try {
          const output = JSON.parse(m.text as string) as RawCheckOutput;
          p.resolve(
            m.initText === undefined
              ? { kind: 'done', output }
              : { kind: 'done', output, initText: m.initText },
          );
        } catch (error) {
          p.resolve({
            kind: 'crash',
            message: `unreadable engine output: ${(error as Error).message}`,
          });
        }
        release(entry);
      } else {
        p.resolve({ kind: 'crash', message: m.message ?? 'unknown failure' });
        discard(entry, { kind: 'crash', message: 'engine worker replaced' });
      }
    },
  );
  worker.on('error', (error) => discard(entry, { kind: 'crash', message: error.message }));
  worker.on('exit', (code) =>
    discard(entry, { kind: 'crash', message: `engine worker exited with code ${code}` }),
  );
  worker.unref();
  pool.push(entry);
  return entry;
}

function acquire(): Promise<EngineWorker> {
  const ready = idle.pop();
  if (ready) return Promise.resolve(ready);
  if (pool.length < poolSize) return Promise.resolve(spawnWorker());
  return new Promise((resolve) => waiters.push(resolve));
}

function release(entry: EngineWorker): void {
  if (!entry.alive) return;
  const waiter = waiters.shift();
  if (waiter) waiter(entry);
  else idle.push(entry);
}

/**
 * Run one check in an engine worker. Up to `engineConcurrency()` checks run at once; a check
 * that exceeds `timeoutMs` has its worker terminated (and replaced on demand).
 */
export async function runCheckInWorker(
  request: RawCheckRequest,
  timeoutMs: number,
): Promise<RawCheckReply> {
  const entry = await acquire();
  return new Promise((resolve) => {
    const id = nextId++;
    const timer = setTimeout(() => discard(entry, { kind: 'timeout' }), timeoutMs);
    entry.pending = { id, resolve, timer };
    entry.worker.ref();
    entry.worker.postMessage({ id, request });
  });
}
