// iov_iter_bvecq_advance() of the bvecq RFC v1 (seed 004, "iov_iter: Add a segmented queue of
// bio_vec[]", lib/iov_iter.c): its do-while steps from a segment's last slot to ->next slot 0
// and reads bq->bv[slot].bv_len there without looking at the next segment's nr_slots, so an
// empty segment in the chain is read past its slots in use (ver #4 checks "slot >=
// bq->nr_slots" at the top of the loop and steps on). The reference follows ver #4 there and,
// with the fault bvecq_empty_seg_v1, stops the v1 read with a named error.
import { describe, expect, it } from 'vitest';
import { netfs_alloc_one_bvecq } from '../../src/bvecq/index.ts';
import {
  IovIterOutOfBounds,
  ITER_SOURCE,
  iov_iter_advance,
  iov_iter_bvec_queue,
  iov_iter_revert,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { alloc_page, PAGE_SIZE } from '../../src/mm/index.ts';

/** <<(A, 0, PAGE_SIZE)>>, <<>> or <<(X, 0, 512)>>, <<(B, 0, 1024)>>. */
function chain(middleSlots: 0 | 1) {
  const [head, middle, tail] = [1, middleSlots, 1].map((n) => netfs_alloc_one_bvecq(n)) as [
    ReturnType<typeof netfs_alloc_one_bvecq>,
    ReturnType<typeof netfs_alloc_one_bvecq>,
    ReturnType<typeof netfs_alloc_one_bvecq>,
  ];
  head.bv.push({ bv_page: alloc_page(), bv_offset: 0, bv_len: PAGE_SIZE });
  head.nr_slots = 1;
  if (middleSlots) {
    middle.bv.push({ bv_page: alloc_page(), bv_offset: 0, bv_len: 512 });
    middle.nr_slots = 1;
  }
  tail.bv.push({ bv_page: alloc_page(), bv_offset: 0, bv_len: 1024 });
  tail.nr_slots = 1;
  head.next = middle;
  middle.prev = head;
  middle.next = tail;
  tail.prev = middle;
  return { head, middle, tail, count: PAGE_SIZE + (middleSlots ? 512 : 0) + 1024 };
}

describe('iov_iter_bvecq_advance (bvecq RFC v1 and ver #4)', () => {
  it('v1 crossing an empty segment reads a slot it does not hold: IovIterOutOfBounds naming the slot', () => {
    with_kernel(createKernel('bvecq-rfc', { faults: ['bvecq_empty_seg_v1'] }), () => {
      const { head, count } = chain(0);
      const i = iov_iter_bvec_queue(ITER_SOURCE, head, 0, 0, count);
      let err: unknown;
      try {
        iov_iter_advance(i, PAGE_SIZE + 100);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(IovIterOutOfBounds);
      expect((err as IovIterOutOfBounds).site).toBe('iov_iter_bvecq_advance');
      expect((err as Error).message).toContain('bq->bv[0] of a bvecq segment with 0 slots in use');
    });
  });

  it('the same advance over a chain without the empty segment lands in the next one', () => {
    with_kernel(createKernel('bvecq-rfc'), () => {
      const { head, middle, tail, count } = chain(1);
      const i = iov_iter_bvec_queue(ITER_SOURCE, head, 0, 0, count);
      iov_iter_advance(i, PAGE_SIZE + 100);
      expect(i.bvecq).toBe(middle);
      expect(i.bvecq_slot).toBe(0);
      expect(i.iov_offset).toBe(100);
      iov_iter_advance(i, 412 + 1000);
      expect(i.bvecq).toBe(tail);
      expect(i.iov_offset).toBe(1000);
      expect(i.count).toBe(24);
    });
  });

  it('ver #4 steps over the empty segment, forward and back', () => {
    with_kernel(createKernel('bvecq-rfc'), () => {
      const { head, tail, count } = chain(0);
      const i = iov_iter_bvec_queue(ITER_SOURCE, head, 0, 0, count);
      iov_iter_advance(i, PAGE_SIZE + 100);
      expect(i.bvecq).toBe(tail);
      expect(i.bvecq_slot).toBe(0);
      expect(i.iov_offset).toBe(100);
      expect(i.count).toBe(924);
      iov_iter_revert(i, 200);
      expect(i.bvecq).toBe(head);
      expect(i.bvecq_slot).toBe(0);
      expect(i.iov_offset).toBe(PAGE_SIZE - 100);
      expect(i.count).toBe(1124);
    });
  });

  it('v1 reverting back over the empty segment reads bv[-1] of it', () => {
    with_kernel(createKernel('bvecq-rfc', { faults: ['bvecq_empty_seg_v1'] }), () => {
      const { tail, count } = chain(0);
      const i = iov_iter_bvec_queue(ITER_SOURCE, tail, 0, 100, count - PAGE_SIZE - 100);
      expect(() => iov_iter_revert(i, 200)).toThrow(IovIterOutOfBounds);
    });
  });
});
