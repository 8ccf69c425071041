// The generated suites (generated-tests/<Spec>/<config>.suite.json) run on a target, one
// profile at a time, summarised per (target, profile, spec) for the report. Uses the same
// planning and comparison as the generated vitest files (@pinlab/testgen runSuite).
import { join } from 'node:path';
import {
  findGeneratedSuites,
  loadSuite,
  type Mismatch,
  runSuite,
  type SuiteData,
  type Target,
} from '@pinlab/testgen';
import type { ScenarioRun } from '../results.ts';

export function suiteFiles(root: string): string[] {
  return findGeneratedSuites(join(root, 'generated-tests'));
}

export function loadSuites(root: string, specs?: readonly string[]): SuiteData[] {
  return suiteFiles(root)
    .map((f) => loadSuite(f))
    .filter((s) => !specs?.length || specs.includes(s.spec));
}

/** Runs every suite on `target` under each profile it runs (and the suite knows). */
export async function runSuitesOn(
  target: Target,
  suites: readonly SuiteData[],
  onSuite?: (done: number, note: string) => void,
): Promise<ScenarioRun[]> {
  const byKey = new Map<string, ScenarioRun>();
  let done = 0;
  for (const suite of suites) {
    for (const profile of target.profiles) {
      if (!suite.profiles.includes(profile)) continue;
      const started = performance.now();
      const summary = await runSuite(suite, target, [profile]);
      const key = `${target.name}\u0000${profile}\u0000${suite.spec}`;
      const run: ScenarioRun = byKey.get(key) ?? {
        target: target.name,
        profile,
        spec: suite.spec,
        run: 0,
        passed: 0,
        failed: 0,
        notApplicable: 0,
        timeMs: 0,
        failures: [],
        notApplicableReasons: {},
      };
      const failed = summary.failed.length + summary.errors.length;
      run.passed += summary.passed;
      run.failed += failed;
      run.run += summary.passed + failed;
      run.timeMs = (run.timeMs ?? 0) + (performance.now() - started);
      for (const f of summary.failed) {
        const first = f.mismatches[0];
        run.failures.push({
          scenario: f.scenario,
          ...(first ? { step: first.step } : {}),
          message: f.mismatches.slice(0, 3).map(describeMismatch).join('; '),
        });
      }
      for (const e of summary.errors)
        run.failures.push({ scenario: e.scenario, message: `error: ${e.message}` });
      for (const [reason, n] of Object.entries(summary.notApplicable)) {
        run.notApplicable += n;
        run.notApplicableReasons![reason] = (run.notApplicableReasons![reason] ?? 0) + n;
      }
      byKey.set(key, run);
    }
    onSuite?.(++done, `${suite.config} on ${target.name}`);
  }
  return [...byKey.values()];
}

function describeMismatch(m: Mismatch): string {
  return `step ${m.step} ${m.action}: ${m.key} expected ${JSON.stringify(m.expected)}, observed ${JSON.stringify(m.observed)}`;
}
