// Which generated suites a test file of their own runs on the real kernels, so that each
// scenario boots into the guest once per kernel, not twice:
// - a whole suite (itRunsWholeSuite in real-kernels.ts), run by its own file;
// - a spec sweep (specSweepSuites below): a file that runs every suite of one spec (with its own
//   per-config checks), leaving out that spec's whole suites.
// kernel.test.ts runs what is left. Read from the test files themselves, so a new file of
// either kind cannot be missed by a list kept by hand.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SuiteData } from '@pinlab/testgen';
import { loadSuites } from '../src/suites.ts';

const testDir = fileURLToPath(new URL('.', import.meta.url));
const repo = join(testDir, '..', '..', '..');
const WHOLE_SUITE_CALL = /itRunsWholeSuite\(\s*k\s*,\s*'(\w+)'\s*,\s*'(\w+)'\s*,?\s*\)/g;
const SPEC_SWEEP_CALL = /specSweepSuites\(\s*'(\w+)'\s*,?\s*\)/g;

function scan(dir: string, call: RegExp, key: (m: RegExpMatchArray) => string): Set<string> {
  const found = new Set<string>();
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.test.ts')) continue;
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(call)) found.add(key(m));
  }
  return found;
}

/** "<spec>/<config>" of every suite a *.test.ts here runs whole. */
export function wholeSuiteConfigs(dir: string = testDir): Set<string> {
  return scan(dir, WHOLE_SUITE_CALL, (m) => `${m[1]}/${m[2]}`);
}

/** The specs a *.test.ts here sweeps with specSweepSuites. */
export function sweptSpecs(dir: string = testDir): Set<string> {
  return scan(dir, SPEC_SWEEP_CALL, (m) => String(m[1]));
}

/** Every generated suite of spec but those a file of their own runs whole. */
export function specSweepSuites(
  spec: string,
  root: string = join(repo, 'generated-tests'),
): SuiteData[] {
  const whole = wholeSuiteConfigs();
  return loadSuites(join(root, spec)).filter((s) => !whole.has(`${s.spec}/${s.config}`));
}
