// The reference invariants every adapter's driver checks after each step: those that read only
// the kernel context (the WARN log, vmstat, live folios, outstanding page arrays), so they
// need no scenario knowledge. Spec-specific checkers (iterators, bvecq cursors) are added by
// the adapters. Pin balance needs quiescence, which only an adapter can tell.

import {
  type Kernel,
  no_dma_into_freed_page,
  no_leaked_page_arrays,
  no_pin_underflow,
  release_matches_acquisition,
  type Violation,
} from '@pinlab/reference';

export function kernelViolations(k: Kernel): Violation[] {
  // Called after every replayed step and nearly always empty: one list appended to, no spreads.
  const out: Violation[] = [];
  for (const v of no_pin_underflow(k)) out.push(v);
  // release_matches_acquisition and no_dma_into_freed_page read nothing but the WARN log
  // (invariants/mm.ts from_warnings): with no warning logged they are empty, so they are only
  // asked once there is one (same result, two lists fewer per step).
  if (k.warnings.length > 0) {
    for (const v of release_matches_acquisition(k)) out.push(v);
    for (const v of no_dma_into_freed_page(k)) out.push(v);
  }
  for (const v of no_leaked_page_arrays(k)) out.push(v);
  return out;
}
