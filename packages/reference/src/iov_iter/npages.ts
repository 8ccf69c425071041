// iov_iter_npages() (lib/iov_iter.c; ITER_BVECQ: iov_npages_bvecq from the bvecq RFC):
// the number of pages the iterator's remaining bytes touch, capped at maxpages.

import { DIV_ROUND_UP } from '../mm/constants.ts';
import {
  ITER_BVEC,
  ITER_BVECQ,
  ITER_FOLIOQ,
  ITER_IOVEC,
  ITER_KVEC,
  ITER_UBUF,
  ITER_XARRAY,
} from './constants.ts';
import { PAGE_SIZE } from './page_glue.ts';
import type { iov_iter } from './types.ts';

/** iov_npages(): iovec and kvec; zero-length segments add nothing. */
function iov_npages(i: iov_iter, maxpages: number): number {
  let skip = i.iov_offset;
  let size = i.count;
  let npages = 0;
  const iov = i.iter_type === ITER_KVEC ? i.kvec : i.__iov;
  for (let p = i.seg; size; skip = 0, p++) {
    const v = iov[p]!;
    const offs = (v.iov_base + skip) % PAGE_SIZE;
    const len = Math.min(v.iov_len - skip, size);
    if (len) {
      size -= len;
      npages += DIV_ROUND_UP(offs + len, PAGE_SIZE);
      if (npages > maxpages) return maxpages;
    }
  }
  return npages;
}

/** bvec_npages() */
function bvec_npages(i: iov_iter, maxpages: number): number {
  let skip = i.iov_offset;
  let size = i.count;
  let npages = 0;
  for (let p = i.seg; size; skip = 0, p++) {
    const b = i.bvec[p]!;
    const offs = (b.bv_offset + skip) % PAGE_SIZE;
    const len = Math.min(b.bv_len - skip, size);
    size -= len;
    npages += DIV_ROUND_UP(offs + len, PAGE_SIZE);
    if (npages > maxpages) return maxpages;
  }
  return npages;
}

/**
 * iov_npages_bvecq(). The RFC's loop condition reads `while (npages > maxpages)`, which stops
 * after one slot; the model walks while bytes remain (`size`), which is what the function
 * is for, and caps at maxpages.
 */
function iov_npages_bvecq(i: iov_iter, maxpages: number): number {
  let bq = i.bvecq!;
  let slot = i.bvecq_slot;
  let npages = 0;
  let skip = i.iov_offset;
  let size = i.count;
  if (slot === bq.nr_slots) {
    bq = bq.next!;
    slot = 0;
  }
  while (size) {
    // An empty segment (nr_slots 0): the later revisions' "for (; slot < bq->nr_slots; slot++)"
    // reads none of it and goes on to ->next.
    if (slot >= bq.nr_slots) {
      if (!bq.next) break;
      bq = bq.next;
      slot = 0;
      continue;
    }
    const b = bq.bv[slot]!;
    const offs = (b.bv_offset + skip) % PAGE_SIZE;
    const part = Math.min(b.bv_len - skip, size);
    if (part) npages += DIV_ROUND_UP(offs + part, PAGE_SIZE);
    if (npages > maxpages) return maxpages;
    size -= part;
    skip = 0;
    slot++;
    if (slot === bq.nr_slots) {
      if (!bq.next) break;
      bq = bq.next;
      slot = 0;
    }
  }
  return Math.min(npages, maxpages);
}

/** iov_iter_npages() */
export function iov_iter_npages(i: iov_iter, maxpages: number): number {
  if (!i.count) return 0;
  switch (i.iter_type) {
    case ITER_UBUF: {
      const offs = (i.ubuf + i.iov_offset) % PAGE_SIZE;
      return Math.min(DIV_ROUND_UP(offs + i.count, PAGE_SIZE), maxpages);
    }
    case ITER_IOVEC:
    case ITER_KVEC:
      return iov_npages(i, maxpages);
    case ITER_BVEC:
      return bvec_npages(i, maxpages);
    case ITER_FOLIOQ: {
      const offset = i.iov_offset % PAGE_SIZE;
      return Math.min(DIV_ROUND_UP(offset + i.count, PAGE_SIZE), maxpages);
    }
    case ITER_BVECQ:
      return iov_npages_bvecq(i, maxpages);
    case ITER_XARRAY: {
      const offset = (i.xarray_start + i.iov_offset) % PAGE_SIZE;
      return Math.min(DIV_ROUND_UP(offset + i.count, PAGE_SIZE), maxpages);
    }
    default:
      return 0;
  }
}
