// Replay: walk a scenario's action sequence through a model (possibly under other constants,
// e.g. a kernel profile's), choosing at each step the successor whose `action` record equals the
// scenario's. The test generator computes each profile's expectations this way; a step whose
// action is not enabled under those constants is reported with the actions that were enabled.
import type { ModelExplorer, ModelState } from './embedded-explore.ts';
import { canonicalItf, type ItfTrace, type ItfValue } from './itf.ts';
import { ACTION_VAR, actionLabel } from './step-table.ts';

export type ReplayResult =
  | {
      ok: true;
      states: ModelState[] /** Steps where several successors matched (first taken). */;
      ambiguousSteps: number[];
    }
  | { ok: false; states: ModelState[]; failedStep: number; action: string; enabled: string[] };

/** The `action` values of a scenario, in order (first is Init). */
export function scenarioActions(trace: ItfTrace): ItfValue[] {
  if (!trace.vars.includes(ACTION_VAR))
    throw new Error(`${trace['#meta'].id}: trace has no ${ACTION_VAR} variable`);
  return trace.states.map((s) => s[ACTION_VAR] as ItfValue);
}

export function replay(explorer: ModelExplorer, actions: ItfValue[]): ReplayResult {
  const states: ModelState[] = [];
  const ambiguousSteps: number[] = [];
  let candidates = [...explorer.initial].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  for (const [step, action] of actions.entries()) {
    const wanted = canonicalItf(action);
    const matching = candidates.filter(
      (s) => canonicalItf(s.values[ACTION_VAR] as ItfValue) === wanted,
    );
    if (matching.length === 0)
      return {
        ok: false,
        states,
        failedStep: step,
        action: actionLabel(action),
        enabled: [
          ...new Set(candidates.map((s) => actionLabel(s.values[ACTION_VAR] as ItfValue))),
        ].sort(),
      };
    if (matching.length > 1) ambiguousSteps.push(step);
    const chosen = matching[0] as ModelState;
    states.push(chosen);
    candidates = explorer.successors(chosen);
  }
  return { ok: true, states, ambiguousSteps };
}
