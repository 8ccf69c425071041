// Invariants of struct iov_iter and of page extraction. Each returns the list of violations
// (empty = holds). They are what the opt-in iov_iter faults must trip.

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
} from '../iov_iter/constants.ts';
import { folioq_count, folioq_folio_size, folioq_nr_slots } from '../iov_iter/folio_queue.ts';
import { iov_iter_byte_run } from '../iov_iter/locate.ts';
import { page_arrays_outstanding } from '../iov_iter/page_array.ts';
import type { iov_iter, PageSlot } from '../iov_iter/types.ts';
import type { Kernel } from '../kernel.ts';
import { current_kernel } from '../kernel.ts';
import { DIV_ROUND_UP, PAGE_SIZE } from '../mm/constants.ts';
import type { Violation } from './violation.ts';

function seg_lengths(i: iov_iter): readonly { len: number }[] {
  if (i.iter_type === ITER_BVEC) return i.bvec.map((b) => ({ len: b.bv_len }));
  const v = i.iter_type === ITER_KVEC ? i.kvec : i.__iov;
  return v.map((s) => ({ len: s.iov_len }));
}

/**
 * no_over_reversion: the iterator's position is never before the start it was initialised
 * with (iov_iter_revert() by more than was consumed would stray into unpinned memory).
 */
export function no_over_reversion(i: iov_iter): Violation[] {
  const out: Violation[] = [];
  const t = iter_type_name(i.iter_type);
  if (i.iov_offset < 0)
    out.push({
      invariant: 'no_over_reversion',
      message: `${t}: iov_offset ${i.iov_offset} is before the start of the buffer`,
    });
  if (i.seg < 0)
    out.push({
      invariant: 'no_over_reversion',
      message: `${t}: segment pointer ${i.seg} is before the segment array`,
    });
  if (i.count > i.init_count) {
    out.push({
      invariant: 'no_over_reversion',
      message: `${t}: count ${i.count} exceeds the ${i.init_count} bytes the iterator started with`,
    });
  }
  return out;
}

/**
 * The bytes before an ITER_FOLIOQ iterator's position, counted from where it started (its
 * iov_iter_folio_queue() folioq, first_slot and offset: the model's folioq_start*) by walking
 * the folios in between as the kernel's walks do (to ->next at slot folioq_nr_slots());
 * negative when a reversion left it before its start inside that folio, null when the walk
 * does not reach it (reverted into the folios before its start, or a queue that lost it).
 */
export function folioq_consumed(i: iov_iter): number | null {
  let q = i.folioq_start!;
  let slot = i.folioq_start_slot;
  let consumed = -i.folioq_start_offset;
  for (;;) {
    if (q === i.folioq && slot === i.folioq_slot) return consumed + i.iov_offset;
    if (slot === folioq_nr_slots(q) && q.next) {
      q = q.next;
      slot = 0;
      continue;
    }
    if (slot >= folioq_count(q)) return null;
    consumed += folioq_folio_size(q, slot);
    slot++;
  }
}

/**
 * iter_count_consistent: count and offset agree with the segments. For the vector types the
 * bytes consumed (segments passed + iov_offset) plus count equal the initial count, nr_segs
 * matches the segments left, and iov_offset lies within the current segment; for UBUF and
 * XARRAY iov_offset + count is the initial count; for FOLIOQ/BVECQ iov_offset lies within
 * the current slot, and for FOLIOQ the bytes before the position (folioq_consumed) plus count
 * are the initial count (broken by the pre-808471ddb0fa iterate_folioq, fault
 * iterate_folioq_offset_at_end: a copy from a folio's end counts bytes it does not pass).
 */
export function iter_count_consistent(i: iov_iter): Violation[] {
  const out: Violation[] = [];
  const t = iter_type_name(i.iter_type);
  if (i.count < 0)
    out.push({ invariant: 'iter_count_consistent', message: `${t}: count ${i.count} is negative` });
  switch (i.iter_type) {
    case ITER_IOVEC:
    case ITER_KVEC:
    case ITER_BVEC: {
      const segs = seg_lengths(i);
      if (i.seg + i.nr_segs !== segs.length) {
        out.push({
          invariant: 'iter_count_consistent',
          message: `${t}: seg ${i.seg} + nr_segs ${i.nr_segs} != ${segs.length} segments`,
        });
      }
      let consumed = i.iov_offset;
      for (let k = 0; k < i.seg && k < segs.length; k++) consumed += segs[k]!.len;
      if (consumed + i.count !== i.init_count) {
        out.push({
          invariant: 'iter_count_consistent',
          message: `${t}: consumed ${consumed} + count ${i.count} != initial count ${i.init_count}`,
        });
      }
      const cur = segs[i.seg];
      if (cur !== undefined && i.iov_offset > cur.len) {
        out.push({
          invariant: 'iter_count_consistent',
          message: `${t}: iov_offset ${i.iov_offset} beyond segment ${i.seg} of ${cur.len} bytes`,
        });
      }
      if (cur === undefined && i.iov_offset !== 0) {
        out.push({
          invariant: 'iter_count_consistent',
          message: `${t}: iov_offset ${i.iov_offset} with no segment left`,
        });
      }
      break;
    }
    case ITER_UBUF:
    case ITER_XARRAY:
      if (i.iov_offset + i.count !== i.init_count) {
        out.push({
          invariant: 'iter_count_consistent',
          message: `${t}: iov_offset ${i.iov_offset} + count ${i.count} != initial count ${i.init_count}`,
        });
      }
      break;
    case ITER_FOLIOQ: {
      const q = i.folioq!;
      if (i.folioq_slot < folioq_count(q) && i.iov_offset > folioq_folio_size(q, i.folioq_slot)) {
        out.push({
          invariant: 'iter_count_consistent',
          message: `${t}: iov_offset ${i.iov_offset} beyond folio slot ${i.folioq_slot}`,
        });
      }
      const consumed = folioq_consumed(i);
      if (consumed !== null && consumed + i.count !== i.init_count) {
        out.push({
          invariant: 'iter_count_consistent',
          message: `${t}: ${consumed} bytes before the position + count ${i.count} != initial count ${i.init_count}`,
        });
      }
      break;
    }
    case ITER_BVECQ: {
      const bq = i.bvecq!;
      const bv = bq.bv[i.bvecq_slot];
      if (bv && i.iov_offset > bv.bv_len)
        out.push({
          invariant: 'iter_count_consistent',
          message: `${t}: iov_offset ${i.iov_offset} beyond slot ${i.bvecq_slot}`,
        });
      if (bq.freed)
        out.push({
          invariant: 'iter_count_consistent',
          message: `${t}: iterator points into freed bvecq ${bq.id}`,
        });
      break;
    }
    case ITER_DISCARD:
      break;
  }
  return out;
}

/** Every iov_iter invariant at once. */
export function iov_iter_violations(i: iov_iter): Violation[] {
  return [...no_over_reversion(i), ...iter_count_consistent(i)];
}

/**
 * extract_result_consistent: a positive iov_iter_extract_pages() return describes bytes that
 * really were listed: DIV_ROUND_UP(offset0 + ret, PAGE_SIZE) page slots, each filled, no
 * more than maxpages, offset0 inside the first page, and the iterator moved by exactly ret.
 */
export function extract_result_consistent(
  ret: number,
  pages: readonly PageSlot[] | null,
  offset0: number,
  maxpages: number,
  count_before: number,
  count_after: number,
): Violation[] {
  const out: Violation[] = [];
  if (ret < 0) {
    if (count_after !== count_before)
      out.push({
        invariant: 'extract_result_consistent',
        message: `failed extraction (${ret}) moved the iterator`,
      });
    return out;
  }
  if (count_before - count_after !== ret) {
    out.push({
      invariant: 'extract_result_consistent',
      message: `extraction returned ${ret} but the iterator advanced by ${count_before - count_after}`,
    });
  }
  if (ret === 0) return out;
  if (offset0 < 0 || offset0 >= PAGE_SIZE)
    out.push({
      invariant: 'extract_result_consistent',
      message: `offset0 ${offset0} is not inside a page`,
    });
  const npages = DIV_ROUND_UP(offset0 + ret, PAGE_SIZE);
  if (npages > maxpages)
    out.push({
      invariant: 'extract_result_consistent',
      message: `${ret} bytes from offset ${offset0} need ${npages} pages > maxpages ${maxpages}`,
    });
  for (let k = 0; k < npages; k++) {
    if (!pages || !pages[k]) {
      out.push({
        invariant: 'extract_result_consistent',
        message: `extraction returned ${ret} bytes but page slot ${k} of ${npages} is empty`,
      });
      break;
    }
  }
  return out;
}

/**
 * get_pages_no_stray_pages: a get_pages result (iov_iter_get_pages2 / _alloc2) lists no page past the ones its
 * bytes need, DIV_ROUND_UP(offset0 + ret, PAGE_SIZE) (none for a return <= 0). Callers
 * release exactly that many (block/bio.c __bio_iov_iter_get_pages, net/9p/trans_virtio.c
 * p9_get_mapped_pages), so a further slot's page reference is never dropped and the page is
 * one no byte of the result is in.
 */
export function get_pages_no_stray_pages(
  ret: number,
  pages: readonly PageSlot[] | null,
  offset0: number,
): Violation[] {
  if (!pages) return [];
  const npages = ret <= 0 ? 0 : DIV_ROUND_UP(offset0 + ret, PAGE_SIZE);
  let stray = 0;
  for (let k = npages; k < pages.length; k++) if (pages[k]) stray++;
  return stray === 0
    ? []
    : [
        {
          invariant: 'get_pages_no_stray_pages',
          message: `${ret} bytes from offset ${offset0} need ${npages} page(s), but ${stray} more slot(s) hold a page`,
        },
      ];
}

/**
 * get_pages_progress: a get_pages call (iov_iter_get_pages2 / _alloc2) of maxsize > 0 on an
 * iterator with bytes left returns some of them or fails; it returns 0 only where there is
 * nothing at the cursor to list (an absent page of an XARRAY: iter_xarray_populate_pages
 * finds none). Callers loop on the count: net/core/datagram.c __zerocopy_sg_from_iter (6.1) /
 * zerocopy_fill_skb_from_iter (6.12) run `while (length && iov_iter_count(from))` and fail only
 * on `copied < 0`, so a 0 with bytes left is an endless loop. Broken by 6.12-rc1's folio_queue
 * get_pages parked at a folio end (fault folioq_get_pages_slot). `before` is a clone of the
 * iterator from before the call.
 */
export function get_pages_progress(before: iov_iter, maxsize: number, ret: number): Violation[] {
  if (ret !== 0 || maxsize <= 0 || before.count <= 0) return [];
  // A hole at the cursor (no page for its first byte): nothing there to list.
  if (iov_iter_byte_run(before, 0) === null) return [];
  return [
    {
      invariant: 'get_pages_progress',
      message: `get_pages of up to ${maxsize} bytes returned 0 with ${before.count} bytes left at a cursor that has a page`,
    },
  ];
}

/** no_leaked_page_arrays: every page array extraction allocated for a caller was freed. */
export function no_leaked_page_arrays(k: Kernel = current_kernel()): Violation[] {
  const n = page_arrays_outstanding(k);
  return n
    ? [
        {
          invariant: 'no_leaked_page_arrays',
          message: `${n} page array(s) allocated by iov_iter_extract_pages() were never freed`,
        },
      ]
    : [];
}

/**
 * extract_matches_iterator: each byte an extraction returned (page list + offset0 + ret) is
 * the byte the iterator held at that point, as an independent walk of the iterator's segments
 * from before the call (`before`, see iov_iter_clone) locates it.
 */
export function extract_matches_iterator(
  before: iov_iter,
  ret: number,
  pages: readonly PageSlot[] | null,
  offset0: number,
): Violation[] {
  if (ret <= 0) return [];
  // Every byte is checked, in chunks: within a run of the iterator (iov_iter_byte_run: byte
  // b + j is at the run's page, offset + j) and within one page of the extraction's list
  // (byte b + j at pages[p], in-page offset + j), both sides move by one byte per byte, so a
  // chunk's bytes all match iff its first byte does, and the first byte of the first failing
  // chunk is the first misplaced byte.
  for (let b = 0; b < ret; ) {
    const run = iov_iter_byte_run(before, b);
    const at = offset0 + b;
    const got = pages?.[Math.floor(at / PAGE_SIZE)];
    if (!run || got !== run.page || at % PAGE_SIZE !== run.offset) {
      return [
        {
          invariant: 'extract_matches_iterator',
          message: `extracted byte ${b} is listed at pfn ${got?.pfn}+${at % PAGE_SIZE}, but the iterator holds it at ${run ? `pfn ${run.page.pfn}+${run.offset}` : 'no page'}`,
        },
      ];
    }
    // A negative position (offset0 < 0) does not split into pages by % and Math.floor alike.
    const inListedPage = at < 0 ? 1 : PAGE_SIZE - (at % PAGE_SIZE);
    b += Math.min(run.len, inListedPage);
  }
  return [];
}
