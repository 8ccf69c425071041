// The page cache of a file: an xarray of folios (mapping->i_pages) that holds one reference per
// cached folio. Being the same XArray an ITER_XARRAY iterator walks, a file's cached pages can
// be handed to iov_iter_xarray(..., &mapping->i_pages, ...) as netfs and cachefiles do.
// Kernel: include/linux/fs.h (struct address_space, i_pages), mm/filemap.c
// (filemap_add_folio, filemap_get_folio / __filemap_get_folio, filemap_read_folio),
// mm/truncate.c (truncate_inode_pages_range, truncate_inode_pages, truncate_pagecache_range,
// invalidate_inode_pages2_range).
import { XArray } from '../iov_iter/xarray.ts';
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE, PROT_READ, PROT_WRITE } from './constants.ts';
import type { Folio } from './folio.ts';
import { folio_alloc, folio_put } from './folio.ts';
import type { MmStruct } from './mmap.ts';
import { vm_mmap, zap_pte } from './mmap.ts';

/** What the page cache reads of its mapping->host: the inode's size (i_size_read). */
export interface address_space_host {
  readonly i_size: number;
}

/** include/linux/mm_types.h vm_fault_t: the fault's page lies past the end of the file. */
export const VM_FAULT_SIGBUS = 0x000002;

export class address_space {
  readonly id: number;
  /** i_pages: page index -> folio (order-0 folios in this model). */
  readonly i_pages = new XArray();
  /** a_ops->read_folio: fills a new folio from the backing store. */
  readonly read_folio: (folio: Folio) => void;
  /** mapping->host: the inode whose pages these are. */
  readonly host: address_space_host;

  constructor(id: number, read_folio: (folio: Folio) => void, host: address_space_host) {
    this.id = id;
    this.read_folio = read_folio;
    this.host = host;
  }
}

export function address_space_create(
  read_folio: (folio: Folio) => void,
  host: address_space_host,
): address_space {
  return new address_space(current_kernel().next_id++, read_folio, host);
}

/** filemap_get_folio: the cached folio at index, or undefined; takes no reference. */
export function filemap_lookup(mapping: address_space, index: number): Folio | undefined {
  return mapping.i_pages.xa_load(index);
}

/**
 * filemap_get_folio + filemap_read_folio on a miss: returns the uptodate folio at index, reading
 * it in (and inserting it, with the page cache's reference) when it is not cached.
 */
export function filemap_get_uptodate_folio(mapping: address_space, index: number): Folio {
  let folio = mapping.i_pages.xa_load(index);
  if (folio === undefined) {
    folio = filemap_add_folio(mapping, index);
    mapping.read_folio(folio);
  }
  return folio;
}

/**
 * filemap_alloc_folio + filemap_add_folio: a new order-0 folio at index of mapping, not read yet
 * (the caller reads it: read_folio, or a read bio); the allocation's reference becomes the page
 * cache's.
 */
export function filemap_add_folio(mapping: address_space, index: number): Folio {
  const folio = folio_alloc(0);
  folio.mapping = mapping;
  folio.index = index;
  mapping.i_pages.xa_store_folio(index, folio);
  return folio;
}

/**
 * filemap_fault (mm/filemap.c, 6.1 and 6.12) for the page at index of a file mapping: a page
 * wholly past the end of the file has nothing to map, "max_idx = DIV_ROUND_UP(i_size_read(inode),
 * PAGE_SIZE); if (unlikely(index >= max_idx)) return VM_FAULT_SIGBUS;" before the page cache is
 * looked at (tmpfs alike: shmem_fault -> shmem_get_folio_gfp(SGP_CACHE) returns -EINVAL for
 * "index << PAGE_SHIFT >= i_size_read(inode)", which vmf_error makes VM_FAULT_SIGBUS). Otherwise
 * the uptodate folio, found in the page cache or read in (filemap_get_uptodate_folio).
 */
export function filemap_fault(mapping: address_space, index: number): Folio | number {
  if (index >= Math.ceil(mapping.host.i_size / PAGE_SIZE)) return VM_FAULT_SIGBUS;
  return filemap_get_uptodate_folio(mapping, index);
}

/**
 * truncate_inode_pages_range(mapping, lstart, lend): drops the cached folios wholly inside
 * [lstart, lend] (lend inclusive, -1 for "to the end"): filemap_remove_folio takes each out of
 * i_pages and drops the cache's reference. A folio the range covers only in part keeps its place
 * and has the covered bytes zeroed (truncate_inode_partial_folio).
 */
export function truncate_inode_pages_range(
  mapping: address_space,
  lstart: number,
  lend: number,
): void {
  if (!Number.isInteger(lstart) || lstart < 0 || !Number.isInteger(lend) || lend < -1) {
    throw new RangeError(`truncate_inode_pages_range: bad range ${lstart}..${lend}`);
  }
  const end = lend === -1 ? Number.POSITIVE_INFINITY : lend + 1; // exclusive
  for (let index = mapping.i_pages.xa_find_from(Math.floor(lstart / PAGE_SIZE)); index >= 0; ) {
    const start = index * PAGE_SIZE;
    if (start >= end) break;
    const folio = mapping.i_pages.xa_load(index) as Folio;
    const from = Math.max(lstart, start) - start;
    const to = Math.min(end, start + PAGE_SIZE) - start;
    if (from === 0 && to === PAGE_SIZE) {
      mapping.i_pages.xa_erase(index);
      folio.mapping = null;
      folio_put(folio);
    } else if (folio.hasData()) {
      folio.dataForWrite().fill(0, from, to);
    }
    index = mapping.i_pages.xa_find_from(index + 1);
  }
}

/**
 * unmap_mapping_pages(mapping, start, nr, false) (mm/memory.c: Debian 6.1.192 :3599-3615, 6.12
 * :3823-3839): zaps the ptes that map the file pages start..start+nr-1 in every process.
 * unmap_mapping_range_tree (6.1 :3532-3551, 6.12 :3756-3775) visits the vmas of mapping->i_mmap
 * that overlap the range ("vba = vma->vm_pgoff; vea = vba + vma_pages(vma) - 1; zba =
 * max(first_index, vba); zea = min(last_index, vea);") and unmap_mapping_range_vma zaps their
 * ptes there. The model has no i_mmap: it finds the same vmas by vm_file among the kernel's
 * address spaces (an exited one has none). even_cows is false, the only value its caller here
 * (invalidate_inode_pages2_range) passes: zap_pte_range skips a pte whose folio is anonymous
 * (should_zap_folio, 6.12 :1439-1448, "return !folio_test_anon(folio);"; 6.1 should_zap_page
 * :1360-1372, "return !PageAnon(page);"), so a MAP_PRIVATE mapping keeps its COW copy and loses
 * its ptes of the page-cache folio, which the next access faults in again.
 */
function unmap_mapping_pages(mapping: address_space, start: number, nr: number): void {
  const last = start + nr - 1;
  for (const mm of current_kernel().mms) {
    for (const vma of mm.vmas) {
      if (vma.vm_file !== mapping) continue;
      const vba = vma.vm_pgoff;
      const vea = vba + (vma.vm_end - vma.vm_start) / PAGE_SIZE - 1;
      for (let index = Math.max(start, vba); index <= Math.min(last, vea); index++) {
        const vpn = vma.vm_start / PAGE_SIZE + index - vba;
        const pte = mm.ptes.get(vpn);
        if (pte !== undefined && !pte.page.folio.anon) zap_pte(mm, vpn);
      }
    }
  }
}

/**
 * invalidate_inode_pages2_range(mapping, start, end) (mm/truncate.c: Debian 6.1.192 :651-728,
 * 6.12.107 :623-704): every cached folio of page indices start..end (inclusive) leaves the page
 * cache, whatever other references it has (a pinned folio too: the pinner keeps its references,
 * the cache drops its own). The first mapped folio the walk meets has the rest of the range
 * unmapped from every process at once ("if (!did_range_unmap && folio_mapped(folio)) {
 * unmap_mapping_pages(mapping, indices[i], (1 + end - indices[i]), false); did_range_unmap = 1;
 * }", 6.1 :681-689, 6.12 :654-662), then invalidate_complete_folio2 removes it:
 * "__filemap_remove_folio(folio, NULL); ... filemap_free_folio(mapping, folio);", the folio's
 * mapping cleared and the cache's reference dropped. Its callers write the range back first
 * (filemap_write_and_wait_range). The model has neither buffer heads nor writeback, so no removal
 * fails and the kernel's -EBUSY is never returned. Not modelled, and thrown: a folio still mapped
 * after the range unmap (the kernel's "if (folio_mapped(folio)) unmap_mapping_folio(folio);
 * BUG_ON(folio_mapped(folio));", 6.1 :699-701, 6.12 :672-674, for a folio a racing fault mapped
 * again before the folio lock: the model has no such race) and a dirty folio (folio_launder,
 * invalidate_complete_folio2's "if (folio_test_dirty(folio)) goto failed;": -EBUSY).
 */
export function invalidate_inode_pages2_range(
  mapping: address_space,
  start: number,
  end: number,
): void {
  let did_range_unmap = false;
  for (let index = mapping.i_pages.xa_find_from(start); index >= 0 && index <= end; ) {
    const folio = mapping.i_pages.xa_load(index) as Folio;
    if (!did_range_unmap && folio._mapcount > 0) {
      unmap_mapping_pages(mapping, index, 1 + end - index);
      did_range_unmap = true;
    }
    if (folio._mapcount > 0 || folio.dirty) {
      throw new Error(
        `invalidate_inode_pages2_range: folio ${folio.pfn} at index ${index} is mapped or dirty (not modelled)`,
      );
    }
    mapping.i_pages.xa_erase(index);
    folio.mapping = null;
    folio_put(folio);
    index = mapping.i_pages.xa_find_from(index + 1);
  }
}

/** truncate_inode_pages(mapping, lstart): everything from lstart to the end of the file. */
export function truncate_inode_pages(mapping: address_space, lstart: number): void {
  truncate_inode_pages_range(mapping, lstart, -1);
}

/**
 * mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, pgoff * PAGE_SIZE) of a file whose
 * page cache is mapping: vm_mmap places the VMA (a COW mapping: private, VM_MAYWRITE) and
 * mmap_region sets vma->vm_file and vma->vm_pgoff (the file page the mapping starts at), so
 * faults go to do_fault (mm/memory.c) instead of do_anonymous_page. With an address,
 * mmap(addr, ..., MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, ...): vm_mmap's fixed placement
 * (-EEXIST over a mapping). Returns the address or a negative errno, as vm_mmap does.
 */
export function vm_mmap_file_private(
  mm: MmStruct,
  mapping: address_space,
  len: number,
  addr = 0,
  pgoff = 0,
): number {
  return vm_mmap(mm, addr, len, PROT_READ | PROT_WRITE, { vm_file: mapping, vm_pgoff: pgoff });
}
