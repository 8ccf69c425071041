// The reference target: runs a scenario under any profile by driving @pinlab/reference through
// the spec's adapter, one fresh kernel per run.

import type { SpecAdapter } from './adapters/adapter.ts';
import type { Scenario, ScenarioAction, StepObservation, Target } from './target.ts';
import { formatAction } from './target.ts';

export class TargetRunError extends Error {
  override name = 'TargetRunError';
}

export function createReferenceTarget(
  adapters: readonly SpecAdapter[],
  profiles: readonly string[],
): Target {
  const bySpec = new Map(adapters.map((a) => [a.spec, a]));
  const adapterFor = (spec: string): SpecAdapter => {
    const a = bySpec.get(spec);
    if (a === undefined) throw new TargetRunError(`reference target: no adapter for spec ${spec}`);
    return a;
  };
  return {
    name: 'reference',
    profiles: [...profiles],
    supports(spec: string, action: ScenarioAction) {
      const a = bySpec.get(spec);
      return a !== undefined && (action.name === 'Init' || a.supports(action));
    },
    scenarioSupport(scenario: Scenario) {
      return bySpec.get(scenario.spec)?.scenarioSupport?.(scenario);
    },
    async run(scenario: Scenario, profile: string): Promise<StepObservation[]> {
      return runOnReference(adapterFor(scenario.spec), scenario, profile);
    },
  };
}

/** Synchronous core of the reference target (the reference has no I/O); used by the bench too. */
export function runOnReference(
  adapter: SpecAdapter,
  scenario: Scenario,
  profile: string,
): StepObservation[] {
  const [init, ...steps] = scenario.actions;
  if (init === undefined || init.name !== 'Init') {
    throw new TargetRunError(`${scenario.id}: a scenario starts with Init`);
  }
  const driver = adapter.createDriver(profile, scenario);
  const out: StepObservation[] = [driver.observe()];
  steps.forEach((action, i) => {
    try {
      driver.apply(action);
    } catch (e) {
      throw new TargetRunError(
        `${scenario.id} [${profile}] step ${i + 1} ${formatAction(action)}: reference failed: ${(e as Error).message}`,
      );
    }
    out.push(driver.observe());
  });
  return out;
}
