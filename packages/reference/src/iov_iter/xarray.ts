// A minimal xarray of folios indexed by page index (lib/xarray.c, as the page cache's
// i_pages uses it): a folio of 2^order pages occupies every index it covers (a multi-index
// entry), so a load at any covered index returns the folio. Holes are absent indexes.

import type { Folio } from '../mm/index.ts';
import { folio_nr_pages } from './page_glue.ts';

interface XaEntry {
  folio: Folio;
  /** Page index of the folio's first page (folio->index). */
  index: number;
}

export class XArray {
  private readonly slots = new Map<number, XaEntry>();

  /** Store `folio` at page index `index` (its first page), covering folio_nr_pages indexes. */
  xa_store_folio(index: number, folio: Folio): void {
    if (!Number.isInteger(index) || index < 0) {
      throw new RangeError(`xa_store_folio: index must be a non-negative integer, got ${index}`);
    }
    const nr = folio_nr_pages(folio);
    if (index % nr !== 0) {
      throw new RangeError(
        `xa_store_folio: a folio of ${nr} pages must sit at a multiple of ${nr}`,
      );
    }
    const entry: XaEntry = { folio, index };
    for (let k = 0; k < nr; k++) this.slots.set(index + k, entry);
  }

  /** Remove whatever covers `index` (truncate punching a hole). */
  xa_erase(index: number): void {
    const e = this.slots.get(index);
    if (!e) return;
    const nr = folio_nr_pages(e.folio);
    for (let k = 0; k < nr; k++) this.slots.delete(e.index + k);
  }

  /** xa_load(): the folio covering `index`, or undefined for a hole. */
  xa_load(index: number): Folio | undefined {
    return this.slots.get(index)?.folio;
  }

  /** The folio's first page index (folio->index), for the folio covering `index`. */
  folio_index_at(index: number): number | undefined {
    return this.slots.get(index)?.index;
  }

  /**
   * Next present index >= `index` (what xas_find/xas_for_each step to), or -1.
   * Used by iterate_xarray and netfs_extract_xarray_to_sg, which use xas_for_each().
   */
  xa_find_from(index: number): number {
    let best = -1;
    for (const k of this.slots.keys()) if (k >= index && (best < 0 || k < best)) best = k;
    return best;
  }
}
