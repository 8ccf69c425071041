// The runtime of the generated vitest files (`@pinlab/testgen/vitest`): one describe block per
// profile, one test per scenario. Not-applicable scenarios are registered as skipped tests whose
// title gives the reason, so vitest's summary counts them; they never pass.

import { describe, it } from 'vitest';
import type { SpecAdapter } from './adapters/adapter.ts';
import { allAdapters } from './adapters/index.ts';
import { formatMismatch } from './compare.ts';
import { createReferenceTarget } from './reference-target.ts';
import { loadSuite, planScenario, RUN_ELSEWHERE, runPlanned } from './run-suite.ts';
import type { Target } from './target.ts';

export interface GeneratedSuiteOptions {
  /** Defaults to the reference target over every registered adapter and the suite's profiles. */
  target?: Target;
  adapters?: readonly SpecAdapter[];
}

export function runGeneratedSuite(path: URL | string, opts: GeneratedSuiteOptions = {}): void {
  const suite = loadSuite(path);
  const target = opts.target ?? createReferenceTarget(opts.adapters ?? allAdapters, suite.profiles);
  // A (scenario, profile) run by an earlier config's suite is not registered again (not
  // skipped either: it is tested, there); the titles say how many.
  const runElsewhere = (profile: string) =>
    suite.scenarios.filter((s) => {
      const plan = planScenario(suite, s, profile, target);
      return plan.kind === 'not-applicable' && plan.reason === RUN_ELSEWHERE;
    }).length;
  describe(`${suite.spec} ${suite.config} on ${target.name}`, () => {
    for (const profile of suite.profiles) {
      const elsewhere = runElsewhere(profile);
      // Every scenario ran under this profile in an earlier config's suite: no block (vitest
      // fails an empty describe), as no test is registered twice.
      if (elsewhere === suite.scenarios.length) continue;
      describe(`${profile}${elsewhere > 0 ? ` (${elsewhere} scenarios run in earlier configs' suites)` : ''}`, () => {
        for (const s of suite.scenarios) {
          const plan = planScenario(suite, s, profile, target);
          if (plan.kind === 'not-applicable' && plan.reason === RUN_ELSEWHERE) continue;
          if (plan.kind === 'not-applicable') {
            it.skip(`${s.id}: not applicable: ${plan.reason}`, () => {});
            continue;
          }
          const title = plan.note === undefined ? s.id : `${s.id} (${plan.note})`;
          it(title, async () => {
            const mismatches = await runPlanned(plan, profile, target);
            if (mismatches.length > 0) {
              throw new Error(
                `observation differs from the model:\n${mismatches.map(formatMismatch).join('\n')}`,
              );
            }
          });
        }
      });
    }
  });
}
