// ITF traces (Apalache ADR-015, "Informal Trace Format"): the one scenario format every part of
// pinlab exchanges. Reading validates the whole document and names the first problem found;
// writing is deterministic (fixed key order, fixed indentation) so a regenerated scenario is
// byte-identical.

/** An ITF value: JSON scalars, `#bigint`, lists (sequences), `#tup`, `#set`, `#map`, records. */
export type ItfValue =
  | string
  | number
  | boolean
  | ItfValue[]
  | { '#bigint': string }
  | { '#tup': ItfValue[] }
  | { '#set': ItfValue[] }
  | { '#map': [ItfValue, ItfValue][] }
  | { '#unserializable': string }
  | ItfRecord;
export interface ItfRecord {
  [field: string]: ItfValue;
}

/** `#meta` of a pinlab trace (docs/CONTRACTS.md). Extra keys are kept. */
export interface ItfMeta {
  format: 'ITF';
  source: string;
  config: string;
  engine: 'embedded' | 'tlc';
  strategy: string;
  seed?: number;
  id: string;
  [key: string]: unknown;
}

export interface ItfState {
  '#meta': { index: number; [key: string]: unknown };
  [variable: string]: ItfValue | { index: number; [key: string]: unknown };
}

export interface ItfTrace {
  '#meta': ItfMeta;
  params?: string[];
  vars: string[];
  states: ItfState[];
  loop?: number;
}

/** A malformed trace: `where` is a JSON path like `states[3].count`. */
export class ItfError extends Error {
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(`${where}: ${message}`);
    this.name = 'ItfError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throws ItfError unless `v` is a well-formed ITF value. */
export function validateItfValue(v: unknown, where: string): asserts v is ItfValue {
  if (typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v))
      throw new ItfError(`number ${v} is not a safe integer (use #bigint)`, where);
    return;
  }
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) validateItfValue(x, `${where}[${i}]`);
    return;
  }
  if (!isObject(v))
    throw new ItfError(`${v === null ? 'null' : typeof v} is not an ITF value`, where);
  const keys = Object.keys(v);
  const special = keys.filter((k) => k.startsWith('#'));
  if (special.length === 0) {
    for (const k of keys) validateItfValue(v[k], `${where}.${k}`);
    return;
  }
  if (keys.length !== 1)
    throw new ItfError(`a ${special[0]} object must have no other keys`, where);
  const tag = special[0] as string;
  const body = v[tag];
  switch (tag) {
    case '#bigint':
      if (typeof body !== 'string' || !/^-?\d+$/.test(body))
        throw new ItfError('#bigint must be a decimal string', where);
      return;
    case '#tup':
    case '#set':
      if (!Array.isArray(body)) throw new ItfError(`${tag} must hold a list`, where);
      for (const [i, x] of body.entries()) validateItfValue(x, `${where}.${tag}[${i}]`);
      return;
    case '#map':
      if (!Array.isArray(body))
        throw new ItfError('#map must hold a list of [key, value] pairs', where);
      body.forEach((pair, i) => {
        if (!Array.isArray(pair) || pair.length !== 2)
          throw new ItfError('#map entry must be a [key, value] pair', `${where}.#map[${i}]`);
        validateItfValue(pair[0], `${where}.#map[${i}][0]`);
        validateItfValue(pair[1], `${where}.#map[${i}][1]`);
      });
      return;
    case '#unserializable':
      if (typeof body !== 'string') throw new ItfError('#unserializable must hold a string', where);
      return;
    default:
      throw new ItfError(`unknown ITF tag ${tag}`, where);
  }
}

/** Validate a parsed JSON document as a pinlab ITF trace; returns it typed. */
export function validateItfTrace(doc: unknown, name = 'trace'): ItfTrace {
  if (!isObject(doc)) throw new ItfError('an ITF trace must be a JSON object', name);
  const meta = doc['#meta'];
  if (!isObject(meta)) throw new ItfError('missing #meta object', name);
  if (meta.format !== 'ITF') throw new ItfError('#meta.format must be "ITF"', name);
  for (const key of ['source', 'config', 'strategy', 'id'] as const)
    if (typeof meta[key] !== 'string') throw new ItfError(`#meta.${key} must be a string`, name);
  if (meta.engine !== 'embedded' && meta.engine !== 'tlc')
    throw new ItfError('#meta.engine must be "embedded" or "tlc"', name);
  if (meta.seed !== undefined && !Number.isSafeInteger(meta.seed))
    throw new ItfError('#meta.seed must be an integer', name);
  const vars = doc.vars;
  if (!Array.isArray(vars) || !vars.every((v) => typeof v === 'string'))
    throw new ItfError('vars must be a list of variable names', name);
  if (
    doc.params !== undefined &&
    (!Array.isArray(doc.params) || !doc.params.every((p) => typeof p === 'string'))
  )
    throw new ItfError('params must be a list of names', name);
  const states = doc.states;
  if (!Array.isArray(states) || states.length === 0)
    throw new ItfError('states must be a non-empty list', name);
  states.forEach((s, i) => {
    const where = `${name}.states[${i}]`;
    if (!isObject(s)) throw new ItfError('a state must be an object', where);
    const sm = s['#meta'];
    if (!isObject(sm) || sm.index !== i) throw new ItfError(`#meta.index must be ${i}`, where);
    for (const v of vars) {
      if (!(v in s)) throw new ItfError(`variable ${v} is missing`, where);
      validateItfValue(s[v], `${where}.${v}`);
    }
    for (const k of Object.keys(s))
      if (k !== '#meta' && !vars.includes(k))
        throw new ItfError(`variable ${k} is not listed in vars`, where);
  });
  if (
    doc.loop !== undefined &&
    (!Number.isSafeInteger(doc.loop) ||
      (doc.loop as number) < 0 ||
      (doc.loop as number) >= states.length)
  )
    throw new ItfError('loop must index a state', name);
  return doc as unknown as ItfTrace;
}

/** Parse and validate ITF text; errors name the file (`name`) and the offending path. */
export function parseItf(text: string, name = 'trace'): ItfTrace {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ItfError(`not valid JSON (${(error as Error).message})`, name);
  }
  return validateItfTrace(doc, name);
}

/** Deterministic text of a trace: `#meta` first, then params, vars, states, loop; two-space indent. */
export function serializeItf(trace: ItfTrace): string {
  validateItfTrace(trace);
  const ordered: Record<string, unknown> = { '#meta': trace['#meta'] };
  if (trace.params) ordered.params = trace.params;
  ordered.vars = trace.vars;
  ordered.states = trace.states.map((s) => {
    const out: Record<string, unknown> = { '#meta': s['#meta'] };
    for (const v of trace.vars) out[v] = s[v];
    return out;
  });
  if (trace.loop !== undefined) ordered.loop = trace.loop;
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** A trace's value of `variable` in state `i` (throws if absent). */
export function stateValue(trace: ItfTrace, i: number, variable: string): ItfValue {
  const s = trace.states[i];
  if (!s) throw new ItfError(`no state ${i}`, 'trace');
  const v = s[variable];
  if (v === undefined || variable === '#meta')
    throw new ItfError(`no variable ${variable}`, `states[${i}]`);
  return v as ItfValue;
}

/** Canonical text of a value (sets and maps sorted), used as a key and for equality. */
export function canonicalItf(v: ItfValue): string {
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalItf).join(',')}]`;
  if ('#set' in v)
    return `{"#set":[${(v['#set'] as ItfValue[]).map(canonicalItf).sort().join(',')}]}`;
  if ('#map' in v)
    return `{"#map":[${(v['#map'] as [ItfValue, ItfValue][])
      .map(([k, x]) => `[${canonicalItf(k)},${canonicalItf(x)}]`)
      .sort()
      .join(',')}]}`;
  if ('#tup' in v) return `{"#tup":[${(v['#tup'] as ItfValue[]).map(canonicalItf).join(',')}]}`;
  const rec = v as ItfRecord;
  return `{${Object.keys(rec)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalItf(rec[k] as ItfValue)}`)
    .join(',')}}`;
}

/** Short human text of a value, TLA+-like, for step tables and error messages. */
export function showItf(v: ItfValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `<<${v.map(showItf).join(', ')}>>`;
  if ('#bigint' in v) return String(v['#bigint']);
  if ('#tup' in v) return `<<${(v['#tup'] as ItfValue[]).map(showItf).join(', ')}>>`;
  if ('#set' in v) return `{${(v['#set'] as ItfValue[]).map(showItf).join(', ')}}`;
  if ('#map' in v)
    return `(${(v['#map'] as [ItfValue, ItfValue][]).map(([k, x]) => `${showItf(k)} :> ${showItf(x)}`).join(' @@ ') || '<<>>'})`;
  if ('#unserializable' in v) return String(v['#unserializable']);
  const rec = v as ItfRecord;
  return `[${Object.keys(rec)
    .map((k) => `${k} |-> ${showItf(rec[k] as ItfValue)}`)
    .join(', ')}]`;
}
