// netfs_extract_user_iter() when iov_iter_extract_pages() says it filled more pages than the
// array had room for: 0ef37eef83fa "netfs: Fix overrun check in netfs_extract_user_iter()" (6.12
// stable; Debian 6.12.117 fs/netfs/iterator.c) makes that a WARN and -EIO, checked before count
// is reduced, so the overrun batch's bytes are not in the new iterator. A correct
// iov_iter_extract_pages() never overruns: the overrun is made here by a wrapper that reports the
// batch one byte further into its first page than it is (offset0 + 1), so that it spans one
// page more than the room it was given.

import { beforeEach, describe, expect, it, vi } from 'vitest';

/** The call (1-based) of iov_iter_extract_pages whose offset0 the wrapper moves; 0: none. */
let overrunCall = 0;
let calls = 0;

vi.mock('../../src/iov_iter/extract.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/iov_iter/extract.ts')>();
  return {
    ...m,
    iov_iter_extract_pages: (...args: Parameters<typeof m.iov_iter_extract_pages>) => {
      const r = m.iov_iter_extract_pages(...args);
      calls++;
      if (calls === overrunCall && r > 0) args[5].value += 1;
      return r;
    },
  };
});

import { ITER_DEST, iov_iter_init, iov_iter_ubuf } from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel, with_mm } from '../../src/kernel.ts';
import {
  FAULT_FLAG_WRITE,
  handle_mm_fault,
  mm_alloc,
  PAGE_SIZE,
  vm_mmap,
} from '../../src/mm/index.ts';
import { netfs_extract_user_iter } from '../../src/netfs/index.ts';

beforeEach(() => {
  calls = 0;
  overrunCall = 0;
});

/** A kernel and a task with `pages` mapped, faulted-in pages at base. */
function withUserPages(pages: number, fn: (base: number) => void) {
  const kernel = createKernel('linux-6.12');
  with_kernel(kernel, () => {
    const mm = mm_alloc();
    const base = vm_mmap(mm, 0, pages * PAGE_SIZE);
    for (let i = 0; i < pages; i++)
      expect(handle_mm_fault(mm, base + i * PAGE_SIZE, FAULT_FLAG_WRITE)).toBe(0);
    with_mm(mm, () => fn(base));
  });
  return kernel;
}

describe('netfs_extract_user_iter overrun check (0ef37eef83fa)', () => {
  it('an overrun first batch is -EIO with a WARN, no new iterator', () => {
    overrunCall = 1;
    const k = withUserPages(2, (base) => {
      const iter = iov_iter_ubuf(ITER_DEST, base, 2 * PAGE_SIZE);
      const r = netfs_extract_user_iter(iter, iter.count);
      // Before the fix: 0 pages and a BVEC of 8192 bytes that no bio_vec describes.
      expect(r.npages).toBe(-5);
      expect(r.new_iter).toBeNull();
    });
    expect(k.warnings.map((w) => w.message)).toEqual([
      'netfs_extract_user_iter: extract_pages overrun 3 > 2 pages',
    ]);
  });

  it('an overrun later batch leaves the earlier batches as a short extraction', () => {
    overrunCall = 2;
    const k = withUserPages(2, (base) => {
      // Two iovecs, one page each: one batch per segment.
      const iter = iov_iter_init(
        ITER_DEST,
        [
          { iov_base: base, iov_len: PAGE_SIZE },
          { iov_base: base + PAGE_SIZE, iov_len: PAGE_SIZE },
        ],
        2,
        2 * PAGE_SIZE,
      );
      const r = netfs_extract_user_iter(iter, iter.count);
      expect(r.npages).toBe(1);
      // Before the fix the count was reduced first: 8192 bytes over one 4096-byte bio_vec.
      expect(r.new_iter!.count).toBe(PAGE_SIZE);
      expect(r.bv.reduce((s, b) => s + b.bv_len, 0)).toBe(PAGE_SIZE);
    });
    expect(k.warnings.map((w) => w.message)).toEqual([
      'netfs_extract_user_iter: extract_pages overrun 3 > 2 pages',
    ]);
  });
});
