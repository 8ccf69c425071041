// struct folio_queue accessors (include/linux/folio_queue.h): a slot past vec.nr holds no
// folio; the kernel would read a stale pointer or order there, the model names the slot.

import { describe, expect, it } from 'vitest';
import {
  folioq_alloc,
  folioq_append,
  folioq_folio,
  folioq_folio_size,
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
