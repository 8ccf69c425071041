// Kernel profiles as data (specs/profiles.json, docs/CONTRACTS.md): for each profile, the spec
// constants that select the design a kernel conforms to. A spec a profile does not constrain is
// absent, and that spec's scenarios are not applicable to the profile.

import { readFileSync } from 'node:fs';
import type { Constants, ConstantValue } from './model/engine.ts';

export interface ProfileEntry {
  readonly name: string;
  readonly kernel: string | null;
  readonly description: string;
  readonly constants: Readonly<Record<string, Constants>>;
}

export class ProfileError extends Error {
  override name = 'ProfileError';
}

function isConstantValue(v: unknown): v is ConstantValue {
  return (
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isInteger(v))
  );
}

/** Validates parsed profiles.json; `source` names the file in error messages. */
export function parseProfiles(data: unknown, source = 'profiles.json'): ProfileEntry[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ProfileError(`${source}: expected an object of profiles`);
  }
  const out: ProfileEntry[] = [];
  for (const [name, raw] of Object.entries(data as Record<string, unknown>)) {
    if (raw === null || typeof raw !== 'object')
      throw new ProfileError(`${source}: profile ${name} is not an object`);
    const p = raw as Record<string, unknown>;
    const kernel = p.kernel ?? null;
    if (kernel !== null && typeof kernel !== 'string') {
      throw new ProfileError(`${source}: profile ${name}: "kernel" must be a string or null`);
    }
    const constants = p.constants;
    if (constants === null || typeof constants !== 'object' || Array.isArray(constants)) {
      throw new ProfileError(`${source}: profile ${name}: "constants" must be an object of specs`);
    }
    const perSpec: Record<string, Constants> = {};
    for (const [spec, cs] of Object.entries(constants as Record<string, unknown>)) {
      if (cs === null || typeof cs !== 'object' || Array.isArray(cs)) {
        throw new ProfileError(
          `${source}: profile ${name}: constants of ${spec} must be an object`,
        );
      }
      for (const [c, v] of Object.entries(cs as Record<string, unknown>)) {
        if (!isConstantValue(v)) {
          throw new ProfileError(
            `${source}: profile ${name}: ${spec}.${c} must be a string, integer or boolean, got ${JSON.stringify(v)}`,
          );
        }
      }
      perSpec[spec] = cs as Constants;
    }
    out.push({
      name,
      kernel,
      description: typeof p.description === 'string' ? p.description : '',
      constants: perSpec,
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function loadProfiles(path: string): ProfileEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ProfileError(`cannot read profiles ${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ProfileError(`${path}: not JSON: ${(e as Error).message}`);
  }
  return parseProfiles(data, path);
}
