// `pinlab gen`: from specs/ (modules, configs, manifest, profiles) to generated-tests/. For each
// spec with an adapter and each of its CI configs: seeded walks drawn from the model under that
// config, frozen regression sequences (packages/testgen/frozen/), and ITF scenarios from an
// optional folder; every scenario's expectations for every profile; one suite per config.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GraphJob, parseTlcConfig, type StateGraph, tourPaths } from '@pinlab/tla';
import type { SpecAdapter } from './adapters/adapter.ts';
import { designProfileEntry } from './adapters/design.ts';
import { allAdapters } from './adapters/index.ts';
import { type GenPlan, planFor, type WalkPlan } from './gen-plan.ts';
import type { SyncResult } from './generate.ts';
import { GENERATED_MARK, renderSuite, syncGenerated } from './generate.ts';
import type { Constants, ConstantValue } from './model/engine.ts';
import {
  actionsKey,
  createEmbeddedStepper,
  type GraphStepper,
  graphJob,
  startGraphBuilds,
} from './model/engine.ts';
import { createGraphCache, type GraphCache } from './model/graph-cache.ts';
import { seededWalks } from './model/walk.ts';
import { loadProfiles, type ProfileEntry } from './profiles.ts';
import { type ItfTraceLike, scenarioFromItf, toScenarioAction } from './scenarios.ts';
import type { SourcedScenario, StoredExpectation, SuiteData, SuiteScenario } from './suite.ts';
import { buildSuiteScenarios } from './suite.ts';
import type { ScenarioAction } from './target.ts';

export type { WalkPlan } from './gen-plan.ts';
export const DEFAULT_SEED = 1;

export interface GenOptions {
  readonly root: string;
  /** Specs to generate (default: every spec with an adapter and a module in specs/). */
  readonly specs?: readonly string[];
  readonly seed?: number;
  /** Overrides every config's walks (default: the generation plan, gen-plan.ts). */
  readonly walks?: WalkPlan;
  /** Where state graphs are cached across runs (default `<root>/.pinlab/cache`; null: none). */
  readonly cacheDir?: string | null;
  readonly check?: boolean;
  /** Extra ITF scenarios: `<dir>/**.itf.json`, matched to configs by `#meta.config`. */
  readonly scenariosDir?: string;
  readonly adapters?: readonly SpecAdapter[];
  readonly onProgress?: (message: string) => void;
}

export interface GenResult extends SyncResult {
  readonly suites: {
    spec: string;
    config: string;
    scenarios: number;
    notApplicable: number;
    truncated: number;
  }[];
}

export class GenUsageError extends Error {
  override name = 'GenUsageError';
}

interface ManifestEntry {
  spec: string;
  ci?: boolean;
}

/** The configs of `spec` to generate from: the manifest's CI configs, else every `<Spec>*.cfg`. */
export function configsOf(specsDir: string, spec: string): string[] {
  const manifestPath = join(specsDir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<
      string,
      ManifestEntry
    >;
    const listed = Object.entries(manifest)
      .filter(([, e]) => e.spec === spec && e.ci !== false)
      .map(([name]) => name)
      .sort();
    if (listed.length > 0) return listed;
  }
  return readdirSync(specsDir)
    .filter((f) => f.endsWith('.cfg') && (f === `${spec}.cfg` || f.startsWith(`${spec}_`)))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** Frozen sequences (from `pinlab gen --freeze`), checked in at packages/testgen/frozen/<Spec>.json. */
export interface FrozenScenario {
  readonly id: string;
  readonly config: string;
  readonly actions: SourcedScenario['actions'];
  readonly note?: string;
}

export function frozenPath(root: string, spec: string): string {
  return join(root, 'packages', 'testgen', 'frozen', `${spec}.json`);
}

export function loadFrozen(root: string, spec: string): FrozenScenario[] {
  const path = frozenPath(root, spec);
  if (!existsSync(path)) return [];
  const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!Array.isArray(data)) throw new GenUsageError(`${path}: expected a list of frozen scenarios`);
  return data as FrozenScenario[];
}

function itfScenarios(dir: string | undefined, spec: string, config: string): SourcedScenario[] {
  if (dir === undefined || !existsSync(dir)) return [];
  const out: SourcedScenario[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const p = join(d, name.name);
      if (name.isDirectory()) walk(p);
      else if (name.name.endsWith('.itf.json')) {
        const trace = JSON.parse(readFileSync(p, 'utf8')) as ItfTraceLike & {
          '#meta': { strategy?: string };
        };
        const s = scenarioFromItf(trace);
        if (s.spec === spec && s.config === config)
          out.push({ ...s, origin: trace['#meta'].strategy ?? 'itf' });
      }
    }
  };
  walk(dir);
  return out;
}

function dedupe(scenarios: SourcedScenario[]): SourcedScenario[] {
  const seen = new Set<string>();
  return scenarios.filter((s) => {
    const key = actionsKey(s.actions);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A transition tour of the config's reachable state graph (@pinlab/tla tourPaths): every edge in
 * as few scenarios as the length cap allows. Empty when the plan has no tour or the graph is
 * missing (over the stepper's bound) or larger than the plan allows: the walks then stand alone.
 */
export function tourScenarios(
  graph: StateGraph | undefined,
  spec: string,
  config: string,
  plan: GenPlan['tour'],
): SourcedScenario[] {
  if (plan === null || graph === undefined || graph.states.length > plan.maxStates) return [];
  // One action record per state, shared by every tour step into it (the same record as text).
  const actionOf = new Map<number, ScenarioAction>();
  return tourPaths(graph, plan.maxLength).map((path, n) => ({
    id: `${config}/tour-${n}`,
    spec,
    config,
    origin: 'tour',
    actions: path.map((i, step) => {
      let a = actionOf.get(i);
      if (a === undefined) {
        a = toScenarioAction(graph.states[i]?.values.action, `${config} tour ${n} step ${step}`);
        actionOf.set(i, a);
      }
      return a;
    }),
  }));
}

/** A cfg's constant as JSON, when it is a scalar (string, integer, boolean); else undefined. */
function scalarConstant(text: string): ConstantValue | undefined {
  const t = text.trim();
  if (/^"[^"]*"$/.test(t)) return t.slice(1, -1);
  if (/^-?\d+$/.test(t)) return Number(t);
  if (t === 'TRUE' || t === 'FALSE') return t === 'TRUE';
  return undefined;
}

/** A cfg's scalar constants (strings, integers, booleans). */
export function configConstants(cfgText: string): Constants {
  const base: Record<string, ConstantValue> = {};
  for (const [name, text] of parseTlcConfig(cfgText).constants) {
    const v = scalarConstant(text);
    if (v !== undefined) base[name] = v;
  }
  return base;
}

/** For each profile constraining `spec`: the cfg's scalar constants overridden by the profile's. */
export function profileConstants(
  cfgText: string,
  spec: string,
  profiles: readonly ProfileEntry[],
): Record<string, Constants> {
  const base = configConstants(cfgText);
  const out: Record<string, Constants> = {};
  for (const p of profiles) {
    const own = p.constants[spec];
    if (own !== undefined) out[p.name] = { ...base, ...own };
  }
  return out;
}

export function regenerateCommand(spec: string, seed: number): string {
  return `npx pinlab gen ${spec}${seed === DEFAULT_SEED ? '' : ` --seed ${seed}`}`;
}

/**
 * Expectations of a config's scenarios. Under a profile where an earlier config's suite of the
 * same spec already holds the same actions under the same model (same spec text and
 * graph-relevant cfg text once the profile's constants are applied: bug configs mostly differ
 * from their spec's main config only in constants the profiles override), the expectation and
 * the reference run would be identical: it is stored as `{runIn: <that scenario's id>}` and run
 * there only. Actions are always kept (transition coverage is counted per config); `firstRun`
 * is per spec.
 */
function expectOnce(
  stepper: GraphStepper,
  adapter: SpecAdapter,
  scenarios: readonly SourcedScenario[],
  profiles: readonly ProfileEntry[],
  firstRun: Map<string, string>,
): SuiteScenario[] {
  const models = new Map(
    profiles.map((p) => {
      const c = p.constants[adapter.spec];
      return [p.name, c === undefined ? undefined : `${p.name}=${stepper.modelIdentity(c)}`];
    }),
  );
  return buildSuiteScenarios(stepper, adapter, scenarios, profiles).map((s) => {
    const actions = actionsKey(s.actions);
    const expect: Record<string, StoredExpectation> = { ...s.expect };
    for (const [profile, e] of Object.entries(s.expect)) {
      const model = models.get(profile);
      if (model === undefined || !('observations' in e)) continue;
      const key = `${model}|${actions}`;
      const first = firstRun.get(key);
      if (first === undefined) firstRun.set(key, s.id);
      else expect[profile] = { runIn: first };
    }
    return { ...s, expect };
  });
}

/**
 * The seed of one config's random walks: the run's seed mixed with the config's name (FNV-1a),
 * so a config's walks depend on nothing but the seed and the config itself. Seeding by the
 * config's place among its spec's configs made every config added to a spec redraw the walks of
 * all the configs sorted after it, and so rewrite their generated files and guest samples.
 */
export function walkSeed(seed: number, config: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < config.length; i++) h = Math.imul(h ^ config.charCodeAt(i), 0x01000193);
  return (Math.imul(seed, 0x9e3779b1) ^ h) >>> 0;
}

/** One (spec, config) to generate, with what its suite needs before any model is stepped. */
interface ConfigWork {
  readonly spec: string;
  readonly adapter: SpecAdapter;
  readonly specText: string;
  readonly config: string;
  readonly cfgText: string;
  /** Every profile, plus the design profile of a bug config a reference fault realises. */
  readonly suiteProfiles: readonly ProfileEntry[];
}

/** The configs to generate, in output order (specs sorted, configs as configsOf lists them). */
function plannedConfigs(opts: GenOptions, profiles: readonly ProfileEntry[]): ConfigWork[] {
  const specsDir = join(opts.root, 'specs');
  const adapters = opts.adapters ?? allAdapters;
  const available = adapters
    .filter((a) => existsSync(join(specsDir, `${a.spec}.tla`)))
    .map((a) => a.spec);
  const wanted = opts.specs?.length ? [...opts.specs] : available;
  for (const s of wanted) {
    if (!available.includes(s)) {
      throw new GenUsageError(
        `cannot generate ${s}: ${adapters.some((a) => a.spec === s) ? `specs/${s}.tla does not exist` : 'no testgen adapter for it'} (available: ${available.join(', ') || 'none'})`,
      );
    }
  }
  return wanted.sort().flatMap((spec) => {
    const adapter = adapters.find((a) => a.spec === spec) as SpecAdapter;
    const specText = readFileSync(join(specsDir, `${spec}.tla`), 'utf8');
    return configsOf(specsDir, spec).map((config) => {
      const cfgText = readFileSync(join(specsDir, `${config}.cfg`), 'utf8');
      // A bug config whose constants a reference profile plus faults realises also runs
      // under that design (adapters/design.ts), expecting the config's own constants.
      const design = designProfileEntry(
        spec,
        configConstants(cfgText),
        profiles,
        adapter.faultKnobs,
      );
      const suiteProfiles = design === undefined ? profiles : [...profiles, design];
      return { spec, adapter, specText, config, cfgText, suiteProfiles };
    });
  });
}

/**
 * The models a config's suite steps: its own constants (walks, tour) and each suite profile's
 * (expectations; buildSuiteScenarios replays under `p.constants[spec]`).
 */
function graphJobsOf(w: ConfigWork): GraphJob[] {
  const sets: Constants[] = [{}];
  for (const p of w.suiteProfiles) {
    const c = p.constants[w.spec];
    if (c !== undefined) sets.push(c);
  }
  return sets.map((c) => graphJob(w.spec, w.specText, w.cfgText, c));
}

function graphCacheOf(opts: GenOptions): GraphCache {
  return createGraphCache(
    opts.cacheDir === null ? undefined : (opts.cacheDir ?? join(opts.root, '.pinlab', 'cache')),
  );
}

/** The suite of one config, its models stepped through `cache` (graphs built when missing). */
function buildSuite(
  w: ConfigWork,
  opts: GenOptions,
  frozen: readonly FrozenScenario[],
  firstRun: Map<string, string>,
  cache: GraphCache,
): SuiteData {
  const { spec, config, cfgText } = w;
  const seed = opts.seed ?? DEFAULT_SEED;
  opts.onProgress?.(`${spec}: ${config}`);
  const plan = planFor(spec, config, opts.walks);
  const walks = plan.walks;
  const stepper = createEmbeddedStepper(spec, w.specText, cfgText, { mode: 'graph', cache });
  const drawn = seededWalks(
    stepper,
    {},
    {
      seed: walkSeed(seed, config),
      count: walks.count,
      depth: walks.depth,
      spec,
      config,
      prefix: `${config}/walk-`,
    },
  ).map((s) => ({ ...s, origin: 'walk' }));
  const tour = tourScenarios(stepper.graph({}), spec, config, plan.tour);
  const scenarios = dedupe([
    ...frozen
      .filter((f) => f.config === config)
      .map((f) => ({ id: f.id, spec, config, actions: f.actions, origin: 'frozen' })),
    ...itfScenarios(opts.scenariosDir, spec, config),
    ...tour,
    ...drawn,
  ]);
  const constants = profileConstants(cfgText, spec, w.suiteProfiles);
  return {
    generated: `${GENERATED_MARK} - do not edit`,
    spec,
    config,
    seed,
    regenerate: regenerateCommand(spec, seed),
    profiles: w.suiteProfiles.map((p) => p.name),
    constants,
    scenarios: expectOnce(stepper, w.adapter, scenarios, w.suiteProfiles, firstRun),
  };
}

/** Per spec: its frozen sequences and the first-run table its configs' suites share. */
function suiteContext(
  opts: GenOptions,
): (spec: string) => { frozen: FrozenScenario[]; firstRun: Map<string, string> } {
  const bySpec = new Map<string, { frozen: FrozenScenario[]; firstRun: Map<string, string> }>();
  return (spec) => {
    let c = bySpec.get(spec);
    if (c === undefined) {
      c = { frozen: loadFrozen(opts.root, spec), firstRun: new Map() };
      bySpec.set(spec, c);
    }
    return c;
  };
}

/** The suites of `work` in order, built in this thread. */
function buildSuitesOf(
  work: readonly ConfigWork[],
  opts: GenOptions,
  cache: GraphCache,
): SuiteData[] {
  const perSpec = suiteContext(opts);
  return work.map((w) => {
    const { frozen, firstRun } = perSpec(w.spec);
    return buildSuite(w, opts, frozen, firstRun, cache);
  });
}

/**
 * Builds the suite data of every (spec, config) asked for, in this thread: a graph missing from
 * the cache is built by a check run here, one after another. Pure apart from reading specs.
 */
export function buildSuites(opts: GenOptions): SuiteData[] {
  const profiles = loadProfiles(join(opts.root, 'specs', 'profiles.json'));
  return buildSuitesOf(plannedConfigs(opts, profiles), opts, graphCacheOf(opts));
}

/**
 * The same suites (byte-identical output), with every graph the run needs and the cache lacks
 * built side by side in the engine's worker pool (startGraphBuilds), all started at once in
 * config order: each config's suite is computed here as soon as its graphs are in, while the
 * workers go on with the next configs'. What `pinlab gen` runs: building graphs is nearly all
 * the cost of a cold generation.
 */
export async function buildSuitesAsync(opts: GenOptions): Promise<SuiteData[]> {
  const profiles = loadProfiles(join(opts.root, 'specs', 'profiles.json'));
  const work = plannedConfigs(opts, profiles);
  const cache = graphCacheOf(opts);
  const jobs = work.map(graphJobsOf);
  const { ready } = startGraphBuilds(cache, jobs.flat());
  const readyOf: Promise<void>[][] = [];
  let next = 0;
  for (const j of jobs) {
    readyOf.push(ready.slice(next, next + j.length));
    next += j.length;
  }
  const suites: SuiteData[] = [];
  const perSpec = suiteContext(opts);
  for (const [n, w] of work.entries()) {
    await Promise.all(readyOf[n] as Promise<void>[]);
    const { frozen, firstRun } = perSpec(w.spec);
    suites.push(buildSuite(w, opts, frozen, firstRun, cache));
  }
  return suites;
}

/** `pinlab gen` / `pinlab gen --check`, building missing graphs in this thread (buildSuites). */
export function generate(opts: GenOptions): GenResult {
  return writeSuites(opts, buildSuites(opts));
}

/** `pinlab gen` / `pinlab gen --check` with missing graphs built in parallel (buildSuitesAsync). */
export async function generateAsync(opts: GenOptions): Promise<GenResult> {
  return writeSuites(opts, await buildSuitesAsync(opts));
}

function writeSuites(opts: GenOptions, suites: readonly SuiteData[]): GenResult {
  const files = suites.flatMap(renderSuite);
  const owned = [...new Set(suites.map((s) => s.spec))];
  const sync = syncGenerated(join(opts.root, 'generated-tests'), files, owned, {
    check: opts.check ?? false,
  });
  return {
    ...sync,
    suites: suites.map((s) => {
      let notApplicable = 0;
      let truncated = 0;
      for (const sc of s.scenarios)
        for (const e of Object.values(sc.expect)) {
          if ('notApplicable' in e) notApplicable++;
          else if ('sameAs' in e || 'runIn' in e) continue;
          else if (e.stoppedAt !== undefined) truncated++;
        }
      return {
        spec: s.spec,
        config: s.config,
        scenarios: s.scenarios.length,
        notApplicable,
        truncated,
      };
    }),
  };
}
