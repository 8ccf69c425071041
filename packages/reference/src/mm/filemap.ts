// The page cache of a file: an index -> folio map that holds one reference per cached folio.
// Kernel: include/linux/fs.h (struct address_space, i_pages), mm/filemap.c
// (filemap_add_folio, filemap_get_folio / __filemap_get_folio, filemap_read_folio),
// mm/truncate.c (truncate_inode_pages_range).
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE } from './constants.ts';
import type { Folio } from './folio.ts';
import { folio_alloc, folio_put } from './folio.ts';

export class address_space {
  readonly id: number;
  /** i_pages: page index -> folio (order-0 folios in this model). */
  readonly i_pages = new Map<number, Folio>();
  /** a_ops->read_folio: fills a new folio from the backing store. */
  readonly read_folio: (folio: Folio) => void;

  constructor(id: number, read_folio: (folio: Folio) => void) {
    this.id = id;
    this.read_folio = read_folio;
  }
}

export function address_space_create(read_folio: (folio: Folio) => void): address_space {
  return new address_space(current_kernel().next_id++, read_folio);
}

/** filemap_get_folio: the cached folio at index, or undefined; takes no reference. */
export function filemap_lookup(mapping: address_space, index: number): Folio | undefined {
  return mapping.i_pages.get(index);
}

/**
 * filemap_get_folio + filemap_read_folio on a miss: returns the uptodate folio at index, reading
 * it in (and inserting it, with the page cache's reference) when it is not cached.
 */
export function filemap_get_uptodate_folio(mapping: address_space, index: number): Folio {
  let folio = mapping.i_pages.get(index);
  if (folio === undefined) {
    folio = folio_alloc(0);
    folio.mapping = mapping;
    folio.index = index;
    mapping.read_folio(folio);
    mapping.i_pages.set(index, folio); // filemap_add_folio: the allocation ref becomes the cache's
  }
  return folio;
}

/**
 * truncate_inode_pages_range(mapping, lstart): drops cached folios wholly beyond lstart and zeroes
 * the tail of the folio that straddles it (truncate_inode_partial_folio).
 */
export function truncate_inode_pages(mapping: address_space, lstart: number): void {
  const first_whole = Math.ceil(lstart / PAGE_SIZE);
  for (const [index, folio] of [...mapping.i_pages]) {
    if (index >= first_whole) {
      mapping.i_pages.delete(index);
      folio.mapping = null;
      folio_put(folio);
    } else if (
      index === Math.floor(lstart / PAGE_SIZE) &&
      lstart % PAGE_SIZE !== 0 &&
      folio.hasData()
    ) {
      folio.dataForWrite().fill(0, lstart % PAGE_SIZE, PAGE_SIZE);
    }
  }
}
