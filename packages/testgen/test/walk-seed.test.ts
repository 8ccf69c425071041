// A config's random walks depend on the run's seed and the config alone: adding a config to a
// spec leaves every other config's walks as they were (seeding by the config's place among its
// spec's configs redrew the walks of all the configs sorted after a new one).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSuites, walkSeed } from '../src/pipeline.ts';
import type { SuiteData } from '../src/suite.ts';
import { toyAdapter } from './fixtures/toy-adapter.ts';

const fx = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');
const cfg = fx('ToyPin.cfg');
const root = mkdtempSync(join(tmpdir(), 'testgen-walk-seed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

mkdirSync(join(root, 'specs'));
writeFileSync(join(root, 'specs', 'ToyPin.tla'), fx('ToyPin.tla'));
writeFileSync(join(root, 'specs', 'ToyPin_get.cfg'), cfg.replace('FOLL_PIN', 'FOLL_GET'));
writeFileSync(
  join(root, 'specs', 'profiles.json'),
  JSON.stringify({ pinned: { kernel: '6.12', constants: { ToyPin: { Hold: 'FOLL_PIN' } } } }),
);

/**
 * The walks of ToyPin_get's suite, as ids and actions: the rendered files may legitimately
 * change with another config beside it (a scenario another suite already runs is deduplicated).
 */
function getWalks(seed: number): string[] {
  const suites = buildSuites({ root, adapters: [toyAdapter()], cacheDir: null, seed });
  const get = suites.find((s: SuiteData) => s.config === 'ToyPin_get');
  if (get === undefined) throw new Error('no ToyPin_get suite');
  return get.scenarios
    .filter((s) => s.id.includes('/walk-'))
    .map((s) => `${s.id}: ${JSON.stringify(s.actions)}`);
}

describe('walk seeds', () => {
  it('mix the seed with the config name, never its index', () => {
    expect(walkSeed(1, 'ToyPin_get')).toBe(walkSeed(1, 'ToyPin_get'));
    expect(walkSeed(1, 'ToyPin_get')).not.toBe(walkSeed(1, 'ToyPin'));
    expect(walkSeed(1, 'ToyPin_get')).not.toBe(walkSeed(2, 'ToyPin_get'));
    expect(Number.isInteger(walkSeed(2 ** 31, 'x')) && walkSeed(2 ** 31, 'x') >= 0).toBe(true);
  });

  it("keep a config's walks when a config sorted before it is added; another seed draws others", () => {
    const before = getWalks(1);
    expect(before.length).toBeGreaterThan(0);
    writeFileSync(join(root, 'specs', 'ToyPin.cfg'), cfg);
    expect(getWalks(1)).toEqual(before);
    expect(getWalks(2)).not.toEqual(before);
  }, 120_000);
});
