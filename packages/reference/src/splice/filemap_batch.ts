// filemap_get_pages for the buffered splice reads (6.1 filemap_read over ITER_PIPE, 6.5+
// filemap_splice_read): the batch of uptodate folios a round of their loop works on, after which
// both read i_size again ("i_size must be checked after we know the pages are Uptodate").
// Kernel: mm/filemap.c (filemap_get_pages, filemap_get_read_batch, filemap_update_page), 6.1
// and 6.12.
import type { file } from '../block/fs.ts';
import { DIV_ROUND_UP, PAGE_SIZE } from '../mm/constants.ts';
import { filemap_get_uptodate_folio } from '../mm/filemap.ts';
import type { Folio } from '../mm/folio.ts';
import { folio_get } from '../mm/folio.ts';

/**
 * filemap_get_pages(iocb, len, &fbatch, ...) of a read at pos: the uptodate folios from pos's
 * page up to the page before DIV_ROUND_UP(pos + len, PAGE_SIZE), reading in those not cached
 * (page_cache_sync_ra, filemap_update_page), a reference each (filemap_get_read_batch:
 * folio_try_get). Readahead reads nothing past i_size, and the batch stops at the first index
 * with no folio, so it ends at i_size's last page.
 */
export function filemap_get_batch(filp: file, pos: number, len: number): Folio[] {
  const ino = filp.f_inode;
  const first = Math.floor(pos / PAGE_SIZE);
  const last = Math.min(DIV_ROUND_UP(pos + len, PAGE_SIZE), DIV_ROUND_UP(ino.i_size, PAGE_SIZE));
  const fbatch: Folio[] = [];
  for (let index = first; index < last; index++) {
    const folio = filemap_get_uptodate_folio(ino.i_mapping, index);
    folio_get(folio);
    fbatch.push(folio);
  }
  return fbatch;
}
