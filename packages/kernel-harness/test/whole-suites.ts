// The generated suites that a test file of their own runs whole on the real kernels
// (itRunsWholeSuite in real-kernels.ts). kernel.test.ts leaves them out of its run of every
// suite, so each of their scenarios boots into the guest once per kernel, not twice. Read from
// the test files themselves, so a new whole-suite file cannot be missed by a list kept by hand.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const testDir = fileURLToPath(new URL('.', import.meta.url));
const CALL = /itRunsWholeSuite\(\s*k\s*,\s*'(\w+)'\s*,\s*'(\w+)'\s*,?\s*\)/g;

/** "<spec>/<config>" of every suite a *.test.ts here runs whole. */
export function wholeSuiteConfigs(dir: string = testDir): Set<string> {
  const found = new Set<string>();
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.test.ts')) continue;
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(CALL)) found.add(`${m[1]}/${m[2]}`);
  }
  return found;
}
