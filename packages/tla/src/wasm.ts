// Loading tla-checker (wasm-bindgen build) in Node: read the .wasm next to the package's JS and
// instantiate it synchronously, once per thread.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tlaChecker from 'tla-checker';

const require = createRequire(import.meta.url);

/** Absolute path of tla-checker's JS entry (the worker imports it by URL). */
export const TLA_CHECKER_JS = require.resolve('tla-checker');
export const TLA_CHECKER_WASM = join(dirname(TLA_CHECKER_JS), 'tla_checker_bg.wasm');

let ready = false;

export type TlaChecker = typeof tlaChecker;

export function loadTlaChecker(): TlaChecker {
  if (!ready) {
    tlaChecker.initSync({ module: readFileSync(TLA_CHECKER_WASM) });
    ready = true;
  }
  return tlaChecker;
}
