// Scenarios an earlier config of the same spec already runs under the same model for every
// profile are stored for coverage only (runIn), never computed or run twice.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { graphRelevantCfg } from '../src/model/graph-cache.ts';
import { buildSuites } from '../src/pipeline.ts';
import { createReferenceTarget } from '../src/reference-target.ts';
import { RUN_ELSEWHERE, runSuite } from '../src/run-suite.ts';
import { toyAdapter } from './fixtures/toy-adapter.ts';

const fx = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');
const root = mkdtempSync(join(tmpdir(), 'testgen-dedupe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cfg = fx('ToyPin.cfg');
mkdirSync(join(root, 'specs'));
writeFileSync(join(root, 'specs', 'ToyPin.tla'), fx('ToyPin.tla'));
writeFileSync(join(root, 'specs', 'ToyPin.cfg'), cfg);
// Same model once the profiles' Hold is applied: only a comment, the invariant and Hold differ.
writeFileSync(
  join(root, 'specs', 'ToyPin_get.cfg'),
  `\\* ToyPin, legacy variant\n${cfg.replace('FOLL_PIN', 'FOLL_GET').replace('INVARIANT RefsPositive\n', '')}`,
);
// Another cfg text the profiles do not override (the same set, written otherwise): never shared.
writeFileSync(join(root, 'specs', 'ToyPin_one.cfg'), cfg.replace('{1, 2}', '{2, 1}'));
writeFileSync(
  join(root, 'specs', 'profiles.json'),
  JSON.stringify({
    legacy: { kernel: '6.1', constants: { ToyPin: { Hold: 'FOLL_GET' } } },
    pinned: { kernel: '6.12', constants: { ToyPin: { Hold: 'FOLL_PIN' } } },
  }),
);

describe('scenarios shared by the configs of a spec', () => {
  it('reads what of a cfg decides the graph', () => {
    expect(
      graphRelevantCfg('\\* note\nCONSTANTS\n  N = 1  \\* why\n\nINVARIANT I\nNEXT Next\n'),
    ).toBe('CONSTANTS\n  N = 1\nNEXT Next');
  });

  it('are computed and run once, and kept for coverage in the later suite', async () => {
    const suites = buildSuites({ root, adapters: [toyAdapter()], cacheDir: null });
    const [main, get, one] = suites;
    expect([main?.config, get?.config, one?.config]).toEqual([
      'ToyPin',
      'ToyPin_get',
      'ToyPin_one',
    ]);
    const runIn = (s: NonNullable<typeof main>['scenarios'][number], p: string) => {
      const e = s.expect[p];
      return e !== undefined && 'runIn' in e ? e.runIn : undefined;
    };
    const profiles = ['legacy', 'pinned'];
    expect(main?.scenarios.every((s) => profiles.every((p) => runIn(s, p) === undefined))).toBe(
      true,
    );
    const shared = (get?.scenarios ?? []).flatMap((s) =>
      profiles.filter((p) => runIn(s, p) !== undefined).map((p) => ({ s, p })),
    );
    expect(shared.length).toBeGreaterThan(0);
    for (const { s, p } of shared) {
      const twin = main?.scenarios.find((m) => m.id === runIn(s, p));
      expect(twin?.actions).toEqual(s.actions);
    }
    expect(one?.scenarios.every((s) => profiles.every((p) => runIn(s, p) === undefined))).toBe(
      true,
    );
    const target = createReferenceTarget([toyAdapter()], profiles);
    const run = await runSuite(get as NonNullable<typeof get>, target);
    expect(run.failed).toEqual([]);
    expect(run.notApplicable[RUN_ELSEWHERE]).toBe(shared.length);
    expect(run.passed).toBe((get?.scenarios.length ?? 0) * 2 - shared.length);
  }, 120_000);
});
