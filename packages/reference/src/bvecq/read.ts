// Buffered read over a bvecq rolling buffer (seed 004; fs/netfs/buffered_read.c,
// read_collect.c and read_retry.c of the RFC): folios are added at the load cursor, each
// subrequest's buffer starts at the dispatch cursor, and folios are unlocked as the collect
// cursor passes them. Completion order is chosen by the caller (the "server"), so any
// interleaving can be driven deterministically.

import { EIO } from '../errno.ts';
import { ITER_DEST } from '../iov_iter/constants.ts';
import { iov_iter_bvec_queue } from '../iov_iter/init.ts';
import { copy_to_iter } from '../iov_iter/iterate.ts';
import { current_kernel } from '../kernel.ts';
import type { Folio } from '../mm/folio.ts';
import type { bvecq, bvecq_pos } from './chain.ts';
import {
  bvecq_append,
  bvecq_buffer_delete_spent,
  bvecq_buffer_init,
  bvecq_buffer_make_space,
  bvecq_is_full,
  bvecq_pos_advance,
  bvecq_pos_attach,
  bvecq_pos_detach,
  bvecq_pos_fpos,
  bvecq_pos_new,
  bvecq_slice,
  NETFS_NO_SEG_LIMIT,
} from './chain.ts';

export type netfs_subreq_state = 'IN_PROGRESS' | 'DONE' | 'NEED_RETRY' | 'FAILED';

/** struct netfs_io_subrequest (the parts the buffer handling uses). */
export interface netfs_io_subrequest {
  debug_index: number;
  start: number;
  len: number;
  transferred: number;
  state: netfs_subreq_state;
  error: number;
  retry_count: number;
  /** Where this subrequest's buffer starts; holds a ref on its segment. */
  dispatch_pos: bvecq_pos;
  /**
   * The filesystem's own copy of the subrequest's slots (subreq->content.bvecq after
   * netfs_prepare_unbuffered_write_buffer(subreq, max_segs, copy = true): bvecq_extract()),
   * which the RPC is sent from; null/absent when the subrequest is sent from the request's chain.
   */
  content?: bvecq | null;
  /**
   * The bytes the transport put on the wire when the subrequest was issued, when it sends a
   * copy rather than the buffer itself (a sealed cifs mount: smb3_sealed_send); the server then
   * stores these. Absent: the server reads the subrequest's buffer when it answers.
   */
  wire?: Uint8Array | null;
}

export interface netfs_read_folio {
  folio: Folio;
  fpos: number;
  locked: boolean;
  /** PG_uptodate: set when unlocked after a successful read, not when abandoned. */
  uptodate?: boolean;
}

export interface netfs_unlock_record {
  fpos: number;
  end: number;
  /** collected_to when the folio was unlocked. */
  collected_to: number;
}

/** struct netfs_io_request for a buffered read. */
export class netfs_read_request {
  readonly load_cursor = bvecq_pos_new();
  readonly dispatch_cursor = bvecq_pos_new();
  readonly collect_cursor = bvecq_pos_new();
  loaded_to: number;
  dispatched_to: number;
  collected_to: number;
  /** Subrequests not yet collected, in file order. */
  readonly subrequests: netfs_io_subrequest[] = [];
  readonly folios: netfs_read_folio[] = [];
  readonly unlock_log: netfs_unlock_record[] = [];
  error = 0;
  next_debug_index = 1;
  /**
   * Only the collect cursor holds a segment ref (fault bvecq_collect_only_refs: PATCH 18/26
   * note (1)); the load and dispatch cursors and subrequest positions hold none.
   */
  collect_only_refs = false;

  constructor(readonly start: number) {
    this.loaded_to = start;
    this.dispatched_to = start;
    this.collected_to = start;
  }
}

/** Set up the rolling buffer and its three cursors at `start`. */
export function netfs_read_request_alloc(start: number): netfs_read_request {
  const rreq = new netfs_read_request(start);
  if (current_kernel().hasFault('bvecq_collect_only_refs')) {
    rreq.collect_only_refs = true;
    rreq.load_cursor.noref = true;
    rreq.dispatch_cursor.noref = true;
  }
  bvecq_buffer_init(rreq.load_cursor);
  const bq = rreq.load_cursor.bvecq!;
  bq.fpos = start;
  bq.mem_type = 'PAGECACHE';
  bvecq_pos_attach(rreq.dispatch_cursor, rreq.load_cursor);
  if (rreq.collect_only_refs) {
    // The first segment's initial ref (bvecq_buffer_init) is the collector's.
    rreq.collect_cursor.bvecq = bq;
  } else {
    bvecq_pos_attach(rreq.collect_cursor, rreq.load_cursor);
  }
  return rreq;
}

/** Add a locked page-cache folio at the load cursor (bvecq_load_from_ra, one folio). */
export function netfs_read_load_folio(rreq: netfs_read_request, folio: Folio): void {
  if (bvecq_is_full(rreq.load_cursor.bvecq!)) {
    bvecq_buffer_make_space(rreq.load_cursor);
    rreq.load_cursor.bvecq!.fpos = rreq.loaded_to;
  }
  const bq = rreq.load_cursor.bvecq!;
  bvecq_append(bq, { bv_page: folio.page(0), bv_len: folio.size, bv_offset: 0 });
  rreq.load_cursor.slot = bq.nr_slots;
  rreq.folios.push({ folio, fpos: rreq.loaded_to, locked: true });
  rreq.loaded_to += folio.size;
}

/** Create a subrequest for up to max_len loaded bytes at the dispatch cursor, or null. */
export function netfs_read_dispatch(
  rreq: netfs_read_request,
  max_len: number,
): netfs_io_subrequest | null {
  const len = Math.min(max_len, rreq.loaded_to - rreq.dispatched_to);
  if (len <= 0) return null;
  const sub: netfs_io_subrequest = {
    debug_index: rreq.next_debug_index++,
    start: rreq.dispatched_to,
    len,
    transferred: 0,
    state: 'IN_PROGRESS',
    error: 0,
    retry_count: 0,
    dispatch_pos: bvecq_pos_new(),
  };
  if (rreq.collect_only_refs) sub.dispatch_pos.noref = true;
  // The RFC's buffer preparation (netfs_prepare_read_buffer and its unbuffered/retry
  // variants, fs/netfs/buffered_read.c, direct_read.c, read_retry.c): the subrequest's
  // dispatch_pos is attached at the dispatch cursor and bvecq_slice() moves the cursor over
  // its buffer, limiting it to the slots there are (max_segs: the fs's sreq_max_segs, none here).
  bvecq_pos_attach(sub.dispatch_pos, rreq.dispatch_cursor);
  sub.len = bvecq_slice(rreq.dispatch_cursor, len, NETFS_NO_SEG_LIMIT)[0];
  rreq.dispatched_to += sub.len;
  rreq.subrequests.push(sub);
  return sub;
}

/**
 * The server answered a subrequest with `data` (or an error). The data is copied into the
 * subrequest's slice of the buffer through an ITER_BVECQ iterator. More data than was asked
 * for is an error ("netfs: Check for too much data being read"); the bvecq_read_too_much
 * fault is the code before that check, which accounts all of it as transferred.
 */
export function netfs_read_subreq_terminated(
  _rreq: netfs_read_request,
  sub: netfs_io_subrequest,
  data: Uint8Array,
  error = 0,
): void {
  if (sub.state !== 'IN_PROGRESS')
    throw new Error(`subrequest ${sub.debug_index} is ${sub.state}, not in progress`);
  if (error) {
    sub.state = 'FAILED';
    sub.error = error;
    return;
  }
  const want = sub.len - sub.transferred;
  const too_much = data.length > want;
  if (too_much && !current_kernel().hasFault('bvecq_read_too_much')) {
    sub.state = 'FAILED';
    sub.error = -EIO;
    return;
  }
  const pos = bvecq_pos_new();
  bvecq_pos_attach(pos, sub.dispatch_pos);
  bvecq_pos_advance(pos, sub.transferred);
  const it = iov_iter_bvec_queue(ITER_DEST, pos.bvecq!, pos.slot, pos.offset, want);
  const copied = copy_to_iter(data, Math.min(data.length, want), it);
  bvecq_pos_detach(pos);
  sub.transferred += too_much ? data.length : copied;
  sub.state = sub.transferred < sub.len ? 'NEED_RETRY' : 'DONE';
}

/** Re-issue the rest of a short subrequest from dispatch_pos + transferred (read_retry.c). */
export function netfs_retry_read_subrequest(sub: netfs_io_subrequest): void {
  if (sub.state !== 'NEED_RETRY')
    throw new Error(`subrequest ${sub.debug_index} does not need a retry (${sub.state})`);
  sub.retry_count++;
  sub.state = 'IN_PROGRESS';
}

/**
 * Collect completed subrequests in file order: move collected_to and the collect cursor,
 * unlock folios wholly below collected_to, and drop buffer segments the collector has
 * finished with once nothing else refers to them.
 */
export function netfs_read_collection(rreq: netfs_read_request): void {
  while (rreq.subrequests.length) {
    const sub = rreq.subrequests[0]!;
    // A failed front is consumed too, its range abandoned: fs/netfs/read_collect.c
    // netfs_collect_read_results() sets rreq->abandon_to = front->start + front->len and
    // front->transferred = front->len, records the error (NETFS_RREQ_FAILED) and removes the
    // subrequest (ABANDON_SREQ); netfs_read_unlock_folios() then unlocks the abandoned folios
    // without marking them uptodate.
    const failed = sub.state === 'FAILED';
    if (failed) {
      if (!rreq.error) rreq.error = sub.error;
      sub.transferred = sub.len;
    } else if (sub.state !== 'DONE') break;
    // The collect cursor follows collected_to over the loaded folios
    // (netfs_read_unlock_folios moves rreq->collect_cursor over the folios it unlocks up to
    // collected_to). After a too-much answer (bvecq_read_too_much) collected_to may be past
    // the cursor, which stopped at the end of the loaded data, or past this start.
    rreq.collected_to = sub.start + sub.transferred;
    const behind = rreq.collected_to - bvecq_pos_fpos(rreq.collect_cursor);
    if (behind > 0) bvecq_pos_advance(rreq.collect_cursor, behind);
    bvecq_pos_detach(sub.dispatch_pos);
    rreq.subrequests.shift();
    for (const f of rreq.folios) {
      if (f.locked && f.fpos + f.folio.size <= rreq.collected_to) {
        f.locked = false; // folio_end_read()
        f.uptodate = !failed;
        rreq.unlock_log.push({
          fpos: f.fpos,
          end: f.fpos + f.folio.size,
          collected_to: rreq.collected_to,
        });
      }
    }
    netfs_read_delete_spent(rreq);
  }
}

/** Drop the buffer segments the collect cursor has finished with once nothing else refers to them. */
function netfs_read_delete_spent(rreq: netfs_read_request): void {
  for (;;) {
    const spent = rreq.collect_cursor.bvecq!;
    if (rreq.collect_cursor.slot < spent.nr_slots || !spent.next || spent.ref !== 1) break;
    bvecq_buffer_delete_spent(rreq.collect_cursor);
  }
}

/**
 * netfs_unlock_abandoned_read_pages(): a failed request with nothing outstanding unlocks the
 * folios still locked in its buffer from the collect cursor on, without marking them uptodate
 * (fs/netfs/read_retry.c; the bvecq RFC walks from rreq->collect_cursor.bvecq; called at the
 * end of netfs_read_collection in read_collect.c). Here the dispatch and collect cursors are also
 * moved up to the load cursor, so the abandoned range's segments are released the way a
 * collection releases them.
 */
export function netfs_unlock_abandoned_read_pages(rreq: netfs_read_request): void {
  if (rreq.subrequests.length)
    throw new Error(`${rreq.subrequests.length} subrequests are still outstanding`);
  bvecq_pos_advance(rreq.dispatch_cursor, rreq.loaded_to - rreq.dispatched_to);
  rreq.dispatched_to = rreq.loaded_to;
  bvecq_pos_advance(rreq.collect_cursor, rreq.loaded_to - rreq.collected_to);
  rreq.collected_to = rreq.loaded_to;
  for (const f of rreq.folios) {
    if (!f.locked) continue;
    f.locked = false; // folio_unlock() without folio_mark_uptodate()
    f.uptodate = false;
    rreq.unlock_log.push({
      fpos: f.fpos,
      end: f.fpos + f.folio.size,
      collected_to: rreq.collected_to,
    });
  }
  netfs_read_delete_spent(rreq);
}

/** Tear the request down: detach every cursor and outstanding subrequest position. */
export function netfs_read_request_put(rreq: netfs_read_request): void {
  for (const sub of rreq.subrequests) bvecq_pos_detach(sub.dispatch_pos);
  rreq.subrequests.length = 0;
  bvecq_pos_detach(rreq.dispatch_cursor);
  bvecq_pos_detach(rreq.load_cursor);
  bvecq_pos_detach(rreq.collect_cursor);
}
