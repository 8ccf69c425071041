// Finding pinlab's specs: `specs/<Spec>.tla`, its configs (`<Spec>.cfg`, `<Spec>_<variant>.cfg`),
// `specs/manifest.json` (what each config must give) and `specs/profiles.json` (the constants
// each kernel profile selects). Every malformed entry is reported with the file and the key.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { applyConstantOverrides, type ConstantValue } from './cfg.ts';
import type { CheckInput } from './result.ts';
import { readTlaModule } from './tla-source.ts';

export class ProjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectError';
  }
}

export type ManifestExpect = 'ok' | { invariant: string } | { deadlock: true };

export interface ManifestEntry {
  spec: string;
  expect: ManifestExpect;
  distinct?: number;
  depth?: number;
  ci: boolean;
}

export type Manifest = Record<string, ManifestEntry>;

export interface Profile {
  kernel: string | null;
  description: string;
  /** Spec -> constant -> value. A spec the profile does not constrain is absent. */
  constants: Record<string, Record<string, ConstantValue>>;
}

export type Profiles = Record<string, Profile>;

export interface SpecFiles {
  spec: string;
  tlaPath: string;
  /** Config names (file name without `.cfg`), the fixed design first, then variants sorted. */
  configs: string[];
}

/** The folder holding `specs/`, searched upward from `start` (the repository root). */
export function findProjectRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'specs')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new ProjectError(`no specs/ folder found in ${start} or any parent folder`);
    dir = parent;
  }
}

export function specsDir(root: string): string {
  return join(root, 'specs');
}

/** Every spec module in `specs/` (MC*.tla model files excluded) with its configs. */
export function listSpecs(root: string): SpecFiles[] {
  const dir = specsDir(root);
  const files = readdirSync(dir).sort();
  const modules = files
    .filter((f) => f.endsWith('.tla') && !/^MC[A-Z]/.test(f))
    .map((f) => f.slice(0, -4));
  return modules.map((spec) => {
    const configs = files
      .filter((f) => f.endsWith('.cfg'))
      .map((f) => f.slice(0, -4))
      .filter((c) => c === spec || (c.startsWith(`${spec}_`) && !modules.includes(c)))
      .sort((a, b) => (a === spec ? -1 : b === spec ? 1 : a < b ? -1 : a > b ? 1 : 0));
    return { spec, tlaPath: join(dir, `${spec}.tla`), configs };
  });
}

/** The spec a config belongs to: the longest module name `config` equals or starts with + `_`. */
export function specOfConfig(specs: SpecFiles[], config: string): SpecFiles | undefined {
  return specs
    .filter((s) => s.configs.includes(config))
    .sort((a, b) => b.spec.length - a.spec.length)[0];
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ProjectError(`${path}: cannot read the file`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ProjectError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseManifest(doc: unknown, path = 'manifest.json'): Manifest {
  if (!isObject(doc)) throw new ProjectError(`${path}: must be an object of config -> entry`);
  const out: Manifest = {};
  for (const [config, raw] of Object.entries(doc)) {
    const where = `${path}: ${config}`;
    if (config.startsWith('$') || config.startsWith('_')) continue; // $schema, _comment
    if (!isObject(raw)) throw new ProjectError(`${where}: entry must be an object`);
    if (typeof raw.spec !== 'string') throw new ProjectError(`${where}: "spec" must be a string`);
    let expect: ManifestExpect;
    if (raw.expect === 'ok') expect = 'ok';
    else if (isObject(raw.expect) && typeof raw.expect.invariant === 'string')
      expect = { invariant: raw.expect.invariant };
    else if (isObject(raw.expect) && raw.expect.deadlock === true) expect = { deadlock: true };
    else throw new ProjectError(`${where}: "expect" must be "ok" or { "invariant": "<Name>" }`);
    for (const k of ['distinct', 'depth'] as const)
      if (raw[k] !== undefined && (!Number.isSafeInteger(raw[k]) || (raw[k] as number) < 0))
        throw new ProjectError(`${where}: "${k}" must be a non-negative integer`);
    if (raw.ci !== undefined && typeof raw.ci !== 'boolean')
      throw new ProjectError(`${where}: "ci" must be a boolean`);
    const entry: ManifestEntry = { spec: raw.spec, expect, ci: raw.ci !== false };
    if (raw.distinct !== undefined) entry.distinct = raw.distinct as number;
    if (raw.depth !== undefined) entry.depth = raw.depth as number;
    out[config] = entry;
  }
  return out;
}

export function readManifest(root: string): Manifest {
  const path = join(specsDir(root), 'manifest.json');
  if (!existsSync(path))
    throw new ProjectError(`${path}: missing (it records what each config must give)`);
  return parseManifest(readJson(path), path);
}

const isConstantValue = (v: unknown): v is ConstantValue =>
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isSafeInteger(v)) ||
  (Array.isArray(v) && v.every(isConstantValue));

export function parseProfiles(doc: unknown, path = 'profiles.json'): Profiles {
  if (!isObject(doc)) throw new ProjectError(`${path}: must be an object of profile -> entry`);
  const out: Profiles = {};
  for (const [name, raw] of Object.entries(doc)) {
    if (name.startsWith('$') || name.startsWith('_')) continue;
    const where = `${path}: ${name}`;
    if (!isObject(raw)) throw new ProjectError(`${where}: entry must be an object`);
    if (raw.kernel !== null && typeof raw.kernel !== 'string')
      throw new ProjectError(`${where}: "kernel" must be a string or null`);
    if (!isObject(raw.constants))
      throw new ProjectError(`${where}: "constants" must be an object of spec -> constants`);
    const constants: Profile['constants'] = {};
    for (const [spec, values] of Object.entries(raw.constants)) {
      if (!isObject(values))
        throw new ProjectError(`${where}.constants.${spec}: must be an object`);
      for (const [k, v] of Object.entries(values))
        if (!isConstantValue(v))
          throw new ProjectError(
            `${where}.constants.${spec}.${k}: must be a string, integer, boolean or a list of them`,
          );
      constants[spec] = values as Record<string, ConstantValue>;
    }
    out[name] = {
      kernel: raw.kernel ?? null,
      description: typeof raw.description === 'string' ? raw.description : '',
      constants,
    };
  }
  return out;
}

export function readProfiles(root: string): Profiles {
  const path = join(specsDir(root), 'profiles.json');
  if (!existsSync(path))
    throw new ProjectError(`${path}: missing (it names the constants of each kernel profile)`);
  return parseProfiles(readJson(path), path);
}

/** The constants `profile` sets for `spec`, or undefined when the profile does not constrain it. */
export function profileConstants(
  profiles: Profiles,
  profile: string,
  spec: string,
): Record<string, ConstantValue> | undefined {
  const p = profiles[profile];
  if (!p)
    throw new ProjectError(
      `unknown profile ${profile}; known: ${Object.keys(profiles).join(', ')}`,
    );
  return p.constants[spec];
}

/**
 * The check input for one config, with `overrides` (e.g. a profile's constants) applied over the
 * cfg's own assignments. An override naming a constant the module does not declare is an error.
 */
export function loadConfig(
  root: string,
  config: string,
  overrides: Record<string, ConstantValue> = {},
): CheckInput {
  const specs = listSpecs(root);
  const owner = specOfConfig(specs, config);
  if (!owner) {
    const known = specs.flatMap((s) => s.configs).join(', ');
    throw new ProjectError(
      `unknown config ${config}; configs in ${specsDir(root)}: ${known || 'none'}`,
    );
  }
  const cfgPath = join(specsDir(root), `${config}.cfg`);
  const specText = readFileSync(owner.tlaPath, 'utf8');
  let cfgText = readFileSync(cfgPath, 'utf8');
  if (Object.keys(overrides).length > 0) {
    const declared = readTlaModule(specText).constants;
    try {
      cfgText = applyConstantOverrides(cfgText, overrides, declared);
    } catch (error) {
      throw new ProjectError(`${config}: ${(error as Error).message}`);
    }
  }
  return { spec: owner.spec, config, specPath: owner.tlaPath, cfgPath, specText, cfgText };
}
