// MAP_PRIVATE file mappings (mm/memory.c do_fault: do_read_fault maps the page-cache folio
// read-only, do_cow_fault copies it on a write fault, do_wp_page copies it on the first store)
// and GUP on them (mm/gup.c; mm/internal.h gup_must_unshare: a short-term R/O pin takes the
// page-cache page itself; a R/O FOLL_LONGTERM pin in a COW mapping unshares first since 6.2,
// "mm/gup: reliable R/O long-term pinning in COW mappings").
import { describe, expect, it } from 'vitest';
import { EFAULT } from '../../src/errno.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import {
  address_space_create,
  copy_from_user,
  copy_to_user,
  FAULT_FLAG_WRITE,
  FOLL_LONGTERM,
  FOLL_WRITE,
  filemap_lookup,
  GUP_PIN_COUNTING_BIAS,
  get_user_pages_fast,
  handle_mm_fault,
  invalidate_inode_pages2_range,
  mm_alloc,
  PAGE_SIZE,
  type Page,
  pin_user_pages_fast,
  pte_lookup,
  put_user_page_ref,
  read_user,
  unpin_user_page,
  unpin_user_pages,
  VM_FAULT_SIGBUS,
  vm_mmap_file_private,
  write_user,
} from '../../src/mm/index.ts';

const FILE_BYTE = 0x46;

/** A process mapping one page of a file privately; the page read once (do_read_fault). */
function mapped(readFirst: boolean) {
  const mapping = address_space_create((folio) => folio.dataForWrite().fill(FILE_BYTE), {
    i_size: PAGE_SIZE,
  });
  const mm = mm_alloc();
  const addr = vm_mmap_file_private(mm, mapping, PAGE_SIZE);
  if (readFirst) expect(handle_mm_fault(mm, addr, 0)).toBe(0);
  return { mapping, mm, addr };
}

describe('MAP_PRIVATE file mappings (mm/memory.c do_fault, do_wp_page)', () => {
  it('a read fault maps the page-cache folio read-only, holding a reference for the PTE', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mapping, mm, addr } = mapped(true);
      const folio = filemap_lookup(mapping, 0);
      const pte = pte_lookup(mm, addr);
      expect(pte?.page.folio).toBe(folio);
      expect(pte?.write).toBe(false);
      expect(folio?._refcount).toBe(2); // the page cache's and the PTE's
      expect(folio?.anon).toBe(false);
      expect(read_user(mm, addr, 1)[0]).toBe(FILE_BYTE);
    });
  });

  it('the first store copies the page (COW from the page cache): the file keeps its bytes', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mapping, mm, addr } = mapped(true);
      const folio = filemap_lookup(mapping, 0);
      write_user(mm, addr + 8, Uint8Array.of(0x53));
      const pte = pte_lookup(mm, addr);
      expect(pte?.page.folio).not.toBe(folio);
      expect(pte?.page.folio.anon).toBe(true);
      expect(pte?.page.anon_exclusive).toBe(true);
      expect(read_user(mm, addr + 7, 2)).toEqual(Uint8Array.of(FILE_BYTE, 0x53));
      expect(folio?.peek(8, 1)[0]).toBe(FILE_BYTE);
      expect(folio?._refcount).toBe(1); // the PTE's reference went with the mapping
      expect(folio?._mapcount).toBe(0);
    });
  });

  it('a write fault on an unmapped page is do_cow_fault: a private copy, the cache untouched', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mapping, mm, addr } = mapped(false);
      write_user(mm, addr, Uint8Array.of(0x53));
      const folio = filemap_lookup(mapping, 0);
      expect(pte_lookup(mm, addr)?.page.folio.anon).toBe(true);
      expect(folio?.peek(0, 1)[0]).toBe(FILE_BYTE);
      expect(folio?._refcount).toBe(1); // __do_fault's reference dropped after the copy
    });
  });
});

describe('GUP on a MAP_PRIVATE file mapping (mm/gup.c, mm/internal.h gup_must_unshare)', () => {
  it('6.12: a short-term R/O pin (a DIO write) pins the page-cache page; a store then copies', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mapping, mm, addr } = mapped(true);
      const folio = filemap_lookup(mapping, 0);
      const pages: (Page | undefined)[] = [undefined];
      expect(pin_user_pages_fast(mm, addr, 1, 0, pages)).toBe(1);
      expect(pages[0]?.folio).toBe(folio);
      expect(folio?._refcount).toBe(2 + GUP_PIN_COUNTING_BIAS);
      write_user(mm, addr, Uint8Array.of(0x53));
      // The pinned page keeps the file's bytes: the store went to the copy.
      expect(pages[0]?.folio.peek(0, 1)[0]).toBe(FILE_BYTE);
      expect(read_user(mm, addr, 1)[0]).toBe(0x53);
      unpin_user_page(pages[0] as Page);
      expect(folio?._refcount).toBe(1);
    });
  });

  it('6.1: the same R/O GUP (FOLL_GET) takes a reference on the page-cache page', () => {
    with_kernel(createKernel('linux-6.1'), () => {
      const { mapping, mm, addr } = mapped(true);
      const folio = filemap_lookup(mapping, 0);
      const pages: (Page | undefined)[] = [undefined];
      expect(get_user_pages_fast(mm, addr, 1, 0, pages)).toBe(1);
      expect(pages[0]?.folio).toBe(folio);
      expect(folio?.gup_refs).toBe(1);
      put_user_page_ref(pages[0] as Page);
      expect(folio?._refcount).toBe(2);
    });
  });

  it('a FOLL_WRITE pin breaks COW first: the pin is on a private copy', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mapping, mm, addr } = mapped(true);
      const folio = filemap_lookup(mapping, 0);
      const pages: (Page | undefined)[] = [undefined];
      expect(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, pages)).toBe(1);
      expect(pages[0]?.folio).not.toBe(folio);
      expect(pages[0]?.folio.anon).toBe(true);
      expect(folio?._refcount).toBe(1);
      unpin_user_page(pages[0] as Page);
    });
  });

  it('R/O FOLL_LONGTERM: 6.12 unshares to a private copy, 6.1 pins the page-cache page', () => {
    for (const [profile, unshares] of [
      ['linux-6.12', true],
      ['linux-6.1', false],
    ] as const) {
      with_kernel(createKernel(profile), () => {
        const { mapping, mm, addr } = mapped(true);
        const folio = filemap_lookup(mapping, 0);
        const pages: (Page | undefined)[] = [undefined];
        expect(pin_user_pages_fast(mm, addr, 1, FOLL_LONGTERM, pages)).toBe(1);
        expect(pages[0]?.folio === folio).toBe(!unshares);
        // The unshare fault leaves the PTE read-only (wp_page_copy for FAULT_FLAG_UNSHARE).
        expect(pte_lookup(mm, addr)?.write).toBe(false);
        expect(pte_lookup(mm, addr)?.page).toBe(pages[0]);
        unpin_user_page(pages[0] as Page);
      });
    }
  });
});

describe('a MAP_PRIVATE mapping longer than its file (mm/filemap.c filemap_fault)', () => {
  /** Two pages mapped over a one-page file: the second lies wholly past i_size. */
  function pastEof() {
    const mapping = address_space_create((folio) => folio.dataForWrite().fill(FILE_BYTE), {
      i_size: PAGE_SIZE,
    });
    const mm = mm_alloc();
    const addr = vm_mmap_file_private(mm, mapping, 2 * PAGE_SIZE);
    return { mapping, mm, addr };
  }

  it('a read or write fault past EOF is VM_FAULT_SIGBUS, maps nothing and caches nothing', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mapping, mm, addr } = pastEof();
      expect(handle_mm_fault(mm, addr + PAGE_SIZE, 0)).toBe(VM_FAULT_SIGBUS);
      expect(handle_mm_fault(mm, addr + PAGE_SIZE, FAULT_FLAG_WRITE)).toBe(VM_FAULT_SIGBUS);
      expect(pte_lookup(mm, addr + PAGE_SIZE)).toBeUndefined();
      expect(filemap_lookup(mapping, 1)).toBeUndefined();
      // A copy stops there (the store's or load's SIGBUS): the page before it is copied.
      expect(copy_to_user(mm, addr + PAGE_SIZE - 2, Uint8Array.of(1, 2, 3, 4))).toBe(2);
      const out = new Uint8Array(4);
      expect(copy_from_user(mm, out, addr + PAGE_SIZE - 2, 4)).toBe(2);
    });
  });

  it('GUP gets -EFAULT for the page past EOF, or the pages before it', () => {
    for (const profile of ['linux-6.12', 'linux-6.1'] as const) {
      with_kernel(createKernel(profile), () => {
        const { mapping, mm, addr } = pastEof();
        const pages: (Page | undefined)[] = [undefined, undefined];
        // R/O (a DIO write: do_read_fault) and FOLL_WRITE (a DIO read: do_cow_fault) alike.
        for (const flags of [0, FOLL_WRITE]) {
          expect(pin_user_pages_fast(mm, addr + PAGE_SIZE, 1, flags, pages)).toBe(-EFAULT);
          expect(get_user_pages_fast(mm, addr + PAGE_SIZE, 1, flags, pages)).toBe(-EFAULT);
        }
        expect(pages).toEqual([undefined, undefined]);
        expect(pte_lookup(mm, addr + PAGE_SIZE)).toBeUndefined();
        // From the page inside the file: that page only ("return i ? i : ret").
        expect(pin_user_pages_fast(mm, addr, 2, 0, pages)).toBe(1);
        expect(pages[0]?.folio).toBe(filemap_lookup(mapping, 0));
        expect(pages[1]).toBeUndefined();
        unpin_user_pages([pages[0] as Page]);
        expect(filemap_lookup(mapping, 0)?.gup_pins).toBe(0);
      });
    }
  });
});

describe('invalidate_inode_pages2_range of a mapped folio (mm/truncate.c, unmap_mapping_pages)', () => {
  it('zaps the ptes of the page-cache folios, keeps a COW copy, and the next read faults in the new bytes', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      let fill = FILE_BYTE;
      const mapping = address_space_create((folio) => folio.dataForWrite().fill(fill), {
        i_size: 3 * PAGE_SIZE,
      });
      const mm = mm_alloc();
      const addr = vm_mmap_file_private(mm, mapping, 3 * PAGE_SIZE);
      expect(handle_mm_fault(mm, addr, 0)).toBe(0); // page 0: the page-cache folio itself
      write_user(mm, addr + PAGE_SIZE, new Uint8Array([0x53])); // page 1: do_cow_fault's copy
      const f0 = filemap_lookup(mapping, 0);
      const copy = pte_lookup(mm, addr + PAGE_SIZE)?.page;
      expect(copy?.folio.anon).toBe(true);
      fill = 0x4e; // the backing store now holds other bytes (an O_DIRECT write went there)
      invalidate_inode_pages2_range(mapping, 0, 2);
      // even_cows false: the page-cache folio's pte is zapped, the anonymous copy's is kept.
      expect(pte_lookup(mm, addr)).toBeUndefined();
      expect(pte_lookup(mm, addr + PAGE_SIZE)?.page).toBe(copy);
      expect(f0?._mapcount).toBe(0);
      expect(f0?.mapping).toBeNull();
      expect(filemap_lookup(mapping, 0)).toBeUndefined();
      expect(read_user(mm, addr, 1)[0]).toBe(0x4e);
      expect(read_user(mm, addr + PAGE_SIZE, 1)[0]).toBe(0x53);
    });
  });
});
