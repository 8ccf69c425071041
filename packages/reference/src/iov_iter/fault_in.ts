// fault_in_iov_iter_writeable() (lib/iov_iter.c): faults a user-backed iterator's next bytes in
// for writing, without holding the pages; what gfs2 (gfs2_file_direct_read) and btrfs
// (btrfs_direct_read) do after a direct I/O made with i->nofault came back short or -EFAULT,
// before retrying it. Kernel iterators need no fault-in (0).
import { fault_in_safe_writeable } from '../mm/gup.ts';
import type { MmStruct } from '../mm/mmap.ts';
import { ITER_IOVEC, ITER_UBUF } from './constants.ts';
import type { iov_iter } from './types.ts';

/** Returns the bytes of the first `size` that could not be faulted in (0: all of them). */
export function fault_in_iov_iter_writeable(i: iov_iter, size: number): number {
  if (i.iter_type === ITER_UBUF) {
    let n = Math.min(size, i.count);
    n -= fault_in_safe_writeable(user_mm(i), i.ubuf + i.iov_offset, n);
    return size - n;
  }
  if (i.iter_type === ITER_IOVEC) {
    let count = Math.min(size, i.count);
    const rest = size - count;
    const iov = i.__iov;
    for (let k = 0, skip = i.iov_offset; count > 0 && k < i.nr_segs; k++, skip = 0) {
      const v = iov[i.seg + k]!;
      const len = Math.min(count, v.iov_len - skip);
      if (len === 0) continue;
      const ret = fault_in_safe_writeable(user_mm(i), v.iov_base + skip, len);
      count -= len - ret;
      if (ret) break;
    }
    return count + rest;
  }
  return 0;
}

function user_mm(i: iov_iter): MmStruct {
  if (!i.mm) throw new Error('fault_in_iov_iter_writeable: user-backed iterator without an mm');
  return i.mm;
}
