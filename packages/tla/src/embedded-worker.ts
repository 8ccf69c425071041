// Runs one tla-checker check in a worker thread. A WASM call cannot be interrupted from the
// thread that made it, so the time bound is enforced by terminating the worker; a WASM trap
// (engine crash) is contained in the worker too.

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
}

export type RawCheckReply =
  | { kind: 'done'; output: RawCheckOutput }
  | { kind: 'timeout' }
  | { kind: 'crash'; message: string };

// Plain JS: the worker must not depend on a TypeScript loader being registered. One worker is
// kept between checks: a fresh WASM instance runs its first check several times slower (V8 has
// not optimised its code yet: 3.0 s vs 0.45 s for a 116-state config here), so a warm worker
// makes a run of many small configs much faster. It is replaced after a timeout or a crash.
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
    parentPort.postMessage({ id, kind: 'done', text });
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

interface SharedWorker {
  worker: Worker;
  pending: Pending | null;
}

let shared: SharedWorker | null = null;
let nextId = 1;
let queue: Promise<unknown> = Promise.resolve();

function discard(reason: RawCheckReply): void {
  const current = shared;
  shared = null;
  if (!current) return;
  void current.worker.terminate();
  if (current.pending) {
    clearTimeout(current.pending.timer);
    current.pending.resolve(reason);
  }
}

function getWorker(): SharedWorker {
  if (shared) return shared;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { jsUrl: pathToFileURL(TLA_CHECKER_JS).href, wasmPath: TLA_CHECKER_WASM },
  });
  const entry: SharedWorker = { worker, pending: null };
  worker.on('message', (m: { id: number; kind: string; text?: string; message?: string }) => {
    const p = entry.pending;
    if (!p || p.id !== m.id) return;
    entry.pending = null;
    clearTimeout(p.timer);
    worker.unref();
    if (m.kind === 'done') {
      try {
        p.resolve({ kind: 'done', output: JSON.parse(m.text as string) as RawCheckOutput });
      } catch (error) {
        p.resolve({
          kind: 'crash',
          message: `unreadable engine output: ${(error as Error).message}`,
        });
      }
    } else {
      p.resolve({ kind: 'crash', message: m.message ?? 'unknown failure' });
      if (shared === entry) discard({ kind: 'crash', message: 'engine worker replaced' });
    }
  });
  worker.on('error', (error) => {
    if (shared === entry) discard({ kind: 'crash', message: error.message });
  });
  worker.on('exit', (code) => {
    if (shared === entry)
      discard({ kind: 'crash', message: `engine worker exited with code ${code}` });
  });
  worker.unref();
  shared = entry;
  return entry;
}

function runOne(request: RawCheckRequest, timeoutMs: number): Promise<RawCheckReply> {
  return new Promise((resolve) => {
    const entry = getWorker();
    const id = nextId++;
    const timer = setTimeout(() => {
      if (shared === entry) discard({ kind: 'timeout' });
      else resolve({ kind: 'timeout' });
    }, timeoutMs);
    entry.pending = { id, resolve, timer };
    entry.worker.ref();
    entry.worker.postMessage({ id, request });
  });
}

/** Run one check in the shared engine worker; checks are serialised (one WASM instance). */
export function runCheckInWorker(
  request: RawCheckRequest,
  timeoutMs: number,
): Promise<RawCheckReply> {
  const result = queue.then(() => runOne(request, timeoutMs));
  queue = result.catch(() => undefined);
  return result;
}
