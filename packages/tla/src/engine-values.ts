// tla-checker's typed JSON values -> ITF values. tla-checker writes sets as JSON arrays, tuples and
// sequences as {"__tuple": [...]}, functions outside 1..n or string domains as {"__fn": [[k, v]]},
// model values as {"__model": "name"}, and records (and functions over strings) as objects.
import { canonicalItf, type ItfRecord, type ItfValue } from './itf.ts';

export type EngineValue = unknown;

/**
 * Convert one engine value. Model values become their name as a string, as TLC's
 * `-dumpTrace json` writes them, so traces from both engines compare equal. Set members are
 * sorted by canonical text so the output does not depend on the engine's internal order.
 */
export function engineValueToItf(value: EngineValue, where = 'value'): ItfValue {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new Error(`${where}: engine value ${value} is not an integer`);
    return value;
  }
  if (Array.isArray(value)) {
    const members = value.map((v, i) => engineValueToItf(v, `${where}[${i}]`));
    return { '#set': sortCanonical(members) };
  }
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '__tuple' && Array.isArray(o.__tuple))
      return o.__tuple.map((v, i) => engineValueToItf(v, `${where}[${i}]`));
    if (keys.length === 1 && keys[0] === '__model' && typeof o.__model === 'string')
      return o.__model;
    if (keys.length === 1 && keys[0] === '__fn' && Array.isArray(o.__fn)) {
      const pairs = o.__fn.map((pair, i) => {
        if (!Array.isArray(pair) || pair.length !== 2)
          throw new Error(`${where}: malformed __fn entry ${i}`);
        return [
          engineValueToItf(pair[0], `${where}.key`),
          engineValueToItf(pair[1], `${where}.value`),
        ] as [ItfValue, ItfValue];
      });
      pairs.sort((a, b) => compare(canonicalItf(a[0]), canonicalItf(b[0])));
      return { '#map': pairs };
    }
    const record: ItfRecord = {};
    for (const k of keys.sort()) record[k] = engineValueToItf(o[k], `${where}.${k}`);
    return record;
  }
  throw new Error(`${where}: unsupported engine value ${JSON.stringify(value)}`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortCanonical(values: ItfValue[]): ItfValue[] {
  return values
    .map((v) => [canonicalItf(v), v] as const)
    .sort((a, b) => compare(a[0], b[0]))
    .map(([, v]) => v);
}
