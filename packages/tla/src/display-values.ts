// tla-checker's printed values (explore `display`, DOT labels, text traces) -> ITF values, giving
// exactly what engine-values.ts gives for the same value's typed JSON: sequences/tuples as lists,
// sets as sorted #set, records (and functions over strings) as records, other functions as
// sorted #map, model values as their name. Printed forms: <<a, b>>, {a, b}, [f |-> v],
// (k :> v @@ k2 :> v2), "string", true/false, -3, ModelValue. TLC's printer (TRUE/FALSE,
// ("a" :> 1) for functions over strings) is read into the same values.
import { sortCanonical } from './engine-values.ts';
import { canonicalItf, type ItfRecord, type ItfValue } from './itf.ts';

export class DisplayParseError extends Error {
  constructor(message: string, text: string, at: number) {
    super(`${message} at offset ${at} of "${text.length > 80 ? `${text.slice(0, 77)}...` : text}"`);
    this.name = 'DisplayParseError';
  }
}

export function parseDisplayValue(text: string): ItfValue {
  let i = 0;
  const fail = (m: string): never => {
    throw new DisplayParseError(m, text, i);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const eat = (s: string) => {
    ws();
    if (!text.startsWith(s, i)) fail(`expected "${s}"`);
    i += s.length;
  };
  const peek = (s: string) => {
    ws();
    return text.startsWith(s, i);
  };
  const list = (close: string, item: () => void) => {
    if (peek(close)) {
      i += close.length;
      return;
    }
    for (;;) {
      item();
      if (peek(',')) {
        i++;
        continue;
      }
      eat(close);
      return;
    }
  };
  const value = (): ItfValue => {
    ws();
    if (peek('<<')) {
      i += 2;
      const out: ItfValue[] = [];
      list('>>', () => out.push(value()));
      return out;
    }
    if (peek('{')) {
      i += 1;
      const out: ItfValue[] = [];
      list('}', () => out.push(value()));
      return { '#set': sortCanonical(out) };
    }
    if (peek('[')) {
      i += 1;
      const fields: [string, ItfValue][] = [];
      list(']', () => {
        ws();
        const m = /^[A-Za-z_][\w]*/.exec(text.slice(i));
        if (!m) fail('expected a field name');
        i += (m as RegExpExecArray)[0].length;
        eat('|->');
        fields.push([(m as RegExpExecArray)[0], value()]);
      });
      const rec: ItfRecord = {};
      for (const [k, v] of fields.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
        rec[k] = v;
      return rec;
    }
    if (peek('(')) {
      i += 1;
      const pairs: [ItfValue, ItfValue][] = [];
      let quotedKeys = true;
      for (;;) {
        ws();
        if (text[i] !== '"') quotedKeys = false;
        const k = value();
        eat(':>');
        pairs.push([k, value()]);
        if (peek('@@')) {
          i += 2;
          continue;
        }
        eat(')');
        break;
      }
      // tla-checker prints functions over strings as records, so its `(k :> v)` is a #map
      // (model-value keys included, as engine-values.ts converts __fn). TLC prints a function
      // over strings as ("a" :> 1 @@ ...): that is a record, as in tla-checker's JSON.
      if (quotedKeys) {
        const rec: ItfRecord = {};
        for (const [k, v] of pairs.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)))
          rec[k as string] = v;
        return rec;
      }
      pairs.sort((a, b) => {
        const x = canonicalItf(a[0]);
        const y = canonicalItf(b[0]);
        return x < y ? -1 : x > y ? 1 : 0;
      });
      return { '#map': pairs };
    }
    if (peek('"')) {
      const start = i;
      i += 1;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) fail('unterminated string');
      i += 1;
      try {
        return JSON.parse(text.slice(start, i)) as string;
      } catch {
        return fail('unreadable string');
      }
    }
    const num = /^-?\d+/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      const n = Number(num[0]);
      return Number.isSafeInteger(n) ? n : { '#bigint': num[0] };
    }
    const id = /^[A-Za-z_][\w]*/.exec(text.slice(i));
    if (id) {
      i += id[0].length;
      if (id[0] === 'true' || id[0] === 'TRUE') return true;
      if (id[0] === 'false' || id[0] === 'FALSE') return false;
      return id[0]; // a model value
    }
    return fail('unexpected character');
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return v;
}
