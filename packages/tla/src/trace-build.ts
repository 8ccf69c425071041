// Building pinlab ITF traces from model states.
import type { ItfMeta, ItfState, ItfTrace, ItfValue } from './itf.ts';

/** Anything carrying a state's variables as ITF values (engine states, graph states). */
export interface HasValues {
  values: Record<string, ItfValue>;
}

export function traceFromStates(vars: string[], states: HasValues[], meta: ItfMeta): ItfTrace {
  return {
    '#meta': meta,
    vars: [...vars],
    states: states.map((s, index) => {
      const out: ItfState = { '#meta': { index } };
      for (const v of vars) out[v] = s.values[v] as ItfState[string];
      return out;
    }),
  };
}
