// Expectations: what the model predicts a target observes at each step of a scenario under a
// profile. The scenario's actions are replayed in the model with the profile's constants
// overriding the scenario's config; so a counterexample found in a legacy design also states
// what the fixed design must do with the same steps.

import type { Constants, ModelStepper } from './model/engine.ts';
import type { ModelState } from './model/value.ts';
import { canonicalJson } from './model/value.ts';
import type { Scenario, ScenarioAction, StepObservation } from './target.ts';
import { formatAction } from './target.ts';

/** Maps a model step to the observation a target must reproduce. */
export type ModelObserver = (prev: ModelState | undefined, state: ModelState) => StepObservation;

export interface Expectation {
  readonly profile: string;
  /** Observations for `actions[0..observations.length-1]`. */
  readonly observations: StepObservation[];
  /**
   * Set when the replay stopped: the step index whose action the model does not enable under
   * this profile (the steps before it are still compared), or why nothing could be compared.
   */
  readonly stoppedAt?: { readonly step: number; readonly action: string; readonly reason: string };
}

/**
 * `observe` memoised per (prev, state) object pair. A graph stepper hands out the same state
 * objects to every replay, so the observations of a transition are computed once however many
 * scenarios and profiles cross it; observers are pure functions of the two states.
 */
const memoByObserver = new WeakMap<ModelObserver, ModelObserver>();
const NO_PREV = {};
function memoised(observe: ModelObserver): ModelObserver {
  let m = memoByObserver.get(observe);
  if (m === undefined) {
    const byPrev = new WeakMap<object, WeakMap<object, StepObservation>>();
    m = (prev, state) => {
      let byState = byPrev.get(prev ?? NO_PREV);
      if (byState === undefined) {
        byState = new WeakMap();
        byPrev.set(prev ?? NO_PREV, byState);
      }
      let obs = byState.get(state);
      if (obs === undefined) {
        obs = observe(prev, state);
        byState.set(state, obs);
      }
      return obs;
    };
    memoByObserver.set(observe, m);
  }
  return m;
}

export class ReplayError extends Error {
  override name = 'ReplayError';
}

function pickSuccessor(
  candidates: { state: ModelState }[],
  prev: ModelState,
  observe: ModelObserver,
  where: string,
): ModelState {
  const first = candidates[0];
  if (first === undefined) throw new ReplayError(`${where}: no candidate`);
  if (candidates.length === 1) return first.state;
  // Several successors carry the same action record: the spec left a choice out of the action's
  // parameters. That is harmless only when every choice looks the same to a target.
  const seen = new Set(candidates.map((c) => canonicalJson(observe(prev, c.state))));
  if (seen.size > 1) {
    throw new ReplayError(
      `${where}: the action does not determine the step (${candidates.length} successors observed differently); add the missing choice to the action record`,
    );
  }
  return first.state;
}

/**
 * Replays `scenario` under `constants`, returning one observation per enabled step. Stops at the
 * first action the model does not enable (recorded in `stoppedAt`).
 */
export function computeExpectation(
  stepper: ModelStepper,
  observeModel: ModelObserver,
  scenario: Scenario,
  profile: string,
  constants: Constants,
): Expectation {
  const observe = memoised(observeModel);
  const observations: StepObservation[] = [];
  const [initAction, ...steps] = scenario.actions;
  if (initAction === undefined) throw new ReplayError(`${scenario.id}: scenario has no actions`);
  const initKey = canonicalJson(initAction);
  const inits = stepper
    .init(constants)
    .filter((s) => canonicalJson(s.action as unknown as ScenarioAction) === initKey);
  if (inits.length === 0) {
    return {
      profile,
      observations,
      stoppedAt: {
        step: 0,
        action: formatAction(initAction),
        reason: 'no initial state with this action',
      },
    };
  }
  let state = pickSuccessor(
    inits.map((s) => ({ state: s })),
    {},
    (_p, s) => observe(undefined, s),
    `${scenario.id} step 0 under ${profile}`,
  );
  observations.push(observe(undefined, state));
  for (let i = 0; i < steps.length; i++) {
    const action = steps[i] as ScenarioAction;
    const key = canonicalJson(action);
    const matching = stepper.next(constants, state).filter((s) => s.actionKey === key);
    if (matching.length === 0) {
      return {
        profile,
        observations,
        stoppedAt: {
          step: i + 1,
          action: formatAction(action),
          reason: 'not enabled under this profile',
        },
      };
    }
    const prev = state;
    state = pickSuccessor(
      matching,
      prev,
      observe,
      `${scenario.id} step ${i + 1} ${formatAction(action)} under ${profile}`,
    );
    observations.push(observe(prev, state));
  }
  return { profile, observations };
}
