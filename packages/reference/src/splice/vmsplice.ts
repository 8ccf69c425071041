// vmsplice(2) of user memory into a pipe: the pipe buffers take FOLL_GET references on the
// user's pages (no copy), so what a reader later sees depends on COW at fork and on writes.
// Kernel: fs/splice.c (vmsplice_to_pipe, iter_to_pipe, user_page_pipe_buf_ops).
import { iov_iter_count, iov_iter_revert } from '../iov_iter/advance.ts';
import { ITER_SOURCE } from '../iov_iter/constants.ts';
import { iov_iter_get_pages2 } from '../iov_iter/get_pages.ts';
import { iov_iter_init } from '../iov_iter/init.ts';
import type { iovec, PageSlot } from '../iov_iter/types.ts';
import { with_mm } from '../kernel.ts';
import { DIV_ROUND_UP, PAGE_SIZE } from '../mm/constants.ts';
import type { Page } from '../mm/folio.ts';
import { put_user_page_ref } from '../mm/gup.ts';
import type { MmStruct } from '../mm/mmap.ts';
import type { pipe_inode_info } from './pipe.ts';
import {
  add_to_pipe,
  PIPE_BUF_FLAG_GIFT,
  SPLICE_F_GIFT,
  SPLICE_F_NONBLOCK,
  wait_for_space,
} from './pipe.ts';

/**
 * vmsplice_to_pipe: maps the user ranges of mm into the pipe. Returns the bytes added or a
 * negative errno when nothing was (a full pipe is -EAGAIN, as with SPLICE_F_NONBLOCK).
 */
export function vmsplice_to_pipe(
  mm: MmStruct,
  iov: readonly iovec[],
  pipe: pipe_inode_info,
  flags = 0,
): number {
  return with_mm(mm, () => {
    const count = iov.reduce((s, v) => s + v.iov_len, 0);
    // sys_vmsplice: "if (!iov_iter_count(&iter)) error = 0;" before vmsplice_to_pipe. Then
    // vmsplice_to_pipe -> wait_for_space under pipe_lock, before iter_to_pipe touches the user
    // memory: a full pipe is -EAGAIN with SPLICE_F_NONBLOCK, with no GUP, so no page is faulted
    // in or referenced and an unmapped range is not -EFAULT (fs/splice.c, Debian 6.1.192 and
    // 6.12.117). The reference cannot sleep, so its vmsplice is always non-blocking.
    if (count === 0) return 0;
    const waited = wait_for_space(pipe, flags | SPLICE_F_NONBLOCK);
    if (waited !== 0) return waited;
    const from = iov_iter_init(ITER_SOURCE, iov, iov.length, count);
    const buf_flags = flags & SPLICE_F_GIFT ? PIPE_BUF_FLAG_GIFT : 0;
    let total = 0;
    let ret = 0;
    // iter_to_pipe
    while (iov_iter_count(from) > 0) {
      const pages: PageSlot[] = new Array<PageSlot>(16).fill(undefined);
      const start = { value: 0 };
      let left = iov_iter_get_pages2(from, pages, Number.MAX_SAFE_INTEGER, 16, start);
      if (left <= 0) {
        ret = left;
        break;
      }
      const n = DIV_ROUND_UP(left + start.value, PAGE_SIZE);
      let off = start.value;
      for (let i = 0; i < n; i++) {
        const size = Math.min(left, PAGE_SIZE - off);
        const r = add_to_pipe(pipe, {
          page: pages[i] as Page,
          offset: off,
          len: size,
          ops: 'user_page_pipe_buf_ops',
          flags: buf_flags,
          ref_from_gup: true,
        });
        if (r < 0) {
          iov_iter_revert(from, left);
          for (; i < n; i++) put_user_page_ref(pages[i] as Page);
          return total > 0 ? total : r;
        }
        total += r;
        left -= size;
        off = 0;
      }
    }
    return total > 0 ? total : ret;
  });
}
