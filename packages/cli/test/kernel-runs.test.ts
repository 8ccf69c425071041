// kernelScenarioRuns maps the harness's per-spec counts to the report's scenario rows: failures
// and errors both count as failed, and prefix-only passes are carried with their reasons.
import type { KernelReport } from '@pinlab/kernel-harness';
import { describe, expect, it } from 'vitest';
import { kernelScenarioRuns } from '../src/collect/kernel-runs.ts';

/** The fields kernelScenarioRuns reads; the rest of a KernelReport does not matter here. */
function report(perSpec: Record<string, unknown>): KernelReport {
  return {
    name: '6.12',
    profile: 'linux-6.12',
    perSpec,
    failures: [{ spec: 'IterCursor', scenario: 'IterCursor#7', outcome: 'mismatch', detail: 'x' }],
  } as unknown as KernelReport;
}

const counts = {
  scenarios: 10,
  run: 8,
  passed: 6,
  failed: 1,
  errors: 1,
  notApplicable: 2,
  notApplicableReasons: { 'cannot realise Extract': 2 },
};

describe('kernelScenarioRuns', () => {
  it('carries prefix-only counts and reasons, sorted by spec', () => {
    const rows = kernelScenarioRuns(
      report({
        PinUnpin: counts,
        IterCursor: {
          ...counts,
          prefixOnly: 3,
          prefixOnlyReasons: { 'step Extract: no extract in the guest': 3 },
        },
      }),
    );
    expect(rows.map((r) => r.spec)).toEqual(['IterCursor', 'PinUnpin']);
    expect(rows[0]).toMatchObject({
      target: 'qemu:6.12',
      run: 8,
      passed: 6,
      failed: 2,
      prefixOnly: 3,
      prefixOnlyReasons: { 'step Extract: no extract in the guest': 3 },
      failures: [{ scenario: 'IterCursor#7', message: 'mismatch: x' }],
    });
    // No prefix-only pass (or a kernels.json from before prefix runs): no prefix fields at all.
    expect(rows[1]).not.toHaveProperty('prefixOnly');
    expect(rows[1]?.failures).toEqual([]);
  });
});
