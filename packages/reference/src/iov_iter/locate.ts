// Where the bytes of an iterator live: an independent walk of the iterator's segments (not
// the extraction code) that gives, for the k-th remaining byte, the page holding it and the
// offset in that page. The extraction invariants compare extract results against it.

import type { Page } from '../mm/folio.ts';
import { virt_to_page } from '../mm/kmem.ts';
import {
  ITER_BVEC,
  ITER_BVECQ,
  ITER_FOLIOQ,
  ITER_IOVEC,
  ITER_KVEC,
  ITER_UBUF,
  ITER_XARRAY,
} from './constants.ts';
import { folioq_folio, folioq_folio_size, folioq_nr_slots } from './folio_queue.ts';
import { nth_page, PAGE_SIZE } from './page_glue.ts';
import { iov_iter } from './types.ts';

/** A byte's home: page and offset within it; null when it cannot be resolved (a hole, no PTE). */
export interface ByteLocation {
  page: Page;
  offset: number;
}

/** A shallow copy of an iterator's position (segment arrays are shared, never mutated). */
export function iov_iter_clone(i: iov_iter): iov_iter {
  const c = new iov_iter();
  Object.assign(c, i);
  return c;
}

function user_location(i: iov_iter, addr: number): ByteLocation | null {
  const pte = i.mm?.ptes.get(Math.floor(addr / PAGE_SIZE));
  return pte ? { page: pte.page, offset: addr % PAGE_SIZE } : null;
}

/** The location of the k-th remaining byte of `i` (0 <= k < i.count). */
export function iov_iter_byte_location(i: iov_iter, k: number): ByteLocation | null {
  if (k < 0 || k >= i.count) return null;
  switch (i.iter_type) {
    case ITER_UBUF:
      return user_location(i, i.ubuf + i.iov_offset + k);
    case ITER_IOVEC:
    case ITER_KVEC: {
      const v = i.iter_type === ITER_KVEC ? i.kvec : i.__iov;
      let skip = i.iov_offset;
      for (let s = i.seg; s < v.length; s++, skip = 0) {
        const len = v[s]!.iov_len - skip;
        if (k < len) {
          const a = v[s]!.iov_base + skip + k;
          return i.iter_type === ITER_KVEC
            ? { page: virt_to_page(a), offset: a % PAGE_SIZE }
            : user_location(i, a);
        }
        k -= Math.max(0, len);
      }
      return null;
    }
    case ITER_BVEC: {
      let skip = i.iov_offset;
      for (let s = i.seg; s < i.bvec.length; s++, skip = 0) {
        const b = i.bvec[s]!;
        const len = b.bv_len - skip;
        if (k < len) {
          const o = b.bv_offset + skip + k;
          return { page: nth_page(b.bv_page, Math.floor(o / PAGE_SIZE)), offset: o % PAGE_SIZE };
        }
        k -= Math.max(0, len);
      }
      return null;
    }
    case ITER_FOLIOQ: {
      let q = i.folioq;
      let slot = i.folioq_slot;
      let skip = i.iov_offset;
      while (q) {
        if (slot >= folioq_nr_slots(q)) {
          q = q.next;
          slot = 0;
          continue;
        }
        const len = folioq_folio_size(q, slot) - skip;
        if (k < len) {
          const o = skip + k;
          return {
            page: folioq_folio(q, slot).page(Math.floor(o / PAGE_SIZE)),
            offset: o % PAGE_SIZE,
          };
        }
        k -= Math.max(0, len);
        slot++;
        skip = 0;
      }
      return null;
    }
    case ITER_BVECQ: {
      let bq = i.bvecq;
      let slot = i.bvecq_slot;
      let skip = i.iov_offset;
      while (bq) {
        if (slot >= bq.nr_slots) {
          bq = bq.next;
          slot = 0;
          continue;
        }
        const b = bq.bv[slot]!;
        const len = b.bv_len - skip;
        if (k < len) {
          const o = b.bv_offset + skip + k;
          return { page: nth_page(b.bv_page, Math.floor(o / PAGE_SIZE)), offset: o % PAGE_SIZE };
        }
        k -= Math.max(0, len);
        slot++;
        skip = 0;
      }
      return null;
    }
    case ITER_XARRAY: {
      const pos = i.xarray_start + i.iov_offset + k;
      const index = Math.floor(pos / PAGE_SIZE);
      const folio = i.xarray!.xa_load(index);
      if (!folio) return null;
      return {
        page: folio.page(index - i.xarray!.folio_index_at(index)!),
        offset: pos % PAGE_SIZE,
      };
    }
    default:
      return null;
  }
}
