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

// Plain JS: the worker must not depend on a TypeScript loader being registered.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
(async () => {
  try {
    const t = await import(workerData.jsUrl);
    t.initSync({ module: readFileSync(workerData.wasmPath) });
    const r = workerData.request;
    const text = t.check_spec_with_options(r.specText, JSON.stringify({
      cfg_source: r.cfgText, max_states: r.maxStates, max_depth: r.maxDepth,
      allow_deadlock: r.allowDeadlock, export_dot: r.exportDot, dot_mode: 'full',
    }));
    parentPort.postMessage({ kind: 'done', text });
  } catch (error) {
    parentPort.postMessage({ kind: 'crash', message: String(error && error.stack || error) });
  }
})();
`;

export function runCheckInWorker(
  request: RawCheckRequest,
  timeoutMs: number,
): Promise<RawCheckReply> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        jsUrl: pathToFileURL(TLA_CHECKER_JS).href,
        wasmPath: TLA_CHECKER_WASM,
        request,
      },
    });
    let settled = false;
    const finish = (reply: RawCheckReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(reply);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    worker.on('message', (m: { kind: string; text?: string; message?: string }) => {
      if (m.kind === 'done') {
        try {
          finish({ kind: 'done', output: JSON.parse(m.text as string) as RawCheckOutput });
        } catch (error) {
          finish({
            kind: 'crash',
            message: `unreadable engine output: ${(error as Error).message}`,
          });
        }
      } else finish({ kind: 'crash', message: m.message ?? 'unknown failure' });
    });
    worker.on('error', (error) => finish({ kind: 'crash', message: error.message }));
    worker.on('exit', (code) =>
      finish({ kind: 'crash', message: `engine worker exited with code ${code}` }),
    );
  });
}
