// want_pages_array() (lib/iov_iter.c) and the kvmalloc'd page arrays it hands out. The model
// keeps a per-kernel ledger of arrays allocated for callers that passed none, so a leaked one
// (the extract_array_leak fault) is visible to the invariants.

import type { Kernel } from '../kernel.ts';
import { current_kernel } from '../kernel.ts';
import { DIV_ROUND_UP } from '../mm/constants.ts';
import { IovIterWarning } from './errors.ts';
import { PAGE_SIZE } from './page_glue.ts';
import type { PageSlot, Ref } from './types.ts';

const ledgers = new WeakMap<Kernel, Set<PageSlot[]>>();

function ledger(k: Kernel): Set<PageSlot[]> {
  let l = ledgers.get(k);
  if (!l) {
    l = new Set();
    ledgers.set(k, l);
  }
  return l;
}

/** kvmalloc_array(count, sizeof(struct page *)) */
export function kvmalloc_page_array(count: number): PageSlot[] {
  const a: PageSlot[] = new Array<PageSlot>(count).fill(undefined);
  ledger(current_kernel()).add(a);
  return a;
}

/** kvfree() of a page array allocated by an extraction call. */
export function kvfree(pages: PageSlot[] | null): void {
  if (pages === null) return;
  ledger(current_kernel()).delete(pages);
}

/** Page arrays allocated on a caller's behalf and not yet kvfree()d. */
export function page_arrays_outstanding(k: Kernel = current_kernel()): number {
  // A kernel that never allocated one has no ledger yet: 0, without creating one (the
  // invariant checkers ask after every replayed step, and a WeakMap entry per kernel costs).
  return ledgers.get(k)?.size ?? 0;
}

/**
 * want_pages_array(): the number of page slots an extraction may fill,
 * DIV_ROUND_UP(size + start, PAGE_SIZE) capped at maxpages; allocates the array when the
 * caller passed none. Returns 0 where the kernel's allocation would fail (never, here).
 */
export function want_pages_array(
  res: Ref<PageSlot[] | null>,
  size: number,
  start: number,
  maxpages: number,
): number {
  let count = DIV_ROUND_UP(size + start, PAGE_SIZE);
  if (count > maxpages) count = maxpages;
  if (!count) {
    // WARN_ON(!count): "caller should've prevented that"
    throw new IovIterWarning(
      'want_pages_array',
      `no page slots wanted (size ${size}, maxpages ${maxpages})`,
    );
  }
  if (res.value === null) {
    res.value = kvmalloc_page_array(count);
  } else if (res.value.length < count) {
    throw new RangeError(
      `page array of ${res.value.length} slots is smaller than the ${count} needed`,
    );
  }
  return count;
}
