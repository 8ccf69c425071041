// get_pages_progress (invariants/iov_iter.ts): a get_pages call with bytes left returns some or
// fails, 0 only at a hole. 6.12-rc1's iter_folioq_get_pages (fault folioq_get_pages_slot)
// parks the cursor at a folio end and returns 0 from there with a page's bytes left, which a
// caller looping on iov_iter_count (net/core/datagram.c zerocopy_fill_skb_from_iter) never
// leaves.

import { describe, expect, it } from 'vitest';
import { get_pages_progress } from '../../src/invariants/iov_iter.ts';
import {
  folioq_alloc,
  folioq_append,
  ITER_SOURCE,
  iov_iter_clone,
  iov_iter_folio_queue,
  iov_iter_get_pages2,
  type PageSlot,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { folio_alloc, PAGE_SIZE } from '../../src/mm/index.ts';

function run(faults: 'folioq_get_pages_slot'[]) {
  return with_kernel(createKernel('linux-6.12', { faults }), () => {
    const q = folioq_alloc();
    folioq_append(q, folio_alloc(0));
    folioq_append(q, folio_alloc(1));
    const half = PAGE_SIZE / 2;
    const i = iov_iter_folio_queue(ITER_SOURCE, q, 0, half, half + PAGE_SIZE);
    return [PAGE_SIZE + half, PAGE_SIZE, 0].map((maxsize) => {
      const before = iov_iter_clone(i);
      const pages: PageSlot[] = new Array<PageSlot>(4).fill(undefined);
      const n = iov_iter_get_pages2(i, pages, maxsize, 4, { value: 0 });
      return { n, progress: get_pages_progress(before, maxsize, n) };
    });
  });
}

describe('get_pages_progress', () => {
  it('holds when each call returns bytes or nothing is left (and for maxsize 0)', () => {
    const calls = run([]);
    expect(calls.map((c) => c.n)).toEqual([PAGE_SIZE + PAGE_SIZE / 2, 0, 0]);
    expect(calls.flatMap((c) => c.progress)).toEqual([]);
  });

  it('reports the 6.12-rc1 folio_queue get_pages returning 0 with a page left', () => {
    const calls = run(['folioq_get_pages_slot']);
    expect(calls.map((c) => c.n)).toEqual([PAGE_SIZE / 2, 0, 0]);
    expect(calls.map((c) => c.progress)).toEqual([
      [],
      [
        {
          invariant: 'get_pages_progress',
          message: `get_pages of up to ${PAGE_SIZE} bytes returned 0 with ${PAGE_SIZE} bytes left at a cursor that has a page`,
        },
      ],
      [],
    ]);
  });
});
