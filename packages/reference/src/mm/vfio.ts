// VFIO type1 IOMMU DMA mappings of user memory: the pin at VFIO_IOMMU_MAP_DMA and the unpin at
// VFIO_IOMMU_UNMAP_DMA. Kernel: drivers/vfio/vfio_iommu_type1.c (vfio_pin_pages_remote ->
// vaddr_get_pfns, vfio_unpin_pages_remote -> put_pfn), the same in Debian 6.1.192 and 6.12.117.
// Only the pinning is modelled: no IOMMU page tables, no locked_vm accounting, no batching (a
// mapping's pages are pinned one call each, as vaddr_get_pfns is called page by page when no
// batch is available).

import { FOLL_LONGTERM, FOLL_WRITE, PAGE_SIZE } from './constants.ts';
import type { Page } from './folio.ts';
import { pin_user_pages_remote, unpin_user_pages_dirty_lock } from './gup.ts';
import type { MmStruct } from './mmap.ts';

/** include/linux/iommu.h: the device may read / write the mapping (VFIO_DMA_MAP_FLAG_READ / _WRITE). */
export const IOMMU_READ = 1 << 0;
export const IOMMU_WRITE = 1 << 1;

/** struct vfio_dma: one VFIO_IOMMU_MAP_DMA mapping and the pages it pinned. */
export interface vfio_dma {
  readonly vaddr: number;
  readonly size: number;
  readonly prot: number;
  readonly pages: Page[];
}

/**
 * vaddr_get_pfns (Debian 6.1.192 :557-570, 6.12.117 :551-564): "if (prot & IOMMU_WRITE) flags
 * |= FOLL_WRITE;" then pin_user_pages_remote(mm, vaddr, npages, flags | FOLL_LONGTERM, ...). A
 * read-only mapping is thus a read-only long-term pin, which mm/gup.c's gup_must_unshare decides
 * about: since 6.2 a page that is not anonymous in a COW mapping is unshared first (an anonymous
 * copy is pinned), on 6.1 it is pinned as mapped. (6.1 also unpins a zero page here at once:
 * "The zero page is always resident, we don't need to pin it"; no caller here maps one.)
 */
function vaddr_get_pfns(
  mm: MmStruct,
  vaddr: number,
  prot: number,
  pages: (Page | undefined)[],
): number {
  let flags = 0;
  if (prot & IOMMU_WRITE) flags |= FOLL_WRITE;
  return pin_user_pages_remote(mm, vaddr, 1, flags | FOLL_LONGTERM, pages);
}

/**
 * vfio_dma_do_map -> vfio_pin_map_dma -> vfio_pin_pages_remote: pins every page of
 * [vaddr, vaddr + size). Returns the mapping, or the negative errno of the first page that
 * could not be pinned, the pages pinned before it released (vfio_pin_map_dma's unwind,
 * vfio_remove_dma).
 */
export function vfio_pin_map_dma(
  mm: MmStruct,
  vaddr: number,
  size: number,
  prot: number,
): vfio_dma | number {
  const dma: vfio_dma = { vaddr, size, prot, pages: [] };
  const got: (Page | undefined)[] = [];
  for (let off = 0; off < size; off += PAGE_SIZE) {
    const ret = vaddr_get_pfns(mm, vaddr + off, prot, got);
    if (ret <= 0) {
      vfio_unmap_unpin(dma);
      return ret;
    }
    dma.pages.push(got[0] as Page);
  }
  return dma;
}

/**
 * vfio_unmap_unpin -> vfio_unpin_pages_remote -> put_pfn (Debian 6.1.192 :467-476, 6.12.117
 * :462-471): "unpin_user_pages_dirty_lock(&page, 1, prot & IOMMU_WRITE)", each page dirtied only
 * when the device could write it.
 */
export function vfio_unmap_unpin(dma: vfio_dma): void {
  for (const page of dma.pages)
    unpin_user_pages_dirty_lock([page], 1, (dma.prot & IOMMU_WRITE) !== 0);
  dma.pages.length = 0;
}
