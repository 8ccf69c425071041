// Scenarios from ITF traces (docs/CONTRACTS.md): a trace's `action` variable names each step,
// so the action sequence is all a target needs, whichever engine produced the trace.

import type { ActionParam, Scenario, ScenarioAction } from './target.ts';

/** The part of an ITF trace (@pinlab/tla's ItfTrace) a scenario is read from. */
export interface ItfTraceLike {
  readonly '#meta': { readonly id: string; readonly source: string; readonly config: string };
  readonly vars: readonly string[];
  readonly states: readonly Readonly<Record<string, unknown>>[];
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

function actionParam(v: unknown, where: string): ActionParam {
  if (
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isInteger(v))
  )
    return v;
  if (v !== null && typeof v === 'object' && '#bigint' in v) {
    const n = Number((v as { '#bigint': string })['#bigint']);
    if (Number.isSafeInteger(n)) return n;
  }
  throw new ScenarioError(
    `${where}: an action parameter must be a string, integer or boolean, got ${JSON.stringify(v)}`,
  );
}

/** Normalises an `action` record (from ITF or the engine) into a ScenarioAction. */
export function toScenarioAction(v: unknown, where: string): ScenarioAction {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ScenarioError(`${where}: the action variable must be a record`);
  }
  const rec = v as Record<string, unknown>;
  if (typeof rec.name !== 'string')
    throw new ScenarioError(`${where}: the action record has no string field name`);
  const out: Record<string, ActionParam> = { name: rec.name };
  for (const k of Object.keys(rec).sort()) {
    if (k !== 'name') out[k] = actionParam(rec[k], `${where}.${k}`);
  }
  return out as ScenarioAction;
}

/** Turns an ITF trace into a scenario; `spec` defaults to the module of `#meta.source`. */
export function scenarioFromItf(trace: ItfTraceLike, spec?: string): Scenario {
  const meta = trace['#meta'];
  const module = spec ?? meta.source.replace(/^.*\//, '').replace(/\.tla$/, '');
  if (!trace.vars.includes('action')) {
    throw new ScenarioError(
      `${meta.id}: trace has no action variable (required by docs/CONTRACTS.md)`,
    );
  }
  const actions = trace.states.map((s, i) =>
    toScenarioAction(s.action, `${meta.id} states[${i}].action`),
  );
  if (actions[0]?.name !== 'Init')
    throw new ScenarioError(`${meta.id}: the first state's action must be Init`);
  return { id: meta.id, spec: module, config: meta.config.replace(/\.cfg$/, ''), actions };
}
