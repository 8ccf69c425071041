// netfs_extract_iter_to_bvecq(): decant an iterator into a bvecq chain ("netfs: Add a function
// to extract from an iter into a bvecq", seed 004). User-backed iterators are pinned
// (memory type GUP: unpinned when the segment is freed); kernel iterators are only listed
// (EXTERNAL: their owner keeps them alive).

import { iov_iter_extract_pages, iov_iter_extract_will_pin } from '../iov_iter/extract.ts';
import { kvfree } from '../iov_iter/page_array.ts';
import { PAGE_SIZE } from '../iov_iter/page_glue.ts';
import type { iov_iter, PageSlot } from '../iov_iter/types.ts';
import type { bvecq } from './chain.ts';
import { bvecq_append, bvecq_is_full, netfs_alloc_one_bvecq, netfs_put_bvecq } from './chain.ts';

/**
 * Extract up to `len` bytes of `iter` into a new chain whose first segment's fpos is `fpos`.
 * Returns the head and the bytes extracted. As the RFC's netfs_extract_iter (fs/netfs/iterator.c:
 * "On success or partial success, the amount of data in the bvec is returned ... If an error
 * occurs and no pages are extracted, an error will be returned and any allocated bvecq will be
 * freed"): a negative errno from the extraction stops it, and is reported (with no chain) only
 * when nothing was extracted.
 */
export function netfs_extract_iter_to_bvecq(
  iter: iov_iter,
  len: number,
  fpos: number,
): { head: bvecq | null; extracted: number; error: number } {
  const head = netfs_alloc_one_bvecq(14);
  head.fpos = fpos;
  head.mem_type = iov_iter_extract_will_pin(iter) ? 'GUP' : 'EXTERNAL';
  let tail = head;
  let extracted = 0;
  let error = 0;
  const pages = { value: null as PageSlot[] | null };
  const offset0 = { value: 0 };
  while (extracted < len) {
    pages.value = null;
    const ret = iov_iter_extract_pages(iter, pages, len - extracted, 16, 0, offset0);
    if (ret <= 0) {
      error = ret;
      kvfree(pages.value);
      break;
    }
    let off = offset0.value;
    let left = ret;
    for (let k = 0; left > 0; k++) {
      const part = Math.min(left, PAGE_SIZE - off);
      if (bvecq_is_full(tail)) {
        const next = netfs_alloc_one_bvecq(14);
        next.fpos = fpos + extracted + (ret - left);
        next.mem_type = tail.mem_type;
        next.prev = tail;
        tail.next = next; // the new segment's initial ref is held through ->next
        tail = next;
      }
      bvecq_append(tail, { bv_page: pages.value![k]!, bv_len: part, bv_offset: off });
      left -= part;
      off = 0;
    }
    kvfree(pages.value);
    extracted += ret;
  }
  if (extracted > 0 || error === 0) return { head, extracted, error: 0 };
  netfs_put_bvecq(head);
  return { head: null, extracted: 0, error };
}
