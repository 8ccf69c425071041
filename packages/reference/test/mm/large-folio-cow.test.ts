import { describe, expect, it } from 'vitest';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import {
  do_anonymous_large_folio,
  dup_mmap,
  FAULT_FLAG_WRITE,
  handle_mm_fault,
  mm_alloc,
  PAGE_SIZE,
  type Page,
  pin_user_pages_fast,
  read_user,
  vm_mmap,
  write_user,
} from '../../src/mm/index.ts';

// A COW or fork copy of one page of a large anonymous folio copies that page alone into a new
// small folio: mm/memory.c wp_page_copy -> __wp_page_copy_user (copy_user_highpage of
// vmf->page), copy_present_page (copy_user_highpage of the pinned page), 6.1 and 6.12.
describe('copy of one page of a large anonymous folio (mm/memory.c)', () => {
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: a write fault after fork copies the faulting page of the mTHP`, () => {
      with_kernel(createKernel(profile), () => {
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0x4000_0000, 4 * PAGE_SIZE);
        expect(do_anonymous_large_folio(mm, buf, 2)).toBe(0);
        write_user(mm, buf + PAGE_SIZE + 7, Uint8Array.of(0x11, 0x22));
        const large = (mm.ptes.get(buf / PAGE_SIZE + 1)?.page as Page).folio;
        const child = dup_mmap(mm);
        // The parent's store: do_wp_page on a page fork made shared; a large folio is not
        // reused (6.12 wp_can_reuse_anon_folio; 6.1's refcount test), so wp_page_copy.
        expect(handle_mm_fault(mm, buf + PAGE_SIZE, FAULT_FLAG_WRITE)).toBe(0);
        const mine = mm.ptes.get(buf / PAGE_SIZE + 1)?.page as Page;
        expect(mine.folio).not.toBe(large);
        expect(mine.folio.order).toBe(0);
        expect([...read_user(mm, buf + PAGE_SIZE + 7, 2)]).toEqual([0x11, 0x22]);
        write_user(mm, buf + PAGE_SIZE + 7, Uint8Array.of(0x33));
        expect([...read_user(child, buf + PAGE_SIZE + 7, 2)]).toEqual([0x11, 0x22]);
        // The other pages still map the large folio in both.
        expect(mm.ptes.get(buf / PAGE_SIZE)?.page.folio).toBe(large);
      });
    });
  }

  it('linux-6.12: fork copies the pinned page of a large folio for the child', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0x4000_0000, 4 * PAGE_SIZE);
      expect(do_anonymous_large_folio(mm, buf, 2)).toBe(0);
      write_user(mm, buf + 2 * PAGE_SIZE, Uint8Array.of(0x44));
      const pages: (Page | undefined)[] = [undefined];
      expect(pin_user_pages_fast(mm, buf + 2 * PAGE_SIZE, 1, 0, pages)).toBe(1);
      const child = dup_mmap(mm);
      // copy_present_pte: the pinned exclusive page is copied for the child (copy_present_page).
      const theirs = child.ptes.get(buf / PAGE_SIZE + 2)?.page as Page;
      expect(theirs.folio).not.toBe((pages[0] as Page).folio);
      expect([...read_user(child, buf + 2 * PAGE_SIZE, 1)]).toEqual([0x44]);
    });
  });
});
