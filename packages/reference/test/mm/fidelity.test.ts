// Kernel rules of fork and COW that docs/FIDELITY.md lists as verified, each pinned to the
// kernel function it mirrors, so that a change in the model that departs from the kernel fails
// here rather than only in a whole-scenario test.
import { describe, expect, it } from 'vitest';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import {
  dup_mmap,
  FAULT_FLAG_UNSHARE,
  FOLL_PIN,
  FOLL_WRITE,
  folio_get,
  folio_needs_cow_for_dma,
  folio_put,
  folio_ref_count,
  handle_mm_fault,
  mm_alloc,
  PAGE_SIZE,
  type Page,
  pin_user_pages_fast,
  pte_lookup,
  read_user,
  try_grab_folio,
  unpin_user_page,
  unpin_user_pages_dirty_lock,
  vm_mmap,
  vm_munmap,
  write_user,
} from '../../src/mm/index.ts';

/** A process with one written (so exclusive, writable) anonymous page. */
function oneWrittenPage(byte: number) {
  const mm = mm_alloc();
  const buf = vm_mmap(mm, 0, PAGE_SIZE);
  write_user(mm, buf, new Uint8Array([byte]));
  const pte = pte_lookup(mm, buf);
  if (pte === undefined) throw new Error('no pte after write');
  return { mm, buf, page: pte.page };
}

describe('fork: copy_present_pte / __folio_try_dup_anon_rmap (mm/memory.c, include/linux/rmap.h)', () => {
  it('a maybe-pinned page that is not PageAnonExclusive is shared, not copied (-EBUSY needs exclusive)', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mm, buf, page } = oneWrittenPage(1);
      expect(try_grab_folio(page.folio, 1, FOLL_PIN)).toBe(0);
      mm.has_pinned = true;
      page.anon_exclusive = false; // e.g. shared by an earlier fork
      expect(folio_needs_cow_for_dma(mm, page.folio)).toBe(true);
      const child = dup_mmap(mm);
      expect(pte_lookup(child, buf)?.page).toBe(page);
      expect(pte_lookup(mm, buf)?.write).toBe(false); // COW mapping: both write-protected
      unpin_user_page(page);
    });
  });

  it('without MMF_HAS_PINNED a pinned-looking page is shared (folio_needs_cow_for_dma is false)', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mm, buf, page } = oneWrittenPage(1);
      expect(try_grab_folio(page.folio, 1, FOLL_PIN)).toBe(0); // no GUP path: flag left clear
      expect(mm.has_pinned).toBe(false);
      expect(folio_needs_cow_for_dma(mm, page.folio)).toBe(false);
      const child = dup_mmap(mm);
      expect(pte_lookup(child, buf)?.page).toBe(page);
      unpin_user_page(page);
    });
  });

  it('MMF_HAS_PINNED is set by the first FOLL_PIN and is not inherited by the child (mm_init)', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mm, buf } = oneWrittenPage(1);
      const pages: Page[] = [];
      expect(pin_user_pages_fast(mm, buf, 1, FOLL_WRITE, pages)).toBe(1);
      expect(mm.has_pinned).toBe(true);
      unpin_user_page(pages[0] as Page);
      expect(mm.has_pinned).toBe(true); // never cleared
      const child = dup_mmap(mm);
      expect(child.has_pinned).toBe(false);
    });
  });

  it('the child copy of a pinned page is writable and exclusive; the parent keeps the pinned page writable', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mm, buf, page } = oneWrittenPage(5);
      const pages: Page[] = [];
      expect(pin_user_pages_fast(mm, buf, 1, FOLL_WRITE, pages)).toBe(1);
      const child = dup_mmap(mm);
      const c = pte_lookup(child, buf);
      expect(c?.page).not.toBe(page);
      expect(c?.write).toBe(true);
      expect(c?.page.anon_exclusive).toBe(true);
      expect(pte_lookup(mm, buf)).toMatchObject({ page, write: true });
      expect(read_user(child, buf, 1)).toEqual(new Uint8Array([5]));
      unpin_user_page(page);
    });
  });
});

describe('write and unshare faults: do_wp_page / wp_can_reuse_anon_folio (mm/memory.c)', () => {
  it('after the child unmaps, the parent reuses the shared page in place (refcount == 1)', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mm, buf, page } = oneWrittenPage(1);
      const child = dup_mmap(mm);
      expect(page.anon_exclusive).toBe(false);
      expect(folio_ref_count(page.folio)).toBe(2);
      vm_munmap(child, buf, PAGE_SIZE);
      expect(folio_ref_count(page.folio)).toBe(1);
      write_user(mm, buf + 1, new Uint8Array([2]));
      expect(pte_lookup(mm, buf)).toMatchObject({ page, write: true });
      expect(page.anon_exclusive).toBe(true);
    });
  });

  it('an extra reference (a FOLL_GET in flight) forces a copy even with one mapping', () => {
    with_kernel(createKernel('linux-6.1'), () => {
      const { mm, buf, page } = oneWrittenPage(1);
      const child = dup_mmap(mm);
      folio_get(page.folio); // a bio's FOLL_GET ref
      vm_munmap(child, buf, PAGE_SIZE);
      write_user(mm, buf + 1, new Uint8Array([2]));
      expect(pte_lookup(mm, buf)?.page).not.toBe(page);
      folio_put(page.folio);
      expect(page.folio.freed).toBe(true);
    });
  });

  it('FAULT_FLAG_UNSHARE copies a shared page into a read-only PTE (wp_page_copy, unshare)', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mm, buf, page } = oneWrittenPage(3);
      const child = dup_mmap(mm);
      expect(handle_mm_fault(mm, buf, FAULT_FLAG_UNSHARE)).toBe(0);
      const p = pte_lookup(mm, buf);
      expect(p?.page).not.toBe(page);
      expect(p?.write).toBe(false);
      expect(p?.page.anon_exclusive).toBe(true);
      expect(pte_lookup(child, buf)?.page).toBe(page);
      expect(read_user(mm, buf, 1)).toEqual(new Uint8Array([3]));
    });
  });

  it('a R/O pin of a COW-shared page unshares first, so the pin is on an exclusive page (gup_must_unshare)', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mm, buf, page } = oneWrittenPage(4);
      const child = dup_mmap(mm);
      const pages: Page[] = [];
      expect(pin_user_pages_fast(mm, buf, 1, 0, pages)).toBe(1);
      expect(pages[0]).not.toBe(page);
      expect(pages[0]?.anon_exclusive).toBe(true);
      expect(pte_lookup(child, buf)?.page).toBe(page);
      unpin_user_page(pages[0] as Page);
    });
  });
});

describe('unpin_user_pages_dirty_lock (mm/gup.c)', () => {
  it('marks the folio dirty before dropping the pin when make_dirty, leaves it clean otherwise', () => {
    for (const make_dirty of [true, false]) {
      with_kernel(createKernel('linux-6.12'), () => {
        const { mm, buf, page } = oneWrittenPage(1);
        page.folio.dirty = false;
        const pages: Page[] = [];
        expect(pin_user_pages_fast(mm, buf, 1, FOLL_WRITE, pages)).toBe(1);
        unpin_user_pages_dirty_lock(pages, 1, make_dirty);
        expect(page.folio.dirty).toBe(make_dirty);
        expect(page.folio.gup_pins).toBe(0);
      });
    }
  });
});
