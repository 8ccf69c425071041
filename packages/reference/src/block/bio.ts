// struct bio and how it holds and releases the pages of a direct I/O.
// Kernel: include/linux/blk_types.h (struct bio, BIO_NO_PAGE_REF (6.1), BIO_PAGE_PINNED (6.5+)),
// block/bio.c (bio_alloc, bio_iov_iter_get_pages, __bio_iov_iter_get_pages,
// bio_iov_bvec_set, __bio_release_pages, bio_endio), block/blk.h (bio_release_page),
// include/linux/bio.h (bio_release_pages).
import { EFAULT } from '../errno.ts';
import { iov_iter_advance, iov_iter_count, iov_iter_revert } from '../iov_iter/advance.ts';
import { ITER_BVEC, READ } from '../iov_iter/constants.ts';
import { iov_iter_extract_pages, iov_iter_extract_will_pin } from '../iov_iter/extract.ts';
import { iov_iter_get_pages2 } from '../iov_iter/get_pages.ts';
import { iov_iter_rw, user_backed_iter } from '../iov_iter/init.ts';
import type { bio_vec, iov_iter, PageSlot } from '../iov_iter/types.ts';
import { current_kernel } from '../kernel.ts';
import { DIV_ROUND_UP, FOLL_GET, PAGE_SIZE } from '../mm/constants.ts';
import type { Page } from '../mm/folio.ts';
import { put_page } from '../mm/folio.ts';
import { gup_put_folio, unpin_user_page, unpin_user_pages_dirty_lock } from '../mm/gup.ts';
import type { block_device } from './blkdev.ts';

export const SECTOR_SHIFT = 9;
/** include/linux/bio.h */
export const BIO_MAX_VECS = 256;

/** enum req_op (include/linux/blk_types.h) */
export const REQ_OP_READ = 0;
export const REQ_OP_WRITE = 1;
export type ReqOp = typeof REQ_OP_READ | typeof REQ_OP_WRITE;

/**
 * bio flags (enum in include/linux/blk_types.h). 6.1 has BIO_NO_PAGE_REF ("don't put release
 * vec pages"); the iov-extract series (seed 002 ver #20, merged for 6.5) replaced it with
 * BIO_PAGE_REFFED (FOLL_GET was used; kept only for fs/direct-io.c, later removed) and added
 * BIO_PAGE_PINNED (FOLL_PIN was used); 6.12 has only BIO_PAGE_PINNED. Bit values are the
 * model's own: the flag names are what matter.
 */
export const BIO_NO_PAGE_REF = 1 << 0;
export const BIO_PAGE_PINNED = 1 << 1;
export const BIO_PAGE_REFFED = 1 << 2;

/** struct bvec_iter, reduced to where the bio starts and how many bytes it has. */
export interface bvec_iter {
  bi_sector: number;
  bi_size: number;
}

export class bio {
  readonly id: number;
  readonly bi_bdev: block_device;
  readonly op: ReqOp;
  bi_flags = 0;
  readonly bi_iter: bvec_iter;
  readonly bi_io_vec: bio_vec[] = [];
  bi_vcnt = 0;
  readonly bi_max_vecs: number;
  bi_status = 0;
  bi_end_io: ((b: bio) => void) | null = null;
  bi_private: unknown = null;
  /**
   * Model bookkeeping: the pages' refs came from get_user_pages (so their release goes through
   * the GUP ledger) rather than from get_page on kernel pages.
   */
  refs_from_gup = false;
  /** true once bio_endio ran. */
  done = false;

  constructor(id: number, bdev: block_device, op: ReqOp, nr_vecs: number) {
    this.id = id;
    this.bi_bdev = bdev;
    this.op = op;
    this.bi_max_vecs = nr_vecs;
    this.bi_iter = { bi_sector: 0, bi_size: 0 };
  }
}

/** bio_alloc(bdev, nr_vecs, opf, gfp) */
export function bio_alloc(bdev: block_device, nr_vecs: number, op: ReqOp): bio {
  if (!Number.isInteger(nr_vecs) || nr_vecs < 0 || nr_vecs > BIO_MAX_VECS) {
    throw new RangeError(`bio_alloc: nr_vecs ${nr_vecs} outside 0..${BIO_MAX_VECS}`);
  }
  return new bio(current_kernel().next_id++, bdev, op, nr_vecs);
}

export function bio_flagged(b: bio, flag: number): boolean {
  return (b.bi_flags & flag) !== 0;
}
export function bio_set_flag(b: bio, flag: number): void {
  b.bi_flags |= flag;
}

/** bio_full(bio, 0) */
export function bio_full(b: bio): boolean {
  return b.bi_vcnt >= b.bi_max_vecs;
}

/** __bio_add_page: appends a bvec. */
export function __bio_add_page(b: bio, page: Page, len: number, off: number): void {
  if (bio_full(b)) throw new Error(`__bio_add_page: bio ${b.id} is full (${b.bi_max_vecs} vecs)`);
  b.bi_io_vec.push({ bv_page: page, bv_len: len, bv_offset: off });
  b.bi_vcnt++;
  b.bi_iter.bi_size += len;
}

/** How the bio's pages were taken, per the profile and faults. */
function dio_uses_foll_get(): boolean {
  const k = current_kernel();
  return k.profile.dio_foll === 'FOLL_GET' || k.hasFault('legacy_foll_get_dio');
}

/** Whether GUP pins the zero page on this kernel (before 6.5, or the gup_pin_zero_page fault). */
function zero_page_pinned_here(): boolean {
  const k = current_kernel();
  return k.profile.zero_page_pinned || k.hasFault('gup_pin_zero_page');
}

/**
 * bio_release_page (block/blk.h, 6.5+): drops what the bio holds on one page according to its
 * cleanup-mode flag. On 6.1 the same decision is open-coded as "unless BIO_NO_PAGE_REF,
 * put_page()". The bio_release_wrong_mode fault drops pins with put_page().
 */
export function bio_release_page(b: bio, page: Page): void {
  const k = current_kernel();
  if (bio_flagged(b, BIO_PAGE_PINNED)) {
    if (!k.hasFault('bio_release_wrong_mode')) unpin_user_page(page);
    // The fault puts each page the extraction pinned: not the zero page where GUP skips it.
    else if (!page.folio.is_zero || zero_page_pinned_here()) gup_put_folio(page.folio, 1, FOLL_GET);
    return;
  }
  if (bio_flagged(b, BIO_NO_PAGE_REF)) return;
  if (k.profile.bio_cleanup_flag === 'BIO_NO_PAGE_REF' || bio_flagged(b, BIO_PAGE_REFFED)) {
    if (b.refs_from_gup) gup_put_folio(page.folio, 1, FOLL_GET);
    else put_page(page);
  }
}

/**
 * __bio_release_pages: releases every page of the bio, marking it dirty first when the data
 * was read into it (6.12 unpins per folio with unpin_user_folio; the count is the same).
 */
export function __bio_release_pages(b: bio, mark_dirty: boolean): void {
  for (let n = 0; n < b.bi_vcnt; n++) {
    const bv = b.bi_io_vec[n] as bio_vec;
    if (mark_dirty && !bv.bv_page.folio.is_zero) bv.bv_page.folio.dirty = true;
    bio_release_page(b, bv.bv_page);
  }
}

/**
 * bio_release_pages (include/linux/bio.h). 6.12: only a BIO_PAGE_PINNED bio has anything to
 * release. 6.1: everything except a BIO_NO_PAGE_REF bio holds page refs.
 */
export function bio_release_pages(b: bio, mark_dirty: boolean): void {
  if (current_kernel().hasFault('bio_release_unpin_all')) {
    // The misuse: unpin_user_pages_dirty_lock() over every page, whatever the extraction took.
    const pages = b.bi_io_vec.slice(0, b.bi_vcnt).map((bv) => bv.bv_page);
    unpin_user_pages_dirty_lock(pages, pages.length, mark_dirty);
    return;
  }
  if (bio_flagged(b, BIO_PAGE_PINNED) || bio_flagged(b, BIO_PAGE_REFFED)) {
    __bio_release_pages(b, mark_dirty);
    return;
  }
  if (
    current_kernel().profile.bio_cleanup_flag === 'BIO_NO_PAGE_REF' &&
    !bio_flagged(b, BIO_NO_PAGE_REF)
  ) {
    __bio_release_pages(b, mark_dirty);
  }
}

/**
 * bio_iov_bvec_set: a BVEC iterator's pages are used as they are: the caller keeps them alive,
 * so the bio takes nothing (6.1 marks it BIO_NO_PAGE_REF; 6.12 leaves BIO_PAGE_PINNED clear).
 */
function bio_iov_bvec_set(b: bio, iter: iov_iter): void {
  let left = iov_iter_count(iter);
  let skip = iter.iov_offset;
  // The kernel points the bio at the whole bvec array; the model copies one bvec per page and
  // stops at bi_max_vecs, so a caller asking for small bios (bio_max_pages) gets several.
  for (let n = iter.seg; left > 0 && n < iter.seg + iter.nr_segs && !bio_full(b); n++) {
    const bv = iter.bvec[n] as bio_vec;
    const len = Math.min(bv.bv_len - skip, left);
    if (len > 0) {
      // One bvec per page, so completion can address each page directly.
      let off = bv.bv_offset + skip;
      let rem = len;
      let page_idx = Math.floor(off / PAGE_SIZE);
      off %= PAGE_SIZE;
      while (rem > 0 && !bio_full(b)) {
        const chunk = Math.min(PAGE_SIZE - off, rem);
        const base = bv.bv_page;
        const page = base.folio.page(base.index_in_folio + page_idx);
        __bio_add_page(b, page, chunk, off);
        rem -= chunk;
        off = 0;
        page_idx++;
      }
      left -= len - rem;
      if (rem > 0) break;
    }
    skip = 0;
  }
  if (current_kernel().profile.bio_cleanup_flag === 'BIO_NO_PAGE_REF')
    bio_set_flag(b, BIO_NO_PAGE_REF);
}

/**
 * bio_iov_add_page (block/bio.c; 6.12 bio_iov_add_folio): a range that continues the bio's last
 * bvec within the same page (an IOVEC segment starting where the previous one ended) is merged
 * into that bvec, and the hold this extraction took on the page is dropped at once, the bvec
 * keeping the first: 6.1 "if (!__bio_try_merge_page(bio, page, len, offset, &same_page)) {
 * __bio_add_page(...); return 0; } if (same_page) put_page(page);" (page_is_mergeable:
 * "*same_page = ((vec_end_addr & PAGE_MASK) == page_addr)"), 6.12 "if (bio->bi_vcnt > 0 &&
 * bvec_try_merge_page(...)) { bio->bi_iter.bi_size += len; if (same_page && bio_flagged(bio,
 * BIO_PAGE_PINNED)) unpin_user_folio(folio, 1); return 0; }" (Debian 6.1.192, 6.12.117):
 * bio_release_page's drop. The kernel also merges a range on the physically next page into a
 * multi-page bvec, holding each page as before; the reference keeps one bvec per page.
 */
function bio_iov_add_page(b: bio, page: Page, len: number, off: number): void {
  const last = b.bi_io_vec[b.bi_vcnt - 1];
  if (last !== undefined && last.bv_page === page && last.bv_offset + last.bv_len === off) {
    last.bv_len += len;
    b.bi_iter.bi_size += len;
    bio_release_page(b, page);
  } else {
    __bio_add_page(b, page, len, off);
  }
}

/**
 * __bio_iov_iter_get_pages: one extraction (6.12: iov_iter_extract_pages; 6.1:
 * iov_iter_get_pages2), trimmed to the logical block size; pages past the trimmed end are
 * released again, and any unused tail of the iterator is reverted.
 */
function __bio_iov_iter_get_pages(b: bio, iter: iov_iter, foll_get: boolean): number {
  const nr_pages = b.bi_max_vecs - b.bi_vcnt;
  const pages: PageSlot[] = new Array<PageSlot>(nr_pages).fill(undefined);
  const offset0 = { value: 0 };
  const maxsize = 0xffffffff - b.bi_iter.bi_size;
  const size0 = foll_get
    ? iov_iter_get_pages2(iter, pages, maxsize, nr_pages, offset0)
    : iov_iter_extract_pages(iter, { value: pages }, maxsize, nr_pages, 0, offset0);
  if (size0 <= 0) return size0 !== 0 ? size0 : -EFAULT;
  const offset = offset0.value;
  const got = DIV_ROUND_UP(offset + size0, PAGE_SIZE);
  const trim = size0 & (b.bi_bdev.logical_block_size - 1);
  iov_iter_revert(iter, trim);
  const size = size0 - trim;
  let i = 0;
  let ret = 0;
  if (size === 0) {
    ret = -EFAULT;
  } else {
    let left = size;
    let off = offset;
    for (; left > 0; i++) {
      const len = Math.min(PAGE_SIZE - off, left);
      bio_iov_add_page(b, pages[i] as Page, len, off);
      left -= len;
      off = 0;
    }
  }
  // "while (i < nr_pages) bio_release_page(bio, pages[i++]);"
  for (; i < got; i++) bio_release_page(b, pages[i] as Page);
  return ret;
}

/**
 * bio_iov_iter_get_pages: fills the bio from the iterator. BVEC iterators are used in place;
 * user-backed ones are pinned (6.12, BIO_PAGE_PINNED) or referenced (6.1, legacy_foll_get_dio).
 * Returns 0 if anything was added, else the error.
 */
export function bio_iov_iter_get_pages(b: bio, iter: iov_iter): number {
  if (iter.iter_type === ITER_BVEC) {
    bio_iov_bvec_set(b, iter);
    iov_iter_advance(iter, b.bi_iter.bi_size);
    return 0;
  }
  const foll_get = dio_uses_foll_get();
  if (foll_get) {
    if (current_kernel().profile.bio_cleanup_flag === 'BIO_PAGE_PINNED')
      bio_set_flag(b, BIO_PAGE_REFFED);
    b.refs_from_gup = user_backed_iter(iter);
  } else if (iov_iter_extract_will_pin(iter)) {
    bio_set_flag(b, BIO_PAGE_PINNED);
  }
  let ret = 0;
  do {
    ret = __bio_iov_iter_get_pages(b, iter, foll_get);
  } while (ret === 0 && iov_iter_count(iter) > 0 && !bio_full(b));
  return b.bi_vcnt > 0 ? 0 : ret;
}

/** bio_endio: runs the completion once. */
export function bio_endio(b: bio): void {
  if (b.done) {
    current_kernel().WARN('bug', `bio_endio called twice on bio ${b.id}`);
    return;
  }
  b.done = true;
  b.bi_end_io?.(b);
}

/** The direction a bio for this iterator has: a destination iterator means a device read. */
export function bio_op_for_iter(iter: iov_iter): ReqOp {
  return iov_iter_rw(iter) === READ ? REQ_OP_READ : REQ_OP_WRITE;
}
