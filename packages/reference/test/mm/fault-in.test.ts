// fault_in_safe_writeable (mm/gup.c) through fault_in_iov_iter_writeable (lib/iov_iter.c): what
// gfs2/btrfs do between nofault direct I/O attempts. The pages are faulted in for writing (a
// zero-page mapping is broken to a private page) and nothing is pinned or referenced; a range
// running past the mapping is faulted in up to its end and the rest reported. 6.1 does it by GUP
// without a page array, 6.4+ by fixup_user_fault page by page: the same outcome.

import { describe, expect, it } from 'vitest';
import type { PageSlot } from '../../src/iov_iter/index.ts';
import {
  fault_in_iov_iter_writeable,
  ITER_DEST,
  iov_iter_extract_pages,
  iov_iter_get_pages2,
  iov_iter_init,
  iov_iter_ubuf,
  ref,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel, with_mm } from '../../src/kernel.ts';
import type { Page } from '../../src/mm/index.ts';
import {
  handle_mm_fault,
  mm_alloc,
  PAGE_SIZE,
  put_user_page_ref,
  unpin_user_pages,
  vm_mmap,
  write_user,
} from '../../src/mm/index.ts';

/** A 3-page mapping: page 0 written, page 1 read-faulted (the zero page), page 2 untouched. */
function mapping() {
  const mm = mm_alloc();
  const base = vm_mmap(mm, 0, 3 * PAGE_SIZE);
  write_user(mm, base, new Uint8Array(PAGE_SIZE).fill(7));
  expect(handle_mm_fault(mm, base + PAGE_SIZE, 0)).toBe(0);
  return { mm, base, vpn: Math.floor(base / PAGE_SIZE) };
}

for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
  describe(`fault_in_iov_iter_writeable on ${profile}`, () => {
    it('a nofault read is short; faulting the rest in takes nothing; the retry gets it all', () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const { mm, base, vpn } = mapping();
        with_mm(mm, () => {
          const i = iov_iter_ubuf(ITER_DEST, base, 3 * PAGE_SIZE);
          i.nofault = true;
          const pages = ref<PageSlot[] | null>(new Array<PageSlot>(3));
          const first =
            profile === 'linux-6.1'
              ? iov_iter_get_pages2(i, pages.value as PageSlot[], 3 * PAGE_SIZE, 3, ref(0))
              : iov_iter_extract_pages(i, pages, 3 * PAGE_SIZE, 3, 0, ref(0));
          // Page 1 maps the zero page read-only: the write fault it needs is refused.
          expect(first).toBe(PAGE_SIZE);
          expect(mm.ptes.get(vpn + 1)?.page.folio.is_zero).toBe(true);
          const pinned = k.vmstat.nr_foll_pin_acquired;
          expect(fault_in_iov_iter_writeable(i, i.count)).toBe(0);
          // Both pages now private and writable; no pin or ref was taken for it.
          for (const v of [1, 2]) {
            const pte = mm.ptes.get(vpn + v);
            expect(pte?.write).toBe(true);
            expect(pte?.page.folio.is_zero).toBe(false);
            expect(pte?.page.folio.gup_pins).toBe(0);
            expect(pte?.page.folio.gup_refs).toBe(0);
            expect(pte?.page.folio._refcount).toBe(1);
          }
          expect(k.vmstat.nr_foll_pin_acquired).toBe(pinned);
          const again = ref<PageSlot[] | null>(new Array<PageSlot>(2));
          const second =
            profile === 'linux-6.1'
              ? iov_iter_get_pages2(i, again.value as PageSlot[], 2 * PAGE_SIZE, 2, ref(0))
              : iov_iter_extract_pages(i, again, 2 * PAGE_SIZE, 2, 0, ref(0));
          expect(second).toBe(2 * PAGE_SIZE);
          const all = [...(pages.value as PageSlot[]).slice(0, 1), ...(again.value as PageSlot[])];
          if (profile === 'linux-6.1') for (const p of all) put_user_page_ref(p as Page);
          else unpin_user_pages(all as Page[]);
        });
      });
    });

    it('an iovec running past the mapping is faulted in up to its end, the rest reported', () => {
      with_kernel(createKernel(profile), () => {
        const { mm, base, vpn } = mapping();
        with_mm(mm, () => {
          // 1 KiB into page 2, running 2 pages past the 3-page mapping; a zero-length iovec first.
          const start = base + 2 * PAGE_SIZE + 1024;
          const i = iov_iter_init(
            ITER_DEST,
            [
              { iov_base: base, iov_len: 0 },
              { iov_base: start, iov_len: 2 * PAGE_SIZE },
            ],
            2,
            2 * PAGE_SIZE,
          );
          expect(fault_in_iov_iter_writeable(i, 2 * PAGE_SIZE)).toBe(2 * PAGE_SIZE - 3072);
          expect(mm.ptes.get(vpn + 2)?.write).toBe(true);
          expect(mm.ptes.has(vpn + 3)).toBe(false);
          // Asking for more than the iterator holds reports the excess as not faulted in.
          expect(fault_in_iov_iter_writeable(i, 3 * PAGE_SIZE)).toBe(3 * PAGE_SIZE - 3072);
        });
      });
    });
  });
}
