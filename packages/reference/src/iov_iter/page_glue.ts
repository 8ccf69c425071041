// The few struct page / struct folio operations the iov_iter code needs, expressed over the
// mm model (src/mm): page arithmetic within a folio and byte access to a page's contents.

import { PAGE_SIZE } from '../mm/constants.ts';
import type { Folio, Page } from '../mm/folio.ts';

export { PAGE_SIZE };

/** folio_nr_pages() */
export function folio_nr_pages(folio: Folio): number {
  return folio.nr_pages;
}

/** folio_size() */
export function folio_size(folio: Folio): number {
  return folio.size;
}

/** folio_page(folio, n) */
export function folio_page(folio: Folio, n: number): Page {
  return folio.page(n);
}

/**
 * `page + n` (nth_page()): the kernel's struct page arithmetic. In this model pages are only
 * physically contiguous within a folio, so a bio_vec must not run past its folio's end.
 */
export function nth_page(page: Page, n: number): Page {
  if (n === 0) return page;
  const idx = page.index_in_folio + n;
  if (idx >= page.folio.nr_pages) {
    throw new RangeError(
      `nth_page: page ${n} after pfn ${page.pfn} runs past its folio of ${page.folio.nr_pages} pages`,
    );
  }
  return page.folio.page(idx);
}

/** Byte offset of `page` + `offset` inside its folio's data. */
export function page_data_offset(page: Page, offset: number): number {
  return page.index_in_folio * PAGE_SIZE + offset;
}
