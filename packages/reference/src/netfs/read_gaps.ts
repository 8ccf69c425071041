// netfs_read_gaps() (fs/netfs/buffered_read.c, Debian 6.12.117): netfs_read_folio() of a dirty
// folio that a streaming write left partly written (netfs_folio_info: dirty_offset, dirty_len;
// the folio is not uptodate) reads only the gaps around the written part. Its buffer is a bio_vec
// array (rreq->direct_bv) over the locked page-cache folio itself, with the written part routed
// to a sink folio so the read cannot overwrite it:
//     if (from > 0) { bvec_set_folio(&bvec[i++], folio, from, 0); off = from; }
//     while (off < to) { part = min_t(size_t, to - off, PAGE_SIZE);
//                        bvec_set_folio(&bvec[i++], sink, part, 0); off += part; }
//     if (to < flen) bvec_set_folio(&bvec[i++], folio, flen - to, to);
// No page is pinned or referenced for it (bvec_set_folio only records the folio; the caller's
// lock and ref keep it): the request leaves direct_bv_unpin false, so netfs_free_request()
// (fs/netfs/objects.c) frees the array without unpinning ("if (rreq->direct_bv_unpin)
// unpin_user_page(...)"), and netfs_read_gaps() drops the sink with folio_put() once the read
// has completed (netfs_wait_for_read).

import { folio_page, folio_size, PAGE_SIZE } from '../iov_iter/page_glue.ts';
import type { bio_vec } from '../iov_iter/types.ts';
import type { Folio } from '../mm/folio.ts';
import { folio_alloc, folio_put } from '../mm/folio.ts';
import { netfs_release_extracted } from './iterator.ts';

/** netfs_read_gaps()'s buffer: the bio_vecs (rreq->direct_bv), the sink folio, direct_bv_unpin. */
export interface netfs_read_gaps_buffer {
  bv: bio_vec[];
  sink: Folio;
  /** rreq->direct_bv_unpin: never set for a gaps read (the request is zeroed at allocation). */
  unpin: boolean;
}

/** bvec_set_folio(bv, folio, len, offset) (include/linux/bvec.h): bvec_set_page of the head page. */
function bvec_set_folio(folio: Folio, len: number, offset: number): bio_vec {
  return { bv_page: folio_page(folio, 0), bv_len: len, bv_offset: offset };
}

/**
 * The buffer netfs_read_gaps() sets up for `folio`, whose bytes [from, to) a streaming write has
 * written (from = dirty_offset, to = from + dirty_len): the folio before and after them, the
 * sink (folio_alloc(GFP_KERNEL, 0)) for them.
 */
export function netfs_read_gaps_setup(
  folio: Folio,
  from: number,
  to: number,
): netfs_read_gaps_buffer {
  const flen = folio_size(folio);
  const sink = folio_alloc(0);
  const bv: bio_vec[] = [];
  let off = 0;
  if (from > 0) {
    bv.push(bvec_set_folio(folio, from, 0));
    off = from;
  }
  while (off < to) {
    const part = Math.min(to - off, PAGE_SIZE);
    bv.push(bvec_set_folio(sink, part, 0));
    off += part;
  }
  if (to < flen) bv.push(bvec_set_folio(folio, flen - to, to));
  return { bv, sink, unpin: false };
}

/**
 * The read has completed: netfs_read_gaps() puts the sink folio, and the request's release
 * (netfs_free_request) frees direct_bv with direct_bv_unpin false: nothing is unpinned.
 */
export function netfs_read_gaps_done(buf: netfs_read_gaps_buffer): void {
  folio_put(buf.sink);
  netfs_release_extracted(buf.bv, buf.unpin);
}
