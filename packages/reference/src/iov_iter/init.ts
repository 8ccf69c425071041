// Iterator initialisers: iov_iter_ubuf (include/linux/uio.h), iov_iter_init, iov_iter_kvec,
// iov_iter_bvec, iov_iter_folio_queue, iov_iter_xarray, iov_iter_discard (lib/iov_iter.c) and
// iov_iter_bvec_queue (bvecq RFC, seed 004). Each builds a fresh iterator rather than filling
// one in place, as `*i = (struct iov_iter){...}` does.

import type { bvecq } from '../bvecq/chain.ts';
import { current_kernel } from '../kernel.ts';
import type { IterTypeName as ProfileIterTypeName } from '../profile.ts';
import type { IterDirection, IterType } from './constants.ts';
import {
  ITER_BVEC,
  ITER_BVECQ,
  ITER_DISCARD,
  ITER_FOLIOQ,
  ITER_IOVEC,
  ITER_KVEC,
  ITER_UBUF,
  ITER_XARRAY,
  iter_type_name,
  READ,
  WRITE,
} from './constants.ts';
import { IovIterBug, IovIterWarning } from './errors.ts';
import type { folio_queue } from './folio_queue.ts';
import type { bio_vec, iovec, kvec } from './types.ts';
import { iov_iter } from './types.ts';
import type { XArray } from './xarray.ts';

function check_direction(site: string, direction: number): IterDirection {
  if (direction !== READ && direction !== WRITE) {
    // WARN_ON(direction & ~(READ | WRITE)) / BUG_ON(direction & ~1)
    throw new IovIterWarning(site, `direction ${direction} is neither READ (0) nor WRITE (1)`);
  }
  return direction;
}

/** The profile's kernel must have the iterator type (e.g. no ITER_FOLIOQ/ITER_BVECQ in 6.1). */
function check_type(site: string, t: IterType): void {
  const name = iter_type_name(t) as ProfileIterTypeName;
  const profile = current_kernel().profile;
  if (!profile.iter_types.includes(name)) {
    throw new Error(`${site}: ${name} does not exist in profile ${profile.name}`);
  }
}

function check_len(site: string, what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${site}: ${what} must be a non-negative integer, got ${n}`);
  }
}

function check_segments(
  site: string,
  segs: readonly { iov_len?: number; bv_len?: number }[],
  count: number,
): void {
  let total = 0;
  for (const s of segs) {
    const len = s.iov_len ?? s.bv_len ?? Number.NaN;
    check_len(site, 'segment length', len);
    total += len;
  }
  if (count > total) {
    throw new RangeError(`${site}: count ${count} exceeds the ${total} bytes the segments hold`);
  }
}

function make(site: string, t: IterType, direction: number, count: number): iov_iter {
  check_type(site, t);
  check_len(site, 'count', count);
  const i = new iov_iter();
  i.iter_type = t;
  i.data_source = check_direction(site, direction) === WRITE;
  i.count = count;
  i.init_count = count;
  return i;
}

/** iov_iter_ubuf(): one user buffer of `current->mm`. */
export function iov_iter_ubuf(direction: number, buf: number, count: number): iov_iter {
  const i = make('iov_iter_ubuf', ITER_UBUF, direction, count);
  check_len('iov_iter_ubuf', 'buf', buf);
  i.ubuf = buf;
  i.nr_segs = 1;
  i.mm = current_kernel().current_mm;
  return i;
}

/** iov_iter_init(): an array of user iovecs of `current->mm`. */
export function iov_iter_init(
  direction: number,
  iov: readonly iovec[],
  nr_segs: number,
  count: number,
): iov_iter {
  const i = make('iov_iter_init', ITER_IOVEC, direction, count);
  const segs = iov.slice(0, nr_segs);
  check_segments('iov_iter_init', segs, count);
  i.__iov = segs;
  i.nr_segs = segs.length;
  i.mm = current_kernel().current_mm;
  return i;
}

/** iov_iter_kvec(): an array of kernel virtual ranges. */
export function iov_iter_kvec(
  direction: number,
  kv: readonly kvec[],
  nr_segs: number,
  count: number,
): iov_iter {
  const i = make('iov_iter_kvec', ITER_KVEC, direction, count);
  const segs = kv.slice(0, nr_segs);
  check_segments('iov_iter_kvec', segs, count);
  i.kvec = segs;
  i.nr_segs = segs.length;
  return i;
}

/** iov_iter_bvec(): an array of bio_vecs. */
export function iov_iter_bvec(
  direction: number,
  bvec: readonly bio_vec[],
  nr_segs: number,
  count: number,
): iov_iter {
  const i = make('iov_iter_bvec', ITER_BVEC, direction, count);
  const segs = bvec.slice(0, nr_segs);
  check_segments('iov_iter_bvec', segs, count);
  i.bvec = segs;
  i.nr_segs = segs.length;
  return i;
}

/** iov_iter_folio_queue(): folios in a folio_queue chain from (first_slot, offset). */
export function iov_iter_folio_queue(
  direction: number,
  folioq: folio_queue,
  first_slot: number,
  offset: number,
  count: number,
): iov_iter {
  if (direction !== READ && direction !== WRITE) {
    throw new IovIterBug('iov_iter_folio_queue', `direction ${direction} & ~1`);
  }
  const i = make('iov_iter_folio_queue', ITER_FOLIOQ, direction, count);
  i.folioq = folioq;
  i.folioq_slot = first_slot;
  i.iov_offset = offset;
  i.folioq_start = folioq;
  i.folioq_start_slot = first_slot;
  i.folioq_start_offset = offset;
  return i;
}

/** iov_iter_bvec_queue() (bvecq RFC): the bio_vecs of a bvecq chain from (first_slot, offset). */
export function iov_iter_bvec_queue(
  direction: number,
  bq: bvecq,
  first_slot: number,
  offset: number,
  count: number,
): iov_iter {
  if (direction !== READ && direction !== WRITE) {
    throw new IovIterBug('iov_iter_bvec_queue', `direction ${direction} & ~1`);
  }
  const i = make('iov_iter_bvec_queue', ITER_BVECQ, direction, count);
  i.bvecq = bq;
  i.bvecq_slot = first_slot;
  i.iov_offset = offset;
  return i;
}

/** iov_iter_xarray(): the folios of an xarray (page cache) from file position `start`. */
export function iov_iter_xarray(
  direction: number,
  xarray: XArray,
  start: number,
  count: number,
): iov_iter {
  if (direction !== READ && direction !== WRITE) {
    throw new IovIterBug('iov_iter_xarray', `direction ${direction} & ~1`);
  }
  const i = make('iov_iter_xarray', ITER_XARRAY, direction, count);
  check_len('iov_iter_xarray', 'start', start);
  i.xarray = xarray;
  i.xarray_start = start;
  return i;
}

/** iov_iter_discard(): a READ-only sink that drops what is written to it. */
export function iov_iter_discard(direction: number, count: number): iov_iter {
  if (direction !== READ) throw new IovIterBug('iov_iter_discard', 'direction != READ');
  return make('iov_iter_discard', ITER_DISCARD, direction, count);
}

/** user_backed_iter(): UBUF or IOVEC. */
export function user_backed_iter(i: iov_iter): boolean {
  return i.iter_type === ITER_UBUF || i.iter_type === ITER_IOVEC;
}

/** iov_iter_rw(): READ for a destination, WRITE for a source. */
export function iov_iter_rw(i: iov_iter): IterDirection {
  return i.data_source ? WRITE : READ;
}
