import { describe, expect, it } from 'vitest';
import { mm_invariants_at_quiescence } from '../../src/invariants/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import {
  copy_from_user,
  copy_to_user,
  dup_mmap,
  exit_mmap,
  FOLL_PIN,
  folio_alloc,
  folio_maybe_dma_pinned,
  folio_put,
  gup_put_folio,
  kmalloc,
  kmem_read,
  kmem_write,
  mm_alloc,
  PAGE_SIZE,
  PROT_READ,
  read_user,
  try_grab_folio,
  virt_to_page,
  vm_mmap,
  vm_munmap,
  write_user,
  ZERO_PAGE,
} from '../../src/mm/index.ts';

describe('mm: faults, user copies, munmap, large folios, kernel memory', () => {
  it('copy_to_user / copy_from_user return the bytes not copied at the end of a mapping', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, PAGE_SIZE);
      expect(copy_to_user(mm, buf + PAGE_SIZE - 10, new Uint8Array(30).fill(7))).toBe(20);
      const dst = new Uint8Array(30);
      expect(copy_from_user(mm, dst, buf + PAGE_SIZE - 10, 30)).toBe(20);
      expect(dst.subarray(0, 10)).toEqual(new Uint8Array(10).fill(7));
      exit_mmap(mm);
    });
  });

  it('a read fault maps the zero page; writing to a read-only mapping faults', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const ro = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ);
      expect(read_user(mm, ro, 4)).toEqual(new Uint8Array(4));
      expect(mm.ptes.get(ro / PAGE_SIZE)?.page).toBe(ZERO_PAGE());
      expect(copy_to_user(mm, ro, new Uint8Array([1]))).toBe(1);
      exit_mmap(mm);
    });
  });

  it('munmap drops the pages; a COW-shared page survives in the other process', () => {
    const k = createKernel('linux-6.1');
    with_kernel(k, () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
      write_user(mm, buf, new Uint8Array([5]));
      write_user(mm, buf + PAGE_SIZE, new Uint8Array([6]));
      const child = dup_mmap(mm);
      expect(vm_munmap(mm, buf, PAGE_SIZE)).toBe(0);
      expect(() => read_user(mm, buf, 1)).toThrow(/fault/);
      expect(read_user(mm, buf + PAGE_SIZE, 1)).toEqual(new Uint8Array([6]));
      expect(read_user(child, buf, 1)).toEqual(new Uint8Array([5]));
      exit_mmap(child);
      exit_mmap(mm);
      expect(k.live_folios.size).toBe(0);
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  });

  it('a large folio counts pins in _pincount and one ref per pin; folio_maybe_dma_pinned is exact', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const f = folio_alloc(2);
      expect(f.nr_pages).toBe(4);
      expect(try_grab_folio(f, 3, FOLL_PIN)).toBe(0);
      expect(f._pincount).toBe(3);
      expect(f._refcount).toBe(4);
      expect(folio_maybe_dma_pinned(f)).toBe(true);
      gup_put_folio(f, 3, FOLL_PIN);
      expect(folio_maybe_dma_pinned(f)).toBe(false);
      gup_put_folio(f, 1, FOLL_PIN); // one unpin too many
      expect(k.warnings.map((w) => w.kind)).toContain('pin_underflow');
      folio_put(f);
    });
  });

  it('kmalloc packs objects like a slab, so kvec addresses have in-page offsets', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const a = kmalloc(100);
      const b = kmalloc(5000);
      expect(b % PAGE_SIZE).not.toBe(0);
      kmem_write(b, new Uint8Array(5000).fill(9));
      expect(kmem_read(b + 4990, 10)).toEqual(new Uint8Array(10).fill(9));
      expect(virt_to_page(a)).toBe(virt_to_page(a + 99));
      expect(() => virt_to_page(12345)).toThrow(/not a kmalloc'd kernel address/);
    });
  });
});
