// Unbuffered/DIO write over a bvecq buffer (seed 004, patch 1 "netfs: Fix unbuffered/DIO
// writes to dispatch subrequests in strict sequence"; fs/netfs/direct_write.c of the RFC).
// The user buffer is extracted (pinned) into a bvecq chain; subrequests are dispatched one
// at a time and the next is issued only after the previous one was collected; a short
// write moves the dispatch cursor back to subreq->dispatch_pos + transferred.

import { ITER_SOURCE } from '../iov_iter/constants.ts';
import { iov_iter_bvec_queue } from '../iov_iter/init.ts';
import { copy_from_iter } from '../iov_iter/iterate.ts';
import type { iov_iter } from '../iov_iter/types.ts';
import { current_kernel } from '../kernel.ts';
import type { bvecq } from './chain.ts';
import {
  bvecq_pos_advance,
  bvecq_pos_attach,
  bvecq_pos_detach,
  bvecq_pos_new,
  bvecq_pos_transfer,
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

/** struct netfs_io_request for an unbuffered write. */
export class netfs_dio_write_request {
  readonly dispatch_cursor = bvecq_pos_new();
  dispatched_to: number;
  collected_to: number;
  transferred = 0;
  /** Dispatched and not yet collected, in dispatch order. */
  readonly subrequests: netfs_io_subrequest[] = [];
  readonly dispatch_log: netfs_dispatch_record[] = [];
  next_debug_index = 1;
  error = 0;

  constructor(
    readonly start: number,
    readonly len: number,
    /** The chain head; this request owns one ref on it. */
    public buffer: bvecq | null,
  ) {
    this.dispatched_to = start;
    this.collected_to = start;
  }
}

/** Extract (and pin) the caller's buffer into a bvecq chain and set up the dispatch cursor. */
export function netfs_unbuffered_write_begin(
  iter: iov_iter,
  start: number,
): netfs_dio_write_request {
  const len = iter.count;
  const { head, extracted, error } = netfs_extract_iter_to_bvecq(iter, len, start);
  const wreq = new netfs_dio_write_request(start, extracted, head);
  wreq.error = error;
  bvecq_pos_attach(wreq.dispatch_cursor, { bvecq: head, slot: 0, offset: 0 });
  return wreq;
}

/**
 * Dispatch the next subrequest of up to wsize bytes, or null. In strict sequence nothing is
 * dispatched while a subrequest is in flight; the bvecq_unordered_dio_write fault is the
 * code before the fix, which issued subrequests back to back.
 */
export function netfs_unbuffered_write_dispatch(
  wreq: netfs_dio_write_request,
  wsize: number,
): netfs_io_subrequest | null {
  if (!Number.isInteger(wsize) || wsize <= 0)
    throw new RangeError(`wsize must be a positive integer, got ${wsize}`);
  const strict = !current_kernel().hasFault('bvecq_unordered_dio_write');
  if (strict && wreq.subrequests.length > 0) return null;
  const len = Math.min(wsize, wreq.start + wreq.len - wreq.dispatched_to);
  if (len <= 0) return null;
  const sub: netfs_io_subrequest = {
    debug_index: wreq.next_debug_index++,
    start: wreq.dispatched_to,
    len,
    transferred: 0,
    state: 'IN_PROGRESS',
    error: 0,
    retry_count: 0,
    dispatch_pos: bvecq_pos_new(),
  };
  wreq.dispatch_log.push({
    debug_index: sub.debug_index,
    start: sub.start,
    in_flight_before: wreq.subrequests.length,
    collected_to: wreq.collected_to,
  });
  bvecq_pos_attach(sub.dispatch_pos, wreq.dispatch_cursor);
  bvecq_pos_advance(wreq.dispatch_cursor, len);
  wreq.dispatched_to += len;
  wreq.subrequests.push(sub);
  return sub;
}

/**
 * The server wrote `written` bytes of the subrequest (at most len) into `file` at the
 * subrequest's position; the bytes are read out of the buffer with an ITER_BVECQ source.
 */
export function netfs_write_subreq_terminated(
  sub: netfs_io_subrequest,
  written: number,
  file: Uint8Array,
): void {
  if (sub.state !== 'IN_PROGRESS')
    throw new Error(`subrequest ${sub.debug_index} is ${sub.state}, not in progress`);
  if (!Number.isInteger(written) || written < 0 || written > sub.len) {
    throw new RangeError(`written ${written} must be within 0..${sub.len}`);
  }
  if (sub.start + written > file.length)
    throw new RangeError('write past the end of the server file');
  const p = sub.dispatch_pos;
  const it = iov_iter_bvec_queue(ITER_SOURCE, p.bvecq!, p.slot, p.offset, sub.len);
  copy_from_iter(file.subarray(sub.start, sub.start + written), written, it);
  sub.transferred = written;
  sub.state = 'DONE';
}

/** netfs_unbuffered_write_collect(): collect completed subrequests in dispatch order. */
export function netfs_unbuffered_write_collect(wreq: netfs_dio_write_request): void {
  while (wreq.subrequests.length && wreq.subrequests[0]!.state === 'DONE') {
    const sub = wreq.subrequests.shift()!;
    wreq.transferred += sub.transferred;
    if (sub.transferred < sub.len) {
      // Short write: resume dispatch from where this subrequest stopped.
      bvecq_pos_detach(wreq.dispatch_cursor);
      bvecq_pos_transfer(wreq.dispatch_cursor, sub.dispatch_pos);
      bvecq_pos_advance(wreq.dispatch_cursor, sub.transferred);
      wreq.dispatched_to = sub.start + sub.transferred;
    } else {
      bvecq_pos_detach(sub.dispatch_pos);
    }
    wreq.collected_to = sub.start + sub.transferred;
  }
}

/** Finish the request: detach positions and drop the buffer (unpinning GUP pages). */
export function netfs_unbuffered_write_end(wreq: netfs_dio_write_request): void {
  for (const sub of wreq.subrequests) bvecq_pos_detach(sub.dispatch_pos);
  wreq.subrequests.length = 0;
  bvecq_pos_detach(wreq.dispatch_cursor);
  netfs_put_bvecq(wreq.buffer);
  wreq.buffer = null;
}
