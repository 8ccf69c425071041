import { describe, expect, it } from 'vitest';
import { EFAULT } from '../../src/errno.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import {
  copy_to_user,
  FOLL_WRITE,
  get_user_pages_fast,
  mm_alloc,
  PAGE_SIZE,
  type Page,
  pin_user_pages_fast,
  read_user,
  unpin_user_page,
  vm_mmap,
  vm_mmap_secretmem,
} from '../../src/mm/index.ts';

describe('memfd_secret memory (mm/secretmem.c): GUP refuses it, a user copy reaches it', () => {
  // mm/gup.c check_vma_flags "if (vma_is_secretmem(vma)) return -EFAULT;" and GUP-fast's
  // secretmem check (6.1 gup_pte_range page_is_secretmem, 6.12 gup_fast_folio_allowed); the
  // page is in the process's page tables, so copy_to_user writes it (Debian 6.1.192, 6.12).
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: [anonymous page][secretmem page]: GUP stops at the secretmem page, touched or not`, () => {
      with_kernel(createKernel(profile), () => {
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, PAGE_SIZE);
        expect(vm_mmap_secretmem(mm, PAGE_SIZE, buf + PAGE_SIZE)).toBe(buf + PAGE_SIZE);
        const pages: Page[] = [];
        // Untouched: no pte, the slow path's check_vma_flags refuses it.
        expect(pin_user_pages_fast(mm, buf, 2, FOLL_WRITE, pages)).toBe(1);
        unpin_user_page(pages[0] as Page);
        expect(pin_user_pages_fast(mm, buf + PAGE_SIZE, 1, FOLL_WRITE, pages)).toBe(-EFAULT);
        // The user copy faults it in (secretmem_fault) and writes it.
        expect(copy_to_user(mm, buf + PAGE_SIZE, Uint8Array.of(7, 8))).toBe(0);
        expect([...read_user(mm, buf + PAGE_SIZE, 2)]).toEqual([7, 8]);
        // Present now: GUP-fast rejects it as well, and the slow path again.
        expect(pin_user_pages_fast(mm, buf + PAGE_SIZE, 1, FOLL_WRITE, pages)).toBe(-EFAULT);
        expect(get_user_pages_fast(mm, buf + PAGE_SIZE, 1, 0, pages)).toBe(-EFAULT);
      });
    });
  }
});
