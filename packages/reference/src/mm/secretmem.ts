// memfd_secret(2) memory: mm/secretmem.c (Debian 6.1.192 and 6.12). Its pages are mapped in the
// owning process's page tables only (removed from the kernel's direct map), so a user copy
// (copy_to_user, copy_from_user) reaches them through the user mapping while GUP refuses them:
// mm/gup.c check_vma_flags "if (vma_is_secretmem(vma)) return -EFAULT;" (slow path; 6.1 and
// 6.12), and GUP-fast rejects a present secretmem page (6.1 gup_pte_range "if
// (unlikely(page_is_secretmem(page)))", 6.12 gup_fast_folio_allowed "if (check_secretmem &&
// secretmem_mapping(mapping)) return false;"), see mm/gup.ts.
import { PROT_READ, PROT_WRITE } from './constants.ts';
import type { MmStruct, VmAreaStruct } from './mmap.ts';
import { vm_mmap } from './mmap.ts';

/**
 * fd = memfd_secret(0); ftruncate(fd, len); mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED
 * [| MAP_FIXED_NOREPLACE], fd, 0): vm_mmap's placement (addr 0: the kernel chooses), the vma's
 * vm_ops secretmem_vm_ops (secretmem_mmap, which also sets VM_LOCKED | VM_DONTDUMP; do_mmap's
 * populate decision saw the caller's flags, not VM_LOCKED, so no page is faulted in by the mmap).
 * Returns the address or a negative errno. The model's faults treat the vma as anonymous memory:
 * a write fault maps a new zeroed page, as secretmem_fault's "folio_alloc(gfp | __GFP_ZERO, 0)"
 * does (its read fault too, which the model's callers never take: do_anonymous_page would map the
 * zero page instead).
 */
export function vm_mmap_secretmem(mm: MmStruct, len: number, addr: number): number {
  return vm_mmap(mm, addr, len, PROT_READ | PROT_WRITE, { vm_secretmem: true });
}

/** vma_is_secretmem (mm/secretmem.c): "return vma->vm_ops == &secretmem_vm_ops;". */
export function vma_is_secretmem(vma: VmAreaStruct): boolean {
  return vma.vm_secretmem === true;
}
