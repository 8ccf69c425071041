// iterate_folioq before 808471ddb0fa "iov_iter: iterate_folioq: fix handling of offset >= folio
// size" (fault iterate_folioq_offset_at_end): from a cursor parked at a folio's end (a get_pages
// call that ended the folio stops before stepping the slot) a copy maps the page after the folio
// (the memmap's next frame: here an unrelated live folio), copies there, counts the bytes and
// steps to the next slot at offset 0, so the position falls behind the count. Fixed: the copy
// steps to the next slot first and lands there.

import { describe, expect, it } from 'vitest';
import { iter_count_consistent } from '../../src/invariants/iov_iter.ts';
import {
  copy_to_iter,
  folioq_alloc,
  folioq_append,
  ITER_DEST,
  iov_iter_folio_queue,
  iov_iter_get_pages2,
  type PageSlot,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { folio_alloc, PAGE_SIZE } from '../../src/mm/index.ts';

function run(faults: 'iterate_folioq_offset_at_end'[]) {
  return with_kernel(createKernel('linux-6.12', { faults }), () => {
    // An order-0 folio, then a frame that is not the queue's, then the queue's order-1 folio;
    // the range starts half way into the first folio.
    const small = folio_alloc(0);
    const other = folio_alloc(0);
    const large = folio_alloc(1);
    const q = folioq_alloc();
    folioq_append(q, small);
    folioq_append(q, large);
    const half = PAGE_SIZE / 2;
    const i = iov_iter_folio_queue(ITER_DEST, q, 0, half, half + PAGE_SIZE);
    // get_pages of the first folio's bytes: the call ends the folio and parks the cursor there.
    const pages: PageSlot[] = new Array<PageSlot>(2).fill(undefined);
    const got = iov_iter_get_pages2(i, pages, half, 2, { value: 0 });
    const parked = { slot: i.folioq_slot, offset: i.iov_offset, count: i.count };
    const data = new Uint8Array(half).fill(0x5a);
    const copied = copy_to_iter(data, half, i);
    return {
      got,
      parked,
      copied,
      after: { slot: i.folioq_slot, offset: i.iov_offset, count: i.count },
      inLarge: large.peek(0, half),
      inOther: other.peek(0, half),
      violations: iter_count_consistent(i).map((v) => v.invariant),
    };
  });
}

describe('iterate_folioq from a cursor parked at a folio end (fault iterate_folioq_offset_at_end)', () => {
  const half = PAGE_SIZE / 2;
  const filled = new Uint8Array(half).fill(0x5a);
  const zero = new Uint8Array(half);

  it('fixed: the copy steps to the next folio and writes there', () => {
    const r = run([]);
    expect(r.got).toBe(half);
    expect(r.parked).toEqual({ slot: 0, offset: PAGE_SIZE, count: PAGE_SIZE });
    expect(r.copied).toBe(half);
    expect(r.after).toEqual({ slot: 1, offset: half, count: half });
    expect(r.inLarge).toEqual(filled);
    expect(r.inOther).toEqual(zero);
    expect(r.violations).toEqual([]);
  });

  it('pre-fix: the copy writes the page after the folio, counts it and does not pass it', () => {
    const r = run(['iterate_folioq_offset_at_end']);
    expect(r.parked).toEqual({ slot: 0, offset: PAGE_SIZE, count: PAGE_SIZE });
    expect(r.copied).toBe(half);
    // The count dropped by the copy, the position is the next folio's first byte.
    expect(r.after).toEqual({ slot: 1, offset: 0, count: half });
    expect(r.inOther).toEqual(filled);
    expect(r.inLarge).toEqual(zero);
    expect(r.violations).toEqual(['iter_count_consistent']);
  });
});
