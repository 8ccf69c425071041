// What testgen needs to know about one spec: how its model states look to a target
// (observeModel), which actions the reference can realise (supports), and how to drive the
// reference implementation through them (createDriver). One file per spec in this folder.

import type { Folio, Violation } from '@pinlab/reference';
import type { ModelObserver } from '../expect.ts';
import type { Scenario, ScenarioAction, StepObservation } from '../target.ts';
import type { FaultKnob } from './design.ts';

/** Drives one fresh reference kernel through a scenario. */
export interface ReferenceDriver {
  /** Performs one step (never called with `Init`: creating the driver is the Init step). */
  apply(action: ScenarioAction): void;
  /** The observation after the last step (after creation for step 0), same keys as the model's. */
  observe(): StepObservation;
  /**
   * Optional: the reference's own invariant checkers (packages/reference/src/invariants) on the
   * driver's state now. The reference target fails a step that shows a violation the model's
   * observations do not predict (`SpecAdapter.predictedViolations`).
   */
  violations?(): readonly Violation[];
}

export interface SpecAdapter {
  /** TLA+ module name. */
  readonly spec: string;
  /** Model state -> observation; `prev` is undefined for the initial state (deltas are 0). */
  readonly observeModel: ModelObserver;
  /** Whether the reference driver can realise this action. */
  supports(action: ScenarioAction): boolean;
  /**
   * Optional: why the reference cannot realise this scenario as a whole (e.g. a constant such
   * as BvecqCursors' Op selects a path it does not have), or undefined when it can.
   */
  scenarioSupport?(scenario: Scenario): string | undefined;
  /**
   * Optional: the spec constants whose bug values a reference fault re-creates. A config setting
   * them gets a design (a profile plus faults, adapters/design.ts) in its suite, so the
   * generated tests drive the fault and expect the model's observations under the config's own
   * constants.
   */
  readonly faultKnobs?: readonly FaultKnob[];
  /**
   * Optional, with `ReferenceDriver.violations`: the reference invariants that the observations
   * before and after a step say are broken by that step (e.g. a bio still listing a freed
   * page: no_dma_into_freed_page). Read from observations, which the target compares with the
   * model's step by step, so an allowed violation is one the model predicts. The checks that
   * the model-invariant table (model-invariants.ts) maps to an invariant the model breaks at
   * the step are predicted already: list only what no invariant of the spec names.
   */
  predictedViolations?(prev: StepObservation | undefined, now: StepObservation): readonly string[];
  /**
   * A driver over a new reference kernel under `profile` (a name in specs/profiles.json, or a
   * design `<profile>+<fault>...`: build the kernel with `kernelFor`), set up as the model's
   * Init state for `scenario` (whose `constants` size it, when given).
   */
  createDriver(profile: string, scenario: Scenario): ReferenceDriver;
}

export class AdapterError extends Error {
  override name = 'AdapterError';
}

/** Reads a parameter of an action, failing with a message that names action and parameter. */
export function param<T extends 'string' | 'number' | 'boolean'>(
  action: ScenarioAction,
  key: string,
  type: T,
): T extends 'string' ? string : T extends 'number' ? number : boolean {
  const v = action[key];
  if (typeof v !== type) {
    throw new AdapterError(
      `action ${action.name}: parameter ${key} must be a ${type}, got ${JSON.stringify(v)}`,
    );
  }
  return v as never;
}

/**
 * Reads a boolean spec constant of a scenario (absent: `fallback`, for the configs written
 * before it), failing with a message that names spec and constant.
 */
export function booleanConstant(
  spec: string,
  scenario: Scenario,
  name: string,
  fallback = false,
): boolean {
  const v = scenario.constants?.[name] ?? fallback;
  if (typeof v !== 'boolean')
    throw new AdapterError(`${spec}: ${name} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

/** Pages of one repeated byte, per value asked for: what a filled range must compare equal to. */
const filledPages = new Map<number, Buffer>();

/**
 * Whether every byte of `bytes` in [start, end) (default: all) is `value`. Observations read
 * page contents at every step, so a range of more than a few bytes is one native compare
 * (Buffer#compare, a memcmp, which takes the Uint8Array and the range as they are: no view to
 * allocate) with a buffer of that byte; a short one is a plain loop, cheaper than the call.
 */
export function filledWith(
  bytes: Uint8Array,
  value: number,
  start = 0,
  end: number = bytes.length,
): boolean {
  const n = end - start;
  if (n <= 16) {
    for (let i = start; i < end; i++) if (bytes[i] !== value) return false;
    return true;
  }
  // Most ranges asked about are not filled and differ at an end (a tag region of a page that
  // holds something else): two reads answer those without the native call (~200 ns with
  // Buffer#compare's argument checks); the compare decides the rest.
  if (bytes[start] !== value || bytes[end - 1] !== value) return false;
  let pattern = filledPages.get(value);
  if (pattern === undefined || pattern.length < n) {
    pattern = Buffer.alloc(Math.max(n, 4096), value);
    filledPages.set(value, pattern);
  }
  return pattern.compare(bytes, start, end, 0, n) === 0;
}

/** Size of the slabs freshBytes carves its buffers from. */
const BYTES_SLAB = 256 * 1024;
let bytesSlab = new ArrayBuffer(BYTES_SLAB);
let bytesSlabUsed = 0;

/**
 * `n` zeroed bytes of their own, as `new Uint8Array(n)` gives, but carved from a 256 KiB slab
 * (a view: its `buffer` is the slab, at its `byteOffset`). Every `new Uint8Array(n)` of more
 * than 64 bytes allocates a backing store that the garbage collector tracks and frees one by
 * one, about three times the cost of a view (and the largest share of the replay's GC time
 * when observers and drivers allocate per step); slab space is never handed out twice, so the
 * bytes are zero and nobody else's. A slab lives as long as any view of it.
 */
export function freshBytes(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > BYTES_SLAB / 4) return new Uint8Array(n);
  if (bytesSlabUsed + n > BYTES_SLAB) {
    bytesSlab = new ArrayBuffer(BYTES_SLAB);
    bytesSlabUsed = 0;
  }
  const out = new Uint8Array(bytesSlab, bytesSlabUsed, n);
  bytesSlabUsed += (n + 7) & ~7;
  return out;
}

/** Read-only buffers of one repeated byte, per (length, value): see filledBytes. */
const filledBuffers = new Map<number, Uint8Array>();

/**
 * `n` bytes of `value`, shared: for a source the callee copies (block_device.write, a
 * subrequest's data), so that setting up a run's medium allocates no buffer. Never written to:
 * the same buffer is handed to every caller asking for that length and value.
 */
export function filledBytes(n: number, value: number): Uint8Array {
  const byte = value & 0xff;
  const key = n * 256 + byte;
  let b = filledBuffers.get(key);
  if (b === undefined) {
    b = new Uint8Array(n).fill(byte);
    filledBuffers.set(key, b);
  }
  return b;
}

/** Whether some byte of `bytes` in [start, end) is `value` (a native search past 16 bytes). */
export function holdsByte(bytes: Uint8Array, value: number, start: number, end: number): boolean {
  if (end - start <= 16) {
    for (let i = start; i < end; i++) if (bytes[i] === value) return true;
    return false;
  }
  // Buffer#indexOf is a memchr; TypedArray#includes on a subarray walked the elements about
  // four times slower (ForkRace's hottest line). Called on `bytes` itself (the native search
  // takes any Uint8Array) it searches from start to the end of `bytes`, so a hit counts only
  // below end; when that tail is longer than a page, a Buffer view bounded to the range
  // searches less (making the view costs more than a memchr over a page: ForkRace's tag
  // regions at the start of a 3 KiB read were its hottest line with a 2 KiB bound).
  if (bytes.length - end <= 4096) {
    const at = bufferIndexOf.call(bytes, value, start);
    return at !== -1 && at < end;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).indexOf(value) !== -1;
}

/** Buffer#indexOf, applied to plain Uint8Arrays (holdsByte). */
const bufferIndexOf = Buffer.prototype.indexOf as (
  this: Uint8Array,
  value: number,
  byteOffset: number,
) => number;

/** Scratch buffer for folio reads: observations read one range at a time, synchronously. */
let scratch = new Uint8Array(4096);

/**
 * The `len` bytes of a folio from `offset`, read as Folio.peek reads them (zeroes when never
 * written, no use-after-free accounting), into a scratch buffer that the next call reuses.
 */
export function folioBytes(folio: Folio, offset: number, len: number): Uint8Array {
  if (scratch.length < len) scratch = new Uint8Array(len);
  const out = scratch.subarray(0, len);
  folio.readInto(out, 0, offset, len);
  return out;
}

/**
 * The first index below `got.length` where `got` and `want` differ (a missing `want` byte
 * differs), or -1: a native compare decides the common case (equal), the loop only finds where.
 */
export function firstMismatch(got: Uint8Array, want: Uint8Array): number {
  const n = got.length;
  if (
    n <= want.length &&
    Buffer.from(got.buffer, got.byteOffset, n).compare(want, 0, n, 0, n) === 0
  )
    return -1;
  for (let b = 0; b < n; b++) if (got[b] !== want[b]) return b;
  return -1;
}

/**
 * `n` bytes of the pattern `(start + b * step) & 0xff || 1` (never 0). The pattern repeats every
 * 256 bytes, so the first 256 are computed and the rest copied natively (copyWithin).
 */
export function patternBytes(n: number, start: number, step: number): Uint8Array {
  const out = freshBytes(n);
  const first = Math.min(n, 256);
  for (let b = 0; b < first; b++) out[b] = (start + b * step) & 0xff || 1;
  for (let filled = first; filled < n; filled *= 2)
    out.copyWithin(filled, 0, Math.min(filled, n - filled));
  return out;
}

/**
 * "U0=1,U1=1": the nonzero per-frame counts (pins, refs) in the spec's frame order, as the
 * PinUnpin and NetfsExtract observations list them on both the model and the reference side.
 */
export function nonzeroCounts<F extends string>(
  frames: readonly F[],
  count: (f: F, i: number) => number,
): string {
  // Built as one string (observations list these at every step): the same text as joining
  // the `f=n` parts with commas, without the list.
  let out = '';
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i] as F;
    const n = count(f, i);
    if (n !== 0) out = out === '' ? `${f}=${n}` : `${out},${f}=${n}`;
  }
  return out;
}
