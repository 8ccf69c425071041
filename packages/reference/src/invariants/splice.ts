// Splice invariants: a splice read never reaches past EOF.
import { DIV_ROUND_UP, PAGE_SIZE } from '../mm/constants.ts';
import type { splice_read_result } from '../splice/filemap_splice.ts';
import type { Violation } from './violation.ts';

/**
 * splice_within_eof: a splice read returns no more than i_size - pos bytes (every kernel: the
 * DIO and filemap paths stop at i_size). A design that clips to EOF before allocating (the ver
 * #20 option, r.eof_limited) must also allocate no more pages than those bytes need; upstream
 * copy_splice_read allocates for the pipe's room and releases the unreached pages, which
 * mm_invariants_at_quiescence checks instead.
 */
export function splice_within_eof(r: splice_read_result): Violation[] {
  const out: Violation[] = [];
  const avail = Math.max(0, r.i_size - r.pos);
  if (r.ret > avail) {
    out.push({
      invariant: 'splice_within_eof',
      message: `spliced ${r.ret} bytes with only ${avail} before EOF`,
    });
  }
  const over = splice_pages_past_eof(r);
  if (over > 0) {
    out.push({
      invariant: 'splice_within_eof',
      message: `allocated ${r.pages_allocated} pages to read ${avail} bytes before EOF (${r.pages_allocated - over} needed)`,
    });
  }
  return out;
}

/**
 * Pages a splice that promised to clip to EOF (r.eof_limited) allocated beyond what the bytes
 * before EOF need (DIV_ROUND_UP(i_size - pos)); 0 for a splice without that promise.
 */
export function splice_pages_past_eof(r: splice_read_result): number {
  if (!r.eof_limited) return 0;
  return Math.max(0, r.pages_allocated - DIV_ROUND_UP(Math.max(0, r.i_size - r.pos), PAGE_SIZE));
}

/**
 * splice_pipe_matches_ret: a splice read leaves in the pipe exactly the bytes it returned (none
 * when it fails): generic_file_splice_read relies on the iterator ending where the read's result
 * says (fs/iomap/direct-io.c __iomap_dio_rw's EOF revert: "some callers (such as the splice
 * code) rely on it"), and discards what it emitted on an error (pipe_discard_from);
 * copy_splice_read pushes DIV_ROUND_UP(ret) pages; filemap_splice_read adds what it counts.
 */
export function splice_pipe_matches_ret(r: splice_read_result): Violation[] {
  const ret = Math.max(r.ret, 0);
  if (r.pipe_bytes === ret) return [];
  return [
    {
      invariant: 'splice_pipe_matches_ret',
      message: `splice returned ${r.ret} but added ${r.pipe_bytes} bytes to the pipe`,
    },
  ];
}

/**
 * splice_fill_not_failed: a splice read that fills the pipe returns what it read (a short
 * splice), as every read the pipe's room cuts does once do_splice clips the length to that room
 * (6.1 fs/splice.c do_splice_to: "Don't try to read more the pipe has space for"). Before
 * 3253d9d09337 ("splice: only read in as much information as there is pipe buffer space", D.
 * Wong, 5.4) splice(2) handed the whole length to an iomap O_DIRECT read over ITER_PIPE: once
 * the pipe was full pipe_get_pages had no slot (-EFAULT), __iomap_dio_rw failed the whole dio
 * with the bios already read, and generic_file_splice_read discarded the buffers and returned
 * -EAGAIN for a blocking splice into a pipe with room (A. Gruenbacher's report). A 6.1 read that
 * fails because the allocator gave no page is not this (r.full_pipe_failed is false then).
 */
export function splice_fill_not_failed(r: splice_read_result): Violation[] {
  if (!(r.ret < 0 && r.full_pipe_failed)) return [];
  return [
    {
      invariant: 'splice_fill_not_failed',
      message: `splice read failed with ${r.ret} after filling the pipe, its data read and discarded`,
    },
  ];
}
