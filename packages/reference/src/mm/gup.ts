// get_user_pages and pin_user_pages: taking refs (FOLL_GET) or pins (FOLL_PIN) on user pages.
// Kernel: mm/gup.c (try_grab_folio, gup_put_folio, __get_user_pages, check_vma_flags,
// pin_user_pages_fast, get_user_pages_fast, unpin_user_page(s), unpin_user_pages_dirty_lock),
// mm/internal.h (gup_must_unshare), Documentation/core-api/pin_user_pages.rst.
import { EFAULT, EINVAL, ENOMEM } from '../errno.ts';
import { current_kernel } from '../kernel.ts';
import {
  FOLL_GET,
  FOLL_LONGTERM,
  FOLL_NOFAULT,
  FOLL_PIN,
  FOLL_WRITE,
  GUP_PIN_COUNTING_BIAS,
  PAGE_SIZE,
  VM_READ,
  VM_WRITE,
} from './constants.ts';
import type { Folio, Page } from './folio.ts';
import { folio_put_refs, folio_test_large } from './folio.ts';
import {
  FAULT_FLAG_UNSHARE,
  FAULT_FLAG_WRITE,
  handle_mm_fault,
  VM_FAULT_OOM,
  vma_is_accessible,
} from './memory.ts';
import type { MmStruct, Pte, VmAreaStruct } from './mmap.ts';
import { is_cow_mapping, vma_lookup } from './mmap.ts';
import { vma_is_secretmem } from './secretmem.ts';

/**
 * Whether pins on the zero page are skipped (6.5+: "mm: Don't pin ZERO_PAGE": try_grab_folio
 * and gup_put_folio return early for is_zero_folio). The gup_pin_zero_page fault is the code
 * before that commit on a profile that has it.
 */
function zero_pin_skipped(folio: Folio): boolean {
  const k = current_kernel();
  return folio.is_zero && !k.profile.zero_page_pinned && !k.hasFault('gup_pin_zero_page');
}

/**
 * try_grab_folio: takes refs (FOLL_GET) or pins (FOLL_PIN) on a folio. A pin on a small folio
 * adds GUP_PIN_COUNTING_BIAS to the refcount; a large folio gets one ref plus _pincount.
 * Returns 0 or -ENOMEM (a folio with no refs cannot be grabbed).
 */
export function try_grab_folio(folio: Folio, refs: number, flags: number): number {
  const k = current_kernel();
  if (folio._refcount <= 0 || folio.freed) {
    k.WARN(
      'bug',
      `try_grab_folio on folio ${folio.pfn} with refcount ${folio._refcount}`,
      folio.pfn,
    );
    return -ENOMEM;
  }
  if (flags & FOLL_GET) {
    folio._refcount += refs;
    folio.gup_refs += refs;
  } else if (flags & FOLL_PIN) {
    if (zero_pin_skipped(folio)) return 0;
    if (folio_test_large(folio)) {
      folio._refcount += refs;
      folio._pincount += refs;
    } else {
      folio._refcount += refs * GUP_PIN_COUNTING_BIAS;
    }
    folio.gup_pins += refs;
    k.vmstat.nr_foll_pin_acquired += refs;
  } else {
    k.WARN('bug', 'try_grab_folio without FOLL_GET or FOLL_PIN');
    return -EINVAL;
  }
  return 0;
}

/**
 * gup_put_folio: drops what try_grab_folio took. The ledger check records a release that does
 * not match the acquisition (a pin dropped with put_page, a ref dropped with unpin) or an unpin
 * of a folio holding no pin; the kernel's arithmetic is still applied, as the kernel would.
 */
export function gup_put_folio(folio: Folio, refs: number, flags: number): void {
  const k = current_kernel();
  if (flags & FOLL_PIN) {
    if (zero_pin_skipped(folio)) return;
    if (folio.gup_pins < refs) {
      if (folio.gup_refs > 0) {
        k.WARN(
          'release_mismatch',
          `unpin of folio ${folio.pfn} that was taken with FOLL_GET`,
          folio.pfn,
        );
      } else {
        k.WARN(
          'pin_underflow',
          `unpin of folio ${folio.pfn} holding ${folio.gup_pins} pins`,
          folio.pfn,
        );
      }
    }
    folio.gup_pins -= refs;
    k.vmstat.nr_foll_pin_released += refs;
    if (folio_test_large(folio)) {
      folio._pincount -= refs;
      if (folio._pincount < 0)
        k.WARN('pin_underflow', `folio ${folio.pfn} _pincount ${folio._pincount}`, folio.pfn);
    } else {
      refs *= GUP_PIN_COUNTING_BIAS;
    }
  } else {
    if (folio.gup_refs < refs) {
      if (folio.gup_pins > 0) {
        k.WARN(
          'release_mismatch',
          `put_page of folio ${folio.pfn} that was pinned with FOLL_PIN`,
          folio.pfn,
        );
      } else {
        k.WARN(
          'release_mismatch',
          `put of a GUP ref on folio ${folio.pfn} that holds none`,
          folio.pfn,
        );
      }
    }
    folio.gup_refs -= refs;
  }
  folio_put_refs(folio, refs);
}

/**
 * gup_must_unshare (mm/internal.h): a R/O pin of an anonymous page that is not exclusive must
 * first unshare it (FAULT_FLAG_UNSHARE) so the pin stays coherent with the page table. Since
 * 6.2 R/O long-term pins of other pages (the zero page) in COW mappings unshare too.
 */
export function gup_must_unshare(cow_mapping: boolean, flags: number, page: Page): boolean {
  if ((flags & (FOLL_WRITE | FOLL_PIN)) !== FOLL_PIN) return false;
  if (!page.folio.anon) {
    if (!current_kernel().profile.longterm_ro_pin_unshares) return false;
    if (!(flags & FOLL_LONGTERM)) return false;
    return cow_mapping;
  }
  return !page.anon_exclusive;
}

/**
 * faultin_page (mm/gup.c, 6.1 and 6.12): under FOLL_NOFAULT it returns -EFAULT before any
 * fault is taken, so __get_user_pages stops at the first page that is not mapped as asked
 * (`return i ? i : ret`: a short count, or the error for the first page); otherwise a write
 * fault for FOLL_WRITE, an unshare fault for a R/O pin that must unshare (-EMLINK from
 * follow_page_pte). Returns 0 when the fault mapped the page, else "if (ret & VM_FAULT_ERROR)
 * return vm_fault_to_errno(ret, *flags)": vm_fault_to_errno (include/linux/mm.h, Debian 6.12.117
 * :3654-3663) makes VM_FAULT_OOM (wp_page_copy could not get a page) -ENOMEM, and
 * VM_FAULT_SIGSEGV and VM_FAULT_SIGBUS (a file page past i_size: filemap_fault) -EFAULT.
 */
function faultin_page(mm: MmStruct, address: number, gup_flags: number, unshare: boolean): number {
  if (gup_flags & FOLL_NOFAULT) return -EFAULT;
  const fault_flags = unshare ? FAULT_FLAG_UNSHARE : gup_flags & FOLL_WRITE ? FAULT_FLAG_WRITE : 0;
  const ret = handle_mm_fault(mm, address, fault_flags);
  if (ret === 0) return 0;
  return ret & VM_FAULT_OOM ? -ENOMEM : -EFAULT;
}

/**
 * Whether GUP-fast takes the page pte maps (gup_fast_pte_range, 6.12; gup_pte_range, 6.1): a
 * present pte (pte_none: no page yet, a fault is needed) that is not PROT_NONE (pte_protnone;
 * pte_access_permitted: x86 clears _PAGE_PRESENT of a PROT_NONE pte), writable for FOLL_WRITE
 * (pte_access_permitted(pte, write)), not special (pte_special: the zero page, which
 * do_anonymous_page maps with pte_mkspecial), and not one a R/O pin must first unshare ("if
 * (!pte_write(pte) && gup_must_unshare(...)) goto pte_unmap"). No vma is looked at: a present
 * pte is under one, whose access bits made it (vm_get_page_prot).
 */
function gup_fast_pte_ok(
  pte: Pte | undefined,
  vma: VmAreaStruct | undefined,
  gup_flags: number,
): boolean {
  if (pte === undefined || vma === undefined) return false;
  // PROT_NONE; a present memfd_secret page is rejected too (6.1 gup_pte_range: "if
  // (unlikely(page_is_secretmem(page))) { gup_put_folio(folio, 1, flags); goto pte_unmap; }";
  // 6.12 gup_fast_pte_range -> gup_fast_folio_allowed: "if (check_secretmem &&
  // secretmem_mapping(mapping)) return false;"). The kernel grabs the folio before it looks and
  // puts it again (6.12 FOLL_PIN: nr_foll_pin_acquired and _released both move by one), which
  // the model leaves out: the walk stops before the grab.
  if (!vma_is_accessible(vma) || vma_is_secretmem(vma)) return false;
  if (gup_flags & FOLL_WRITE ? !pte.write : pte.page.folio.is_zero) return false;
  return pte.write || !gup_must_unshare(is_cow_mapping(vma.vm_flags), gup_flags, pte.page);
}

/**
 * check_vma_flags (mm/gup.c, Debian 6.1.192 and 6.12), the parts the model's vmas reach: a
 * memfd_secret vma is refused ("if (vma_is_secretmem(vma)) return -EFAULT;"), then a FOLL_WRITE
 * GUP needs VM_WRITE and any other GUP VM_READ. True when the GUP may go on.
 */
function check_vma_flags(vma: VmAreaStruct, write: boolean): boolean {
  if (vma_is_secretmem(vma)) return false;
  return (vma.vm_flags & (write ? VM_WRITE : VM_READ)) !== 0;
}

/**
 * __get_user_pages: faults in and grabs nr_pages user pages from start. Returns the number
 * grabbed, or a negative errno when the first one fails. pages[i] receives page i.
 */
export function __get_user_pages(
  mm: MmStruct,
  start: number,
  nr_pages: number,
  gup_flags: number,
  pages: (Page | undefined)[],
): number {
  // gup_fast_fallback (6.12; 6.1 internal_get_user_pages_fast): "start = untagged_addr(start) &
  // PAGE_MASK": GUP works on the pages containing [start, ...), a misaligned start is no error.
  start -= start % PAGE_SIZE;
  if (!Number.isInteger(nr_pages) || nr_pages < 0) return -EINVAL;
  if (nr_pages === 0) return 0;
  if (mm.dead) return -EFAULT;
  // mm_set_has_pinned_flag(): the first FOLL_PIN marks the mm for fork's copy-on-pin.
  if (gup_flags & FOLL_PIN) mm.has_pinned = true;
  const write = (gup_flags & FOLL_WRITE) !== 0;
  // What the first page's failure returns ("return i ? i : ret;"): check_vma_flags' and a missing
  // vma's -EFAULT, or the error of the fault or the grab that failed.
  let ret = -EFAULT;
  // gup_fast_fallback (6.12; 6.1 internal_get_user_pages_fast): the lockless walk
  // (gup_fast_pte_range; 6.1 gup_pte_range) takes the pages from start for as long as their ptes
  // allow it without a fault and without the vma, and the slow __get_user_pages does the rest.
  let fast = true;
  let i = 0;
  for (; i < nr_pages; i++) {
    const addr = start + i * PAGE_SIZE;
    const vma = vma_lookup(mm, addr);
    const vpn = Math.floor(addr / PAGE_SIZE);
    fast &&= gup_fast_pte_ok(mm.ptes.get(vpn), vma, gup_flags);
    // check_vma_flags (Debian 6.1.192 and 6.12.117 mm/gup.c), slow path only: no VMA, a
    // FOLL_WRITE GUP of a VMA without VM_WRITE, or another GUP of one without VM_READ fail ("if
    // (write) { if (!(vm_flags & VM_WRITE)) ... return -EFAULT; } else if (!(vm_flags & VM_READ))
    // ... return -EFAULT;"): VM_READ is not asked of a write. A page the fast walk took was not
    // checked: a read GUP of a present page of a PROT_WRITE-only vma succeeds. A memfd_secret
    // mapping is refused before the access bits ("if (vma_is_secretmem(vma)) return -EFAULT;",
    // 6.1 and 6.12), whether or not its page is present (the fast walk never takes one).
    if (vma === undefined || (!fast && !check_vma_flags(vma, write))) break;
    let page: Page | undefined;
    // follow_page_pte; on failure faultin_page and retry, as the kernel's loop does.
    for (let tries = 0; tries < 4; tries++) {
      const pte = mm.ptes.get(vpn);
      if (pte === undefined || (write && !pte.write)) {
        ret = faultin_page(mm, addr, gup_flags, false);
        if (ret !== 0) break;
        continue;
      }
      if (gup_must_unshare(is_cow_mapping(vma.vm_flags), gup_flags, pte.page)) {
        ret = faultin_page(mm, addr, gup_flags, true);
        if (ret !== 0) break;
        continue;
      }
      page = pte.page;
      break;
    }
    if (page === undefined) break;
    // follow_page_pte: try_grab_folio's error is the page's (ERR_PTR), returned as above.
    const grabbed = try_grab_folio(page.folio, 1, gup_flags);
    if (grabbed !== 0) {
      ret = grabbed;
      break;
    }
    pages[i] = page;
  }
  return i > 0 ? i : ret;
}

/**
 * fault_in_safe_writeable (mm/gup.c): faults [uaddr, uaddr + size) in for writing without
 * taking a pin or a reference ("we don't pin or otherwise hold the pages referenced that we
 * fault in"), what gfs2 and btrfs call through fault_in_iov_iter_writeable between direct I/O
 * attempts made with i->nofault. Since fe673d3f5bf1 ("mm: gup: make fault_in_safe_writeable()
 * use fixup_user_fault()", 5.17, in 5.15/5.16 stable; so in 6.1 and 6.12) it calls
 * fixup_user_fault(mm, addr, FAULT_FLAG_WRITE) page by page and stops at the first page that
 * cannot be faulted in. Returns the bytes not faulted in (the count after the 2025 fix "mm/gup:
 * fix wrongly calculated returned value in fault_in_safe_writeable()"; before it a partial
 * fault-in of an unaligned range could read as complete, which no caller here depends on).
 */
export function fault_in_safe_writeable(mm: MmStruct, uaddr: number, size: number): number {
  if (size === 0) return 0;
  const end = Math.ceil((uaddr + size) / PAGE_SIZE) * PAGE_SIZE;
  let start = Math.floor(uaddr / PAGE_SIZE) * PAGE_SIZE;
  // fixup_user_fault: vma_permits_fault, then handle_mm_fault (which checks both here).
  while (start !== end && handle_mm_fault(mm, start, FAULT_FLAG_WRITE) === 0) start += PAGE_SIZE;
  const done = Math.max(start - uaddr, 0);
  return size > done ? size - done : 0;
}

/** get_user_pages_fast: FOLL_GET refs, released with put_page(). */
export function get_user_pages_fast(
  mm: MmStruct,
  start: number,
  nr_pages: number,
  gup_flags: number,
  pages: (Page | undefined)[],
): number {
  // is_valid_gup_args: FOLL_PIN is internal, callers may not pass it here.
  if (gup_flags & FOLL_PIN) return -EINVAL;
  return __get_user_pages(mm, start, nr_pages, gup_flags | FOLL_GET, pages);
}

/** pin_user_pages_fast: FOLL_PIN pins, released with unpin_user_page(s). */
export function pin_user_pages_fast(
  mm: MmStruct,
  start: number,
  nr_pages: number,
  gup_flags: number,
  pages: (Page | undefined)[],
): number {
  // is_valid_gup_args: FOLL_GET and FOLL_PIN are mutually exclusive.
  if (gup_flags & FOLL_GET) return -EINVAL;
  return __get_user_pages(mm, start, nr_pages, gup_flags | FOLL_PIN, pages);
}

/**
 * pin_user_pages_remote (mm/gup.c: __gup_longterm_locked -> __get_user_pages_locked, no GUP-fast
 * walk) for a caller that holds mmap_lock, as vfio's vaddr_get_pfns does. The fast walk differs
 * from the slow one only in skipping check_vma_flags for the ptes it takes, which for the
 * readable, writable vmas its callers here pin cannot change the outcome; and is_valid_gup_args
 * failing (FOLL_GET passed) returns 0 here, -EINVAL from pin_user_pages_fast, which no caller
 * meets. So it is pin_user_pages_fast.
 */
export const pin_user_pages_remote: typeof pin_user_pages_fast = pin_user_pages_fast;

/** unpin_user_page */
export function unpin_user_page(page: Page): void {
  gup_put_folio(page.folio, 1, FOLL_PIN);
}

/**
 * gup_folio_next (mm/gup.c): the folio of pages[i] and how many consecutive entries from i
 * belong to it, so the unpin helpers drop a folio's pins in one gup_put_folio(folio, nr). It
 * matters where a release does not match the acquisition: an unpin of an unpinned large folio
 * takes nr refs at once (the refcount goes below zero, no free), where page by page the first
 * unpin could free the folio and the next touch it.
 */
function gup_folio_next(pages: readonly Page[], npages: number, i: number): number {
  const folio = (pages[i] as Page).folio;
  let nr = i + 1;
  while (nr < npages && (pages[nr] as Page).folio === folio) nr++;
  return nr - i;
}

/** unpin_user_pages: per folio batch, as gup_folio_next groups them. */
export function unpin_user_pages(pages: readonly Page[], npages = pages.length): void {
  for (let i = 0, nr = 0; i < npages; i += nr) {
    nr = gup_folio_next(pages, npages, i);
    gup_put_folio((pages[i] as Page).folio, nr, FOLL_PIN);
  }
}

/**
 * unpin_user_pages_dirty_lock: marks each folio dirty (under the folio lock, folio_mark_dirty)
 * before dropping its pins, when make_dirty; the DIO-read completion path. Per folio batch.
 */
export function unpin_user_pages_dirty_lock(
  pages: readonly Page[],
  npages: number,
  make_dirty: boolean,
): void {
  for (let i = 0, nr = 0; i < npages; i += nr) {
    nr = gup_folio_next(pages, npages, i);
    const folio = (pages[i] as Page).folio;
    if (make_dirty && !folio.dirty && !folio.is_zero) folio.dirty = true;
    gup_put_folio(folio, nr, FOLL_PIN);
  }
}

/** put_page of a page obtained by get_user_pages*(): goes through the GUP ledger. */
export function put_user_page_ref(page: Page): void {
  gup_put_folio(page.folio, 1, FOLL_GET);
}
