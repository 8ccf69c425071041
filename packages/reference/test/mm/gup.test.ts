import { describe, expect, it } from 'vitest';
import { EFAULT } from '../../src/errno.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import {
  do_anonymous_large_folio,
  do_mprotect_pkey,
  dup_mmap,
  FOLL_LONGTERM,
  FOLL_WRITE,
  folio_alloc,
  folio_maybe_dma_pinned,
  GUP_PIN_COUNTING_BIAS,
  get_user_pages_fast,
  mm_alloc,
  PAGE_SIZE,
  type Page,
  PROT_READ,
  PROT_WRITE,
  pin_user_pages_fast,
  put_user_page_ref,
  read_user,
  unpin_user_page,
  unpin_user_pages,
  unpin_user_pages_dirty_lock,
  VM_READ,
  VM_WRITE,
  vm_mmap,
  vma_lookup,
  write_user,
  ZERO_PAGE,
} from '../../src/mm/index.ts';

describe('pin_user_pages_fast / get_user_pages_fast (mm/gup.c)', () => {
  // do_mmap / do_mprotect_pkey: calc_vm_prot_bits gives PROT_WRITE alone VM_WRITE, no VM_READ.
  // GUP-fast takes a present page without looking at the vma; the slow path's check_vma_flags
  // refuses a read GUP of that vma (Debian 6.1.192 and 6.12.117).
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: a PROT_WRITE-only vma has no VM_READ: a read GUP takes its present pages only`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, 3 * PAGE_SIZE, PROT_WRITE);
        expect((vma_lookup(mm, buf)?.vm_flags ?? 0) & (VM_READ | VM_WRITE)).toBe(VM_WRITE);
        write_user(mm, buf, Uint8Array.of(5)); // page 0 faulted in by a store
        expect([...read_user(mm, buf, 1)]).toEqual([5]); // a load of page 2 maps the zero page
        expect([...read_user(mm, buf + 2 * PAGE_SIZE, 1)]).toEqual([0]);
        const pages: Page[] = [];
        // Fast: page 0. Slow from page 1 (no pte): check_vma_flags -> -EFAULT, so a short count.
        expect(pin_user_pages_fast(mm, buf, 2, 0, pages)).toBe(1);
        unpin_user_page(pages[0] as Page);
        // The zero page's pte is special: GUP-fast leaves it to the slow path, which refuses.
        expect(pin_user_pages_fast(mm, buf + 2 * PAGE_SIZE, 1, 0, pages)).toBe(-EFAULT);
        expect(get_user_pages_fast(mm, buf + PAGE_SIZE, 1, 0, pages)).toBe(-EFAULT);
        // FOLL_WRITE asks VM_WRITE only: the write fault maps page 1.
        expect(pin_user_pages_fast(mm, buf + PAGE_SIZE, 1, FOLL_WRITE, pages)).toBe(1);
        unpin_user_page(pages[0] as Page);
        // mprotect(PROT_READ) and back to PROT_WRITE alone: VM_WRITE only again.
        expect(do_mprotect_pkey(mm, buf, PAGE_SIZE, PROT_READ)).toBe(0);
        expect(do_mprotect_pkey(mm, buf, PAGE_SIZE, PROT_WRITE)).toBe(0);
        expect((vma_lookup(mm, buf)?.vm_flags ?? 0) & (VM_READ | VM_WRITE)).toBe(VM_WRITE);
        expect(k.warnings).toEqual([]);
      });
    });
  }

  it('a pin adds GUP_PIN_COUNTING_BIAS on a small folio and counts in vmstat', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
      const pages: Page[] = [];
      expect(pin_user_pages_fast(mm, buf, 2, FOLL_WRITE, pages)).toBe(2);
      const f = (pages[0] as Page).folio;
      expect(f._refcount).toBe(1 + GUP_PIN_COUNTING_BIAS);
      expect(folio_maybe_dma_pinned(f)).toBe(true);
      expect(mm.has_pinned).toBe(true);
      expect(k.vmstat.nr_foll_pin_acquired).toBe(2);
      unpin_user_pages_dirty_lock(pages, 2, true);
      expect(f._refcount).toBe(1);
      expect(f.dirty).toBe(true);
      expect(k.vmstat.nr_foll_pin_released).toBe(2);
      expect(k.warnings).toEqual([]);
    });
  });

  it('fails with -EFAULT outside any VMA and returns a partial count at a VMA end', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, PAGE_SIZE);
      const pages: Page[] = [];
      expect(pin_user_pages_fast(mm, buf + 16 * PAGE_SIZE, 1, 0, pages)).toBe(-14);
      expect(pin_user_pages_fast(mm, buf, 3, 0, pages)).toBe(1);
      unpin_user_page(pages[0] as Page);
    });
  });

  // check_vma_flags (Debian 6.1.192, 6.12.117): "if (write) { if (!(vm_flags & VM_WRITE)) ... }
  // else if (!(vm_flags & VM_READ)) ...": a FOLL_WRITE GUP needs VM_WRITE only.
  it('check_vma_flags: a FOLL_WRITE GUP needs VM_WRITE, not VM_READ; a read GUP needs VM_READ', () => {
    for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
      with_kernel(createKernel(profile), () => {
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, PAGE_SIZE);
        const vma = vma_lookup(mm, buf);
        if (vma === undefined) throw new Error('no vma');
        // calc_vm_prot_bits(PROT_WRITE) alone: VM_WRITE without VM_READ.
        vma.vm_flags &= ~VM_READ;
        const pages: Page[] = [];
        expect(pin_user_pages_fast(mm, buf, 1, FOLL_WRITE, pages)).toBe(1);
        unpin_user_page(pages[0] as Page);
        // The page is now present and writable: GUP-fast takes it without the vma check.
        expect(get_user_pages_fast(mm, buf, 1, 0, pages)).toBe(1);
        put_user_page_ref(pages[0] as Page);
        expect(pin_user_pages_fast(mm, buf, 1, 0, pages)).toBe(1);
        unpin_user_page(pages[0] as Page);
        // Not present: the slow path's check_vma_flags refuses the read GUP.
        const other = vm_mmap(mm, 0, PAGE_SIZE);
        const ovma = vma_lookup(mm, other);
        if (ovma === undefined) throw new Error('no vma');
        ovma.vm_flags &= ~VM_READ;
        expect(get_user_pages_fast(mm, other, 1, 0, [])).toBe(-EFAULT);
        expect(pin_user_pages_fast(mm, other, 1, 0, [])).toBe(-EFAULT);
      });
    }
  });

  it('a misaligned start works on the pages containing it (start & PAGE_MASK), no -EINVAL', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
      const aligned: Page[] = [];
      const misaligned: Page[] = [];
      expect(pin_user_pages_fast(mm, buf, 2, FOLL_WRITE, aligned)).toBe(2);
      expect(pin_user_pages_fast(mm, buf + 100, 2, FOLL_WRITE, misaligned)).toBe(2);
      expect(misaligned).toEqual(aligned);
      unpin_user_pages([...aligned, ...misaligned], 4);
    });
  });

  // Debian 6.1.192's mm/gup.c has "mm: Don't pin ZERO_PAGE in pin_user_pages()" (6.5, in 6.1.y):
  // try_grab_folio / try_grab_page return early for is_zero_page and gup_put_folio for
  // is_zero_folio. Only the gup_pin_zero_page fault (the kernels before it) pins and counts it.
  it('the zero page is never pinned or counted on 6.1.192 or 6.12; the fault pins it', () => {
    for (const [profile, faults, counted] of [
      ['linux-6.1', [], 0],
      ['linux-6.12', [], 0],
      ['linux-6.1', ['gup_pin_zero_page'], 1],
      ['linux-6.12', ['gup_pin_zero_page'], 1],
    ] as const) {
      const k = createKernel(profile, { faults: [...faults] });
      with_kernel(k, () => {
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, PAGE_SIZE);
        const pages: Page[] = [];
        expect(pin_user_pages_fast(mm, buf, 1, 0, pages)).toBe(1);
        expect(pages[0]).toBe(ZERO_PAGE());
        expect(k.vmstat.nr_foll_pin_acquired).toBe(counted);
        unpin_user_page(pages[0] as Page);
        expect(k.vmstat.nr_foll_pin_released).toBe(counted);
        expect(k.warnings).toEqual([]);
      });
    }
  });

  it('a R/O long-term pin unshares the zero page on 6.12 but not on 6.1', () => {
    for (const [profile, zero] of [
      ['linux-6.1', true],
      ['linux-6.12', false],
    ] as const) {
      with_kernel(createKernel(profile), () => {
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, PAGE_SIZE);
        read_user(mm, buf, 1);
        const pages: Page[] = [];
        expect(pin_user_pages_fast(mm, buf, 1, FOLL_LONGTERM, pages)).toBe(1);
        expect((pages[0] as Page).folio.is_zero).toBe(zero);
        unpin_user_page(pages[0] as Page);
      });
    }
  });

  it('unpinning a page taken with FOLL_GET is reported as a release mismatch', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, PAGE_SIZE);
      write_user(mm, buf, new Uint8Array([1]));
      const pages: Page[] = [];
      expect(get_user_pages_fast(mm, buf, 1, 0, pages)).toBe(1);
      unpin_user_page(pages[0] as Page);
      expect(k.warnings.map((w) => w.kind)).toContain('release_mismatch');
    });
  });

  it('fork copies a pinned anonymous page for the child and COW-shares a ref-held one', () => {
    for (const [pin, parentKeeps] of [
      [true, true],
      [false, false],
    ] as const) {
      with_kernel(createKernel('linux-6.12'), () => {
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, PAGE_SIZE);
        write_user(mm, buf, new Uint8Array([7]));
        const pages: Page[] = [];
        const n = pin
          ? pin_user_pages_fast(mm, buf, 1, FOLL_WRITE, pages)
          : get_user_pages_fast(mm, buf, 1, FOLL_WRITE, pages);
        expect(n).toBe(1);
        const child = dup_mmap(mm);
        write_user(mm, buf + 1, new Uint8Array([8])); // parent writes the same page
        const parentPage = mm.ptes.get(buf / PAGE_SIZE)?.page;
        expect(parentPage === pages[0]).toBe(parentKeeps);
        expect(read_user(child, buf, 2)).toEqual(new Uint8Array([7, 0]));
        expect(read_user(mm, buf, 2)).toEqual(new Uint8Array([7, 8]));
        if (pin) unpin_user_page(pages[0] as Page);
        else put_user_page_ref(pages[0] as Page);
      });
    }
  });
});

describe('large anonymous folios (mm/gup.c try_grab_folio / gup_put_folio, include/linux/mm.h)', () => {
  it('a pin adds 1 to _refcount and _pincount, unpins mirror it, FOLL_GET adds refs only', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const mm = mm_alloc();
      // 16 KiB-aligned, four pages: one order-2 folio mapped by four PTEs.
      const buf = vm_mmap(mm, 0x4000_0000, 4 * PAGE_SIZE);
      expect(do_anonymous_large_folio(mm, buf + PAGE_SIZE, 2)).toBe(0);
      const pages: Page[] = [];
      expect(pin_user_pages_fast(mm, buf + 2 * PAGE_SIZE, 2, FOLL_WRITE, pages)).toBe(2);
      const f = (pages[0] as Page).folio;
      expect(f.order).toBe(2);
      expect((pages[1] as Page).folio).toBe(f);
      expect((pages[0] as Page).index_in_folio).toBe(2);
      // One ref per mapped page, plus one per pin (not GUP_PIN_COUNTING_BIAS).
      expect(f._refcount).toBe(4 + 2);
      expect(f._pincount).toBe(2);
      expect(folio_maybe_dma_pinned(f)).toBe(true);
      unpin_user_page(pages[0] as Page);
      expect(f._pincount).toBe(1);
      expect(folio_maybe_dma_pinned(f)).toBe(true);
      unpin_user_page(pages[1] as Page);
      expect(f._pincount).toBe(0);
      expect(f._refcount).toBe(4);
      expect(folio_maybe_dma_pinned(f)).toBe(false);
      expect(k.vmstat.nr_foll_pin_acquired).toBe(2);
      expect(k.vmstat.nr_foll_pin_released).toBe(2);
      const got: Page[] = [];
      expect(get_user_pages_fast(mm, buf, 1, 0, got)).toBe(1);
      expect(f._refcount).toBe(5);
      expect(f._pincount).toBe(0);
      expect(folio_maybe_dma_pinned(f)).toBe(false);
      put_user_page_ref(got[0] as Page);
      expect(f._refcount).toBe(4);
      expect(k.warnings).toEqual([]);
    });
  });

  it('an unpin of an unpinned large folio drives _pincount negative and WARNs', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0x4000_0000, 4 * PAGE_SIZE);
      expect(do_anonymous_large_folio(mm, buf, 2)).toBe(0);
      const page = mm.ptes.get(buf / PAGE_SIZE)?.page as Page;
      unpin_user_page(page);
      expect(page.folio._pincount).toBe(-1);
      expect(k.warnings.map((w) => w.kind)).toContain('pin_underflow');
    });
  });

  it("unpin_user_pages drops a folio's pins in one batch (gup_folio_next): no free mid-way", () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      // An order-1 folio nobody pinned, holding its owner's reference only.
      const folio = folio_alloc(1);
      unpin_user_pages([folio.page(0), folio.page(1)]);
      // gup_put_folio(folio, 2): _pincount -2, refcount 1 - 2, never reached 0 so not freed.
      expect(folio._pincount).toBe(-2);
      expect(folio._refcount).toBe(-1);
      expect(folio.freed).toBe(false);
      const kinds = k.warnings.map((w) => w.kind);
      expect(kinds).toContain('pin_underflow');
      expect(kinds).not.toContain('use_after_free');
    });
  });

  it('falls back to a small page when the aligned block runs past the VMA', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0x4000_0000, 3 * PAGE_SIZE);
      expect(do_anonymous_large_folio(mm, buf, 2)).toBe(0);
      expect(mm.ptes.get(buf / PAGE_SIZE)?.page.folio.order).toBe(0);
    });
  });
});
