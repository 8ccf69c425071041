import { describe, expect, it } from 'vitest';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { PAGE_SIZE } from '../../src/mm/index.ts';
import {
  alloc_pipe_info,
  free_pipe_info,
  iov_iter_pipe,
  pipe_readable,
  pipe_revert,
  pipe_zero,
} from '../../src/splice/index.ts';

// 6.1 lib/iov_iter.c (Debian 6.1.192): iov_iter_revert's ITER_PIPE branch releases the newest
// buffers and, in the buffer it stops in, sets "i->last_offset = last_offset(b)" (b->len for
// push_anon's default_pipe_buf_ops buffers), so a later append_pipe fills that buffer's tail.
describe('ITER_PIPE revert (6.1 lib/iov_iter.c iov_iter_revert)', () => {
  it('a revert past the newest buffer leaves last_offset at the older buffer it stops in', () => {
    const k = createKernel('linux-6.1');
    with_kernel(k, () => {
      const pipe = alloc_pipe_info(4);
      const i = iov_iter_pipe(pipe, 3 * PAGE_SIZE);
      expect(pipe_zero(i, PAGE_SIZE + 100)).toBe(PAGE_SIZE + 100);
      expect(pipe.head).toBe(2);
      expect(i.last_offset).toBe(100);
      pipe_revert(i, 200); // releases the 100-byte buffer, 100 more off the first
      expect(pipe.head).toBe(1);
      expect(i.last_offset).toBe(PAGE_SIZE - 100);
      expect(i.count).toBe(3 * PAGE_SIZE - (PAGE_SIZE + 100) + 200);
      // append_pipe: "if (offset > 0 && offset < PAGE_SIZE)" adds to the last buffer.
      expect(pipe_zero(i, 50)).toBe(50);
      expect(pipe.head).toBe(1);
      expect(pipe_readable(pipe)).toBe(PAGE_SIZE - 50);
      free_pipe_info(pipe);
    });
  });
});
