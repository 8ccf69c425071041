import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedStepper } from '../../src/model/engine.ts';
import { createGraphCache, readCachedGraph } from '../../src/model/graph-cache.ts';
import { canonicalJson } from '../../src/model/value.ts';
import { seededWalks } from '../../src/model/walk.ts';

const fx = (f: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', f), 'utf8');
const spec = fx('ToyPin.tla');
const cfg = fx('ToyPin.cfg');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'testgen-stepper-'));
  dirs.push(d);
  return d;
};

/** Every successor list reachable from the initial states, as canonical text. */
function reachable(stepper: ReturnType<typeof createEmbeddedStepper>, constants = {}): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = [...stepper.init(constants)];
  while (queue.length > 0) {
    const s = queue.shift() as (typeof queue)[number];
    const k = canonicalJson(s);
    if (seen.has(k)) continue;
    seen.add(k);
    const next = stepper.next(constants, s);
    out.push(`${k} -> ${next.map((n) => `${n.actionKey}|${canonicalJson(n.state)}`).join(' ')}`);
    queue.push(...next.map((n) => n.state));
  }
  return out.sort();
}

describe('the graph-backed stepper', () => {
  it('steps exactly as state-by-state exploration does (the fallback over the bound)', () => {
    const viaGraph = createEmbeddedStepper('ToyPin', spec, cfg, { mode: 'graph' });
    const viaExplore = createEmbeddedStepper('ToyPin', spec, cfg, {
      mode: 'graph',
      maxGraphStates: 1,
    });
    for (const constants of [{}, { Hold: 'FOLL_GET' }, { Hold: 'FOLL_PIN' }]) {
      const a = reachable(viaGraph, constants);
      expect(a.length).toBeGreaterThan(2);
      expect(reachable(viaExplore, constants)).toEqual(a);
    }
    expect(viaGraph.stats.steppedViews).toBe(0);
    expect(viaExplore.stats.steppedViews).toBeGreaterThan(0);
    expect(viaExplore.graph({})).toBeUndefined();
    const walk = { seed: 5, count: 6, depth: 6, spec: 'ToyPin', config: 'ToyPin', prefix: 'w' };
    expect(seededWalks(viaExplore, {}, walk)).toEqual(seededWalks(viaGraph, {}, walk));
  }, 120_000);

  it('names a constant the module does not declare', () => {
    const stepper = createEmbeddedStepper('ToyPin', spec, cfg);
    expect(() => stepper.init({ NoSuchConstant: 1 })).toThrow(/unknown constant NoSuchConstant/);
  });

  it('steps state by state by default, building no graph', () => {
    const stepper = createEmbeddedStepper('ToyPin', spec, cfg);
    expect(reachable(stepper)).toEqual(
      reachable(createEmbeddedStepper('ToyPin', spec, cfg, { mode: 'graph' })),
    );
    expect(stepper.stats).toEqual({ graphsBuilt: 0, graphsFromCache: 0, steppedViews: 1 });
  }, 120_000);

  it('builds each graph once per run and reads it back from the disk cache', () => {
    const dir = tmp();
    const cache = createGraphCache(dir);
    const first = createEmbeddedStepper('ToyPin', spec, cfg, { mode: 'graph', cache });
    const before = reachable(first, { Hold: 'FOLL_GET' });
    reachable(createEmbeddedStepper('ToyPin', spec, cfg, { mode: 'graph', cache }), {
      Hold: 'FOLL_GET',
    });
    expect(first.stats.graphsBuilt).toBe(1);
    expect(readdirSync(dir)).toHaveLength(1);
    const cold = createEmbeddedStepper('ToyPin', spec, cfg, {
      mode: 'graph',
      cache: createGraphCache(dir),
    });
    expect(reachable(cold, { Hold: 'FOLL_GET' })).toEqual(before);
    expect(cold.stats).toEqual({ graphsBuilt: 0, graphsFromCache: 1, steppedViews: 0 });
  });

  it('treats a damaged cache file as missing', () => {
    const dir = tmp();
    const cache = createGraphCache(dir);
    createEmbeddedStepper('ToyPin', spec, cfg, { mode: 'graph', cache }).init({});
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file as string), '{"format": "graph-v1", "states": [');
    expect(readCachedGraph(dir, spec, cfg)).toBeUndefined();
    const again = createEmbeddedStepper('ToyPin', spec, cfg, {
      mode: 'graph',
      cache: createGraphCache(dir),
    });
    expect(again.init({}).length).toBeGreaterThan(0);
    expect(again.stats.graphsBuilt).toBe(1);
  });
});
