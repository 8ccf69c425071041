// Constants shared by the mm code, with the kernel's names and values.

/** include/asm-generic/page.h (x86-64: 4 KiB pages). */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_MASK = ~(PAGE_SIZE - 1);

/**
 * include/linux/mm.h: a FOLL_PIN on a small folio adds this much to its refcount, so that
 * folio_maybe_dma_pinned() can tell "probably pinned" from the refcount alone.
 */
export const GUP_PIN_COUNTING_BIAS = 1024;

/** include/linux/mm_types.h enum (6.12; same bits in 6.1's include/linux/mm.h). */
export const FOLL_WRITE = 1 << 0;
export const FOLL_GET = 1 << 1;
export const FOLL_FORCE = 1 << 3;
export const FOLL_NOFAULT = 1 << 5;
export const FOLL_LONGTERM = 1 << 8;
/** mm/internal.h: internal only; set by the pin_user_pages*() family. */
export const FOLL_PIN = 1 << 19;

/** include/linux/mm.h vm_flags. */
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
/** VM_MAYWRITE: set for private writable mappings; with !VM_SHARED it makes a COW mapping. */
export const VM_MAYWRITE = 0x20;
export const VM_SHARED = 0x8;

/** include/uapi/asm-generic/mman-common.h */
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;

/** include/linux/fs.h: MAX_RW_COUNT = INT_MAX & PAGE_MASK. */
export const MAX_RW_COUNT = 0x7fffffff & ~(PAGE_SIZE - 1);

/** Round helpers (include/linux/math.h, mm.h). */
export function offset_in_page(addr: number): number {
  return addr % PAGE_SIZE;
}
export function PAGE_ALIGN(addr: number): number {
  return Math.ceil(addr / PAGE_SIZE) * PAGE_SIZE;
}
export function DIV_ROUND_UP(n: number, d: number): number {
  return Math.floor((n + d - 1) / d);
}
