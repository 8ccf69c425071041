// struct folio_queue accessors (include/linux/folio_queue.h): a slot past vec.nr holds no
// folio; the kernel would read a stale pointer or order there, the model names the slot.

import { describe, expect, it } from 'vitest';
import {
  folioq_alloc,
  folioq_append,
  folioq_chain_from,
  folioq_count,
  folioq_folio,
  folioq_folio_size,
  folioq_full,
  folioq_nr_slots,
  ITER_DEST,
  iov_iter_advance,
  iov_iter_folio_queue,
  PAGEVEC_SIZE,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { folio_alloc, PAGE_SIZE } from '../../src/mm/index.ts';

describe('folio_queue accessors', () => {
  it('give the folio and PAGE_SIZE << order of a used slot, and refuse an empty one', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const q = folioq_alloc();
      const small = folio_alloc(0);
      const large = folio_alloc(2);
      folioq_append(q, small);
      folioq_append(q, large);
      expect(folioq_folio(q, 1)).toBe(large);
      expect(folioq_folio_size(q, 0)).toBe(PAGE_SIZE);
      expect(folioq_folio_size(q, 1)).toBe(4 * PAGE_SIZE);
      expect(() => folioq_folio(q, 2)).toThrow(/folioq_folio: slot 2 of 2 is empty/);
      expect(() => folioq_folio_size(q, 2)).toThrow(/folioq_folio_size: slot 2 of 2 is empty/);
    });
  });
});

describe('folioq_nr_slots / folioq_count (include/linux/folio_queue.h)', () => {
  it('nr_slots is the capacity PAGEVEC_SIZE, count the folios added, full when they meet', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const q = folioq_alloc();
      expect(folioq_nr_slots(q)).toBe(PAGEVEC_SIZE);
      expect(folioq_count(q)).toBe(0);
      folioq_append(q, folio_alloc(0));
      folioq_append(q, folio_alloc(1));
      expect(folioq_nr_slots(q)).toBe(PAGEVEC_SIZE);
      expect(folioq_count(q)).toBe(2);
      expect(folioq_full(q)).toBe(false);
      while (folioq_count(q) < PAGEVEC_SIZE) folioq_append(q, folio_alloc(0));
      expect(folioq_full(q)).toBe(true);
      expect(() => folioq_append(q, folio_alloc(0))).toThrow(/full/);
    });
  });

  it('iov_iter_folioq_advance to the end of a part-filled segment stays on it (slot < nr_slots)', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      // lib/iov_iter.c iov_iter_folioq_advance steps to ->next only at folioq_nr_slots(): a
      // two-folio segment followed by another is left at slot 2, not moved to the next one.
      const first = [folio_alloc(0), folio_alloc(0)];
      const head = folioq_chain_from(first);
      head.next = folioq_chain_from([folio_alloc(0)]);
      head.next.prev = head;
      const i = iov_iter_folio_queue(ITER_DEST, head, 0, 0, 2 * PAGE_SIZE);
      iov_iter_advance(i, 2 * PAGE_SIZE);
      expect(i.count).toBe(0);
      expect(i.folioq).toBe(head);
      expect(i.folioq_slot).toBe(2);
      expect(i.iov_offset).toBe(0);
    });
  });
});
