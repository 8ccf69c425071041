// Action sequences drawn from the model: a list of choice numbers, each picking one successor of
// the current state (modulo the number of successors). fast-check shrinks the choice list, so a
// failing sequence shrinks to a shorter/simpler one that the model still enables.

import type { Scenario, ScenarioAction } from '../target.ts';
import type { Constants, ModelStepper } from './engine.ts';
import type { ModelState } from './value.ts';

export interface Walk {
  readonly actions: ScenarioAction[];
  readonly states: ModelState[];
}

/** Follows `choices` from the first initial state; stops early at a state without successors. */
export function walkByChoices(
  stepper: ModelStepper,
  constants: Constants,
  choices: readonly number[],
): Walk {
  const init = stepper.init(constants)[0];
  if (init === undefined) throw new Error(`${stepper.spec}: no initial state`);
  const states: ModelState[] = [init];
  const actions: ScenarioAction[] = [init.action as unknown as ScenarioAction];
  let state = init;
  for (const c of choices) {
    const succ = stepper.next(constants, state);
    if (succ.length === 0) break;
    const pick = succ[Math.abs(c) % succ.length];
    if (pick === undefined) break;
    state = pick.state;
    states.push(state);
    actions.push(pick.action);
  }
  return { actions, states };
}

/** Mulberry32: a small seeded PRNG, so a seed gives the same walks on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `count` seeded walks of up to `depth` steps, as scenarios named `<prefix><n>`. */
export function seededWalks(
  stepper: ModelStepper,
  constants: Constants,
  opts: {
    seed: number;
    count: number;
    depth: number;
    spec: string;
    config: string;
    prefix: string;
  },
): Scenario[] {
  const next = prng(opts.seed);
  const out: Scenario[] = [];
  for (let n = 0; n < opts.count; n++) {
    const choices = Array.from({ length: opts.depth }, () => next());
    const w = walkByChoices(stepper, constants, choices);
    out.push({
      id: `${opts.prefix}${n}`,
      spec: opts.spec,
      config: opts.config,
      actions: w.actions,
    });
  }
  return out;
}
