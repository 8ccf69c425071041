// Address spaces: struct mm_struct with private anonymous VMAs and a page table.
// Kernel: include/linux/mm_types.h (struct mm_struct, vm_area_struct), mm/mmap.c (do_mmap,
// vm_mmap, do_vmi_munmap), mm/vma.c, mm/mprotect.c, mm/madvise.c,
// include/linux/sched/coredump.h (MMF_HAS_PINNED).
import { EEXIST, EINVAL, ENOMEM } from '../errno.ts';
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE, PROT_READ, PROT_WRITE, VM_MAYWRITE, VM_READ, VM_WRITE } from './constants.ts';
import type { address_space } from './filemap.ts';
import type { Page } from './folio.ts';
import { folio_put } from './folio.ts';

/** A present page-table entry. Absent entries are simply not in the table. */
export interface Pte {
  page: Page;
  /** pte_write */
  write: boolean;
  /** pte_dirty */
  dirty: boolean;
}

/** struct vm_area_struct, restricted to private mappings (anonymous or of a file). */
export interface VmAreaStruct {
  vm_start: number;
  vm_end: number;
  vm_flags: number;
  /**
   * vm_pgoff: the file page vm_start maps (0 from vm_mmap: a file is mapped from offset 0).
   * Every split keeps each page's file offset: the upper part's vm_pgoff moves on by the pages
   * below it (mm/mmap.c __split_vma, 6.1; mm/vma.c __split_vma, 6.12: "new->vm_pgoff +=
   * ((addr - vma->vm_start) >> PAGE_SHIFT)"). Unused for anonymous memory.
   */
  vm_pgoff: number;
  /**
   * anon_vma: an anonymous page was faulted in here (anon_vma_prepare: do_anonymous_page's
   * write, do_cow_fault, wp_page_copy; not a read fault of the zero page). A split keeps it, the
   * child's copy at fork has one (anon_vma_fork). Fork copies the ptes of a vma only with it
   * (mm/memory.c vma_needs_copy).
   */
  anon_vma: boolean;
  /**
   * vm_file's page cache (file->f_mapping) for a MAP_PRIVATE file mapping; absent for anonymous
   * memory (mm/filemap.ts vm_mmap_file_private). A split or a flags change keeps it.
   */
  vm_file?: address_space;
  /**
   * vma_is_secretmem (mm/secretmem.c, Debian 6.1.192 and 6.12: "return vma->vm_ops ==
   * &secretmem_vm_ops;"): a mapping of a memfd_secret(2) file (mm/secretmem.ts). Absent otherwise.
   */
  vm_secretmem?: true;
}

/** The part of vma from lo up (a split's upper part: __split_vma), with its file offset. */
function vma_from(vma: VmAreaStruct, lo: number): VmAreaStruct {
  return { ...vma, vm_start: lo, vm_pgoff: vma.vm_pgoff + (lo - vma.vm_start) / PAGE_SIZE };
}

/** Lowest address handed out by vm_mmap when no address is asked for (mmap_min_addr is 64K). */
export const TASK_UNMAPPED_BASE = 0x10000000;
/** TASK_SIZE on x86-64 with 4-level paging. */
export const TASK_SIZE = 2 ** 47 - PAGE_SIZE;

export class MmStruct {
  readonly id: number;
  /** VMAs sorted by address, non-overlapping. */
  vmas: VmAreaStruct[] = [];
  /** The page table: virtual page number -> present PTE. */
  readonly ptes = new Map<number, Pte>();
  /** MMF_HAS_PINNED: set by the first FOLL_PIN on this mm, never cleared (mm/gup.c). */
  has_pinned = false;
  /** Next address vm_mmap hands out when the caller does not choose one. */
  mmap_next = TASK_UNMAPPED_BASE;
  /** mm_users reached zero: the address space was torn down by exit_mmap. */
  dead = false;

  constructor(id: number) {
    this.id = id;
  }
}

/** mm_alloc: a new empty address space. */
export function mm_alloc(): MmStruct {
  const k = current_kernel();
  const mm = new MmStruct(k.next_id++);
  k.mms.push(mm);
  return mm;
}

/** find_vma that also requires addr to be inside (vma_lookup). */
export function vma_lookup(mm: MmStruct, addr: number): VmAreaStruct | undefined {
  // VMAs are few in our scenarios; a linear scan is faster than a tree at this size.
  for (const vma of mm.vmas) {
    if (addr < vma.vm_start) return undefined;
    if (addr < vma.vm_end) return vma;
  }
  return undefined;
}

/** is_cow_mapping: private and may be written. */
export function is_cow_mapping(vm_flags: number): boolean {
  return (vm_flags & VM_MAYWRITE) !== 0;
}

/**
 * calc_vm_prot_bits (include/linux/mman.h) plus the VM_MAY* bits do_mmap adds: PROT_READ gives
 * VM_READ, PROT_WRITE VM_WRITE, and nothing more (do_mmap, 6.1 and 6.12: "vm_flags |=
 * calc_vm_prot_bits(prot, pkey) | ..."; do_mprotect_pkey alike). PROT_WRITE alone is a vma
 * without VM_READ: x86's pte is still readable (protection_map[VM_WRITE] is PAGE_COPY), so a load
 * works (access_error asks vma_is_accessible only) and so does GUP-fast's walk of a present pte,
 * but the slow GUP's check_vma_flags refuses a read GUP there (__get_user_pages).
 */
function prot_to_vm_flags(prot: number): number {
  let f = VM_MAYWRITE; // private anonymous: always may become writable via mprotect
  if (prot & PROT_READ) f |= VM_READ;
  if (prot & PROT_WRITE) f |= VM_WRITE;
  return f;
}

/**
 * What a file mapping's vma gets from its file when mmap_region creates it: vma->vm_file and
 * vma->vm_pgoff, then the file's ->mmap (call_mmap), which for memfd_secret(2) sets vm_ops
 * (secretmem_mmap: vm_secretmem). Absent for an anonymous mapping.
 */
export type VmaFile = Partial<Pick<VmAreaStruct, 'vm_file' | 'vm_pgoff' | 'vm_secretmem'>>;

/**
 * vm_mmap(NULL, addr, len, prot, MAP_PRIVATE|MAP_ANONYMOUS, 0): returns the address or a
 * negative errno. addr 0 lets the kernel choose; a non-zero addr is MAP_FIXED_NOREPLACE: it must
 * be page aligned and free, an overlap with a mapping is -EEXIST (mm/mmap.c do_mmap: "if (flags
 * & MAP_FIXED_NOREPLACE) { if (find_vma_intersection(mm, addr, addr + len)) return -EEXIST; }").
 * With `file`, a mapping of a file (vm_mmap_file_private, vm_mmap_secretmem): the vma is created
 * with what mmap_region and the file's ->mmap set (VmaFile).
 */
export function vm_mmap(
  mm: MmStruct,
  addr: number,
  len: number,
  prot = PROT_READ | PROT_WRITE,
  file?: VmaFile,
): number {
  if (mm.dead) throw new Error(`vm_mmap: mm ${mm.id} has exited`);
  if (!Number.isInteger(len) || len <= 0) return -EINVAL;
  const size = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  let start = addr;
  if (start === 0) {
    start = mm.mmap_next;
    // Leave a guard gap so that adjacent mappings are never merged by accident.
    mm.mmap_next = start + size + PAGE_SIZE;
  }
  // get_unmapped_area (6.1; __get_unmapped_area in 6.12): "if (len > TASK_SIZE) return -ENOMEM;"
  // (x86's arch_get_unmapped_area_topdown again before it hands a MAP_FIXED address back), then
  // "if (addr > TASK_SIZE - len) return -ENOMEM;" and only then "if (offset_in_page(addr))
  // return -EINVAL;": a misaligned address with a length past TASK_SIZE is -ENOMEM.
  if (start + size > TASK_SIZE) return -ENOMEM;
  if (start % PAGE_SIZE !== 0) return -EINVAL;
  for (const vma of mm.vmas) {
    if (start < vma.vm_end && vma.vm_start < start + size) return -EEXIST;
  }
  const vma: VmAreaStruct = {
    vm_start: start,
    vm_end: start + size,
    vm_flags: prot_to_vm_flags(prot),
    vm_pgoff: 0,
    anon_vma: false,
    ...file,
  };
  mm.vmas.push(vma);
  if (mm.vmas.length > 1) mm.vmas.sort((a, b) => a.vm_start - b.vm_start);
  return start;
}

/**
 * zap_pte_range for one PTE: removes the mapping and drops the mapping's reference
 * (folio_remove_rmap_pte + tlb batched folio_put). The zero page is not refcounted by PTEs.
 */
export function zap_pte(mm: MmStruct, vpn: number): void {
  const pte = mm.ptes.get(vpn);
  if (pte === undefined) return;
  mm.ptes.delete(vpn);
  const folio = pte.page.folio;
  if (folio.is_zero) return;
  if (pte.dirty) folio.dirty = true;
  folio._mapcount--;
  folio_put(folio);
}

/** vm_munmap / do_vmi_munmap: unmaps [start, start+len), splitting VMAs. 0 or -errno. */
export function vm_munmap(mm: MmStruct, start: number, len: number): number {
  if (start % PAGE_SIZE !== 0 || !Number.isInteger(len) || len <= 0) return -EINVAL;
  const end = start + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  const kept: VmAreaStruct[] = [];
  for (const vma of mm.vmas) {
    if (vma.vm_end <= start || vma.vm_start >= end) {
      kept.push(vma);
      continue;
    }
    if (vma.vm_start < start) kept.push({ ...vma, vm_end: start });
    if (vma.vm_end > end) kept.push(vma_from(vma, end));
    const lo = Math.max(vma.vm_start, start);
    const hi = Math.min(vma.vm_end, end);
    for (let a = lo; a < hi; a += PAGE_SIZE) zap_pte(mm, a / PAGE_SIZE);
  }
  mm.vmas = kept;
  return 0;
}

/** exit_mmap (mm/mmap.c), reached when the last mm user goes (mmput). */
export function exit_mmap(mm: MmStruct): void {
  if (mm.dead) return;
  // Deleting the entry being visited is safe while iterating a Map.
  for (const vpn of mm.ptes.keys()) zap_pte(mm, vpn);
  mm.vmas = [];
  mm.dead = true;
}

/** mmput: the model has one user per mm, so this is exit_mmap. */
export function mmput(mm: MmStruct): void {
  exit_mmap(mm);
}

/** include/linux/mm.h: fork does not copy the vma (MADV_DONTFORK). */
export const VM_DONTCOPY = 0x00020000;
/** include/linux/mm.h: fork gives the child the vma with empty page tables (MADV_WIPEONFORK). */
export const VM_WIPEONFORK = 0x02000000;
/** include/uapi/asm-generic/mman-common.h */
export const MADV_DONTFORK = 10;
export const MADV_WIPEONFORK = 18;

/**
 * mm/madvise.c madvise_behavior_valid (6.1 and 6.12, the same list; x86-64 with the Debian
 * kernels' CONFIG_KSM, CONFIG_TRANSPARENT_HUGEPAGE and CONFIG_MEMORY_FAILURE): the advices
 * madvise(2) knows. MADV_NORMAL .. MADV_DONTNEED (0-4), MADV_FREE .. MADV_COLLAPSE (8-25),
 * MADV_HWPOISON and MADV_SOFT_OFFLINE (100, 101). (6.13 adds MADV_GUARD_INSTALL and
 * MADV_GUARD_REMOVE, 102 and 103: not in either kernel the profiles name.)
 */
function madvise_behavior_valid(behavior: number): boolean {
  return (
    (behavior >= 0 && behavior <= 4) ||
    (behavior >= 8 && behavior <= 25) ||
    behavior === 100 ||
    behavior === 101
  );
}

/**
 * The vm_flags madvise(behavior) gives a vma (mm/madvise.c madvise_vma_behavior). Only the
 * advices the specs use are modelled; any other valid one is an error naming it, not a silent
 * no-op (an invalid one never gets here: do_madvise's -EINVAL). MADV_WIPEONFORK of a file
 * mapping never gets here either: do_madvise refuses it first (the model has no VM_SHARED vma).
 */
function madvise_new_flags(vm_flags: number, behavior: number): number {
  switch (behavior) {
    case MADV_DONTFORK:
      return vm_flags | VM_DONTCOPY;
    case MADV_WIPEONFORK:
      return vm_flags | VM_WIPEONFORK;
    default:
      throw new Error(`do_madvise: advice ${behavior} is not modelled`);
  }
}

/**
 * do_madvise (mm/madvise.c) for the fork advices: sets the flags on every vma of
 * [start, start+len_in), splitting vmas at the range's ends (madvise_update_vma ->
 * vma_modify_flags). 0, -EINVAL for an advice the kernel does not know (checked first: "if
 * (!madvise_behavior_valid(behavior)) return -EINVAL;", 6.1 and 6.12), a misaligned start or a
 * bad length, -ENOMEM when part of the range is unmapped (madvise_walk_vmas: the mapped parts
 * are still advised, as in the kernel). MADV_WIPEONFORK "is only supported on anonymous memory"
 * (madvise_vma_behavior: "if (vma->vm_file || vma->vm_flags & VM_SHARED) return -EINVAL;"):
 * madvise_walk_vmas returns that error at the range's first file vma, the vmas before it
 * advised.
 */
export function do_madvise(mm: MmStruct, start: number, len_in: number, behavior: number): number {
  if (!madvise_behavior_valid(behavior)) return -EINVAL;
  if (start % PAGE_SIZE !== 0 || !Number.isInteger(len_in) || len_in < 0) return -EINVAL;
  const end = start + Math.ceil(len_in / PAGE_SIZE) * PAGE_SIZE;
  // Where the walk stops: the start of the range's first file vma, for MADV_WIPEONFORK.
  let stop = end;
  if (behavior === MADV_WIPEONFORK)
    for (const vma of mm.vmas)
      if (vma.vm_file !== undefined && vma.vm_start < stop && vma.vm_end > start)
        stop = Math.max(start, vma.vm_start);
  const covered = vma_modify_flags(mm, start, stop, (f) => madvise_new_flags(f, behavior));
  if (stop < end) return -EINVAL;
  return covered === end - start ? 0 : -ENOMEM;
}

/**
 * vma_modify_flags (mm/vma.c, what madvise_update_vma and mprotect_fixup both call): every vma
 * part inside [start, end) gets newflags(its flags), a vma straddling an end is split there
 * (split_vma). Returns the bytes of the range that were mapped.
 */
function vma_modify_flags(
  mm: MmStruct,
  start: number,
  end: number,
  newflags: (vm_flags: number) => number,
): number {
  const out: VmAreaStruct[] = [];
  let covered = 0;
  for (const vma of mm.vmas) {
    const lo = Math.max(vma.vm_start, start);
    const hi = Math.min(vma.vm_end, end);
    if (lo >= hi) {
      out.push(vma);
      continue;
    }
    if (vma.vm_start < lo) out.push({ ...vma, vm_end: lo });
    out.push({ ...vma_from(vma, lo), vm_end: hi, vm_flags: newflags(vma.vm_flags) });
    if (hi < vma.vm_end) out.push(vma_from(vma, hi));
    covered += hi - lo;
  }
  mm.vmas = out;
  return covered;
}

/**
 * do_mprotect_pkey (mm/mprotect.c, mprotect(2)) of private anonymous memory: the vmas of
 * [start, start+len) get the protection prot (mprotect_fixup -> vma_modify_flags; VM_MAYWRITE
 * stays, so write access may come back) and, without PROT_WRITE, change_protection
 * write-protects their ptes (the next store faults: SIGSEGV, access_error). Adding PROT_WRITE
 * leaves the ptes as they are: a write fault then reuses an exclusive page (do_wp_page), where
 * 6.x kernels may set the write bit at once (can_change_pte_writable), with the same outcome.
 * PROT_NONE keeps the ptes too, made protnone (change_pte_range: PAGE_NONE): a load faults as
 * well and access_error refuses it (copy_from_user; access_remote_vm's FOLL_FORCE reads it).
 * A hole stops the walk: the vmas before it are changed and the result is -ENOMEM
 * ("if (vma->vm_start != tmp) { error = -ENOMEM; break; }"). 0, -EINVAL or -ENOMEM.
 */
export function do_mprotect_pkey(mm: MmStruct, start: number, len: number, prot: number): number {
  if (start % PAGE_SIZE !== 0 || !Number.isInteger(len) || len < 0) return -EINVAL;
  const end = start + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  // The mapped run from start (vmas are sorted): where the kernel's walk stops.
  let upto = start;
  for (const vma of mm.vmas) if (vma.vm_start <= upto && upto < vma.vm_end) upto = vma.vm_end;
  upto = Math.min(upto, end);
  const bits = prot_to_vm_flags(prot) & (VM_READ | VM_WRITE);
  vma_modify_flags(mm, start, upto, (f) => (f & ~(VM_READ | VM_WRITE)) | bits);
  if (!(bits & VM_WRITE)) {
    for (let vpn = start / PAGE_SIZE; vpn < upto / PAGE_SIZE; vpn++) {
      const pte = mm.ptes.get(vpn);
      if (pte !== undefined) pte.write = false;
    }
  }
  return upto === end ? 0 : -ENOMEM;
}

/** The PTE mapping a user address, if present (follow_page_pte without taking a ref). */
export function pte_lookup(mm: MmStruct, addr: number): Pte | undefined {
  return mm.ptes.get(Math.floor(addr / PAGE_SIZE));
}
