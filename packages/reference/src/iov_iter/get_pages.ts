// iov_iter_get_pages2() / iov_iter_get_pages_alloc2() (lib/iov_iter.c, __iov_iter_get_pages_alloc):
// the legacy interface that takes a page REFERENCE (FOLL_GET) on every page it returns, user or
// kernel. 6.1's block DIO uses it; the refs are dropped with put_page().

import { EFAULT, ENOMEM } from '../errno.ts';
import { current_kernel } from '../kernel.ts';
import { FOLL_NOFAULT, FOLL_WRITE, MAX_RW_COUNT } from '../mm/constants.ts';
import type { Page } from '../mm/folio.ts';
import { folio_get } from '../mm/folio.ts';
import { get_user_pages_fast } from '../mm/gup.ts';
import { iov_iter_advance } from './advance.ts';
import { ITER_BVEC, ITER_FOLIOQ, ITER_UBUF, ITER_XARRAY, READ } from './constants.ts';
import { IovIterBug, IovIterWarning } from './errors.ts';
import { folioq_folio, folioq_folio_size, folioq_nr_slots } from './folio_queue.ts';
import { iov_iter_rw, user_backed_iter } from './init.ts';
import { kvfree, want_pages_array } from './page_array.ts';
import { nth_page, PAGE_SIZE } from './page_glue.ts';
import type { iov_iter, PageSlot, Ref } from './types.ts';

/** first_iovec_segment() for the legacy path: returns [addr, clamped size]. */
function first_user_segment(i: iov_iter, size: number): [number, number] {
  if (i.iter_type === ITER_UBUF) return [i.ubuf + i.iov_offset, size];
  let skip = i.iov_offset;
  for (let k = 0; k < i.nr_segs; k++, skip = 0) {
    const v = i.__iov[i.seg + k]!;
    const len = v.iov_len - skip;
    if (!len) continue;
    return [v.iov_base + skip, Math.min(size, len)];
  }
  throw new IovIterBug('first_iovec_segment', 'called on an empty iterator');
}

/**
 * The struct page of physical frame `pfn` (pfn_to_page: the memmap, where `folio_page(folio, n)`
 * past the folio's last page lands on whatever frame follows it). Only a live folio's frames
 * have a page here; a free frame's struct page would have its refcount raised from 0, which
 * the model cannot hold, so it is refused by name.
 */
export function memmap_page(pfn: number): Page {
  for (const f of current_kernel().live_folios) {
    if (pfn >= f.pfn && pfn < f.pfn + f.nr_pages) return f.page(pfn - f.pfn);
  }
  throw new Error(`memmap_page: pfn ${pfn} is a free frame (no live folio holds it)`);
}

/** iter_folioq_get_pages(): like the extraction walk, with get_page() on each page. */
function iter_folioq_get_pages(
  iter: iov_iter,
  ppages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  start: Ref<number>,
): number {
  let folioq = iter.folioq!;
  let slot = iter.folioq_slot;
  let extracted = 0;
  let count = iter.count;
  let iov_offset = iter.iov_offset;
  if (slot >= folioq_nr_slots(folioq)) {
    folioq = folioq.next!;
    slot = 0;
    if (iov_offset !== 0)
      throw new IovIterWarning('iter_folioq_get_pages', 'iov_offset != 0 at a segment end');
  }
  maxpages = want_pages_array(ppages, maxsize, iov_offset % PAGE_SIZE, maxpages);
  start.value = iov_offset % PAGE_SIZE;
  const pages = ppages.value!;
  let n = 0;
  // 6.12-rc1 (fault folioq_get_pages_slot): the loop body as db0aa2e9566f merged it, with no
  // "if (offset < fsize)" skip (added by e65a0dc1cabe "iov_iter: Fix iov_iter_get_pages*() for
  // folio_queue", 6.12-rc5) and the slot advance testing the part's start,
  //   if (offset >= fsize) {          (6.12-rc1)
  //   if (iov_offset >= fsize) {      (0d24852bd71e "iov_iter: fix advancing slot in
  //                                    iter_folioq_get_pages()", 6.12-rc2, Fixes: db0aa2e9566f)
  // so a part that ends its folio leaves the slot unchanged and the next pass takes a part of
  // 0 bytes and lists folio_page(folio, offset / PAGE_SIZE): the struct page after the folio.
  const rc1 = current_kernel().hasFault('folioq_get_pages_slot');
  for (;;) {
    const folio = folioq_folio(folioq, slot);
    const offset = iov_offset;
    const fsize = folioq_folio_size(folioq, slot);
    let part = PAGE_SIZE - (offset % PAGE_SIZE);
    if (rc1 || offset < fsize) {
      part = Math.min(part, maxsize - extracted, fsize - offset);
      count -= part;
      iov_offset += part;
      extracted += part;
      // folio_page(folio, offset / PAGE_SIZE); only rc1 gets here with offset past the folio.
      const idx = Math.floor(offset / PAGE_SIZE);
      const page = offset < fsize ? folio.page(idx) : memmap_page(folio.pfn + idx);
      folio_get(page.folio); // get_page()
      pages[n++] = page;
      maxpages--;
    }
    if (maxpages === 0 || extracted >= maxsize) break;
    if ((rc1 ? offset : iov_offset) >= fsize) {
      iov_offset = 0;
      slot++;
      if (slot === folioq_nr_slots(folioq) && folioq.next) {
        folioq = folioq.next;
        slot = 0;
      }
    }
  }
  iter.count = count;
  iter.iov_offset = iov_offset;
  iter.folioq = folioq;
  iter.folioq_slot = slot;
  return extracted;
}

/**
 * The byte count iter_xarray_get_pages() returned before "iov_iter: Fix
 * iter_xarray_get_pages{,_alloc}()" (D. Howells, 5.19; Fixes: 7ff5062079ef "iov_iter: Add
 * ITER_XARRAY"; faults.ts xarray_get_pages_maths). lib/iov_iter.c of that time:
 *     count = 1;
 *     if (size > PAGE_SIZE - offset) {
 *         size -= PAGE_SIZE - offset;
 *         count += size >> PAGE_SHIFT;
 *         size &= ~PAGE_MASK;
 *         if (size) count++;
 *     }
 *     if (count > maxpages) count = maxpages;
 *     ...
 *     actual = PAGE_SIZE * nr;
 *     actual -= offset;
 *     if (nr == count && size > 0) {
 *         unsigned last_offset = (nr > 1) ? 0 : offset;
 *         actual -= PAGE_SIZE - (last_offset + size);
 *     }
 *     return actual;
 * `size` is the request's tail in its last page, taken before the maxpages clamp, so when
 * maxpages cuts the request the tail of a page that was never listed is subtracted (or, size_t
 * wrapping, added): one page gives back exactly that tail. The fix:
 *     return min(nr * PAGE_SIZE - offset, maxsize);
 * `count` here is what want_pages_array() gave (the clamped page count, as before).
 */
function xarray_get_pages_actual_before_5_19(
  nr: number,
  count: number,
  offset: number,
  maxsize: number,
): number {
  let size = maxsize;
  if (size > PAGE_SIZE - offset) {
    size -= PAGE_SIZE - offset;
    size %= PAGE_SIZE; // size &= ~PAGE_MASK
  }
  let actual = PAGE_SIZE * nr - offset;
  if (nr === count && size > 0) {
    const last_offset = nr > 1 ? 0 : offset;
    // size_t arithmetic: PAGE_SIZE - (last_offset + size) may be "negative" (a wrap), which
    // the subtraction wraps back: the result is the plain integer difference.
    actual -= PAGE_SIZE - (last_offset + size);
  }
  return actual;
}

/** iter_xarray_get_pages(): folio_get() on each page; a hole at the start returns 0. */
function iter_xarray_get_pages(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  start: Ref<number>,
): number {
  const xa = i.xarray!;
  const pos = i.xarray_start + i.iov_offset;
  const offset = pos % PAGE_SIZE;
  start.value = offset;
  const count = want_pages_array(pages, maxsize, offset, maxpages);
  const p = pages.value!;
  let nr = 0;
  for (let index = Math.floor(pos / PAGE_SIZE); nr < count; index++) {
    const folio = xa.xa_load(index);
    if (!folio) break;
    p[nr++] = folio.page(index - xa.folio_index_at(index)!);
    folio_get(folio);
  }
  if (nr === 0) return 0;
  maxsize = current_kernel().hasFault('xarray_get_pages_maths')
    ? xarray_get_pages_actual_before_5_19(nr, count, offset, maxsize)
    : Math.min(nr * PAGE_SIZE - offset, maxsize);
  i.iov_offset += maxsize;
  i.count -= maxsize;
  return maxsize;
}

function __iov_iter_get_pages_alloc(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  maxpages: number,
  start: Ref<number>,
): number {
  if (maxsize > i.count) maxsize = i.count;
  if (!maxsize) return 0;
  if (maxsize > MAX_RW_COUNT) maxsize = MAX_RW_COUNT;
  if (user_backed_iter(i)) {
    let gup_flags = 0;
    if (iov_iter_rw(i) === READ) gup_flags |= FOLL_WRITE;
    if (i.nofault) gup_flags |= FOLL_NOFAULT;
    if (!i.mm)
      throw new Error('iov_iter_get_pages2: user-backed iterator without an mm (current->mm)');
    let addr: number;
    [addr, maxsize] = first_user_segment(i, maxsize);
    start.value = addr % PAGE_SIZE;
    addr -= start.value;
    const n = want_pages_array(pages, maxsize, start.value, maxpages);
    if (!n) return -ENOMEM;
    const res = get_user_pages_fast(i.mm, addr, n, gup_flags, pages.value!);
    if (res <= 0) return res;
    maxsize = Math.min(maxsize, res * PAGE_SIZE - start.value);
    iov_iter_advance(i, maxsize);
    return maxsize;
  }
  if (i.iter_type === ITER_BVEC) {
    // first_bvec_segment()
    const b = i.bvec[i.seg]!;
    let skip = i.iov_offset;
    const len = b.bv_len - skip;
    if (maxsize > len) maxsize = len;
    skip += b.bv_offset;
    const page = nth_page(b.bv_page, Math.floor(skip / PAGE_SIZE));
    start.value = skip % PAGE_SIZE;
    const n = want_pages_array(pages, maxsize, start.value, maxpages);
    const p = pages.value!;
    for (let k = 0; k < n; k++) {
      const pk = nth_page(page, k);
      p[k] = pk;
      folio_get(pk.folio); // folio_get() unless slab
    }
    maxsize = Math.min(maxsize, n * PAGE_SIZE - start.value);
    i.count -= maxsize;
    i.iov_offset += maxsize;
    if (i.iov_offset === b.bv_len) {
      i.iov_offset = 0;
      i.seg++;
      i.nr_segs--;
    }
    return maxsize;
  }
  if (i.iter_type === ITER_FOLIOQ) return iter_folioq_get_pages(i, pages, maxsize, maxpages, start);
  if (i.iter_type === ITER_XARRAY) return iter_xarray_get_pages(i, pages, maxsize, maxpages, start);
  return -EFAULT;
}

/** iov_iter_get_pages2(): fill the caller's array (at least maxpages slots) with referenced pages. */
export function iov_iter_get_pages2(
  i: iov_iter,
  pages: PageSlot[],
  maxsize: number,
  maxpages: number,
  start: Ref<number>,
): number {
  if (!maxpages) return 0;
  return __iov_iter_get_pages_alloc(i, { value: pages }, maxsize, maxpages, start);
}

/** iov_iter_get_pages_alloc2(): as above, allocating the array (free it with kvfree()). */
export function iov_iter_get_pages_alloc2(
  i: iov_iter,
  pages: Ref<PageSlot[] | null>,
  maxsize: number,
  start: Ref<number>,
): number {
  pages.value = null;
  const len = __iov_iter_get_pages_alloc(i, pages, maxsize, 0xffffffff, start);
  if (len <= 0) {
    kvfree(pages.value);
    pages.value = null;
  }
  return len;
}
