// iter_folioq_get_pages of 6.12-rc1 (fault folioq_get_pages_slot): a call crossing a folio end
// stops there and lists the page after the folio; from that parked cursor every call returns 0
// and lists it again. Fixed (6.12-rc2 "iov_iter: fix advancing slot in iter_folioq_get_pages()",
// 6.12-rc5 "iov_iter: Fix iov_iter_get_pages*() for folio_queue"): the call walks on.

import { describe, expect, it } from 'vitest';
import { get_pages_no_stray_pages } from '../../src/invariants/iov_iter.ts';
import {
  folioq_alloc,
  folioq_append,
  ITER_SOURCE,
  iov_iter_folio_queue,
  iov_iter_get_pages2,
  type PageSlot,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { folio_alloc, PAGE_SIZE } from '../../src/mm/index.ts';

function run(faults: 'folioq_get_pages_slot'[]) {
  return with_kernel(createKernel('linux-6.12', { faults }), () => {
    // An order-0 folio then an order-1 folio; the range starts half way into the first.
    const small = folio_alloc(0);
    const large = folio_alloc(1);
    const q = folioq_alloc();
    folioq_append(q, small);
    folioq_append(q, large);
    const half = PAGE_SIZE / 2;
    const i = iov_iter_folio_queue(ITER_SOURCE, q, 0, half, half + PAGE_SIZE);
    const calls = [PAGE_SIZE + half, PAGE_SIZE].map((maxsize) => {
      const pages: PageSlot[] = new Array<PageSlot>(4).fill(undefined);
      const start = { value: 0 };
      const n = iov_iter_get_pages2(i, pages, maxsize, 4, start);
      return {
        n,
        pages,
        start: start.value,
        stray: get_pages_no_stray_pages(n, pages, start.value),
      };
    });
    return { small, large, count: i.count, calls };
  });
}

describe('iter_folioq_get_pages (6.12-rc1 slot advance, fault folioq_get_pages_slot)', () => {
  it('fixed: the first call crosses into the next folio, the second takes the rest', () => {
    const { small, large, count, calls } = run([]);
    expect(calls.map((c) => c.n)).toEqual([PAGE_SIZE + PAGE_SIZE / 2, 0]);
    expect(calls[0]!.pages.slice(0, 2)).toEqual([small.page(0), large.page(0)]);
    expect(count).toBe(0);
    expect(calls.flatMap((c) => c.stray)).toEqual([]);
  });

  it('rc1: stops at the folio end with the page after it listed, then returns 0 there', () => {
    const { small, large, count, calls } = run(['folioq_get_pages_slot']);
    expect(calls.map((c) => c.n)).toEqual([PAGE_SIZE / 2, 0]);
    // The page after the order-0 folio in the memmap: here the order-1 folio's first page.
    expect(large.pfn).toBe(small.pfn + 1);
    expect(calls[0]!.pages.slice(0, 2)).toEqual([small.page(0), large.page(0)]);
    expect(calls[1]!.pages[0]).toBe(large.page(0));
    expect(count).toBe(PAGE_SIZE);
    expect(calls.map((c) => c.stray.map((v) => v.invariant))).toEqual([
      ['get_pages_no_stray_pages'],
      ['get_pages_no_stray_pages'],
    ]);
  });
});
