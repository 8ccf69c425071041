// struct iov_iter and the segment types it walks (include/linux/uio.h, include/linux/bvec.h).
// A C pointer into a segment array (i->__iov, i->kvec, i->bvec) is modelled as the array plus
// an index (`seg`), so "p++" is "seg++" and reverting past the array's start is detectable.

import type { bvecq } from '../bvecq/chain.ts';
import type { MmStruct, Page } from '../mm/index.ts';
import type { IterType } from './constants.ts';
import { ITER_UBUF } from './constants.ts';
import type { folio_queue } from './folio_queue.ts';
import type { XArray } from './xarray.ts';

/** struct iovec: a user address range. */
export interface iovec {
  iov_base: number;
  iov_len: number;
}

/** struct kvec: a kernel virtual address range (same layout as iovec in the kernel). */
export interface kvec {
  iov_base: number;
  iov_len: number;
}

/** struct bio_vec: a page, a length and an offset that may run past the first page. */
export interface bio_vec {
  bv_page: Page;
  bv_len: number;
  bv_offset: number;
}

/** A C out-parameter (`T *p`): the callee writes `p.value`. */
export interface Ref<T> {
  value: T;
}

export function ref<T>(value: T): Ref<T> {
  return { value };
}

/** A page array slot; undefined where the kernel would hold an unset pointer. */
export type PageSlot = Page | undefined;

/**
 * struct iov_iter. Fields the kernel keeps in unions are separate properties here (all present
 * on every object so V8 sees one shape); only the ones of `iter_type` are meaningful.
 */
export class iov_iter {
  iter_type: IterType = ITER_UBUF;
  /** true = ITER_SOURCE (WRITE: data is read out of the buffer), false = ITER_DEST. */
  data_source = false;
  nofault = false;
  iov_offset = 0;
  count = 0;
  /** nr_segs; for ITER_UBUF it is 1, as iov_iter_ubuf() sets it. */
  nr_segs = 0;
  /** Index of the current segment in __iov/kvec/bvec (the C pointer's offset). */
  seg = 0;
  __iov: readonly iovec[] = [];
  kvec: readonly kvec[] = [];
  bvec: readonly bio_vec[] = [];
  ubuf = 0;
  /** The address space user addresses refer to (current->mm in the kernel). */
  mm: MmStruct | null = null;
  xarray: XArray | null = null;
  xarray_start = 0;
  folioq: folio_queue | null = null;
  folioq_slot = 0;
  bvecq: bvecq | null = null;
  bvecq_slot = 0;
  /**
   * Model bookkeeping, not a kernel field: the byte count the iterator was initialised with.
   * Seed 004 proposes that iov_iter remember its starting point so that iov_iter_revert()
   * cannot over-revert; the invariants use this to detect over-reversion.
   */
  init_count = 0;
  /**
   * Model bookkeeping, not kernel fields: where an ITER_FOLIOQ iterator started (its
   * iov_iter_folio_queue() folioq, first_slot and offset), from which iter_count_consistent
   * counts the bytes before its position.
   */
  folioq_start: folio_queue | null = null;
  folioq_start_slot = 0;
  folioq_start_offset = 0;
}
