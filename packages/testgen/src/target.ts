// The Target contract of docs/CONTRACTS.md: what every place that can execute a scenario
// (the reference implementation, a Debian kernel booted in QEMU) offers to the generated tests.
// Kept small and stable on purpose: packages/kernel-harness implements `qemu:<kernel>` against it.

/** A parameter of a step, as the spec's `action` record carries it. */
export type ActionParam = string | number | boolean;

/**
 * One step of a scenario: the value of the spec's `action` variable in the state the step led
 * to (`name` plus one field per parameter). `Init` is the first step of every scenario.
 */
export interface ScenarioAction {
  readonly name: string;
  readonly [param: string]: ActionParam;
}

/**
 * A behaviour of a spec, reduced to the actions that produce it. The states themselves are not
 * part of the contract: a target re-executes the actions, and expectations are recomputed by
 * replaying the actions in the model under each profile's constants.
 */
export interface Scenario {
  /** Stable id, unique within the spec (e.g. `ForkRace_FollGet/tour-3`). */
  readonly id: string;
  /** TLA+ module name (`ForkRace`). */
  readonly spec: string;
  /** Config the scenario was explored under, without `.cfg` (`ForkRace_FollGet`). */
  readonly config: string;
  /** `actions[0]` is `Init`; `actions[i]` is the step that led to state `i`. */
  readonly actions: readonly ScenarioAction[];
  /**
   * Optional: the model constants the scenario runs under (its config's scalar constants with
   * the profile's overrides), for targets that size their initial state from them (e.g.
   * ForkRace's NumPages). Absent when unknown.
   */
  readonly constants?: Readonly<Record<string, ActionParam>>;
}

/** A value a target reports for one observation key. */
export type ObservationValue = string | number | boolean | null;

/**
 * What a target observes after a step: a flat JSON object whose keys the spec's adapter names
 * (e.g. `{ parentSeesData: true, pinDelta: 1 }`). Index `i` of a run's result is the
 * observation after `actions[i]` (index 0: after Init).
 */
export type StepObservation = Readonly<Record<string, ObservationValue>>;

export interface Target {
  /** `"reference"`, `"qemu:6.1"`, `"qemu:6.12"`, ... */
  readonly name: string;
  /** Profiles (names in specs/profiles.json) it can run: the reference all, a kernel its own. */
  readonly profiles: readonly string[];
  /** Whether the target can realise this action of this spec. */
  supports(spec: string, action: ScenarioAction): boolean;
  /**
   * Optional: why the target cannot run this scenario as a whole although it supports each of
   * its actions (e.g. the constants select a path it lacks), or undefined when it can.
   */
  scenarioSupport?(scenario: Scenario): string | undefined;
  /**
   * Executes every action of the scenario under `profile` and returns one observation per
   * action (same length as `scenario.actions`). Callers only pass scenarios whose actions are
   * all supported (see `applicability`); a target may throw on anything else. `expected`: the
   * model's observations for the steps compared, for a target that cross-checks its own
   * invariant checkers against the model (the reference target); others ignore it.
   */
  run(
    scenario: Scenario,
    profile: string,
    expected?: readonly StepObservation[],
  ): Promise<StepObservation[]>;
  /**
   * Optional: whether this target's realisation of `spec` is prefix-closed, so that a scenario
   * it cannot run whole may be checked over its longest realisable prefix (planScenario in
   * run-suite.ts). True promises that the target observes step i before it runs step i+1, that
   * nothing a later step does changes what step i observed, and that its refusals are
   * per-step: a prefix of a scenario is refused exactly when one of its own steps is (or when
   * the scenario is refused as a whole, e.g. by its constants: then every prefix is too). The
   * model's observation at step i depends only on steps 0..i, so comparing the first k
   * observations of both is then sound. Absent or false: an unrealisable step makes the whole
   * scenario not applicable.
   */
  realisesPrefixes?(spec: string): boolean;
  /**
   * Optional: observation keys this target cannot see for a spec (a kernel cannot read a
   * model-only counter). They are left out of the comparison and reported as unobserved.
   */
  unobservable?(spec: string): readonly string[];
}

/** Why a scenario cannot run on a target under a profile, or that it can. */
export type Applicability =
  | { readonly applicable: true }
  | { readonly applicable: false; readonly reason: string };

/**
 * Decides whether `target` can run `scenario` under `profile`. Not applicable scenarios are
 * counted and reported by the caller, never passed.
 */
export function applicability(target: Target, scenario: Scenario, profile: string): Applicability {
  if (!target.profiles.includes(profile)) {
    return { applicable: false, reason: `target ${target.name} does not run profile ${profile}` };
  }
  const unsupported = scenario.actions.find((a) => !target.supports(scenario.spec, a));
  if (unsupported !== undefined) {
    return {
      applicable: false,
      reason: `target ${target.name} cannot realise ${scenario.spec} action ${unsupported.name}`,
    };
  }
  const why = target.scenarioSupport?.(scenario);
  if (why !== undefined) return { applicable: false, reason: `target ${target.name}: ${why}` };
  return { applicable: true };
}

/** Renders an action as `Name(k=v, ...)` for messages, parameters in key order. */
export function formatAction(action: ScenarioAction): string {
  const params = Object.keys(action)
    .filter((k) => k !== 'name')
    .sort()
    .map((k) => `${k}=${JSON.stringify(action[k])}`);
  return params.length === 0 ? action.name : `${action.name}(${params.join(', ')})`;
}
