// Unbuffered/DIO write over a bvecq buffer (seed 004, patch 1 "netfs: Fix unbuffered/DIO
// writes to dispatch subrequests in strict sequence", a0b4c7a49137; fs/netfs/direct_write.c of
// the RFC). netfs_unbuffered_write_iter_locked() extracts (pins) the whole user buffer into a
// bvecq chain before netfs_unbuffered_write() dispatches anything; subrequests are then issued
// one at a time, the next only after the previous one was collected. A subrequest that the
// server answers with -EAGAIN or a short write needs a retry (netfs_write_subrequest_terminated,
// fs/netfs/write_collect.c) and is reissued from dispatch_pos + transferred; any other error
// fails it, and a failed subrequest ends the request (wreq->error, nothing more dispatched);
// the pinned pages are released when the request drops the chain.

import { EAGAIN } from '../errno.ts';
import { ITER_SOURCE } from '../iov_iter/constants.ts';
import { iov_iter_bvec_queue } from '../iov_iter/init.ts';
import { copy_from_iter } from '../iov_iter/iterate.ts';
import type { iov_iter } from '../iov_iter/types.ts';
import { current_kernel } from '../kernel.ts';
import type { bvecq } from './chain.ts';
import {
  bvecq_extract,
  bvecq_pos_advance,
  bvecq_pos_attach,
  bvecq_pos_detach,
  bvecq_pos_new,
  bvecq_pos_transfer,
  bvecq_slice,
  NETFS_NO_SEG_LIMIT,
  netfs_put_bvecq,
} from './chain.ts';
import { netfs_extract_iter_to_bvecq } from './extract.ts';
import type { netfs_io_subrequest } from './read.ts';

export interface netfs_dispatch_record {
  debug_index: number;
  start: number;
  /** Subrequests in flight when this one was dispatched. */
  in_flight_before: number;
  collected_to: number;
}

/** What the collector did with a range of the buffer: written (ok) or released unwritten. */
export interface netfs_write_collect_record {
  start: number;
  end: number;
  ok: boolean;
}

/** struct netfs_io_request for an unbuffered write. */
export class netfs_dio_write_request {
  readonly dispatch_cursor = bvecq_pos_new();
  dispatched_to: number;
  /** End of the last subrequest collected as written (stream->collected_to). */
  collected_to: number;
  /**
   * End of the buffer range given up unwritten: a failed subrequest's range when it is
   * collected, the whole rest of the buffer when a failed request ends (the counterpart of
   * read_collect.c's rreq->abandon_to).
   */
  abandon_to: number;
  transferred = 0;
  /** Dispatched and not yet collected, in dispatch order. */
  readonly subrequests: netfs_io_subrequest[] = [];
  readonly dispatch_log: netfs_dispatch_record[] = [];
  readonly collect_log: netfs_write_collect_record[] = [];
  next_debug_index = 1;
  error = 0;
  /** netfs_unbuffered_write_end() has run: the chain and its pins are gone. */
  ended = false;

  constructor(
    readonly start: number,
    readonly len: number,
    /** The chain head; this request owns one ref on it. */
    public buffer: bvecq | null,
  ) {
    this.dispatched_to = start;
    this.collected_to = start;
    this.abandon_to = start;
  }
}

/**
 * Extract (and pin) the caller's buffer into a bvecq chain and set up the dispatch cursor. An
 * extraction that gets nothing (e.g. -EFAULT: the user buffer is not mapped) leaves a request
 * that has failed with no chain and dispatches nothing: netfs_unbuffered_write_iter_locked()
 * returns the error before netfs_unbuffered_write() runs (fs/netfs/direct_write.c).
 */
export function netfs_unbuffered_write_begin(
  iter: iov_iter,
  start: number,
): netfs_dio_write_request {
  const len = iter.count;
  const { head, extracted, error } = netfs_extract_iter_to_bvecq(iter, len, start);
  const wreq = new netfs_dio_write_request(start, extracted, head);
  wreq.error = error;
  if (head !== null) bvecq_pos_attach(wreq.dispatch_cursor, { bvecq: head, slot: 0, offset: 0 });
  return wreq;
}

/**
 * One pass of netfs_unbuffered_write()'s dispatch loop: the next subrequest of up to wsize bytes
 * (the filesystem's stream->sreq_max_len), or null when the loop stops. In strict sequence
 * nothing is dispatched while a subrequest is in flight; the bvecq_unordered_dio_write fault is
 * the code before the fix, which issued subrequests back to back. Nothing is dispatched once
 * the request has failed (netfs_unbuffered_write() breaks out of its loop). As in the RFC's loop
 * (RFC 10/17, fs/netfs/direct_write.c: `bvecq_pos_attach(&subreq->dispatch_pos,
 * &wreq->dispatch_cursor); subreq->len = bvecq_slice(&wreq->dispatch_cursor,
 * stream->sreq_max_len, ...)`, then `if (!iov_iter_count(&subreq->io_iter)) break;`), the slice
 * is asked for wsize and stops at the end of the chain, so the last subrequest gets what is left
 * and a slice of nothing ends the loop.
 */
export function netfs_unbuffered_write_dispatch(
  wreq: netfs_dio_write_request,
  wsize: number,
  copy = false,
): netfs_io_subrequest | null {
  if (!Number.isInteger(wsize) || wsize <= 0)
    throw new RangeError(`wsize must be a positive integer, got ${wsize}`);
  if (wreq.ended) throw new Error('netfs_unbuffered_write_dispatch: the request has ended');
  if (wreq.error) return null;
  const strict = !current_kernel().hasFault('bvecq_unordered_dio_write');
  if (strict && wreq.subrequests.length > 0) return null;
  // netfs_prepare_unbuffered_write_buffer() (the RFC's direct_write.c): dispatch_pos attached
  // at the dispatch cursor, bvecq_slice() moves the cursor over the subrequest's buffer.
  // With `copy` the filesystem wants its own subchain: bvecq_extract() transcribes the slice
  // into a chain it allocates (subreq->content.bvecq) and moves the cursor as the slice would.
  const dispatch_pos = bvecq_pos_new();
  bvecq_pos_attach(dispatch_pos, wreq.dispatch_cursor);
  const { len, content } = netfs_prepare_write_slice(wreq, wsize, copy);
  if (len <= 0) {
    // Nothing left: the loop ends and the unused subrequest's position goes with it
    // (netfs_free_subrequest() detaches dispatch_pos).
    bvecq_pos_detach(dispatch_pos);
    return null;
  }
  const sub: netfs_io_subrequest = {
    debug_index: wreq.next_debug_index++,
    start: wreq.dispatched_to,
    len,
    transferred: 0,
    state: 'IN_PROGRESS',
    error: 0,
    retry_count: 0,
    dispatch_pos,
    content,
  };
  wreq.dispatch_log.push({
    debug_index: sub.debug_index,
    start: sub.start,
    in_flight_before: wreq.subrequests.length,
    collected_to: wreq.collected_to,
  });
  wreq.dispatched_to += sub.len;
  wreq.subrequests.push(sub);
  return sub;
}

/**
 * The buffer half of netfs_prepare_unbuffered_write_buffer() (the RFC's later
 * fs/netfs/direct_write.c): `if (copy) got = bvecq_extract(&stream->dispatch_cursor, len,
 * max_segs, &subreq->content.bvecq); else len = bvecq_slice(&stream->dispatch_cursor, ...)`.
 * Either way the dispatch cursor moves past the subrequest's bytes.
 */
function netfs_prepare_write_slice(
  wreq: netfs_dio_write_request,
  wsize: number,
  copy: boolean,
): { len: number; content: bvecq | null } {
  if (!copy)
    return { len: bvecq_slice(wreq.dispatch_cursor, wsize, NETFS_NO_SEG_LIMIT)[0], content: null };
  const { extracted, to } = bvecq_extract(wreq.dispatch_cursor, wsize, NETFS_NO_SEG_LIMIT);
  return { len: Math.max(extracted, 0), content: to };
}

/** netfs_free_subrequest()'s `bvecq_pos_unset(&subreq->content)`: drop the copy, if any. */
function netfs_put_subreq_content(sub: netfs_io_subrequest): void {
  if (!sub.content) return;
  netfs_put_bvecq(sub.content);
  sub.content = null;
}

/**
 * Run `fn` over an ITER_BVECQ source of what the subrequest has left to send (from
 * transferred on): the filesystem's copy when it has one, else the request's chain at
 * dispatch_pos; the temporary position is dropped afterwards.
 */
export function netfs_with_subreq_source<T>(sub: netfs_io_subrequest, fn: (it: iov_iter) => T): T {
  const pos = bvecq_pos_new();
  if (sub.content) bvecq_pos_attach(pos, { bvecq: sub.content, slot: 0, offset: 0 });
  else bvecq_pos_attach(pos, sub.dispatch_pos);
  bvecq_pos_advance(pos, sub.transferred);
  try {
    return fn(
      iov_iter_bvec_queue(ITER_SOURCE, pos.bvecq!, pos.slot, pos.offset, sub.len - sub.transferred),
    );
  } finally {
    bvecq_pos_detach(pos);
  }
}

/**
 * netfs_write_subrequest_terminated() (fs/netfs/write_collect.c): the server wrote
 * `transferred_or_error` more bytes of the subrequest into `file` at its position (read out of
 * the buffer through an ITER_BVECQ source from dispatch_pos + what was already transferred),
 * or answered with a negative errno. -EAGAIN and a short write set NEED_RETRY; any other error
 * fails the subrequest.
 */
export function netfs_write_subreq_terminated(
  sub: netfs_io_subrequest,
  transferred_or_error: number,
  file: Uint8Array,
): void {
  if (sub.state !== 'IN_PROGRESS')
    throw new Error(`subrequest ${sub.debug_index} is ${sub.state}, not in progress`);
  if (!Number.isInteger(transferred_or_error))
    throw new RangeError(`transferred_or_error must be an integer, got ${transferred_or_error}`);
  if (transferred_or_error < 0) {
    sub.error = transferred_or_error;
    sub.state = transferred_or_error === -EAGAIN ? 'NEED_RETRY' : 'FAILED';
    return;
  }
  const written = transferred_or_error;
  const want = sub.len - sub.transferred;
  if (written > want) throw new RangeError(`written ${written} must be within 0..${want}`);
  const from = sub.start + sub.transferred;
  if (from + written > file.length) throw new RangeError('write past the end of the server file');
  if (sub.wire) {
    // The server stores what it received when the subrequest was sent.
    file.set(sub.wire.subarray(sub.transferred, sub.transferred + written), from);
  } else {
    netfs_with_subreq_source(sub, (it) =>
      copy_from_iter(file.subarray(from, from + written), written, it),
    );
  }
  sub.error = 0;
  sub.transferred += written;
  sub.state = sub.transferred < sub.len ? 'NEED_RETRY' : 'DONE';
}

/**
 * Reissue a subrequest that needs a retry over the rest of its range. The RFC's
 * netfs_unbuffered_write() moves the dispatch cursor back to the subrequest's dispatch_pos,
 * advances it by what was transferred (added to wreq->transferred) and slices the subrequest's
 * buffer again from there. With the bvecq_unordered_dio_write fault later subrequests may be in
 * flight, so only the subrequest's own position moves (write_retry.c reissues the range).
 */
export function netfs_unbuffered_write_retry(
  wreq: netfs_dio_write_request,
  sub: netfs_io_subrequest,
): void {
  if (sub.state !== 'NEED_RETRY')
    throw new Error(`subrequest ${sub.debug_index} does not need a retry (${sub.state})`);
  const done = sub.transferred;
  const rest = sub.len - done;
  if (wreq.subrequests.at(-1) === sub) {
    // The RFC's loop: `bvecq_pos_unset(&subreq->content)`, the cursor wound back to
    // dispatch_pos + transferred, and the reissue prepares the buffer again from there (a new
    // copy of the rest when the filesystem asks for one).
    const copy = sub.content != null;
    netfs_put_subreq_content(sub);
    bvecq_pos_detach(wreq.dispatch_cursor);
    bvecq_pos_transfer(wreq.dispatch_cursor, sub.dispatch_pos);
    bvecq_pos_advance(wreq.dispatch_cursor, done);
    bvecq_pos_attach(sub.dispatch_pos, wreq.dispatch_cursor);
    sub.content = netfs_prepare_write_slice(wreq, rest, copy).content;
  } else {
    bvecq_pos_advance(sub.dispatch_pos, done);
  }
  // The written part is accounted now (wreq->transferred) and only the rest is reissued, so
  // the collector's record of what was written covers it from here on.
  if (done > 0) wreq.collect_log.push({ start: sub.start, end: sub.start + done, ok: true });
  wreq.transferred += done;
  sub.start += done;
  sub.len = rest;
  sub.transferred = 0;
  sub.wire = null; // the reissue is sent afresh
  sub.error = 0;
  sub.retry_count++;
  sub.state = 'IN_PROGRESS';
}

/**
 * netfs_unbuffered_write_collect(): collect terminated subrequests in dispatch order. A written
 * one moves collected_to (stream->collected_to = start + transferred); a failed one records
 * the request's error and gives its range up unwritten (the strict netfs_unbuffered_write()
 * stops dispatching at it).
 */
export function netfs_unbuffered_write_collect(wreq: netfs_dio_write_request): void {
  for (;;) {
    const sub = wreq.subrequests[0];
    if (sub === undefined || (sub.state !== 'DONE' && sub.state !== 'FAILED')) return;
    wreq.subrequests.shift();
    bvecq_pos_detach(sub.dispatch_pos);
    netfs_put_subreq_content(sub);
    if (sub.state === 'FAILED') {
      if (!wreq.error) wreq.error = sub.error;
      wreq.abandon_to = sub.start + sub.len;
      wreq.collect_log.push({ start: sub.start, end: wreq.abandon_to, ok: false });
      continue;
    }
    wreq.transferred += sub.transferred;
    wreq.collected_to = sub.start + sub.transferred;
    wreq.collect_log.push({ start: sub.start, end: wreq.collected_to, ok: true });
  }
}

/**
 * Finish the request: detach positions and drop the buffer (unpinning GUP pages; the RFC's
 * netfs_unbuffered_write() detaches its cursors on the way out and netfs_deinit_request() the
 * rest). A failed request gives up the part of the buffer it never wrote. Calling it again is
 * a no-op.
 */
export function netfs_unbuffered_write_end(wreq: netfs_dio_write_request): void {
  if (wreq.ended) return;
  if (wreq.error) {
    const from = Math.max(wreq.collected_to, wreq.abandon_to);
    const end = wreq.start + wreq.len;
    if (from < end) {
      wreq.collect_log.push({ start: from, end, ok: false });
      wreq.abandon_to = end;
    }
  }
  for (const sub of wreq.subrequests) {
    bvecq_pos_detach(sub.dispatch_pos);
    netfs_put_subreq_content(sub);
  }
  wreq.subrequests.length = 0;
  bvecq_pos_detach(wreq.dispatch_cursor);
  netfs_put_bvecq(wreq.buffer);
  wreq.buffer = null;
  wreq.ended = true;
}
