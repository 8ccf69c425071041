// ForkRace (specs/ForkRace.tla) on a real kernel: each action becomes a step of the guest's
// forkrace_script operation (guest/agent.c op_forkrace_script), and the guest reports, after
// every step, the content tags each process sees in each of its two pages.
//
// Observation keys (the same the model gives through observeForkRaceModel below):
//   P0, P1    tags in the parent's page 0/1: sorted, comma-joined subset of D1,D2,PW,CW
//   C0, C1    the same for the child, null before Fork
//   pipeSeen  tags the pipe reader saw (PipeRead), null before
import type { ModelState, ModelValue, ScenarioAction, StepObservation } from '@pinlab/testgen';
import { apply, asBool, asInt, asSet, asString } from '@pinlab/testgen';

export const FORKRACE_ACTIONS = [
  'Init',
  'DioSubmit',
  'FixedRead',
  'IoComplete',
  'Fork',
  'Write',
  'RegisterBuffer',
  'UnregisterBuffer',
  'Vmsplice',
  'PipeRead',
] as const;

const PARAMS: Record<string, string[]> = {
  DioSubmit: ['io', 'vpage'],
  FixedRead: ['io', 'vpage'],
  IoComplete: ['io'],
  Write: ['proc', 'vpage'],
  RegisterBuffer: ['vpage'],
  UnregisterBuffer: ['vpage'],
  Vmsplice: ['vpage'],
};

export function supportsForkRace(action: ScenarioAction): boolean {
  if (!(FORKRACE_ACTIONS as readonly string[]).includes(action.name)) return false;
  for (const p of PARAMS[action.name] ?? []) {
    const v = action[p];
    if (p === 'proc' ? v !== 'P' && v !== 'C' : typeof v !== 'number') return false;
    if (p === 'io' && v !== 1 && v !== 2) return false;
    if (p === 'vpage' && v !== 0 && v !== 1) return false;
  }
  return true;
}

/** The agent's step script: "DioSubmit:io=1:vpage=0;Fork;..." */
export function forkRaceScript(actions: readonly ScenarioAction[]): string {
  return actions
    .map((a) => {
      if (!supportsForkRace(a))
        throw new Error(`ForkRace action ${a.name} cannot run in the guest`);
      return [a.name, ...(PARAMS[a.name] ?? []).map((p) => `${p}=${String(a[p])}`)].join(':');
    })
    .join(';');
}

const KEYS = ['P0', 'P1', 'C0', 'C1', 'pipeSeen'] as const;

export function forkRaceObservations(
  result: Record<string, unknown>,
  steps: number,
): StepObservation[] {
  const obs = result.obs;
  if (!Array.isArray(obs) || obs.length !== steps) {
    throw new Error(
      `forkrace_script returned ${Array.isArray(obs) ? obs.length : 'no'} observations for ${steps} steps`,
    );
  }
  return obs.map((o: Record<string, unknown>, i) => {
    if (o.earlyCompletion === true)
      throw new Error(`step ${i}: a read completed before its IoComplete step (gate failed)`);
    const out: Record<string, string | null> = {};
    for (const k of KEYS) {
      const v = o[k];
      out[k] = v === null || v === undefined ? null : String(v);
    }
    return out;
  });
}

function tags(v: ModelValue): string {
  return asSet(v)
    .map((t) => asString(t))
    .sort()
    .join(',');
}

/** The same observation from a ForkRace model state (for expectations computed by the model). */
export function observeForkRaceModel(
  _prev: ModelState | undefined,
  state: ModelState,
): StepObservation {
  const pte = state.pte;
  const data = state.data;
  const view = (p: string, v: number): string => {
    const f = asInt(apply(apply(apply(pte, p), v), 'frame'));
    return f === 0 ? '' : tags(apply(data, f));
  };
  const forked = asBool(state.forked);
  const pipe = state.pipe;
  return {
    P0: view('P', 0),
    P1: view('P', 1),
    C0: forked ? view('C', 0) : null,
    C1: forked ? view('C', 1) : null,
    pipeSeen: asString(apply(pipe, 'st')) === 'READ' ? tags(apply(pipe, 'seen')) : null,
  };
}
