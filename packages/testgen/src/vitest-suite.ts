// The runtime of the generated vitest files (`@pinlab/testgen/vitest`): one describe block per
// profile, one test per scenario. Not-applicable scenarios are registered as skipped tests whose
// title gives the reason, so vitest's summary counts them; they never pass.

import { describe, it } from 'vitest';
import type { SpecAdapter } from './adapters/adapter.ts';
import { allAdapters } from './adapters/index.ts';
import { formatMismatch } from './compare.ts';
import { createReferenceTarget } from './reference-target.ts';
import { loadSuite, planScenario, runPlanned } from './run-suite.ts';
import type { Target } from './target.ts';

export interface GeneratedSuiteOptions {
  /** Defaults to the reference target over every registered adapter and the suite's profiles. */
  target?: Target;
  adapters?: readonly SpecAdapter[];
}

export function runGeneratedSuite(path: URL | string, opts: GeneratedSuiteOptions = {}): void {
  const suite = loadSuite(path);
  const target = opts.target ?? createReferenceTarget(opts.adapters ?? allAdapters, suite.profiles);
  // Scenarios run by an earlier config's suite are not registered again (not skipped either:
  // they are tested, there); the title says how many.
  const own = suite.scenarios.filter((s) => s.runIn === undefined);
  const elsewhere = suite.scenarios.length - own.length;
  const title = `${suite.spec} ${suite.config} on ${target.name}${elsewhere > 0 ? ` (${elsewhere} scenarios run in earlier configs' suites)` : ''}`;
  describe(title, () => {
    for (const profile of suite.profiles) {
      describe(profile, () => {
        for (const s of own) {
          const plan = planScenario(suite, s, profile, target);
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
