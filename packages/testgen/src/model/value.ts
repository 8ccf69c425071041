// Reading model states as the embedded engine (tla-checker's explore_* API) encodes them:
// records are plain objects, functions `{"__fn": [[k, v], ...]}`, tuples/sequences
// `{"__tuple": [...]}`, sets `{"__set": [...]}`, model values `{"__model": "p1"}`.
// Adapters use these helpers to turn a model state into an observation.

export type ModelValue =
  | string
  | number
  | boolean
  | null
  | readonly ModelValue[]
  | { readonly [key: string]: ModelValue };

/** A model state: variable name -> value. */
export type ModelState = Readonly<Record<string, ModelValue>>;

export class ModelValueError extends Error {
  override name = 'ModelValueError';
}

function describe(v: ModelValue | undefined): string {
  return v === undefined ? 'undefined' : JSON.stringify(v).slice(0, 120);
}

export function stateVar(state: ModelState, name: string): ModelValue {
  const v = state[name];
  if (v === undefined) throw new ModelValueError(`model state has no variable ${name}`);
  return v;
}

export function asInt(v: ModelValue | undefined, what = 'value'): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && '#bigint' in v) {
    return Number((v as { '#bigint': string })['#bigint']);
  }
  throw new ModelValueError(`${what}: expected an integer, got ${describe(v)}`);
}

export function asBool(v: ModelValue | undefined, what = 'value'): boolean {
  if (typeof v === 'boolean') return v;
  throw new ModelValueError(`${what}: expected a boolean, got ${describe(v)}`);
}

export function asString(v: ModelValue | undefined, what = 'value'): string {
  if (typeof v === 'string') return v;
  if (isTagged(v, '__model')) return String(v.__model);
  throw new ModelValueError(`${what}: expected a string, got ${describe(v)}`);
}

function isTagged<T extends string>(
  v: ModelValue | undefined,
  tag: T,
): v is { readonly [K in T]: ModelValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && tag in v;
}

/** Elements of a tuple/sequence (also accepts a function over 1..n, as TLA+ sequences are). */
export function asSeq(v: ModelValue | undefined, what = 'value'): ModelValue[] {
  if (Array.isArray(v)) return [...(v as ModelValue[])];
  if (isTagged(v, '__tuple')) return [...(v.__tuple as ModelValue[])];
  if (isTagged(v, '#tup')) return [...(v['#tup'] as ModelValue[])];
  if (isTagged(v, '__fn')) {
    const pairs = fnPairs(v, what);
    return pairs.map((_, i) => {
      const hit = pairs.find(([k]) => k === i + 1);
      if (hit === undefined) throw new ModelValueError(`${what}: function is not a sequence`);
      return hit[1];
    });
  }
  if (isTagged(v, '__set') && (v.__set as ModelValue[]).length === 0) return [];
  throw new ModelValueError(`${what}: expected a sequence, got ${describe(v)}`);
}

export function asSet(v: ModelValue | undefined, what = 'value'): ModelValue[] {
  if (isTagged(v, '__set')) return [...(v.__set as ModelValue[])];
  if (isTagged(v, '#set')) return [...(v['#set'] as ModelValue[])];
  if (Array.isArray(v)) return [...(v as ModelValue[])];
  throw new ModelValueError(`${what}: expected a set, got ${describe(v)}`);
}

function fnPairs(v: ModelValue | undefined, what: string): [ModelValue, ModelValue][] {
  if (isTagged(v, '__fn')) return (v.__fn as [ModelValue, ModelValue][]).map(([k, x]) => [k, x]);
  if (isTagged(v, '#map')) return (v['#map'] as [ModelValue, ModelValue][]).map(([k, x]) => [k, x]);
  throw new ModelValueError(`${what}: expected a function, got ${describe(v)}`);
}

function sameKey(a: ModelValue, b: ModelValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * `f[k]` for a TLA+ function, tuple (1-based) or record. Keys compare structurally, and a
 * string key also matches a model value of that name.
 */
export function apply(f: ModelValue | undefined, key: ModelValue, what = 'value'): ModelValue {
  if (isTagged(f, '__tuple') || Array.isArray(f)) {
    const seq = asSeq(f, what);
    const i = asInt(key, `${what} index`);
    const x = seq[i - 1];
    if (x === undefined) throw new ModelValueError(`${what}[${i}]: index out of range`);
    return x;
  }
  if (isTagged(f, '__fn') || isTagged(f, '#map')) {
    const hit = fnPairs(f, what).find(
      ([k]) =>
        sameKey(k, key) || (typeof key === 'string' && isTagged(k, '__model') && k.__model === key),
    );
    if (hit === undefined)
      throw new ModelValueError(`${what}[${JSON.stringify(key)}]: not in domain`);
    return hit[1];
  }
  if (f !== null && typeof f === 'object' && typeof key === 'string') {
    const x = (f as Record<string, ModelValue>)[key];
    if (x === undefined) throw new ModelValueError(`${what}.${key}: no such field`);
    return x;
  }
  throw new ModelValueError(`${what}: cannot apply ${describe(f)} to ${JSON.stringify(key)}`);
}

/** Domain of a function/record/tuple, as values. */
export function domain(f: ModelValue | undefined, what = 'value'): ModelValue[] {
  if (isTagged(f, '__tuple') || Array.isArray(f)) return asSeq(f, what).map((_, i) => i + 1);
  if (isTagged(f, '__fn') || isTagged(f, '#map')) return fnPairs(f, what).map(([k]) => k);
  if (f !== null && typeof f === 'object') return Object.keys(f);
  throw new ModelValueError(`${what}: expected a function, got ${describe(f)}`);
}

/** Canonical JSON text (object keys sorted): equal values give equal text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
