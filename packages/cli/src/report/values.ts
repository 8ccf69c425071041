// Converts model values from the engines into plain JSON for the report: ITF (ADR-015:
// #map/#set/#tup/#bigint) and tla-checker's typed JSON (__fn/__model/__tuple) both arrive here.

export function plainValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plainValue);
  const obj = value as Record<string, unknown>;
  if ('#bigint' in obj) return Number(obj['#bigint']);
  if ('#tup' in obj) return (obj['#tup'] as unknown[]).map(plainValue);
  if ('__tuple' in obj) return (obj.__tuple as unknown[]).map(plainValue);
  if ('#set' in obj) return (obj['#set'] as unknown[]).map(plainValue);
  if ('__model' in obj) return String(obj.__model);
  if ('#unserializable' in obj) return String(obj['#unserializable']);
  const pairs = (obj['#map'] ?? obj.__fn) as [unknown, unknown][] | undefined;
  if (pairs) {
    const keys = pairs.map(([k]) => plainValue(k));
    if (keys.every((k) => typeof k === 'string' || typeof k === 'number')) {
      const out: Record<string, unknown> = {};
      pairs.forEach(([, v], i) => {
        out[String(keys[i])] = plainValue(v);
      });
      return out;
    }
    return pairs.map(([k, v]) => [plainValue(k), plainValue(v)]);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === '#meta') continue;
    out[k] = plainValue(v);
  }
  return out;
}
