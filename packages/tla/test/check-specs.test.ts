// checkSpecs over a small project made of the fixture specs: manifest comparison, counterexample
// files, unknown names and missing configs.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSpecs, selectConfigs } from '../src/check.ts';
import { parseItf } from '../src/itf.ts';
import {
  listSpecs,
  loadConfig,
  ProjectError,
  parseManifest,
  parseProfiles,
} from '../src/project.ts';
import { FIXTURES } from './helpers.ts';

function project(manifest: unknown): string {
  const root = mkdtempSync(join(tmpdir(), 'pinlab-check-'));
  mkdirSync(join(root, 'specs'));
  writeFileSync(join(root, 'package.json'), '{}');
  for (const f of ['Counter.tla', 'Counter.cfg', 'Counter_low.cfg', 'TwoPaths.tla', 'TwoPaths.cfg'])
    copyFileSync(join(FIXTURES, f), join(root, 'specs', f));
  writeFileSync(join(root, 'specs', 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(
    join(root, 'specs', 'profiles.json'),
    JSON.stringify({
      tiny: { kernel: null, description: 'Max 1', constants: { Counter: { Max: 1 } } },
    }),
  );
  return root;
}

const good = {
  Counter: { spec: 'Counter', expect: 'ok', distinct: 19, depth: 6, ci: true },
  Counter_low: { spec: 'Counter', expect: { invariant: 'BelowLimit' }, depth: 3, ci: true },
  TwoPaths: { spec: 'TwoPaths', expect: { invariant: 'Safe' }, depth: 3, ci: true },
};

describe('spec discovery', () => {
  it('lists specs with the fixed design first, then variants', () => {
    const root = project(good);
    expect(listSpecs(root).map((s) => [s.spec, s.configs])).toEqual([
      ['Counter', ['Counter', 'Counter_low']],
      ['TwoPaths', ['TwoPaths']],
    ]);
    expect(selectConfigs(root, ['Counter_low', 'TwoPaths']).map((c) => c.config)).toEqual([
      'Counter_low',
      'TwoPaths',
    ]);
    expect(() => selectConfigs(root, ['Nope'])).toThrow(
      /unknown spec or config Nope; specs: Counter, TwoPaths/,
    );
  });

  it('applies profile-style overrides to a config and rejects unknown constants', () => {
    const root = project(good);
    expect(loadConfig(root, 'Counter', { Max: 1 }).cfgText).toMatch(/Max = 1/);
    expect(() => loadConfig(root, 'Counter', { Frames: 3 })).toThrow(ProjectError);
    expect(() => loadConfig(root, 'Nope')).toThrow(/unknown config Nope/);
  });

  it('validates the manifest and profiles with the file and key', () => {
    expect(() => parseManifest({ A: { spec: 'A', expect: 'fine' } }, 'm.json')).toThrow(
      /m.json: A: "expect" must be/,
    );
    expect(() => parseManifest({ A: { spec: 'A', expect: 'ok', distinct: -1 } })).toThrow(
      /"distinct" must be a non-negative integer/,
    );
    expect(() => parseProfiles({ p: { kernel: 6, constants: {} } }, 'p.json')).toThrow(
      /p.json: p: "kernel" must be a string or null/,
    );
    expect(() => parseProfiles({ p: { kernel: null, constants: { S: { X: null } } } })).toThrow(
      /constants.S.X: must be/,
    );
  });
});

describe('checkSpecs', () => {
  it('passes when every result matches the manifest, and saves counterexamples as ITF', async () => {
    const root = project(good);
    const checks = await checkSpecs({ root });
    expect(checks.map((c) => [c.config, c.passed, c.message])).toEqual([
      ['Counter', true, undefined],
      ['Counter_low', true, undefined],
      ['TwoPaths', true, undefined],
    ]);
    const path = join(root, '.pinlab', 'counterexamples', 'Counter_low.embedded.itf.json');
    expect(checks[1]?.counterexamplePath).toBe(path);
    expect(parseItf(readFileSync(path, 'utf8')).states).toHaveLength(3);
  });

  it('fails on each kind of departure, saying what departed', async () => {
    const root = project({
      Counter: { spec: 'Counter', expect: 'ok', distinct: 20, depth: 6, ci: true },
      Counter_low: { spec: 'Counter', expect: 'ok', ci: true },
      TwoPaths: { spec: 'TwoPaths', expect: { invariant: 'Safe' }, depth: 5, ci: true },
      Gone: { spec: 'Counter', expect: 'ok', ci: true },
    });
    const checks = await checkSpecs({ root, counterexampleDir: null });
    expect(checks.map((c) => [c.config, c.passed, c.message])).toEqual([
      ['Counter', false, 'expected 20 distinct states, got 19'],
      ['Counter_low', false, 'expected ok, got violates BelowLimit'],
      ['TwoPaths', false, 'expected depth 5, got 3'],
      ['Gone', false, 'specs/Gone.cfg is missing but listed in specs/manifest.json'],
    ]);
    expect(existsSync(join(root, '.pinlab'))).toBe(false);
  });

  it('gives the same results in the same order whether configs run one or two at a time', async () => {
    const root = project(good);
    const summary = (checks: Awaited<ReturnType<typeof checkSpecs>>) =>
      checks.map((c) => [c.config, c.result.outcome, c.result.distinct, c.result.depth, c.passed]);
    const one = await checkSpecs({ root, concurrency: 1, counterexampleDir: null });
    const two = await checkSpecs({ root, concurrency: 2, counterexampleDir: null });
    expect(summary(two)).toEqual(summary(one));
  });

  it('fails a config that is not in the manifest', async () => {
    const root = project({ Counter: good.Counter });
    const checks = await checkSpecs({ root, only: ['TwoPaths'], counterexampleDir: null });
    expect(checks.map((c) => c.message)).toEqual(['TwoPaths is not in specs/manifest.json']);
  });
});
