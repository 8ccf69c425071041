// What `pinlab gen` draws from each spec config, declared in one place (packages/testgen/README.md,
// "Generation plan"): how many seeded walks of which depth, and whether (and how long) a
// transition tour. Tours are what cover every transition of a config (the coverage report
// checks that per config), so a config keeps its tour unless its graph is over `tourMaxStates`.

export interface WalkPlan {
  readonly count: number;
  readonly depth: number;
}

export interface TourPlan {
  /** Longest scenario of a tour (keeps each scenario short enough for a kernel target). */
  readonly maxLength: number;
  /** A config with more reachable states gets walks only. */
  readonly maxStates: number;
}

export interface GenPlan {
  readonly walks: WalkPlan;
  readonly tour: TourPlan | null;
}

export const DEFAULT_PLAN: GenPlan = {
  walks: { count: 4, depth: 10 },
  tour: { maxLength: 150, maxStates: 40_000 },
};

/**
 * Per spec, then per config (a config entry overrides its spec's): only what differs from
 * DEFAULT_PLAN, each entry with the reason. Every current config's graph is under the tour bound
 * and the default walks suffice, so both are empty; `--walks`/`--depth` override walks for a run.
 */
export const GEN_PLANS: Readonly<Record<string, Partial<GenPlan>>> = {};
export const CONFIG_PLANS: Readonly<Record<string, Partial<GenPlan>>> = {};

/** The plan of one config: DEFAULT_PLAN, then its spec's entry, then its own, then `walks`. */
export function planFor(spec: string, config: string, walks?: WalkPlan): GenPlan {
  const plan = { ...DEFAULT_PLAN, ...GEN_PLANS[spec], ...CONFIG_PLANS[config] };
  return walks === undefined ? plan : { ...plan, walks };
}
