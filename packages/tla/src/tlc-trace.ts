// TLC's `-dumpTrace json FILE` counterexample -> ITF. The file is TLC's CounterExample record
// serialised by its Json module (tla2sany/StandardModules/_JsonTrace.tla): `state` is a list of
// [number, {var: value}] pairs, `action` a list of [fromState, actionRecord, toState] triples.
// Its values lose type information (sets and sequences are both arrays, records and functions
// both objects, model values strings), so pinlab recovers typed values by walking the same model
// with the embedded engine and picking, at each step, the successor that matches TLC's state.
// When the embedded engine cannot step the model, arrays are kept as ITF lists (lossy, noted).
import { ModelExplorer, type ModelState } from './embedded-explore.ts';
import type { ItfMeta, ItfRecord, ItfTrace, ItfValue } from './itf.ts';
import { traceFromStates } from './trace-build.ts';

export type TlcJsonState = Record<string, unknown>;

/** The states of a -dumpTrace json document, in trace order. */
export function readTlcJsonTrace(doc: unknown): TlcJsonState[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const ce = isObject(doc) && isObject(doc.counterexample) ? doc.counterexample : doc;
  if (!isObject(ce) || !Array.isArray(ce.state)) throw new Error('TLC trace JSON: no "state" list');
  const states = ce.state.map((entry, i) => {
    if (
      !Array.isArray(entry) ||
      entry.length < 2 ||
      typeof entry[0] !== 'number' ||
      !isObject(entry[1])
    )
      throw new Error(`TLC trace JSON: state[${i}] is not a [number, {variables}] pair`);
    return [entry[0], entry[1]] as const;
  });
  return states.sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

/** Does a TLC JSON value denote the same TLA+ value as an ITF value? (see header: lossy JSON) */
export function tlcJsonMatches(tlc: unknown, itf: ItfValue): boolean {
  if (typeof itf !== 'object') return tlc === itf;
  if (Array.isArray(itf))
    return (
      Array.isArray(tlc) &&
      tlc.length === itf.length &&
      itf.every((v, i) => tlcJsonMatches(tlc[i], v))
    );
  if ('#bigint' in itf) return String(tlc) === itf['#bigint'];
  if ('#tup' in itf) return tlcJsonMatches(tlc, itf['#tup'] as ItfValue[]);
  if ('#set' in itf) {
    const members = itf['#set'] as ItfValue[];
    if (!Array.isArray(tlc) || tlc.length !== members.length) return false;
    const used = new Array<boolean>(tlc.length).fill(false);
    return members.every((m) => {
      const j = tlc.findIndex((t, k) => !used[k] && tlcJsonMatches(t, m));
      if (j === -1) return false;
      used[j] = true;
      return true;
    });
  }
  if ('#map' in itf) {
    const pairs = itf['#map'] as [ItfValue, ItfValue][];
    if (typeof tlc !== 'object' || tlc === null || Array.isArray(tlc)) return false;
    const o = tlc as Record<string, unknown>;
    if (Object.keys(o).length !== pairs.length) return false;
    return pairs.every(([k, v]) => {
      const key = typeof k === 'string' ? k : typeof k === 'object' ? JSON.stringify(k) : String(k);
      return key in o && tlcJsonMatches(o[key], v);
    });
  }
  if ('#unserializable' in itf) return String(tlc) === itf['#unserializable'];
  const rec = itf as ItfRecord;
  if (typeof tlc !== 'object' || tlc === null || Array.isArray(tlc)) return false;
  const o = tlc as Record<string, unknown>;
  const keys = Object.keys(rec);
  return (
    keys.length === Object.keys(o).length &&
    keys.every((k) => k in o && tlcJsonMatches(o[k], rec[k] as ItfValue))
  );
}

/** Plain conversion without the model: arrays -> lists, objects -> records (loses set-ness). */
export function tlcJsonToItfLossy(v: unknown, where = 'value'): ItfValue {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (Array.isArray(v)) return v.map((x, i) => tlcJsonToItfLossy(x, `${where}[${i}]`));
  if (typeof v === 'object' && v !== null) {
    const out: ItfRecord = {};
    for (const k of Object.keys(v).sort())
      out[k] = tlcJsonToItfLossy((v as Record<string, unknown>)[k], `${where}.${k}`);
    return out;
  }
  throw new Error(`${where}: TLC JSON value ${JSON.stringify(v)} has no ITF form`);
}

/**
 * ITF trace for TLC's states: typed through the embedded engine when it can step the model,
 * lossy otherwise (`typed: false`).
 */
export function tlcTraceToItf(
  states: TlcJsonState[],
  model: { specText: string; cfgText: string } | null,
  meta: ItfMeta,
): { trace: ItfTrace; typed: boolean; note: string } {
  if (states.length === 0) throw new Error('TLC trace JSON has no states');
  if (model) {
    try {
      const explorer = new ModelExplorer(model.specText, model.cfgText);
      const matches = (s: ModelState, t: TlcJsonState) =>
        explorer.vars.every((v) => tlcJsonMatches(t[v], s.values[v] as ItfValue));
      const out: ModelState[] = [];
      let candidates = explorer.initial;
      for (const [i, t] of states.entries()) {
        const found = candidates.find((s) => matches(s, t));
        if (!found)
          throw new Error(`TLC state ${i + 1} matches no successor in the embedded model`);
        out.push(found);
        candidates = explorer.successors(found);
      }
      return {
        trace: traceFromStates(explorer.vars, out, meta),
        typed: true,
        note: 'typed via the embedded engine',
      };
    } catch (error) {
      const trace = lossyTrace(states, meta);
      return {
        trace,
        typed: false,
        note: `values kept as TLC wrote them (${(error as Error).message})`,
      };
    }
  }
  return { trace: lossyTrace(states, meta), typed: false, note: 'values kept as TLC wrote them' };
}

function lossyTrace(states: TlcJsonState[], meta: ItfMeta): ItfTrace {
  const vars = Object.keys(states[0] as TlcJsonState);
  return {
    '#meta': meta,
    vars,
    states: states.map((s, index) => {
      const out: ItfTrace['states'][number] = { '#meta': { index } };
      for (const v of vars) out[v] = tlcJsonToItfLossy(s[v], v);
      return out;
    }),
  };
}
