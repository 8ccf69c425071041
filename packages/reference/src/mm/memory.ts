// Page faults, COW and fork's page-table copy; user copies through page tables.
// Kernel: mm/memory.c (handle_mm_fault, do_anonymous_page, do_wp_page,
// wp_can_reuse_anon_folio, wp_page_copy, copy_present_pte, copy_present_page),
// kernel/fork.c (dup_mmap), include/linux/rmap.h (folio_try_dup_anon_rmap_pte),
// include/linux/mm.h (folio_needs_cow_for_dma, vma_is_accessible), arch/x86/lib/usercopy
// (copy_to/from_user) with arch/x86/mm/fault.c access_error, mm/memory.c access_remote_vm.
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE, VM_READ, VM_WRITE } from './constants.ts';
import type { address_space } from './filemap.ts';
import { filemap_fault } from './filemap.ts';
import type { Page } from './folio.ts';
import {
  alloc_page,
  folio_alloc,
  folio_maybe_dma_pinned,
  folio_put,
  folio_ref_count,
  memcpy_from_page_into,
  memcpy_to_page,
  try_alloc_page,
  ZERO_PAGE,
} from './folio.ts';
import type { MmStruct, Pte, VmAreaStruct } from './mmap.ts';
import { is_cow_mapping, mm_alloc, VM_DONTCOPY, VM_WIPEONFORK, vma_lookup } from './mmap.ts';

/** include/linux/mm_types.h enum fault_flag */
export const FAULT_FLAG_WRITE = 1 << 0;
export const FAULT_FLAG_UNSHARE = 1 << 10;

/** include/linux/mm_types.h vm_fault_t */
export const VM_FAULT_SIGSEGV = 0x000040;
export const VM_FAULT_OOM = 0x000001;

/**
 * copy_user_highpage (include/linux/highmem.h): copies one page's bytes, `src` being any page of
 * its folio (a large anonymous folio's COW and fork copy the faulting page alone: mm/memory.c
 * wp_page_copy -> __wp_page_copy_user, copy_present_page, 6.1 and 6.12). Whole order-0 folios
 * share their bytes until written (Folio.copyFrom).
 */
function copy_user_highpage(dst: Page, src: Page): void {
  if (dst.folio.order === 0 && src.folio.order === 0) {
    dst.folio.copyFrom(src.folio);
    return;
  }
  // readInto gives zeroes for a folio never written.
  const at = dst.index_in_folio * PAGE_SIZE;
  src.folio.readInto(dst.folio.dataForWrite(), at, src.index_in_folio * PAGE_SIZE, PAGE_SIZE);
}

/** A fresh order-0 page made anonymous and exclusive (folio_add_new_anon_rmap), mapped once. */
function anon_page_of(page: Page): Page {
  page.folio.anon = true;
  page.folio._mapcount = 1;
  page.anon_exclusive = true;
  return page;
}

function new_anon_page(): Page {
  return anon_page_of(alloc_page());
}

/**
 * do_anonymous_page: first touch of a private anonymous page. A read maps the shared zero
 * page read-only (unless mm_forbids_zeropage), before anon_vma_prepare: the vma gets no
 * anon_vma for it; a write prepares the vma's anon_vma (anon_vma_prepare, 6.1; vmf_anon_prepare,
 * 6.12) and allocates a zeroed exclusive page whose allocation reference becomes the mapping's.
 */
function do_anonymous_page(mm: MmStruct, vma: VmAreaStruct, vpn: number, flags: number): number {
  if (!(flags & FAULT_FLAG_WRITE)) {
    mm.ptes.set(vpn, { page: ZERO_PAGE(), write: false, dirty: false });
    return 0;
  }
  vma.anon_vma = true;
  mm.ptes.set(vpn, { page: new_anon_page(), write: true, dirty: true });
  return 0;
}

/**
 * do_anonymous_page's large-folio path (6.8+: alloc_anon_folio with an anonymous mTHP order
 * enabled; a PMD-sized THP through do_huge_pmd_anonymous_page alike, 6.1 and 6.12): a write
 * fault at addr maps one zeroed folio of 2^order pages over the naturally aligned range holding
 * addr, by one writable PTE per page, when that range lies inside a writable VMA and none of
 * its PTEs is present; each mapped page holds a reference (the allocation's plus
 * folio_ref_add(folio, nr_pages - 1)) and is PageAnonExclusive (folio_add_new_anon_rmap).
 * Otherwise the kernel falls back to order 0 (alloc_anon_folio tries smaller orders, then a
 * single page): so does this, through handle_mm_fault. Returns 0 or a VM_FAULT_* code.
 */
export function do_anonymous_large_folio(mm: MmStruct, addr: number, order: number): number {
  if (!Number.isInteger(order) || order < 2 || order > 9) {
    throw new RangeError(`do_anonymous_large_folio: order ${order} outside 2..9 (anon mTHP/THP)`);
  }
  const nr = 1 << order;
  const first = Math.floor(addr / PAGE_SIZE / nr) * nr;
  const vma = vma_lookup(mm, addr);
  const fits =
    vma !== undefined &&
    (vma.vm_flags & VM_WRITE) !== 0 &&
    first * PAGE_SIZE >= vma.vm_start &&
    (first + nr) * PAGE_SIZE <= vma.vm_end;
  let none = true;
  for (let v = first; v < first + nr && none; v++) none = !mm.ptes.has(v);
  if (!fits || !none) return handle_mm_fault(mm, addr, FAULT_FLAG_WRITE);
  vma.anon_vma = true; // vmf_anon_prepare
  const folio = folio_alloc(order);
  folio.anon = true;
  folio._refcount = nr;
  folio._mapcount = nr;
  for (let i = 0; i < nr; i++) {
    const page = folio.page(i);
    page.anon_exclusive = true;
    mm.ptes.set(first + i, { page, write: true, dirty: true });
  }
  return 0;
}

/**
 * wp_can_reuse_anon_folio (6.12; open-coded in 6.1's do_wp_page): a shared-looking anonymous
 * folio may be reused only when we hold the sole reference (refcount == 1, no swapcache/KSM).
 */
export function wp_can_reuse_anon_folio(pte: Pte): boolean {
  const folio = pte.page.folio;
  // 6.12: "let's just consistently not reuse subpages" of a large folio (copied one page at a time
  // by wp_page_copy); 6.1's do_wp_page reuses only when the page's refcount is 1, which a large
  // folio mapped by its other PTEs never has.
  if (folio.order > 0) return false;
  return folio_ref_count(folio) === 1;
}

/**
 * wp_page_copy: gives this mm its own copy of the page. For FAULT_FLAG_UNSHARE the new PTE
 * stays read-only (only a write fault makes it writable and dirty). The old folio loses this
 * mapping and its reference. The vma's anon_vma is prepared first (anon_vma_prepare, 6.1;
 * vmf_anon_prepare, 6.12).
 */
function wp_page_copy(
  mm: MmStruct,
  vma: VmAreaStruct,
  vpn: number,
  pte: Pte,
  unshare: boolean,
): number {
  vma.anon_vma = true;
  // The new page (6.12 folio_prealloc, mm/memory.c:3354-3356; 6.1 alloc_page_vma /
  // vma_alloc_zeroed_movable_folio, "if (!new_page) goto oom;") and its memcg charge can fail:
  // VM_FAULT_OOM (6.12 :3473), nothing changed. The reference's allocator fails only where a
  // kernel's max_page_frames bounds it (try_alloc_page).
  const fresh = try_alloc_page();
  if (fresh === null) return VM_FAULT_OOM;
  const old = pte.page;
  const page = anon_page_of(fresh);
  if (!old.folio.is_zero) copy_user_highpage(page, old);
  mm.ptes.set(vpn, { page, write: !unshare, dirty: !unshare });
  if (!old.folio.is_zero) {
    old.folio._mapcount--;
    folio_put(old.folio);
  }
  return 0;
}

/**
 * do_wp_page: write (or unshare) fault on a present, write-protected PTE. An anonymous page
 * that is PageAnonExclusive, or that we can prove exclusive (wp_can_reuse_anon_folio), is
 * reused in place; otherwise (including the zero page) it is copied.
 */
function do_wp_page(mm: MmStruct, vma: VmAreaStruct, vpn: number, pte: Pte, flags: number): number {
  const unshare = (flags & FAULT_FLAG_UNSHARE) !== 0;
  const page = pte.page;
  const folio = page.folio;
  if (folio.anon && (page.anon_exclusive || wp_can_reuse_anon_folio(pte))) {
    page.anon_exclusive = true; // folio_move_anon_rmap + SetPageAnonExclusive
    if (!unshare) {
      pte.write = true; // wp_page_reuse: maybe_mkwrite(pte_mkdirty(entry))
      pte.dirty = true;
    }
    return 0;
  }
  return wp_page_copy(mm, vma, vpn, pte, unshare);
}

/**
 * do_fault (mm/memory.c, 6.1 and 6.12) for a MAP_PRIVATE file mapping (no VM_SHARED here):
 * a read fault is do_read_fault, which maps the page-cache folio itself read-only
 * (__do_fault -> filemap_fault finds or reads it in and returns it with a reference, which
 * finish_fault -> set_pte_range keeps as the mapping's with folio_add_file_rmap_pte; the PTE is
 * not made writable, so the first store goes through do_wp_page, which copies a page that is
 * not anonymous); a write fault is do_cow_fault, which copies the page-cache folio into a new
 * exclusive anonymous page (copy_mc_user_highpage), maps that writable and dirty, and drops the
 * reference __do_fault took: the page cache never sees the store. Returns 0, or the
 * VM_FAULT_SIGBUS of filemap_fault for a page wholly past the end of the file (both arms go
 * through __do_fault, which returns ->fault's VM_FAULT_ERROR before anything is mapped).
 */
function do_fault(mm: MmStruct, vma: VmAreaStruct, vpn: number, flags: number): number {
  const mapping = vma.vm_file as address_space;
  // linear_page_index: the file page vm_start maps, plus the pages from there.
  const index = vma.vm_pgoff + vpn - vma.vm_start / PAGE_SIZE;
  const folio = filemap_fault(mapping, index);
  if (typeof folio === 'number') return folio;
  if (flags & FAULT_FLAG_WRITE) {
    vma.anon_vma = true; // do_cow_fault: anon_vma_prepare (vmf_anon_prepare, 6.12)
    const page = new_anon_page();
    copy_user_highpage(page, folio.page(0));
    mm.ptes.set(vpn, { page, write: true, dirty: true });
    return 0;
  }
  folio._refcount++; // filemap_fault's folio reference, kept by the PTE
  folio._mapcount++; // folio_add_file_rmap_pte
  mm.ptes.set(vpn, { page: folio.page(0), write: false, dirty: false });
  return 0;
}

/**
 * handle_mm_fault for private anonymous memory and MAP_PRIVATE file mappings (do_fault). flags: FAULT_FLAG_WRITE and/or
 * FAULT_FLAG_UNSHARE. Returns 0 or VM_FAULT_SIGSEGV (no VMA, or a write to a VMA without
 * VM_WRITE: the access_error of arch/x86/mm/fault.c and check_vma_flags of mm/gup.c), or
 * do_fault's VM_FAULT_SIGBUS (a file page past i_size).
 */
export function handle_mm_fault(mm: MmStruct, addr: number, flags: number): number {
  const vma = vma_lookup(mm, addr);
  if (vma === undefined) return VM_FAULT_SIGSEGV;
  if (flags & FAULT_FLAG_WRITE && !(vma.vm_flags & VM_WRITE)) return VM_FAULT_SIGSEGV;
  const vpn = Math.floor(addr / PAGE_SIZE);
  const pte = mm.ptes.get(vpn);
  if (pte === undefined) {
    if (vma.vm_file !== undefined) return do_fault(mm, vma, vpn, flags);
    return do_anonymous_page(mm, vma, vpn, flags);
  }
  if (flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE)) {
    if (flags & FAULT_FLAG_WRITE && pte.write) {
      pte.dirty = true;
      return 0;
    }
    return do_wp_page(mm, vma, vpn, pte, flags);
  }
  return 0;
}

/**
 * folio_needs_cow_for_dma (include/linux/mm.h): the mm has ever pinned (MMF_HAS_PINNED) and the
 * folio may be pinned now.
 */
export function folio_needs_cow_for_dma(mm: MmStruct, folio: Page['folio']): boolean {
  if (!mm.has_pinned) return false;
  return folio_maybe_dma_pinned(folio);
}

/**
 * copy_present_pte: fork's copy of one present PTE. An exclusive anonymous page that may be
 * pinned (folio_try_dup_anon_rmap_pte returns -EBUSY) is copied for the CHILD right away
 * (copy_present_page), leaving the parent's PTE, writable, on the pinned page. Otherwise the
 * page is shared: PageAnonExclusive is cleared and, in a COW mapping, both PTEs are
 * write-protected, so the next write by either process copies.
 */
export function copy_present_pte(
  src_mm: MmStruct,
  dst_mm: MmStruct,
  vma: VmAreaStruct,
  vpn: number,
  pte: Pte,
): void {
  const page = pte.page;
  const folio = page.folio;
  if (folio.is_zero) {
    // vm_normal_page() is NULL for the zero page: the PTE is copied, no refcounting.
    dst_mm.ptes.set(vpn, { page, write: false, dirty: false });
    return;
  }
  if (folio.anon) {
    const share_anyway = current_kernel().hasFault('fork_share_pinned');
    if (page.anon_exclusive && !share_anyway && folio_needs_cow_for_dma(src_mm, folio)) {
      // copy_present_page: the child gets a copy; "the parent keeps the pinned page".
      const copy = new_anon_page();
      copy_user_highpage(copy, page);
      dst_mm.ptes.set(vpn, { page: copy, write: (vma.vm_flags & VM_WRITE) !== 0, dirty: true });
      return;
    }
    page.anon_exclusive = false;
  }
  folio._refcount++; // folio_get
  folio._mapcount++; // folio_dup_*_rmap_pte
  let write = pte.write;
  if (is_cow_mapping(vma.vm_flags) && pte.write) {
    pte.write = false; // ptep_set_wrprotect(src_mm, ...)
    write = false;
  }
  dst_mm.ptes.set(vpn, { page, write, dirty: pte.dirty });
}

/** dup_mmap (kernel/fork.c): the child's address space at fork. */
export function dup_mmap(oldmm: MmStruct): MmStruct {
  if (oldmm.dead) throw new Error(`dup_mmap: mm ${oldmm.id} has exited`);
  const mm = mm_alloc();
  mm.mmap_next = oldmm.mmap_next;
  // MMF_HAS_PINNED is not inherited: dup_mm() -> mm_init() clears mm->flags' MMF_INIT_MASK bits
  // other than dump/THP settings, so a child starts without it.
  // A VM_DONTCOPY vma (MADV_DONTFORK) is not given to the child at all.
  for (const vma of oldmm.vmas) {
    if (!(vma.vm_flags & VM_DONTCOPY)) mm.vmas.push({ ...vma });
  }
  // copy_page_range walks the parent's page table in address order; it is not called for a
  // VM_WIPEONFORK vma ("gets a clean slate in the child") nor, of course, a VM_DONTCOPY one,
  // so the parent's ptes there stay as they are (writable, PageAnonExclusive); and it copies
  // nothing of a vma without an anon_vma (vma_needs_copy, 6.1 and 6.12: "Don't copy ptes where
  // a page fault will fill them correctly"): the child faults those pages in itself (the zero
  // page of a vma only ever read, the page-cache pages of a file mapping never written).
  const vpns = [...oldmm.ptes.keys()];
  if (vpns.length > 1) vpns.sort((a, b) => a - b);
  for (const vpn of vpns) {
    const pte = oldmm.ptes.get(vpn) as Pte;
    const vma = vma_lookup(oldmm, vpn * PAGE_SIZE) as VmAreaStruct;
    if (vma.vm_flags & (VM_DONTCOPY | VM_WIPEONFORK) || !vma.anon_vma) continue;
    copy_present_pte(oldmm, mm, vma, vpn, pte);
  }
  return mm;
}

/**
 * copy_to_user: copies bytes to user memory, faulting pages in for write (COW break included).
 * Returns the number of bytes NOT copied (0 on success), as the kernel does.
 */
export function copy_to_user(mm: MmStruct, uaddr: number, src: Uint8Array): number {
  let done = 0;
  while (done < src.length) {
    const addr = uaddr + done;
    const vpn = Math.floor(addr / PAGE_SIZE);
    let pte = mm.ptes.get(vpn);
    if (pte === undefined || !pte.write) {
      if (handle_mm_fault(mm, addr, FAULT_FLAG_WRITE) !== 0) break;
      pte = mm.ptes.get(vpn) as Pte;
    }
    const off = addr % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, src.length - done);
    memcpy_to_page(pte.page, off, src.subarray(done, done + n));
    pte.dirty = true;
    done += n;
  }
  return src.length - done;
}

/**
 * vma_is_accessible (include/linux/mm.h, 6.1 and 6.12): "vma->vm_flags & VM_ACCESS_FLAGS", i.e.
 * VM_READ | VM_WRITE | VM_EXEC (the model has no VM_EXEC): false for a PROT_NONE vma.
 */
export function vma_is_accessible(vma: VmAreaStruct): boolean {
  return (vma.vm_flags & (VM_READ | VM_WRITE)) !== 0;
}

/**
 * Whether a user load at addr faults for good (do_user_addr_fault -> access_error,
 * arch/x86/mm/fault.c, 6.1 and 6.12): no vma, or one that is not vma_is_accessible ("read, not
 * present: if (unlikely(!vma_is_accessible(vma))) return 1"). A PROT_NONE vma's ptes are
 * protnone (mm/mprotect.c change_pte_range -> ptep_modify_prot_commit with PAGE_NONE: x86
 * clears _PAGE_PRESENT), so a load faults even where a page is mapped, and is refused there.
 */
function user_load_faults(mm: MmStruct, addr: number): boolean {
  const vma = vma_lookup(mm, addr);
  return vma === undefined || !vma_is_accessible(vma);
}

/**
 * Copies n bytes of mm's memory at uaddr into dst (from dst_off), page by page, faulting pages
 * in for read (the zero page for untouched anonymous memory), until one cannot be read; returns
 * the bytes copied. A user load (force false) stops at a vma access_error refuses; a FOLL_FORCE
 * read (force true, access_remote_vm) does not: check_vma_flags (mm/gup.c, 6.1 and 6.12) lets
 * FOLL_FORCE read a vma without VM_READ that has VM_MAYREAD, which do_mmap gives every mapping
 * ("vm_flags |= ... VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC"), and follow_page_pte follows the
 * protnone pte (6.1: FOLL_NUMA is not set with FOLL_FORCE; 6.12: no FOLL_HONOR_NUMA_FAULT).
 */
function read_user_pages(
  mm: MmStruct,
  dst: Uint8Array,
  uaddr: number,
  n: number,
  dst_off: number,
  force: boolean,
): number {
  if (dst_off + n > dst.length) {
    throw new RangeError(
      `user read: ${n} bytes do not fit in a ${dst.length}-byte buffer at ${dst_off}`,
    );
  }
  let done = 0;
  while (done < n) {
    const addr = uaddr + done;
    if (!force && user_load_faults(mm, addr)) break;
    const vpn = Math.floor(addr / PAGE_SIZE);
    let pte = mm.ptes.get(vpn);
    if (pte === undefined) {
      if (handle_mm_fault(mm, addr, 0) !== 0) break;
      pte = mm.ptes.get(vpn) as Pte;
    }
    const off = addr % PAGE_SIZE;
    const len = Math.min(PAGE_SIZE - off, n - done);
    memcpy_from_page_into(dst, dst_off + done, pte.page, off, len);
    done += len;
  }
  return done;
}

/**
 * copy_from_user: copies n bytes of user memory into dst (from dst_off), faulting pages in for
 * read (the zero page for untouched anonymous memory). Returns the bytes NOT copied: the load
 * faults for good at no vma or a PROT_NONE one (access_error), present pte or not.
 */
export function copy_from_user(
  mm: MmStruct,
  dst: Uint8Array,
  uaddr: number,
  n: number,
  dst_off = 0,
): number {
  return n - read_user_pages(mm, dst, uaddr, n, dst_off, false);
}

/**
 * access_remote_vm (mm/memory.c -> __access_remote_vm, Debian 6.1.192 and 6.12.117), what a read
 * of /proc/pid/mem does (fs/proc/base.c mem_rw: FOLL_FORCE when proc_mem_foll_force, by default
 * "always" in both): each page through GUP with FOLL_GET | FOLL_FORCE (get_user_pages_remote,
 * 6.1; get_user_page_vma_remote, 6.12), copied (copy_from_user_page) and put at once: no pin, no
 * COW, a PROT_NONE page read as it is. Stops at the first page GUP cannot get (no vma: the model
 * has no stack to expand and no vma with ->access). Returns the bytes read.
 */
export function access_remote_vm(mm: MmStruct, addr: number, buf: Uint8Array, len: number): number {
  return read_user_pages(mm, buf, addr, len, 0, true);
}

/** Convenience for tests and drivers: reads n bytes of user memory or throws on a fault. */
export function read_user(mm: MmStruct, uaddr: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const left = copy_from_user(mm, out, uaddr, n);
  if (left !== 0) throw new Error(`read_user: fault at ${uaddr + n - left} in mm ${mm.id}`);
  return out;
}

/** Convenience for tests and drivers: writes bytes to user memory or throws on a fault. */
export function write_user(mm: MmStruct, uaddr: number, src: Uint8Array): void {
  const left = copy_to_user(mm, uaddr, src);
  if (left !== 0)
    throw new Error(`write_user: fault at ${uaddr + src.length - left} in mm ${mm.id}`);
}
