// netfs_extract_iter_to_sg() (fs/netfs/iterator.c, seed 000; moved to lib/scatterlist.c as
// extract_iter_to_sg() in 6.5, where the fixes it later received live): extract an iterator
// into a scatterlist. UBUF/IOVEC pages are pinned (one element per page); BVEC, KVEC, FOLIOQ,
// XARRAY and (bvecq RFC, seed 004) BVECQ are listed without refs, and their elements may span pages. Cleanup is as for
// iov_iter_extract_pages(): unpin when iov_iter_extract_will_pin(), nothing otherwise.

import { EIO } from '../errno.ts';
import { iov_iter_advance } from '../iov_iter/advance.ts';
import {
  ITER_BVEC,
  ITER_BVECQ,
  ITER_FOLIOQ,
  ITER_IOVEC,
  ITER_KVEC,
  ITER_UBUF,
  ITER_XARRAY,
} from '../iov_iter/constants.ts';
import { iov_iter_extract_pages } from '../iov_iter/extract.ts';
import { folioq_folio, folioq_folio_size, folioq_nr_slots } from '../iov_iter/folio_queue.ts';
import { PAGE_SIZE } from '../iov_iter/page_glue.ts';
import type { iov_iter, PageSlot } from '../iov_iter/types.ts';
import { current_kernel } from '../kernel.ts';
import { DIV_ROUND_UP } from '../mm/constants.ts';
import type { Page } from '../mm/folio.ts';
import { unpin_user_page } from '../mm/gup.ts';
import { virt_to_page } from '../mm/kmem.ts';

/** struct scatterlist (the fields sg_set_page() sets). */
export interface scatterlist {
  page: Page;
  length: number;
  offset: number;
}

/** struct sg_table */
export interface sg_table {
  sgl: scatterlist[];
  nents: number;
  orig_nents: number;
}

export function sg_alloc_table(orig_nents = 0): sg_table {
  return { sgl: [], nents: orig_nents, orig_nents };
}

function sg_set_page(t: sg_table, page: Page, len: number, offset: number): void {
  t.sgl[t.nents++] = { page, length: len, offset };
}

/** extract_user_to_sg(): pin pages and add one element per page. */
function extract_user_to_sg(
  iter: iov_iter,
  maxsize: number,
  sgtable: sg_table,
  sg_max: number,
  flags: number,
): number {
  let ret = 0;
  const pages = { value: new Array<PageSlot>(sg_max) as PageSlot[] | null };
  const off = { value: 0 };
  do {
    const res = iov_iter_extract_pages(iter, pages, maxsize, sg_max, flags, off);
    // "if (res <= 0) goto failed" (lib/scatterlist.c since 6a30653b604a "Fix a potential infinite
    // loop in extract_user_to_sg()", April 2024; before it "res < 0", and a 0 looped forever)
    if (res <= 0) {
      while (sgtable.nents > sgtable.orig_nents)
        unpin_user_page(sgtable.sgl[--sgtable.nents]!.page);
      sgtable.sgl.length = sgtable.nents;
      return res;
    }
    let len = res;
    maxsize -= len;
    ret += len;
    let npages = DIV_ROUND_UP(off.value + len, PAGE_SIZE);
    sg_max -= npages;
    let o = off.value;
    for (let k = 0; npages > 0; npages--, k++) {
      const seg = Math.min(PAGE_SIZE - o, len);
      sg_set_page(sgtable, pages.value![k] as Page, seg, o);
      len -= seg;
      o = 0;
    }
  } while (maxsize > 0 && sg_max > 0);
  return ret;
}

/** extract_bvec_to_sg(): one element per bio_vec (may span pages); no refs. */
function extract_bvec_to_sg(
  iter: iov_iter,
  maxsize: number,
  sgtable: sg_table,
  sg_max: number,
): number {
  let start = iter.iov_offset;
  let ret = 0;
  for (let k = iter.seg; k < iter.seg + iter.nr_segs; k++) {
    const b = iter.bvec[k]!;
    let len = b.bv_len;
    if (start >= len) {
      start -= len;
      continue;
    }
    len = Math.min(maxsize, len - start);
    sg_set_page(sgtable, b.bv_page, len, b.bv_offset + start);
    sg_max--;
    ret += len;
    maxsize -= len;
    if (maxsize <= 0 || sg_max === 0) break;
    start = 0;
  }
  if (ret > 0) iov_iter_advance(iter, ret);
  return ret;
}

/**
 * extract_kvec_to_sg(): one element per page of each kvec; no refs. As fixed by 07b7d66e65d9
 * "lib/scatterlist: fix length calculations in extract_kvec_to_sg" (2026, stable 6.5+): each
 * element covers its page part `seg`, and when sg_max runs out mid-piece the piece's
 * unextracted rest is taken off `ret`, so the iterator advances by what the elements describe.
 * The fault kvec_sg_length restores the code of 6.3 (018584697533) to that fix:
 * sg_set_page(sg, page, len, off) with the piece's remaining `len`, and no `ret -= len`.
 */
function extract_kvec_to_sg(
  iter: iov_iter,
  maxsize: number,
  sgtable: sg_table,
  sg_max: number,
): number {
  const lengthBug = current_kernel().hasFault('kvec_sg_length');
  let start = iter.iov_offset;
  let ret = 0;
  for (let k = iter.seg; k < iter.seg + iter.nr_segs; k++) {
    const kv = iter.kvec[k]!;
    let len = kv.iov_len;
    if (start >= len) {
      start -= len;
      continue;
    }
    let kaddr = kv.iov_base + start;
    let off = kaddr % PAGE_SIZE;
    len = Math.min(maxsize, len - start);
    kaddr -= off;
    maxsize -= len;
    ret += len;
    do {
      const seg = Math.min(len, PAGE_SIZE - off);
      sg_set_page(sgtable, virt_to_page(kaddr), lengthBug ? len : seg, off);
      sg_max--;
      len -= seg;
      kaddr += PAGE_SIZE;
      off = 0;
    } while (len > 0 && sg_max > 0);
    if (!lengthBug) ret -= len;
    if (maxsize <= 0 || sg_max === 0) break;
    start = 0;
  }
  if (ret > 0) iov_iter_advance(iter, ret);
  return ret;
}

/** extract_folioq_to_sg(): one element per folio (may span pages); no refs. */
function extract_folioq_to_sg(
  iter: iov_iter,
  maxsize: number,
  sgtable: sg_table,
  sg_max: number,
): number {
  let folioq = iter.folioq!;
  let slot = iter.folioq_slot;
  let offset = iter.iov_offset;
  let ret = 0;
  // An iterator left at the end of a segment (slot == folioq_nr_slots()) steps to the next
  // one, keeping iov_offset; with no next the kernel WARNs and returns 0 (lib/scatterlist.c
  // extract_folioq_to_sg: "if (WARN_ON_ONCE(!folioq)) return 0;").
  if (slot >= folioq_nr_slots(folioq)) {
    if (!folioq.next) {
      current_kernel().WARN(
        'bug',
        'extract_folioq_to_sg: iterator at the end of the last folio_queue',
      );
      return 0;
    }
    folioq = folioq.next;
    slot = 0;
  }
  do {
    const folio = folioq_folio(folioq, slot);
    const fsize = folioq_folio_size(folioq, slot);
    if (offset < fsize) {
      const part = Math.min(maxsize - ret, fsize - offset);
      sg_set_page(sgtable, folio.page(0), part, offset);
      sg_max--;
      offset += part;
      ret += part;
    }
    if (offset >= fsize) {
      offset = 0;
      slot++;
      if (slot >= folioq_nr_slots(folioq)) {
        if (!folioq.next) {
          // "WARN_ON_ONCE(ret < iter->count); break;": the queue ended before the iterator's
          // count (a caller's iterator longer than its queue).
          if (ret < iter.count)
            current_kernel().WARN('bug', 'extract_folioq_to_sg: the folio_queue ended early');
          break;
        }
        folioq = folioq.next;
        slot = 0;
      }
    }
  } while (sg_max > 0 && ret < maxsize);
  iter.folioq = folioq;
  iter.folioq_slot = slot;
  iter.iov_offset = offset;
  iter.count -= ret;
  return ret;
}

/**
 * extract_bvecq_to_sg() (the bvecq series' lib/scatterlist.c, as its v4 has it: "[PATCH v4 15/30]
 * iov_iter: Add a segmented queue of bio_vec[]", 16 Jun 2026): one element per bio_vec slot of
 * the chain (it may span pages); no refs. The iterator's position is written back as
 * extract_folioq_to_sg does. v4 clamps the walk to the iterator ("maxsize = umin(maxsize,
 * iov_iter_count(iter))") and looks for the chain's end only at the top of its loop, while it
 * still wants bytes, so `ret < iter->count` always holds where the WARN is (ret < maxsize <=
 * count). The 26 Mar 2026 posting ("[PATCH 12/26]", a copy of extract_folioq_to_sg) had neither:
 * it checked for the end right after each slot it finished, WARNing only when ret < iter->count,
 * and did not clamp maxsize to the count; it also skipped slots without a bv_page.
 */
function extract_bvecq_to_sg(
  iter: iov_iter,
  maxsize: number,
  sgtable: sg_table,
  sg_max: number,
): number {
  let bq = iter.bvecq!;
  let slot = iter.bvecq_slot;
  let offset = iter.iov_offset;
  let ret = 0;
  maxsize = Math.min(maxsize, iter.count);
  while (sg_max > 0 && ret < maxsize) {
    if (slot >= bq.nr_slots) {
      if (!bq.next) {
        // "WARN_ON_ONCE(ret < iter->count); break;": the chain ended before the iterator's
        // count (the RFC's later revisions of lib/scatterlist.c, as extract_folioq_to_sg).
        if (ret < iter.count)
          current_kernel().WARN('bug', 'extract_bvecq_to_sg: the bvecq chain ended early');
        break;
      }
      bq = bq.next;
      slot = 0;
      offset = 0;
      continue;
    }
    const bv = bq.bv[slot]!;
    if (offset >= bv.bv_len) {
      offset = 0;
      slot++;
      continue;
    }
    const part = Math.min(maxsize - ret, bv.bv_len - offset);
    sg_set_page(sgtable, bv.bv_page, part, bv.bv_offset + offset);
    sg_max--;
    offset += part;
    ret += part;
  }
  iter.bvecq = bq;
  iter.bvecq_slot = slot;
  iter.iov_offset = offset;
  iter.count -= ret;
  return ret;
}

/**
 * extract_xarray_to_sg(): one element per folio. The offset uses the current position
 * (start + ret), as fixed by "scatterlist: Fix offset in folio calc in
 * extract_xarray_to_sg()" (2026, Fixes: f5f82cd18732); the original code used `start` for
 * every folio: "offset = offset_in_folio(folio, start);" (Debian 6.12.117 lib/scatterlist.c),
 * so a walk that reaches a second folio gives it the first one's in-folio offset, and its
 * length from there. The fault xarray_sg_offset restores that line.
 */
function extract_xarray_to_sg(
  iter: iov_iter,
  maxsize: number,
  sgtable: sg_table,
  sg_max: number,
): number {
  const xa = iter.xarray!;
  const start = iter.xarray_start + iter.iov_offset;
  let ret = 0;
  let index = Math.floor(start / PAGE_SIZE);
  const offsetBug = current_kernel().hasFault('xarray_sg_offset');
  for (;;) {
    index = xa.xa_find_from(index); // xas_for_each()
    if (index < 0) break;
    const folio = xa.xa_load(index)!;
    const first = xa.folio_index_at(index)!;
    const offset = (offsetBug ? start : start + ret) % folio.size;
    const len = Math.min(maxsize, folio.size - offset);
    sg_set_page(sgtable, folio.page(0), len, offset);
    sg_max--;
    maxsize -= len;
    ret += len;
    if (maxsize <= 0 || sg_max === 0) break;
    index = first + folio.nr_pages;
  }
  if (ret > 0) iov_iter_advance(iter, ret);
  return ret;
}

/**
 * netfs_extract_iter_to_sg(iter, maxsize, sgtable, sg_max, extraction_flags): append up to
 * sg_max elements for up to maxsize bytes; returns bytes added or a negative errno
 * (-EIO for an unsupported type). No end mark is set.
 */
export function netfs_extract_iter_to_sg(
  iter: iov_iter,
  maxsize: number,
  sgtable: sg_table,
  sg_max: number,
  extraction_flags = 0,
): number {
  // "|| sg_max == 0" came with 07b7d66e65d9 (2026); the fault kvec_sg_length restores its code.
  if (maxsize === 0 || (sg_max === 0 && !current_kernel().hasFault('kvec_sg_length'))) return 0;
  switch (iter.iter_type) {
    case ITER_UBUF:
    case ITER_IOVEC:
      return extract_user_to_sg(iter, maxsize, sgtable, sg_max, extraction_flags);
    case ITER_BVEC:
      return extract_bvec_to_sg(iter, maxsize, sgtable, sg_max);
    case ITER_KVEC:
      return extract_kvec_to_sg(iter, maxsize, sgtable, sg_max);
    case ITER_FOLIOQ:
      return extract_folioq_to_sg(iter, maxsize, sgtable, sg_max);
    case ITER_XARRAY:
      return extract_xarray_to_sg(iter, maxsize, sgtable, sg_max);
    case ITER_BVECQ:
      return extract_bvecq_to_sg(iter, maxsize, sgtable, sg_max);
    default:
      return -EIO; // pr_err("%s(%u) unsupported"); WARN_ON_ONCE(1)
  }
}

/** extract_iter_to_sg(): the 6.5+ name of the same function (lib/scatterlist.c). */
export const extract_iter_to_sg = netfs_extract_iter_to_sg;

/** Release what an extraction put into the table: unpin if it pinned, else nothing. */
export function sg_table_release_extracted(sgtable: sg_table, pinned: boolean): void {
  if (pinned)
    for (let k = sgtable.orig_nents; k < sgtable.nents; k++) unpin_user_page(sgtable.sgl[k]!.page);
  sgtable.nents = sgtable.orig_nents;
  sgtable.sgl.length = sgtable.orig_nents;
}
