// `pinlab check` behind the CLI: check every config (or the named specs/configs) with one engine,
// compare each result with specs/manifest.json, save counterexamples as ITF.
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { checkEmbedded } from './embedded.ts';
import { engineConcurrency, setEngineConcurrency } from './embedded-worker.ts';
import { serializeItf } from './itf.ts';
import {
  listSpecs,
  loadConfig,
  type ManifestEntry,
  type ManifestExpect,
  ProjectError,
  readManifest,
} from './project.ts';
import type { CheckBounds, CheckInput, CheckResult, EngineName } from './result.ts';
import { checkTlc } from './tlc.ts';

export interface CheckSpecsOptions {
  /** Repository root (holds specs/). */
  root: string;
  /** Spec names (`PinUnpin`) or config names (`PinUnpin_kvec_offset0`); empty = all. */
  only?: string[];
  engine?: EngineName;
  bounds?: CheckBounds;
  /** Only configs the manifest marks `ci` (default false: all). */
  ciOnly?: boolean;
  /** Where counterexamples go (default `<root>/.pinlab/counterexamples`); null: not saved. */
  counterexampleDir?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Called before and after each config (progress). */
  onStart?: (config: string, index: number, total: number) => void;
  onResult?: (check: ConfigCheck) => void;
  /** Configs checked at once by the embedded engine (default: engineConcurrency(), min(2, CPUs)). */
  concurrency?: number;
}

export interface ConfigCheck {
  config: string;
  spec: string;
  engine: EngineName;
  /** null when the config is missing from the manifest. */
  expect: ManifestExpect | null;
  result: CheckResult;
  passed: boolean;
  /** Why it did not pass (one line). */
  message?: string;
  expectedDistinct?: number;
  expectedDepth?: number;
  counterexamplePath?: string;
}

export function describeExpect(e: ManifestExpect | null): string {
  if (e === null) return '(not in manifest)';
  if (e === 'ok') return 'ok';
  return 'invariant' in e ? `violates ${e.invariant}` : 'deadlock';
}

export function describeOutcome(r: CheckResult): string {
  switch (r.outcome) {
    case 'ok':
      return 'ok';
    case 'invariant':
      return `violates ${r.invariant}`;
    case 'deadlock':
      return 'deadlock';
    default:
      return `error (${r.error?.kind})`;
  }
}

/**
 * Compare a result with its manifest entry. For `ok`, distinct states and depth must match. For
 * a violation, the invariant and the depth (shortest counterexample length) must match; distinct
 * states are not compared, as each engine stops after a different number of states.
 */
export function compareWithManifest(
  result: CheckResult,
  entry: ManifestEntry | undefined,
): { passed: boolean; message?: string } {
  if (!entry) return { passed: false, message: `${result.config} is not in specs/manifest.json` };
  if (result.outcome === 'error')
    return { passed: false, message: result.error?.message ?? 'check failed' };
  const expected = describeExpect(entry.expect);
  const actual = describeOutcome(result);
  if (expected !== actual) return { passed: false, message: `expected ${expected}, got ${actual}` };
  if (result.outcome === 'ok' && entry.distinct !== undefined && entry.distinct !== result.distinct)
    return {
      passed: false,
      message: `expected ${entry.distinct} distinct states, got ${result.distinct}`,
    };
  if (entry.depth !== undefined && entry.depth !== result.depth)
    return { passed: false, message: `expected depth ${entry.depth}, got ${result.depth}` };
  return { passed: true };
}

export function runEngine(
  engine: EngineName,
  input: CheckInput,
  bounds: CheckBounds,
  env: NodeJS.ProcessEnv,
): Promise<CheckResult> {
  return engine === 'tlc' ? checkTlc(input, bounds, env) : checkEmbedded(input, bounds);
}

/** The configs `only` selects, in spec then config order; unknown names are a ProjectError. */
export function selectConfigs(
  root: string,
  only: string[] = [],
): { spec: string; config: string }[] {
  const specs = listSpecs(root);
  const all = specs.flatMap((s) => s.configs.map((config) => ({ spec: s.spec, config })));
  if (only.length === 0) return all;
  const unknown = only.filter((n) => !all.some((c) => c.spec === n || c.config === n));
  if (unknown.length > 0)
    throw new ProjectError(
      `unknown spec or config ${unknown.join(', ')}; specs: ${specs.map((s) => s.spec).join(', ') || 'none'}`,
    );
  return all.filter((c) => only.includes(c.spec) || only.includes(c.config));
}

export async function checkSpecs(options: CheckSpecsOptions): Promise<ConfigCheck[]> {
  const engine = options.engine ?? 'embedded';
  if (options.concurrency !== undefined && options.concurrency > engineConcurrency())
    setEngineConcurrency(options.concurrency);
  const env = options.env ?? process.env;
  const manifest = readManifest(options.root);
  let selected = selectConfigs(options.root, options.only);
  if (options.ciOnly) selected = selected.filter((c) => manifest[c.config]?.ci !== false);
  const cexDir =
    options.counterexampleDir === undefined
      ? join(options.root, '.pinlab', 'counterexamples')
      : options.counterexampleDir;
  const checkOne = async (index: number): Promise<ConfigCheck> => {
    const { spec, config } = selected[index] as { spec: string; config: string };
    options.onStart?.(config, index, selected.length);
    const input = loadConfig(options.root, config);
    const result = await runEngine(engine, input, options.bounds ?? {}, env);
    const entry = manifest[config];
    const verdict = compareWithManifest(result, entry);
    const check: ConfigCheck = {
      config,
      spec,
      engine,
      expect: entry?.expect ?? null,
      result,
      passed: verdict.passed,
    };
    if (verdict.message) check.message = verdict.message;
    if (entry?.distinct !== undefined) check.expectedDistinct = entry.distinct;
    if (entry?.depth !== undefined) check.expectedDepth = entry.depth;
    if (result.counterexample && cexDir) {
      const path = join(cexDir, `${config}.${engine}.itf.json`);
      writeFileAtomic(path, serializeItf(result.counterexample));
      check.counterexamplePath = path;
    }
    options.onResult?.(check);
    return check;
  };
  // The embedded engine checks several configs at once (one worker each); TLC one at a time.
  const lanes =
    engine === 'embedded'
      ? Math.min(options.concurrency ?? engineConcurrency(), selected.length)
      : 1;
  const results: ConfigCheck[] = new Array(selected.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < selected.length) {
        const index = next++;
        results[index] = await checkOne(index);
      }
    }),
  );
  const checks: ConfigCheck[] = [...results];
  // A manifest entry whose config file is gone is a failure too (unless a filter excludes it).
  const present = new Set(listSpecs(options.root).flatMap((s) => s.configs));
  for (const [config, entry] of Object.entries(manifest)) {
    if (present.has(config)) continue;
    if (
      options.only?.length &&
      !options.only.includes(entry.spec) &&
      !options.only.includes(config)
    )
      continue;
    if (options.ciOnly && !entry.ci) continue;
    checks.push({
      config,
      spec: entry.spec,
      engine,
      expect: entry.expect,
      passed: false,
      message: `specs/${config}.cfg is missing but listed in specs/manifest.json`,
      result: {
        engine,
        spec: entry.spec,
        config,
        outcome: 'error',
        distinct: 0,
        depth: 0,
        error: { kind: 'config', message: `specs/${config}.cfg is missing` },
        durationMs: 0,
        notes: [],
      },
    });
  }
  return checks;
}
