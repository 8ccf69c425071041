// _copy_mc_to_iter (lib/iov_iter.c, CONFIG_ARCH_HAS_COPY_MC): dax_copy_to_iter's copy of a DAX
// read from persistent memory. Its steps (memcpy_to_iter_mc: copy_mc_to_kernel; copy_mc_to_user)
// return the bytes not copied when a load from the source takes a machine check, so the walk
// stops at the poison ("if (remain) break;") and the iterator advances by what was copied:
// "ITER_KVEC and ITER_BVEC can return short copies". _copy_to_iter over the same iterator copies
// everything.

import { describe, expect, it } from 'vitest';
import { iter_count_consistent } from '../../src/invariants/iov_iter.ts';
import {
  copy_mc_to_iter,
  copy_to_iter,
  ITER_DEST,
  iov_iter_bvec,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { folio_alloc, PAGE_SIZE } from '../../src/mm/index.ts';

function run(copy: 'copy_to_iter' | 'copy_mc_to_iter') {
  return with_kernel(createKernel('linux-6.12'), () => {
    // Two one-page bio_vecs (an io_uring fixed buffer, a loop device's bio), 100 bytes into the
    // first; the source is poisoned from byte 300 on.
    const a = folio_alloc(0);
    const b = folio_alloc(0);
    const bvecs = [
      { bv_page: a.page(0), bv_offset: 100, bv_len: PAGE_SIZE - 100 },
      { bv_page: b.page(0), bv_offset: 0, bv_len: PAGE_SIZE },
    ];
    const total = 2 * PAGE_SIZE - 100;
    const i = iov_iter_bvec(ITER_DEST, bvecs, 2, total);
    const src = new Uint8Array(PAGE_SIZE).fill(0x5a);
    const bytes = PAGE_SIZE;
    const done =
      copy === 'copy_mc_to_iter'
        ? copy_mc_to_iter(src, bytes, i, 300)
        : copy_to_iter(src, bytes, i);
    return {
      done,
      at: { seg: i.seg, offset: i.iov_offset, count: i.count, nr_segs: i.nr_segs },
      inA: a.peek(100, PAGE_SIZE - 100),
      inB: b.peek(0, 100),
      violations: iter_count_consistent(i),
    };
  });
}

describe('_copy_mc_to_iter from a poisoned source', () => {
  it('stops at the poison and advances by what it copied', () => {
    const r = run('copy_mc_to_iter');
    expect(r.done).toBe(300);
    expect(r.at).toEqual({ seg: 0, offset: 300, count: 2 * PAGE_SIZE - 400, nr_segs: 2 });
    expect(r.inA.subarray(0, 300).every((x) => x === 0x5a)).toBe(true);
    expect(r.inA.subarray(300).every((x) => x === 0)).toBe(true);
    expect(r.inB.every((x) => x === 0)).toBe(true);
    expect(r.violations).toEqual([]);
  });

  it('_copy_to_iter (nothing poisoned) copies all of it, across the bio_vec boundary', () => {
    const r = run('copy_to_iter');
    expect(r.done).toBe(PAGE_SIZE);
    expect(r.at).toEqual({ seg: 1, offset: 100, count: PAGE_SIZE - 100, nr_segs: 1 });
    expect(r.inA.every((x) => x === 0x5a)).toBe(true);
    expect(r.inB.every((x) => x === 0x5a)).toBe(true);
    expect(r.violations).toEqual([]);
  });
});
