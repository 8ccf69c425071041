// Designs: a bug config of a spec (e.g. PinUnpin_kvec_offset0) describes a kernel that no
// profile is, so its scenarios would otherwise only be replayed under the profiles' (fixed)
// constants and the reference's opt-in faults (packages/reference/src/faults.ts) would never be
// driven by a generated suite (docs/FIDELITY.md finding 11). A design is a reference profile
// plus the faults that re-create the bug, named `<profile>+<fault>[+<fault>...]`
// (e.g. `linux-6.12+kvec_offset0`). The generator adds it to a config's suite as one more
// "profile" whose expectations are the model's under the config's own constants; the reference
// target runs it on `createKernel(profile, { faults })`. Kernel targets do not list designs, so
// they never run them (a shipped kernel cannot be given a historical bug).

import {
  type CreateKernelOptions,
  createKernel,
  type FaultName,
  getProfile,
  isProfileName,
  type Kernel,
  type ProfileName,
  parseFaults,
} from '@pinlab/reference';
import type { Constants, ConstantValue } from '../model/engine.ts';
import type { ProfileEntry } from '../profiles.ts';
import { AdapterError } from './adapter.ts';

/** A spec constant whose value in a bug config is re-created by a reference fault. */
export interface FaultKnob {
  readonly constant: string;
  /** The constant's value that selects the bug. */
  readonly value: ConstantValue;
  readonly fault: FaultName;
}

export interface Design {
  readonly profile: ProfileName;
  readonly faults: readonly FaultName[];
}

/** `linux-6.12+kvec_offset0`: the profile name a design runs under. */
export function designName(d: Design): string {
  return [d.profile, ...d.faults].join('+');
}

/** Parses a profile name or a design name; an unknown profile or fault is an error naming it. */
export function parseDesign(name: string): Design {
  const [profile, ...faults] = name.split('+');
  if (profile === undefined || !isProfileName(profile)) {
    getProfile(profile ?? ''); // throws, listing the known profiles
    throw new AdapterError(`unknown kernel profile in "${name}"`);
  }
  return { profile, faults: parseFaults(faults) };
}

/** Designs parsed once per name: every replayed run asks for its kernel by name. */
const parsedDesigns = new Map<string, Design>();

/** A fresh reference kernel for a profile or design name. */
export function kernelFor(name: string, opts: Omit<CreateKernelOptions, 'faults'> = {}): Kernel {
  let d = parsedDesigns.get(name);
  if (d === undefined) {
    d = parseDesign(name);
    parsedDesigns.set(name, d);
  }
  // Object.assign, not { ...opts, faults }: V8 (Node 20) adds a property after a spread on a
  // slow path of microseconds, once per run here.
  return createKernel(d.profile, Object.assign({ faults: d.faults }, opts));
}

/**
 * Profiles a design may be based on, in order of preference: the newest shipped kernel first
 * (a bug re-created on top of the fixed design), the RFC last.
 */
const BASE_ORDER: readonly ProfileName[] = ['linux-6.12', 'linux-6.1', 'bvecq-rfc'];

/**
 * The design that realises a config's constants, or undefined when a profile already does (no
 * fault needed) or when no profile plus faults does. A profile P fits when every constant P sets
 * has the config's value, except knobs whose config value selects a bug: those become faults.
 */
export function designFor(
  spec: string,
  config: Constants,
  profiles: readonly ProfileEntry[],
  knobs: readonly FaultKnob[],
): Design | undefined {
  for (const name of BASE_ORDER) {
    const own = profiles.find((p) => p.name === name)?.constants[spec];
    if (own === undefined) continue;
    const faults: FaultName[] = [];
    let fits = true;
    for (const [k, v] of Object.entries(own)) {
      const want = config[k];
      if (want === v) continue;
      const knob = knobs.find((n) => n.constant === k && n.value === want);
      if (knob === undefined) {
        fits = false;
        break;
      }
      faults.push(knob.fault);
    }
    if (!fits) continue;
    if (faults.length === 0) return undefined;
    return { profile: name, faults: faults.sort() };
  }
  return undefined;
}

/**
 * The suite "profile" entry of a config's design (its constants are the config's own), or
 * undefined when the config needs none. Used by the generator (pipeline.ts).
 */
export function designProfileEntry(
  spec: string,
  config: Constants,
  profiles: readonly ProfileEntry[],
  knobs: readonly FaultKnob[] | undefined,
): ProfileEntry | undefined {
  if (knobs === undefined) return undefined;
  const d = designFor(spec, config, profiles, knobs);
  if (d === undefined) return undefined;
  const base = profiles.find((p) => p.name === d.profile) as ProfileEntry;
  return {
    ...base,
    name: designName(d),
    description: `${d.profile} with the reference faults ${d.faults.join(', ')} (the design of this config)`,
    constants: { [spec]: config },
  };
}
