// FOLL_NOFAULT (i->nofault): mm/gup.c faultin_page returns -EFAULT before taking a fault, so
// __get_user_pages stops at the first page not yet mapped as asked: a short extraction, or
// -EFAULT when it is the first page. Without nofault the same walk faults the pages in.

import { describe, expect, it } from 'vitest';
import type { PageSlot } from '../../src/iov_iter/index.ts';
import {
  ITER_DEST,
  ITER_SOURCE,
  iov_iter_extract_pages,
  iov_iter_get_pages2,
  iov_iter_ubuf,
  ref,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel, with_mm } from '../../src/kernel.ts';
import type { Page } from '../../src/mm/index.ts';
import {
  mm_alloc,
  PAGE_SIZE,
  put_user_page_ref,
  unpin_user_pages,
  vm_mmap,
  write_user,
} from '../../src/mm/index.ts';

const EFAULT = -14;

/** A 3-page anonymous mapping whose first `touched` pages are faulted in (written). */
function mapping(touched: number) {
  const mm = mm_alloc();
  const base = vm_mmap(mm, 0, 3 * PAGE_SIZE);
  if (touched > 0) write_user(mm, base, new Uint8Array(touched * PAGE_SIZE).fill(7));
  return { mm, base };
}

describe('FOLL_NOFAULT in __get_user_pages (mm/gup.c faultin_page)', () => {
  for (const nofault of [false, true]) {
    it(`iov_iter_extract_pages over 1 present + 2 untouched pages, nofault=${nofault}`, () => {
      with_kernel(createKernel('linux-6.12'), () => {
        const { mm, base } = mapping(1);
        with_mm(mm, () => {
          const i = iov_iter_ubuf(ITER_DEST, base, 3 * PAGE_SIZE);
          i.nofault = nofault;
          const pages = ref<PageSlot[] | null>(new Array<PageSlot>(3));
          const got = iov_iter_extract_pages(i, pages, 3 * PAGE_SIZE, 3, 0, ref(0));
          // nofault: only the present page; otherwise the untouched two are faulted in.
          const n = nofault ? 1 : 3;
          expect(got).toBe(n * PAGE_SIZE);
          expect(i.count).toBe((3 - n) * PAGE_SIZE);
          expect(mm.ptes.has(Math.floor(base / PAGE_SIZE) + 1)).toBe(!nofault);
          unpin_user_pages(pages.value!.slice(0, n) as Page[]);
        });
      });
    });

    it(`iov_iter_get_pages2 from an untouched first page, nofault=${nofault}`, () => {
      with_kernel(createKernel('linux-6.1'), () => {
        const { mm, base } = mapping(0);
        with_mm(mm, () => {
          const i = iov_iter_ubuf(ITER_SOURCE, base, 2 * PAGE_SIZE);
          i.nofault = nofault;
          const pages = new Array<PageSlot>(2);
          const got = iov_iter_get_pages2(i, pages, 2 * PAGE_SIZE, 2, ref(0));
          if (nofault) {
            // The first page fails: -EFAULT, the cursor unmoved, nothing mapped.
            expect(got).toBe(EFAULT);
            expect(i.count).toBe(2 * PAGE_SIZE);
            expect(mm.ptes.size).toBe(0);
          } else {
            // A read of untouched anon memory maps the zero page (do_anonymous_page).
            expect(got).toBe(2 * PAGE_SIZE);
            expect(i.count).toBe(0);
            for (const p of pages.slice(0, 2)) put_user_page_ref(p as Page);
          }
        });
      });
    });
  }
});
