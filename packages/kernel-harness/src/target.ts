// The `qemu:<kernel>` target (docs/CONTRACTS.md, @pinlab/testgen target.ts): runs a spec's
// scenario in the booted kernel and reports observations in the model's terms. It runs only
// its own kernel's profile; actions it cannot realise make a scenario not applicable.
import type { Scenario, ScenarioAction, StepObservation, Target } from '@pinlab/testgen';
import type { KernelSession } from './session.ts';
import {
  FORKRACE_UNOBSERVABLE,
  forkRaceObservations,
  forkRaceScript,
  supportsForkRace,
} from './specs/forkrace.ts';

/** Per spec: can the guest realise this action, and how to run a whole scenario. */
interface SpecRealisation {
  supports(action: ScenarioAction): boolean;
  /** Observation keys the guest cannot see (left out of the comparison, reported). */
  unobservable: readonly string[];
  run(session: KernelSession, scenario: Scenario): Promise<StepObservation[]>;
}

const REALISATIONS: Record<string, SpecRealisation> = {
  ForkRace: {
    supports: supportsForkRace,
    unobservable: FORKRACE_UNOBSERVABLE,
    async run(session, scenario) {
      // Alone in the guest: pinsHeld/pinDelta come from the global nr_foll_pin_* counters.
      const result = await session.exclusive(
        'forkrace_script',
        { steps: forkRaceScript(scenario.actions) },
        30,
      );
      return forkRaceObservations(result, scenario.actions.length);
    },
  },
};

export function realisedSpecs(): string[] {
  return Object.keys(REALISATIONS);
}

export function createQemuTarget(session: KernelSession, profile: string): Target {
  return {
    name: `qemu:${session.name}`,
    profiles: [profile],
    supports(spec, action) {
      return REALISATIONS[spec]?.supports(action) ?? false;
    },
    unobservable(spec) {
      return REALISATIONS[spec]?.unobservable ?? [];
    },
    async run(scenario, runProfile) {
      if (runProfile !== profile)
        throw new Error(`qemu:${session.name} runs profile ${profile}, not ${runProfile}`);
      const r = REALISATIONS[scenario.spec];
      if (r === undefined)
        throw new Error(`qemu:${session.name} cannot realise spec ${scenario.spec}`);
      return r.run(session, scenario);
    },
  };
}
