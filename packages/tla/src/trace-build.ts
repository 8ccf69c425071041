// Building pinlab ITF traces from model states.
import type { ModelState } from './embedded-explore.ts';
import type { ItfMeta, ItfState, ItfTrace } from './itf.ts';

export function traceFromStates(vars: string[], states: ModelState[], meta: ItfMeta): ItfTrace {
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
