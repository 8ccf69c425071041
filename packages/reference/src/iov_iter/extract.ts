// iov_iter_extract_pages() and its per-type helpers (lib/iov_iter.c, 6.3+; ITER_BVECQ from the
// bvecq RFC), iov_iter_extract_will_pin() (include/linux/uio.h).
// User-backed iterators are pinned with FOLL_PIN through pin_user_pages_fast(); every other
// type is merely listed: no ref, no pin.

import { EFAULT } from '../errno.ts';
import { current_kernel } from '../kernel.ts';
import { FOLL_NOFAULT, FOLL_WRITE, MAX_RW_COUNT } from '../mm/constants.ts';
import { pin_user_pages_fast } from '../mm/gup.ts';
import { virt_to_page } from '../mm/kmem.ts';
import { iov_iter_advance } from './advance.ts';
import {
  ITER_BVEC,
  ITER_BVECQ,
  ITER_FOLIOQ,
  ITER_IOVEC,
  ITER_KVEC,
  ITER_UBUF,
  ITER_XARRAY,
} from './constants.ts';
import { IovIterBug, IovIterWarning } from './errors.ts';
import { folioq_folio, folioq_folio_size, folioq_nr_slots } from './folio_queue.ts';
import { user_backed_iter } from './init.ts';
import { kvfree, want_pages_array } from './page_array.ts';
import { nth_page, PAGE_SIZE } from './page_glue.ts';
import type { bio_vec, iov_iter, PageSlot, Ref } from './types.ts';

/** sizeof(struct kvec) and sizeof(struct bio_vec) on x86-64, for the bvec_reads_kvec fault. */
const SIZEOF_KVEC = 16;
const SIZEOF_BIO_VEC = 16;

/** iov_iter_extract_will_pin(): pins are taken exactly for user-backed iterators. */
export function iov_iter_extract_will_pin(i: iov_iter): boolean {
  return user_backed_iter(i);
}

/** Size found by first_iovec_segment() (its `*size` out-parameter); avoids an allocation. */
let first_seg_size = 0;

/** first_iovec_segment(): the first non-empty user segment; clamps first_seg_size to it. */
function first_iovec_segment(i: iov_iter, size: number): number {
  first_seg_size = size;
  if (i.iter_type === ITER_UBUF) return i.ubuf + i.iov_offset;
  const iov = i.__iov;
  let skip = i.iov_offset;
  for (let k = 0; k < i.nr_segs; k++, skip = 0) {
    const v = iov[i.seg + k]!;
    const len = v.iov_len - skip;
    if (!len) continue; // zero-length iovecs are skipped
    if (first_seg_size > len) first_seg_size = len;
    return v.iov_base + skip;
  }
  throw new IovIterBug('first_iovec_segment', 'called on an empty iterator');
}

/** iov_iter_extract_user_pages(): pin one iovec's worth of pages (never crosses an iovec). */
function iov_iter_extract_user_pages(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  offset0: Ref<number>,
): number {
  let gup_flags = 0;
  if (!i.data_source) gup_flags |= FOLL_WRITE; // ITER_DEST: the device writes the pages
  if (i.nofault) gup_flags |= FOLL_NOFAULT;
  if (!i.mm)
    throw new Error('iov_iter_extract_pages: user-backed iterator without an mm (current->mm)');
  let addr = first_iovec_segment(i, maxsize);
  maxsize = first_seg_size;
  const offset = addr % PAGE_SIZE;
  offset0.value = offset;
  addr -= offset;
  const allocated = pages.value === null;
  maxpages = want_pages_array(pages, maxsize, offset, maxpages);
  const res = pin_user_pages_fast(i.mm, addr, maxpages, gup_flags, pages.value!);
  if (res <= 0) {
    // "iov_iter: Fix a memory leak in iov_iter_extract_user_pages()" (2026): free the array
    // this call allocated. The extract_array_leak fault is the code before that fix.
    if (allocated && !current_kernel().hasFault('extract_array_leak')) {
      kvfree(pages.value);
      pages.value = null;
    }
    return res;
  }
  maxsize = Math.min(maxsize, res * PAGE_SIZE - offset);
  iov_iter_advance(i, maxsize);
  return maxsize;
}

/** iov_iter_extract_kvec_pages(): one kvec per call; zero-length kvecs consumed in place. */
function iov_iter_extract_kvec_pages(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  offset0: Ref<number>,
): number {
  let skip = i.iov_offset;
  let size: number;
  // 6.3-6.5 wrote the min() back into maxsize ("iov_iter: Fix iov_iter_extract_pages()",
  // Sep 2023): after an empty kvec maxsize stays 0 and the loop runs off the end.
  const zero_skip_bug = current_kernel().hasFault('extract_zero_skip');
  for (;;) {
    if (i.nr_segs === 0) return 0;
    size = Math.min(maxsize, i.kvec[i.seg]!.iov_len - skip);
    if (zero_skip_bug) maxsize = size;
    if (size) break;
    i.iov_offset = 0;
    i.nr_segs--;
    i.seg++;
    skip = 0;
  }
  let kaddr: number;
  let offset: number;
  if (current_kernel().hasFault('kvec_offset0')) {
    // Before ver #11 of the extraction series (seed 002): the offset is taken from the skip
    // into the kvec alone and the pages from the kvec's base, so iov_base's own in-page
    // offset is lost from both *offset0 and the page list.
    offset = skip % PAGE_SIZE;
    kaddr = i.kvec[i.seg]!.iov_base;
  } else {
    kaddr = i.kvec[i.seg]!.iov_base + skip;
    offset = kaddr % PAGE_SIZE;
  }
  offset0.value = offset;
  maxpages = want_pages_array(pages, size, offset, maxpages);
  const p = pages.value!;
  kaddr -= offset;
  for (let k = 0; k < maxpages; k++) {
    p[k] = virt_to_page(kaddr); // virt_to_page() / vmalloc_to_page()
    kaddr += PAGE_SIZE;
  }
  size = Math.min(size, maxpages * PAGE_SIZE - offset);
  iov_iter_advance(i, size);
  return size;
}

/**
 * iov_iter_extract_bvec_pages() as in 6.13 and later (e4e535bff2bc, the RFC's base: profile
 * extract_bvec_page_walk): walks page by page with a bvec_iter and continues into the next bvec
 * only while the next piece starts at offset 0 and the previous one ended at PAGE_SIZE, so the
 * pages returned describe one virtually contiguous range. 6.3-6.12 list one bvec per call
 * (iov_iter_extract_bvec_pages_v9), and so do the bugs of that loop.
 */
function iov_iter_extract_bvec_pages(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  offset0: Ref<number>,
): number {
  const kernel = current_kernel();
  // extract_bvec_skip_size is a bug of the page walk itself, so it brings the walk with it.
  const page_walk =
    kernel.profile.extract_bvec_page_walk || kernel.hasFault('extract_bvec_skip_size');
  if (!page_walk || kernel.hasFault('bvec_reads_kvec') || kernel.hasFault('extract_zero_skip')) {
    return iov_iter_extract_bvec_pages_v9(i, pages, maxsize, maxpages, offset0);
  }
  let skip = i.iov_offset;
  if (i.nr_segs === 0) return 0;
  if (i.iov_offset === i.bvec[i.seg]!.bv_len) {
    i.iov_offset = 0;
    i.nr_segs--;
    i.seg++;
    skip = 0;
  }
  // The kernel passes `skip`, not the in-page offset, as want_pages_array's start.
  maxpages = want_pages_array(pages, maxsize, skip, maxpages);
  // struct bvec_iter bi = { .bi_idx = 0, .bi_size = maxsize, .bi_bvec_done = skip }. The
  // page walk as first merged (e4e535bff2bc, block tree for 6.13) set "bi.bi_size = maxsize +
  // skip;" (fault extract_bvec_skip_size): from inside a bvec the first piece takes up to skip
  // bytes more than maxsize; fixed by 7bc802acf193 and "lib/iov_iter: fix bvec iterator setup".
  const size = bvec_walk_pages(
    i.bvec,
    i.seg,
    i.seg + i.nr_segs,
    skip,
    kernel.hasFault('extract_bvec_skip_size') ? maxsize + skip : maxsize,
    pages.value!,
    maxpages,
    offset0,
  );
  iov_iter_advance(i, size);
  return size;
}

/**
 * The one-bvec-per-call bvec extraction of the series (seed 002) and of 6.3-6.12 (until the
 * page walk of 6.13, e4e535bff2bc; Debian's 6.12.117 lib/iov_iter.c has this loop): skip empty
 * bvecs, then list the pages of one bvec. The linux-6.12 profile runs it, and so do the two
 * historical bugs of its skip loop:
 * - bvec_reads_kvec, ver #9 ("Fix use of i->kvec in iov_iter_extract_bvec_pages() to be
 *   i->bvec", ver #10): the union pointer stepped with i->kvec++, i.e. by sizeof(struct kvec)
 *   bytes. On x86-64 that equals sizeof(struct bio_vec), so the step lands on the next bvec and
 *   the bug has no observable effect there; the model steps by the byte ratio, as the CPU would.
 * - extract_zero_skip, 6.3-6.5: `maxsize = min(maxsize, i->bvec->bv_len - skip)` in the skip
 *   loop, so an empty bvec at the cursor left maxsize 0, every later min() was 0 and the loop
 *   ran to nr_segs == 0 and returned 0 with count untouched ("iov_iter: Fix
 *   iov_iter_extract_pages()", D. Howells, 8 Sep 2023, Fixes: 7d58fe731028, which fixed this
 *   loop and the kvec one alike by keeping the min() in a new variable, `size`).
 */
function iov_iter_extract_bvec_pages_v9(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  offset0: Ref<number>,
): number {
  let skip = i.iov_offset;
  let size: number;
  const kernel = current_kernel();
  const zero_skip_bug = kernel.hasFault('extract_zero_skip');
  // i->kvec++ on a union holding i->bvec (ver #9), else i->bvec++.
  const stride = kernel.hasFault('bvec_reads_kvec') ? SIZEOF_KVEC : SIZEOF_BIO_VEC;
  for (;;) {
    if (i.nr_segs === 0) return 0;
    size = Math.min(maxsize, i.bvec[i.seg]!.bv_len - skip);
    if (zero_skip_bug) maxsize = size;
    if (size) break;
    i.iov_offset = 0;
    i.nr_segs--;
    const step = stride / SIZEOF_BIO_VEC;
    if (!Number.isInteger(step)) {
      throw new IovIterBug('iov_iter_extract_bvec_pages', 'i->kvec++ left i->bvec misaligned');
    }
    i.seg += step;
    skip = 0;
  }
  const b = i.bvec[i.seg]!;
  skip += b.bv_offset;
  const page = nth_page(b.bv_page, Math.floor(skip / PAGE_SIZE));
  const offset = skip % PAGE_SIZE;
  offset0.value = offset;
  maxpages = want_pages_array(pages, size, offset, maxpages);
  const p = pages.value!;
  for (let k = 0; k < maxpages; k++) p[k] = nth_page(page, k);
  size = Math.min(size, maxpages * PAGE_SIZE - offset);
  iov_iter_advance(i, size);
  return size;
}

/** iov_iter_extract_folioq_pages() */
function iov_iter_extract_folioq_pages(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  offset0: Ref<number>,
): number {
  let folioq = i.folioq!;
  let nr = 0;
  let extracted = 0;
  let slot = i.folioq_slot;
  if (slot >= folioq_nr_slots(folioq)) {
    folioq = folioq.next!;
    slot = 0;
    if (i.iov_offset !== 0) {
      throw new IovIterWarning('iov_iter_extract_folioq_pages', 'iov_offset != 0 at a segment end');
    }
  }
  const offset = i.iov_offset % PAGE_SIZE;
  offset0.value = offset;
  maxpages = want_pages_array(pages, maxsize, offset, maxpages);
  const p = pages.value!;
  for (;;) {
    const folio = folioq_folio(folioq, slot);
    const off = i.iov_offset;
    const fsize = folioq_folio_size(folioq, slot);
    let part = PAGE_SIZE - (off % PAGE_SIZE);
    if (off < fsize) {
      part = Math.min(part, maxsize - extracted, fsize - off);
      i.count -= part;
      i.iov_offset += part;
      extracted += part;
      p[nr++] = folio.page(Math.floor(off / PAGE_SIZE));
    }
    if (nr >= maxpages || extracted >= maxsize) break;
    if (i.iov_offset >= fsize) {
      i.iov_offset = 0;
      slot++;
      if (slot === folioq_nr_slots(folioq) && folioq.next) {
        folioq = folioq.next;
        slot = 0;
      }
    }
  }
  i.folioq = folioq;
  i.folioq_slot = slot;
  return extracted;
}

/**
 * iov_iter_extract_xarray_pages(): pages of consecutive present indexes (stops at a hole).
 * With nr == 0 (a hole at the start) the fixed kernel extracts nothing; before "iov_iter: Fix
 * potential underflow in iov_iter_extract_xarray_pages()" (2026) nr * PAGE_SIZE - offset
 * wrapped around as a size_t, min() kept maxsize and the iterator advanced over the hole.
 */
function iov_iter_extract_xarray_pages(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  offset0: Ref<number>,
): number {
  const xa = i.xarray!;
  let nr = 0;
  const pos = i.xarray_start + i.iov_offset;
  const offset = pos % PAGE_SIZE;
  offset0.value = offset;
  maxpages = want_pages_array(pages, maxsize, offset, maxpages);
  const p = pages.value!;
  for (let index = Math.floor(pos / PAGE_SIZE); ; index++) {
    const folio = xa.xa_load(index); // xas_load() / xas_next()
    if (!folio) break;
    p[nr++] = folio.page(index - xa.folio_index_at(index)!); // folio_file_page()
    if (nr === maxpages) break;
  }
  if (nr === 0 && !current_kernel().hasFault('xarray_hole_underflow')) return 0;
  const avail = nr * PAGE_SIZE - offset;
  // size_t arithmetic: a negative difference wraps to a huge value, so min() keeps maxsize.
  maxsize = avail < 0 ? maxsize : Math.min(avail, maxsize);
  iov_iter_advance(i, maxsize);
  return maxsize;
}

/**
 * iov_iter_extract_bvecq_pages() (bvecq RFC): like the bvec walk, within the current bvecq
 * segment only.
 */
function iov_iter_extract_bvecq_pages(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  offset0: Ref<number>,
): number {
  let bq = i.bvecq!;
  let slot = i.bvecq_slot;
  // An empty segment (nr_slots 0), where the walks leave the cursor after the last slot of the
  // segment before it: ver #4 steps over it ("if (slot >= bvecq->nr_slots) ... bvecq =
  // bvecq->next; slot = 0; offset = 0; continue;", "Fixed ... iov_iter_extract_bvecq_pages()
  // ... to correctly handle empty bvecqs"). v1 (fault bvecq_empty_seg_v1) walks the empty
  // segment: nothing listed.
  if (!current_kernel().hasFault('bvecq_empty_seg_v1')) {
    while (bq.nr_slots === 0 && bq.next) {
      bq = bq.next;
      slot = 0;
    }
  }
  maxpages = want_pages_array(pages, maxsize, i.iov_offset, maxpages);
  const size = bvec_walk_pages(
    bq.bv,
    slot,
    bq.nr_slots,
    i.iov_offset,
    maxsize,
    pages.value!,
    maxpages,
    offset0,
  );
  iov_iter_advance(i, size);
  return size;
}

function check_extract_api(site: string): void {
  const profile = current_kernel().profile;
  if (!profile.has_extract_api) {
    throw new Error(
      `${site}: not available in profile ${profile.name} (iov_iter_extract_pages landed in 6.3)`,
    );
  }
}

/**
 * iov_iter_extract_pages(): extract a list of contiguous pages from the iterator and advance
 * it. `pages.value` null asks for an array to be allocated (free it with kvfree()); otherwise
 * it must hold at least maxpages slots. `offset0.value` receives the offset into the first
 * page. Returns bytes extracted, 0, or a negative errno (-EFAULT for an unsupported type).
 */
export function iov_iter_extract_pages(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  _extraction_flags: number,
  offset0: Ref<number>,
): number {
  check_extract_api('iov_iter_extract_pages');
  maxsize = Math.min(maxsize, i.count, MAX_RW_COUNT);
  if (!maxsize) return 0;
  switch (i.iter_type) {
    case ITER_UBUF:
    case ITER_IOVEC:
      return iov_iter_extract_user_pages(i, pages, maxsize, maxpages, offset0);
    case ITER_KVEC:
      return iov_iter_extract_kvec_pages(i, pages, maxsize, maxpages, offset0);
    case ITER_BVEC:
      return iov_iter_extract_bvec_pages(i, pages, maxsize, maxpages, offset0);
    case ITER_FOLIOQ:
      return iov_iter_extract_folioq_pages(i, pages, maxsize, maxpages, offset0);
    case ITER_BVECQ:
      return iov_iter_extract_bvecq_pages(i, pages, maxsize, maxpages, offset0);
    case ITER_XARRAY:
      return iov_iter_extract_xarray_pages(i, pages, maxsize, maxpages, offset0);
    default:
      return -EFAULT;
  }
}

/**
 * The page walk shared by the BVEC and BVECQ extractors (lib/iov_iter.c
 * iov_iter_extract_bvec_pages and the RFC's bvecq variant): from bio_vec `from` at
 * `bi_bvec_done` bytes in, list single-page pieces while they stay page-contiguous, up to
 * `bi_size` bytes and `maxpages` pages. Returns the bytes listed.
 */
function bvec_walk_pages(
  bv: readonly bio_vec[],
  from: number,
  end: number,
  bi_bvec_done: number,
  bi_size: number,
  p: PageSlot[],
  maxpages: number,
  offset0: Ref<number>,
): number {
  let size = 0;
  let k = 0;
  let idx = from;
  while (bi_size && idx < end) {
    // bvec_iter_bvec(): the single-page piece at the iterator's position.
    const mp = bv[idx]!;
    const mp_off = mp.bv_offset + bi_bvec_done;
    const bv_offset = mp_off % PAGE_SIZE;
    const bv_len = Math.min(bi_size, mp.bv_len - bi_bvec_done, PAGE_SIZE - bv_offset);
    if (k) {
      if (bv_offset) break;
    } else {
      offset0.value = bv_offset;
    }
    p[k++] = nth_page(mp.bv_page, Math.floor(mp_off / PAGE_SIZE));
    size += bv_len;
    if (k >= maxpages) break;
    // A piece that does not end at the page boundary would leave a hole. (A zero-length
    // bvec ends here too: the kernel lists its page but adds no bytes, so an extraction that
    // starts on one returns 0 without moving.)
    if (bv_offset + bv_len !== PAGE_SIZE) break;
    // bvec_iter_advance_single()
    bi_size -= bv_len;
    bi_bvec_done += bv_len;
    if (bi_bvec_done === mp.bv_len) {
      idx++;
      bi_bvec_done = 0;
    }
  }
  return size;
}
