// iterate_and_advance() (include/linux/iov_iter.h) and the copy helpers built on it
// (_copy_to_iter, _copy_from_iter, iov_iter_zero in lib/iov_iter.c).
// A step returns how much of its part it did NOT process, as the kernel's step functions do.

import { current_kernel } from '../kernel.ts';
import type { Page } from '../mm/folio.ts';
import { memcpy_from_page_into, memcpy_to_page, memset_page } from '../mm/folio.ts';
import { copy_from_user, copy_to_user, virt_to_page } from '../mm/index.ts';
import {
  ITER_BVEC,
  ITER_BVECQ,
  ITER_FOLIOQ,
  ITER_IOVEC,
  ITER_KVEC,
  ITER_UBUF,
  ITER_XARRAY,
} from './constants.ts';
import { bvecqEmptySegmentRead, IovIterWarning } from './errors.ts';
import { folioq_count, folioq_folio, folioq_folio_size, folioq_nr_slots } from './folio_queue.ts';
import { memmap_page } from './get_pages.ts';
import { nth_page, PAGE_SIZE } from './page_glue.ts';
import type { iov_iter } from './types.ts';

/** Step over user memory: (user address, bytes done so far, part length) -> bytes not done. */
export type UStep = (i: iov_iter, uaddr: number, progress: number, len: number) => number;
/** Step over a kernel page range that lies within one page. */
export type PStep = (page: Page, offset: number, progress: number, len: number) => number;

function iterate_ubuf(i: iov_iter, len: number, ustep: UStep): number {
  const remain = ustep(i, i.ubuf + i.iov_offset, 0, len);
  const progress = len - remain;
  i.iov_offset += progress;
  i.count -= progress;
  return progress;
}

function iterate_iovec(i: iov_iter, len: number, ustep: UStep): number {
  const iov = i.__iov;
  let p = i.seg;
  let progress = 0;
  let skip = i.iov_offset;
  do {
    const v = iov[p]!;
    const part = Math.min(len, v.iov_len - skip);
    if (part) {
      const remain = ustep(i, v.iov_base + skip, progress, part);
      const consumed = part - remain;
      progress += consumed;
      skip += consumed;
      len -= consumed;
      if (skip < v.iov_len) break;
    }
    p++;
    skip = 0;
  } while (len);
  i.nr_segs -= p - i.seg;
  i.seg = p;
  i.iov_offset = skip;
  i.count -= progress;
  return progress;
}

/** Kernel virtual range [kaddr, kaddr+len) broken into pages (kmap_local of each page). */
function kvec_step(kaddr: number, progress: number, len: number, step: PStep): number {
  let done = 0;
  while (done < len) {
    const a = kaddr + done;
    const off = a % PAGE_SIZE;
    const part = Math.min(len - done, PAGE_SIZE - off);
    const remain = step(virt_to_page(a), off, progress + done, part);
    done += part - remain;
    if (remain) break;
  }
  return len - done;
}

function iterate_kvec(i: iov_iter, len: number, step: PStep): number {
  const kv = i.kvec;
  let p = i.seg;
  let progress = 0;
  let skip = i.iov_offset;
  do {
    const v = kv[p]!;
    const part = Math.min(len, v.iov_len - skip);
    if (part) {
      const remain = kvec_step(v.iov_base + skip, progress, part, step);
      const consumed = part - remain;
      progress += consumed;
      skip += consumed;
      len -= consumed;
      if (skip < v.iov_len) break;
    }
    p++;
    skip = 0;
  } while (len);
  i.nr_segs -= p - i.seg;
  i.seg = p;
  i.iov_offset = skip;
  i.count -= progress;
  return progress;
}

function iterate_bvec(i: iov_iter, len: number, step: PStep): number {
  const bv = i.bvec;
  let p = i.seg;
  let progress = 0;
  let skip = i.iov_offset;
  do {
    const b = bv[p]!;
    const offset = b.bv_offset + skip;
    const page = nth_page(b.bv_page, Math.floor(offset / PAGE_SIZE));
    const part = Math.min(len, b.bv_len - skip, PAGE_SIZE - (offset % PAGE_SIZE));
    const remain = step(page, offset % PAGE_SIZE, progress, part);
    const consumed = part - remain;
    len -= consumed;
    progress += consumed;
    skip += consumed;
    if (skip >= b.bv_len) {
      skip = 0;
      p++;
    }
    if (remain) break;
  } while (len);
  i.nr_segs -= p - i.seg;
  i.seg = p;
  i.iov_offset = skip;
  i.count -= progress;
  return progress;
}

function iterate_folioq(i: iov_iter, len: number, step: PStep): number {
  let folioq = i.folioq!;
  let slot = i.folioq_slot;
  let progress = 0;
  let skip = i.iov_offset;
  // Before 808471ddb0fa "iov_iter: iterate_folioq: fix handling of offset >= folio size"
  // (D. Martinet, Aug 2025, Fixes: db0aa2e9566f; Cc stable 6.12+; fault
  // iterate_folioq_offset_at_end) the step had no "if (skip < fsize)" around it:
  //   base = kmap_local_folio(folio, skip);
  //   part = umin(len, PAGE_SIZE - skip % PAGE_SIZE);
  //   remain = step(base, progress, part, priv, priv2);
  // so from a cursor parked at its folio's end (skip == fsize) it maps the page after the
  // folio (folio_page(folio, fsize / PAGE_SIZE): the memmap's next frame), copies up to a page
  // there, counts it, and only then steps to the next slot at offset 0.
  const pre_fix = current_kernel().hasFault('iterate_folioq_offset_at_end');
  if (slot === folioq_nr_slots(folioq)) {
    // The iterator may have been extended.
    folioq = folioq.next!;
    slot = 0;
  }
  do {
    // include/linux/iov_iter.h iterate_folioq: `if (!folio) break;`. A slot past
    // folioq_count() holds no folio here (the kernel's is uninitialised; a cleared one NULL).
    if (slot >= folioq_count(folioq)) break; // !folio
    const folio = folioq_folio(folioq, slot);
    const fsize = folioq_folio_size(folioq, slot);
    let remain = 0;
    if (skip < fsize || pre_fix) {
      const part = Math.min(len, PAGE_SIZE - (skip % PAGE_SIZE));
      const idx = Math.floor(skip / PAGE_SIZE);
      const page = skip < fsize ? folio.page(idx) : memmap_page(folio.pfn + idx);
      remain = step(page, skip % PAGE_SIZE, progress, part);
      const consumed = part - remain;
      len -= consumed;
      progress += consumed;
      skip += consumed;
    }
    if (skip >= fsize) {
      skip = 0;
      slot++;
      if (slot === folioq_nr_slots(folioq) && folioq.next) {
        folioq = folioq.next;
        slot = 0;
      }
    }
    if (remain) break;
  } while (len);
  i.folioq_slot = slot;
  i.folioq = folioq;
  i.iov_offset = skip;
  i.count -= progress;
  return progress;
}

/** iterate_xarray(): xas_for_each() from the start index; it steps over holes. */
function iterate_xarray(i: iov_iter, len: number, step: PStep): number {
  const xa = i.xarray!;
  let progress = 0;
  const start = i.xarray_start + i.iov_offset;
  let index = Math.floor(start / PAGE_SIZE);
  out: for (;;) {
    index = xa.xa_find_from(index);
    if (index < 0) break;
    const folio = xa.xa_load(index)!;
    const first = xa.folio_index_at(index)!;
    // offset_in_folio(folio, start + progress)
    let offset = (start + progress) % folio.size;
    let flen = Math.min(folio.size - offset, len);
    while (flen) {
      const part = Math.min(flen, PAGE_SIZE - (offset % PAGE_SIZE));
      const remain = step(
        folio.page(Math.floor(offset / PAGE_SIZE)),
        offset % PAGE_SIZE,
        progress,
        part,
      );
      const consumed = part - remain;
      progress += consumed;
      len -= consumed;
      if (remain || len === 0) break out;
      flen -= consumed;
      offset += consumed;
    }
    index = first + folio.nr_pages;
  }
  i.iov_offset += progress;
  i.count -= progress;
  return progress;
}

/** iterate_bvecq() (bvecq RFC, lib/iov_iter.c) */
function iterate_bvecq(i: iov_iter, len: number, step: PStep): number {
  let bq = i.bvecq!;
  let slot = i.bvecq_slot;
  let progress = 0;
  let skip = i.iov_offset;
  if (slot === bq.nr_slots) {
    // The iterator may have been extended.
    bq = bq.next!;
    slot = 0;
  }
  do {
    if (slot >= bq.nr_slots) {
      // An empty segment (nr_slots 0) after a segment's last slot. v1 (fault
      // bvecq_empty_seg_v1) reads bq->bv[slot] of it all the same; ver #4 "Fixed
      // iterate_bvecq() to skip bvecq structs with nr_slots==0".
      if (current_kernel().hasFault('bvecq_empty_seg_v1')) {
        throw bvecqEmptySegmentRead('iterate_bvecq', slot, bq.nr_slots);
      }
      if (!bq.next) break;
      bq = bq.next;
      slot = 0;
      skip = 0;
      continue;
    }
    const bvec = bq.bv[slot]!;
    let remain = 0;
    // From a position left on an ended slot (skip == bv_len: where the RFC's bvecq_slice() and
    // bvecq_extract() leave a cursor whose slice ended with the slot) the RFC's step is of 0
    // bytes, at a page pointer one past the slot's memory (never touched); then it steps on to
    // the next slot below. Here that empty step is not taken.
    if (skip < bvec.bv_len) {
      const page = nth_page(bvec.bv_page, Math.floor((bvec.bv_offset + skip) / PAGE_SIZE));
      const poff = (bvec.bv_offset + skip) % PAGE_SIZE;
      // The RFC writes umin(bv_len, PAGE_SIZE - poff); bv_len - skip is what keeps the part
      // inside the slot once skip > 0, so the model uses that.
      const part = Math.min(bvec.bv_len - skip, PAGE_SIZE - poff, len);
      remain = step(page, poff, progress, part);
      const consumed = part - remain;
      len -= consumed;
      progress += consumed;
      skip += consumed;
    }
    if (skip >= bvec.bv_len) {
      skip = 0;
      slot++;
      if (slot === bq.nr_slots && bq.next) {
        bq = bq.next;
        slot = 0;
      }
    }
    if (remain) break;
  } while (len);
  i.bvecq_slot = slot;
  i.bvecq = bq;
  i.iov_offset = skip;
  i.count -= progress;
  return progress;
}

/** iterate_and_advance2(): clamp to count, then walk the iterator's own segment type. */
export function iterate_and_advance(i: iov_iter, len: number, ustep: UStep, step: PStep): number {
  if (i.count < len) len = i.count;
  if (!len) return 0;
  switch (i.iter_type) {
    case ITER_UBUF:
      return iterate_ubuf(i, len, ustep);
    case ITER_IOVEC:
      return iterate_iovec(i, len, ustep);
    case ITER_BVEC:
      return iterate_bvec(i, len, step);
    case ITER_KVEC:
      return iterate_kvec(i, len, step);
    case ITER_FOLIOQ:
      return iterate_folioq(i, len, step);
    case ITER_XARRAY:
      return iterate_xarray(i, len, step);
    case ITER_BVECQ:
      return iterate_bvecq(i, len, step);
    default:
      // iterate_discard()
      i.count -= len;
      return len;
  }
}

function user_mm(i: iov_iter) {
  if (!i.mm) throw new Error('user-backed iov_iter has no address space (mm) to copy through');
  return i.mm;
}

/**
 * _copy_to_iter() and _copy_mc_to_iter() (lib/iov_iter.c): copy bytes from a kernel buffer into
 * the iterator's memory and advance. The two differ only in their steps: _copy_mc_to_iter's
 * (copy_to_user_iter_mc: copy_mc_to_user; memcpy_to_iter_mc: "return copy_mc_to_kernel(iter_to,
 * from + progress, len);") return the bytes not copied when a load from the source takes a
 * machine check, so the walk stops there (CONFIG_ARCH_HAS_COPY_MC; 6.1's
 * __iterate_and_advance steps copyout_mc / copy_mc_to_kernel alike). `good` is how many of the
 * source's bytes read without one: the bytes from `good` on are poisoned (addr.length for
 * _copy_to_iter, whose memcpy steps the model never hands poisoned memory).
 */
function copy_kernel_to_iter(
  fn: string,
  addr: Uint8Array,
  bytes: number,
  i: iov_iter,
  good: number,
): number {
  if (i.data_source)
    throw new IovIterWarning(`_${fn}`, 'iterator is a source (ITER_SOURCE), not a destination');
  if (bytes > addr.length)
    throw new RangeError(`${fn}: ${bytes} bytes from a ${addr.length}-byte buffer`);
  return iterate_and_advance(
    i,
    bytes,
    (it, uaddr, progress, len) => {
      // copy_to_user / copy_mc_to_user: the bytes not copied (a user fault, or the poison).
      const ok = Math.max(0, Math.min(len, good - progress));
      return copy_to_user(user_mm(it), uaddr, addr.subarray(progress, progress + ok)) + (len - ok);
    },
    (page, off, progress, len) => {
      const ok = Math.max(0, Math.min(len, good - progress));
      memcpy_to_page(page, off, addr.subarray(progress, progress + ok));
      return len - ok;
    },
  );
}

/**
 * _copy_to_iter(): copy bytes from a kernel buffer into the iterator's memory and advance.
 * Returns bytes copied (short only when a user copy faults).
 */
export function copy_to_iter(addr: Uint8Array, bytes: number, i: iov_iter): number {
  return copy_kernel_to_iter('copy_to_iter', addr, bytes, i, addr.length);
}

/**
 * _copy_mc_to_iter(): copy_to_iter with machine-check recovery, for a source whose bytes from
 * `poisoned_from` on are poisoned (dax_copy_to_iter, drivers/dax/super.c, for a DAX read of
 * persistent memory). Returns bytes copied: short at the poison ("ITER_KVEC and ITER_BVEC can
 * return short copies"; the user copies too), or where a user copy faults; the iterator
 * advances by that much.
 */
export function copy_mc_to_iter(
  addr: Uint8Array,
  bytes: number,
  i: iov_iter,
  poisoned_from: number,
): number {
  return copy_kernel_to_iter('copy_mc_to_iter', addr, bytes, i, poisoned_from);
}

/** _copy_from_iter(): copy bytes out of the iterator's memory into a kernel buffer and advance. */
export function copy_from_iter(addr: Uint8Array, bytes: number, i: iov_iter): number {
  if (!i.data_source)
    throw new IovIterWarning('_copy_from_iter', 'iterator is a destination (ITER_DEST)');
  if (bytes > addr.length)
    throw new RangeError(`copy_from_iter: ${bytes} bytes into a ${addr.length}-byte buffer`);
  return iterate_and_advance(
    i,
    bytes,
    (it, uaddr, progress, len) =>
      copy_from_user(user_mm(it), addr.subarray(progress, progress + len), uaddr, len),
    (page, off, progress, len) => {
      memcpy_from_page_into(addr, progress, page, off, len);
      return 0;
    },
  );
}

/** A page of zeroes, only ever read (iov_iter_zero's source for user memory). */
const ZEROES = new Uint8Array(PAGE_SIZE);

/** iov_iter_zero(): zero-fill bytes of the iterator's memory and advance. */
export function iov_iter_zero(bytes: number, i: iov_iter): number {
  // A view of the shared zero page, not a new buffer per call: copy_to_user only reads it.
  const zeros = ZEROES.subarray(0, Math.min(bytes, PAGE_SIZE));
  return iterate_and_advance(
    i,
    bytes,
    (it, uaddr, _progress, len) => {
      let left = len;
      let a = uaddr;
      while (left > 0) {
        const part = Math.min(left, zeros.length);
        const not = copy_to_user(user_mm(it), a, zeros.subarray(0, part));
        left -= part - not;
        if (not) break;
        a += part;
      }
      return left;
    },
    (page, off, _progress, len) => {
      memset_page(page, off, 0, len);
      return 0;
    },
  );
}
