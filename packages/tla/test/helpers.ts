// Shared test helpers: load a fixture spec/config pair as a CheckInput.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckInput } from '../src/result.ts';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function fixtureInput(spec: string, config = spec): CheckInput {
  const specPath = join(FIXTURES, `${spec}.tla`);
  const cfgPath = join(FIXTURES, `${config}.cfg`);
  return {
    spec,
    config,
    specPath,
    cfgPath,
    specText: readFileSync(specPath, 'utf8'),
    cfgText: readFileSync(cfgPath, 'utf8'),
  };
}
