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
import { folioq_count, folioq_folio, folioq_folio_size } from './folio_queue.ts';
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

/**
 * A run of bytes from the k-th remaining one: its page and offset, and how many bytes from it
 * on (`len` >= 1) are the following bytes of that page within the same segment, so byte
 * k + j lives at offset + j of the same page for every j < len. Lets a checker walk the
 * iterator once per page and segment instead of once per byte.
 */
export interface ByteRun extends ByteLocation {
  len: number;
}

function user_run(i: iov_iter, addr: number, len: number): ByteRun | null {
  const pte = i.mm?.ptes.get(Math.floor(addr / PAGE_SIZE));
  return pte ? { page: pte.page, offset: addr % PAGE_SIZE, len: runLength(addr, len) } : null;
}

/** The location of the k-th remaining byte of `i` (0 <= k < i.count). */
export function iov_iter_byte_location(i: iov_iter, k: number): ByteLocation | null {
  const run = iov_iter_byte_run(i, k);
  return run === null ? null : { page: run.page, offset: run.offset };
}

/**
 * The run of bytes starting at the k-th remaining byte of `i` (0 <= k < i.count), capped at
 * the iterator's count; null where iov_iter_byte_location is null.
 */
export function iov_iter_byte_run(i: iov_iter, k: number): ByteRun | null {
  if (k < 0 || k >= i.count) return null;
  const left = i.count - k;
  switch (i.iter_type) {
    case ITER_UBUF:
      return user_run(i, i.ubuf + i.iov_offset + k, left);
    case ITER_IOVEC:
    case ITER_KVEC: {
      const v = i.iter_type === ITER_KVEC ? i.kvec : i.__iov;
      let skip = i.iov_offset;
      for (let s = i.seg; s < v.length; s++, skip = 0) {
        const len = v[s]!.iov_len - skip;
        if (k < len) {
          const a = v[s]!.iov_base + skip + k;
          const inSeg = Math.min(left, len - k);
          return i.iter_type === ITER_KVEC
            ? {
                page: virt_to_page(a),
                offset: a % PAGE_SIZE,
                len: runLength(a, inSeg),
              }
            : user_run(i, a, inSeg);
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
          return pageRun(nth_page(b.bv_page, Math.floor(o / PAGE_SIZE)), o, left, len - k);
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
        // pinlab's own walk (no kernel twin): past the folios used, on to the next segment.
        if (slot >= folioq_count(q)) {
          q = q.next;
          slot = 0;
          continue;
        }
        const len = folioq_folio_size(q, slot) - skip;
        if (k < len) {
          const o = skip + k;
          return pageRun(folioq_folio(q, slot).page(Math.floor(o / PAGE_SIZE)), o, left, len - k);
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
          return pageRun(nth_page(b.bv_page, Math.floor(o / PAGE_SIZE)), o, left, len - k);
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
        len: runLength(pos, left),
      };
    }
    default:
      return null;
  }
}

/** A run at byte offset `o` of a page (o taken modulo the page), capped by both limits. */
function pageRun(page: Page, o: number, left: number, inSegment: number): ByteRun {
  return { page, offset: o % PAGE_SIZE, len: runLength(o, Math.min(left, inSegment)) };
}

/**
 * Bytes from address (or offset) `a` to the end of its page, at most `limit`. A negative `a`
 * (an iterator reverted before its start) gives 1: there `a % PAGE_SIZE` and the page index
 * Math.floor(a / PAGE_SIZE) do not move together, so each byte is located on its own.
 */
function runLength(a: number, limit: number): number {
  return a < 0 ? 1 : Math.min(limit, PAGE_SIZE - (a % PAGE_SIZE));
}
