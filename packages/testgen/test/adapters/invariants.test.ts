// kernelViolations (adapters/invariants.ts) asks the WARN-log-only checkers only once a warning
// is logged: it must give exactly what the four reference checkers give together, warnings or not.
import {
  createKernel,
  type Kernel,
  no_dma_into_freed_page,
  no_leaked_page_arrays,
  no_pin_underflow,
  release_matches_acquisition,
} from '@pinlab/reference';
import { describe, expect, it } from 'vitest';
import { kernelViolations } from '../../src/adapters/invariants.ts';

const full = (k: Kernel) => [
  ...no_pin_underflow(k),
  ...release_matches_acquisition(k),
  ...no_dma_into_freed_page(k),
  ...no_leaked_page_arrays(k),
];

describe('kernelViolations', () => {
  it('is what the four kernel-wide checkers give, before and after each kind of warning', () => {
    const k = createKernel('linux-6.12');
    expect(kernelViolations(k)).toEqual([]);
    expect(kernelViolations(k)).toEqual(full(k));
    const kinds = [
      'release_mismatch',
      'use_after_free',
      'zero_page_write',
      'pin_underflow',
      'refcount_underflow',
      'over_revert',
    ] as const;
    for (const kind of kinds) {
      k.WARN(kind, `a ${kind}`);
      expect(kernelViolations(k)).toEqual(full(k));
    }
    // Every warning the three log readers turn into a violation shows up.
    expect(kernelViolations(k).map((v) => v.invariant)).toEqual([
      'no_pin_underflow',
      'no_pin_underflow',
      'release_matches_acquisition',
      'no_dma_into_freed_page',
      'no_dma_into_freed_page',
    ]);
  });
});
