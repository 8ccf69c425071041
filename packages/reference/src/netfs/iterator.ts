// netfs_extract_user_iter() (fs/netfs/iterator.c, seed 000): pin the pages of a UBUF/IOVEC
// iterator and describe them with a new ITER_BVEC iterator, so the I/O can be completed from a
// worker thread after the caller's iterator is gone. Cleanup: unpin each page when
// iov_iter_extract_will_pin(orig) said the pages were pinned.
//
// Error handling as fixed by "netfs: fix error handling in netfs_extract_user_iter()"
// (P. Alcantara, March 2026, Fixes: 85dd2c8ff368, Cc: stable; in 6.12 stable): a failed or
// empty iov_iter_extract_pages() ends the loop with an error ("if (unlikely(ret <= 0)) { ret =
// ret ?: -EIO; break; }"), and the error is returned, after unpinning and freeing what was
// taken, on -ENOMEM or when no page was extracted ("if (ret < 0 && (ret == -ENOMEM || npages ==
// 0))"); otherwise the pages taken before the failure make a short extraction. The fault
// netfs_extract_user_iter_empty restores the code before it (6.3 .. the fix): the error only
// ends the loop and the function returns 0 with an empty ITER_BVEC, so a DIO whose buffer
// cannot be pinned from its first byte completes with 0 bytes instead of failing -EFAULT.
// The overrun check is 0ef37eef83fa's ("netfs: Fix overrun check in netfs_extract_user_iter()",
// 6.12 stable, in Debian 6.12.117): a batch that spans more pages than the array has left is a
// WARN and -EIO before count is reduced; a correct iov_iter_extract_pages() never gives one.

import { EIO, ENOMEM } from '../errno.ts';
import { IovIterWarning } from '../iov_iter/errors.ts';
import { iov_iter_extract_pages } from '../iov_iter/extract.ts';
import { iov_iter_bvec, user_backed_iter } from '../iov_iter/init.ts';
import { iov_iter_npages } from '../iov_iter/npages.ts';
import { PAGE_SIZE } from '../iov_iter/page_glue.ts';
import type { bio_vec, iov_iter, PageSlot } from '../iov_iter/types.ts';
import { current_kernel } from '../kernel.ts';
import { DIV_ROUND_UP } from '../mm/constants.ts';
import type { Page } from '../mm/folio.ts';
import { unpin_user_page } from '../mm/gup.ts';

export interface netfs_extracted_iter {
  /** The new ITER_BVEC iterator (null when the original was not user-backed: -EIO). */
  new_iter: iov_iter | null;
  /** Number of bio_vecs (one per page), or a negative errno (new_iter is then null). */
  npages: number;
  /** The bio_vec array behind new_iter, for cleanup. */
  bv: bio_vec[];
}

/**
 * netfs_extract_user_iter(orig, orig_len, new, extraction_flags): extract up to orig_len
 * bytes; on success orig has been advanced by what was extracted and new covers exactly that.
 */
export function netfs_extract_user_iter(
  orig: iov_iter,
  orig_len: number,
  extraction_flags = 0,
): netfs_extracted_iter {
  if (!user_backed_iter(orig)) {
    // WARN_ON_ONCE(!iter_is_ubuf(orig) && !iter_is_iovec(orig)) -> -EIO
    return { new_iter: null, npages: -EIO, bv: [] };
  }
  const max_pages = iov_iter_npages(orig, 0x7fffffff);
  const bv: bio_vec[] = [];
  let npages = 0;
  let count = orig_len;
  // The kernel decants each batch of pages into the tail of the bvec array's storage.
  const pages = { value: new Array<PageSlot>(max_pages) as PageSlot[] | null };
  const offset0 = { value: 0 };
  // The loop's last error ("ret" in the kernel, which holds the extraction's result).
  let err = 0;
  while (count && npages < max_pages) {
    const got = iov_iter_extract_pages(
      orig,
      pages,
      count,
      max_pages - npages,
      extraction_flags,
      offset0,
    );
    if (got < 0) {
      // "if (unlikely(ret <= 0)) { ret = ret ?: -EIO; break; }" (before the fix: pr_err, break)
      err = got;
      break;
    }
    if (got > count)
      throw new IovIterWarning('netfs_extract_user_iter', `get_pages rc=${got} more than ${count}`);
    if (got === 0) {
      // the fix's "ret ?: -EIO" (the code before it would not terminate: count is unchanged)
      err = -EIO;
      break;
    }
    // 0ef37eef83fa "netfs: Fix overrun check in netfs_extract_user_iter()" (6.12 stable, in
    // Debian 6.12.117): an extraction that says it filled more pages than the array had room for
    // is a WARN and -EIO, checked before count is reduced, so its bytes are not in the new
    // iterator (before it: pr_err "Out of bvec array capacity" after "count -= ret", and break).
    const cur_npages = DIV_ROUND_UP(offset0.value + got, PAGE_SIZE);
    if (cur_npages > max_pages - npages) {
      current_kernel().WARN(
        'bug',
        `netfs_extract_user_iter: extract_pages overrun ${npages + cur_npages} > ${max_pages} pages`,
      );
      err = -EIO;
      break;
    }
    count -= got;
    let ret = got + offset0.value;
    let offset = offset0.value;
    for (let k = 0; k < cur_npages; k++) {
      const len = ret > PAGE_SIZE ? PAGE_SIZE : ret;
      bv.push({ bv_page: pages.value![k] as Page, bv_offset: offset, bv_len: len - offset });
      ret -= len;
      offset = 0;
    }
    npages += cur_npages;
  }
  if (
    err < 0 &&
    (err === -ENOMEM || npages === 0) &&
    !current_kernel().hasFault('netfs_extract_user_iter_empty')
  ) {
    for (const b of bv) unpin_user_page(b.bv_page); // then kvfree(bv)
    return { new_iter: null, npages: err, bv: [] };
  }
  const new_iter = iov_iter_bvec(orig.data_source ? 1 : 0, bv, npages, orig_len - count);
  return { new_iter, npages, bv };
}

/** The cleanup netfs callers do for an extracted bvec: unpin if the extraction pinned. */
export function netfs_release_extracted(bv: readonly bio_vec[], pinned: boolean): void {
  if (!pinned) return;
  for (const b of bv) unpin_user_page(b.bv_page);
}
