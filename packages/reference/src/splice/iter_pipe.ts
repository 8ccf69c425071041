// Legacy splice read over ITER_PIPE (6.1; removed in 6.5 by seed 002): the file's read_iter
// writes straight into pipe buffers that the iterator appends as it goes. For O_DIRECT the
// bios are built on those pipe pages, and iomap's end-of-file iov_iter_revert() on the pipe
// frees the buffers past i_size while the bios may still be in flight.
// Kernel (6.1): lib/iov_iter.c (iov_iter_pipe, append_pipe, push_anon, pipe_get_pages,
// iov_iter_revert's ITER_PIPE branch), fs/splice.c (generic_file_splice_read),
// fs/iomap/direct-io.c (__iomap_dio_rw), block/bio.c (__bio_iov_iter_get_pages).

import type { file, kiocb } from '../block/fs.ts';
import { init_sync_kiocb, O_DIRECT } from '../block/fs.ts';
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import type { Folio, Page } from '../mm/folio.ts';
import { folio_put, get_page, try_alloc_page } from '../mm/folio.ts';
import { filemap_get_batch } from './filemap_batch.ts';
import type { pipe_inode_info } from './pipe.ts';
import {
  do_splice_to_len,
  page_cache_pipe_buf,
  pipe_buf,
  pipe_buf_release,
  pipe_full,
} from './pipe.ts';
import {
  splice_dio_read_failed_full,
  splice_dio_read_submit,
  splice_dio_read_wait,
} from './splice_dio.ts';

/** The ITER_PIPE fields of 6.1's struct iov_iter. */
export class pipe_iter {
  readonly pipe: pipe_inode_info;
  /** i->start_head: the pipe head when the iterator was made. */
  readonly start_head: number;
  count: number;
  /** i->last_offset: fill level of the last buffer (0 = start a new one). */
  last_offset = 0;
  /**
   * Model bookkeeping: append_pipe found the pipe full (no slot for a new buffer), as opposed to
   * no page from the allocator; what the invariant splice_fill_not_failed asks of a failed read.
   */
  met_full = false;

  constructor(pipe: pipe_inode_info, count: number) {
    this.pipe = pipe;
    this.start_head = pipe.head;
    this.count = count;
  }
}

/** iov_iter_pipe(&to, ITER_DEST, pipe, len) */
export function iov_iter_pipe(pipe: pipe_inode_info, count: number): pipe_iter {
  const k = current_kernel();
  if (!k.profile.iter_types.includes('ITER_PIPE')) {
    throw new Error(
      `iov_iter_pipe: ITER_PIPE does not exist in profile ${k.profile.name} (removed in 6.5)`,
    );
  }
  return new pipe_iter(pipe, count);
}

/**
 * append_pipe: room for up to size more bytes: the tail of the last buffer if it has some,
 * else a new anonymous page pushed into the pipe (push_anon). Consumes the bytes from the
 * iterator's count. Returns [page, offset, bytes] or null when the pipe is full.
 */
function append_pipe(i: pipe_iter, size: number): [Page, number, number] | null {
  const pipe = i.pipe;
  const offset = i.last_offset;
  if (offset > 0 && offset < PAGE_SIZE) {
    const buf = pipe_buf(pipe, pipe.head - 1);
    const n = Math.min(size, PAGE_SIZE - offset);
    buf.len += n;
    i.last_offset += n;
    i.count -= n;
    return [buf.page, offset, n];
  }
  const n = Math.min(size, PAGE_SIZE);
  // "if (pipe_full(pipe->head, pipe->tail, pipe->max_usage)) return NULL;" (6.1 append_pipe):
  // met only by a read that asked for more than the pipe's room (do_splice_to clips it to the
  // room: the splice_no_pipe_room_clip fault drops that clip).
  if (pipe_full(pipe.head, pipe.tail, pipe.max_usage)) {
    i.met_full = true;
    return null;
  }
  // push_anon: the pipe owns the allocation reference; if alloc_page() fails, append_pipe
  // returns 0 and the read is cut short there. The buffer's ops are default_pipe_buf_ops
  // (6.1 lib/iov_iter.c push_anon), which last_offset() tells from page-cache buffers.
  const page = try_alloc_page();
  if (page === null) return null;
  pipe.bufs[pipe.head & (pipe.ring_size - 1)] = {
    page,
    offset: 0,
    len: n,
    ops: 'default_pipe_buf_ops',
    flags: 0,
    ref_from_gup: false,
  };
  pipe.head++;
  i.last_offset = n;
  i.count -= n;
  return [page, 0, n];
}

/**
 * iov_iter_revert on ITER_PIPE: gives back unroll bytes by shrinking and *releasing* the
 * newest pipe buffers (pipe_buf_release), whatever else may still point at their pages.
 */
export function pipe_revert(i: pipe_iter, unroll: number): void {
  // "if (!unroll) return;" (6.1 lib/iov_iter.c iov_iter_revert): __iomap_dio_rw reverts by
  // iomi.pos - dio->i_size, 0 for a read that ends exactly at i_size.
  if (unroll === 0) return;
  i.count += unroll;
  const pipe = i.pipe;
  while (pipe.head > i.start_head) {
    const b = pipe_buf(pipe, pipe.head - 1);
    if (unroll < b.len) {
      b.len -= unroll;
      // "i->last_offset = last_offset(b);" (Debian 6.1.192 lib/iov_iter.c iov_iter_revert):
      // the fill level of the buffer the revert stops in, which is b->len for the
      // default_pipe_buf_ops buffers of push_anon (the only ones a reverted iterator holds
      // here: copy_page_to_iter_pipe's page-cache buffers belong to filemap_read, which never
      // reverts). Not the iterator's old last_offset less unroll: after releasing the newest
      // buffers the revert stops in an older one, whose tail a later append_pipe fills.
      i.last_offset = b.len;
      return;
    }
    unroll -= b.len;
    pipe.bufs[(pipe.head - 1) & (pipe.ring_size - 1)] = undefined;
    pipe_buf_release(pipe, b);
    pipe.head--;
  }
  i.last_offset = 0;
}

/**
 * pipe_zero (6.1 lib/iov_iter.c, the ITER_PIPE case of iov_iter_zero): appends zero-filled
 * buffers for up to bytes more bytes. A page new from push_anon is already zero here (the
 * reference allocates zeroed folios). Returns the bytes zeroed.
 */
export function pipe_zero(i: pipe_iter, bytes: number): number {
  let left = Math.min(bytes, i.count);
  let done = 0;
  while (left > 0) {
    const got = append_pipe(i, left);
    if (got === null) break;
    left -= got[2];
    done += got[2];
  }
  return done;
}

/**
 * pipe_get_pages (the ITER_PIPE case of iov_iter_get_pages2): appends buffers for up to
 * maxsize bytes and returns their pages with a reference each (get_page), as 6.1 does. Under
 * the iter_pipe_truncate_revert fault no reference is taken, as the ITER_PIPE branch of the
 * early iov_iter_extract_pages series did (non-user-backed: "no ref and no pin").
 */
export function pipe_get_pages(
  i: pipe_iter,
  maxsize: number,
  maxpages: number,
): { pages: Page[]; start: number } {
  const pages: Page[] = [];
  let left = Math.min(maxsize, i.count);
  let start = 0;
  const noref = current_kernel().hasFault('iter_pipe_truncate_revert');
  while (left > 0 && pages.length < maxpages) {
    const got = append_pipe(i, left);
    if (got === null) break;
    const [page, off, n] = got;
    if (pages.length === 0) start = off;
    if (!noref) get_page(page);
    pages.push(page);
    left -= n;
  }
  return { pages, start };
}

/**
 * A buffered generic_file_splice_read (6.1) between two points of filemap_read's loop: the folios
 * filemap_get_pages returned (a reference each) and i_size not yet read again. Only pipe_lock is
 * held (no inode lock), so a truncate can lower i_size meanwhile.
 */
export interface generic_splice_state {
  readonly filp: file;
  readonly pipe: pipe_inode_info;
  readonly iter: pipe_iter;
  /** The kiocb filemap_read advances (ki_pos: the read position). */
  readonly kiocb: kiocb;
  total: number;
  /** fbatch: the folios of the current round, or null once the loop has ended. */
  fbatch: Folio[] | null;
}

/** The top of filemap_read's loop: "if (unlikely(iocb->ki_pos >= i_size_read(inode))) break;". */
function filemap_read_next_batch(s: generic_splice_state): void {
  s.fbatch =
    s.iter.count > 0 && s.kiocb.ki_pos < s.filp.f_inode.i_size
      ? filemap_get_batch(s.filp, s.kiocb.ki_pos, s.iter.count)
      : null;
}

/**
 * generic_file_splice_read (6.1) on a buffered file, up to filemap_read's first
 * filemap_get_pages: "iov_iter_pipe(&to, ITER_DEST, pipe, len); init_sync_kiocb(&kiocb, in);
 * kiocb.ki_pos = *ppos; ret = call_read_iter(in, &kiocb, &to);" (fs/splice.c), and in
 * filemap_read (mm/filemap.c) the first i_size check and the first batch of folios. len is
 * first clipped to the pipe's free slots (do_splice_to_len), so filemap_get_pages asks for no
 * page past what the pipe can take.
 */
export function generic_file_splice_read_start(
  filp: file,
  ppos: number,
  pipe: pipe_inode_info,
  len: number,
): generic_splice_state {
  len = do_splice_to_len(pipe, len);
  const s: generic_splice_state = {
    filp,
    pipe,
    iter: iov_iter_pipe(pipe, len),
    kiocb: init_sync_kiocb(filp, ppos),
    total: 0,
    fbatch: null,
  };
  filemap_read_next_batch(s);
  return s;
}

/**
 * The rest of a buffered 6.1 splice read from a batch: filemap_read's "isize =
 * i_size_read(inode); if (unlikely(iocb->ki_pos >= isize)) goto put_folios; end_offset =
 * min_t(loff_t, isize, iocb->ki_pos + iter->count);", each folio copied to the pipe up to
 * end_offset (copy_page_to_iter_pipe: get_page, page_cache_pipe_buf_ops; nothing once the pipe is
 * full, which ends the loop), the batch released, and the next round "while
 * (iov_iter_count(iter) && iocb->ki_pos < isize && !error)". *ppos = kiocb.ki_pos afterwards.
 */
export function generic_file_splice_read_finish(s: generic_splice_state): {
  ret: number;
  ppos: number;
} {
  const ino = s.filp.f_inode;
  const pipe = s.pipe;
  const iter = s.iter;
  const kiocb = s.kiocb;
  while (s.fbatch !== null) {
    const fbatch = s.fbatch;
    const isize = ino.i_size;
    let stop = kiocb.ki_pos >= isize;
    const end_offset = Math.min(isize, kiocb.ki_pos + iter.count);
    for (const folio of fbatch) {
      if (stop || end_offset <= folio.index * PAGE_SIZE) break;
      const pos = kiocb.ki_pos;
      const off = pos % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, end_offset - pos);
      // copy_page_to_iter_pipe copies nothing into a full pipe: "copied < bytes", -EFAULT, and
      // filemap_read returns what it has read.
      if (pipe_full(pipe.head, pipe.tail, pipe.max_usage)) {
        stop = true;
        break;
      }
      get_page(folio.page(0));
      pipe.bufs[pipe.head & (pipe.ring_size - 1)] = page_cache_pipe_buf(folio.page(0), off, n);
      pipe.head++;
      iter.count -= n;
      kiocb.ki_pos += n;
      s.total += n;
    }
    // put_folios: the batch's references.
    for (const folio of fbatch) folio_put(folio);
    s.fbatch = null;
    // "while (iov_iter_count(iter) && iocb->ki_pos < isize && !error)": the next round's top
    // check (filemap_read_next_batch) tests the count and the position against i_size.
    if (!stop) filemap_read_next_batch(s);
  }
  return { ret: s.total, ppos: kiocb.ki_pos };
}

/**
 * generic_file_splice_read (6.1): ITER_PIPE + ->read_iter. Buffered files splice page cache
 * pages by reference (filemap_read -> copy_page_to_iter_pipe); O_DIRECT files go through the DIO
 * path above, synchronously. Returns bytes spliced or -errno; *ppos is returned as the new
 * position; full_pipe_failed: the read failed after its iterator met a full pipe.
 */
export function generic_file_splice_read(
  filp: file,
  ppos: number,
  pipe: pipe_inode_info,
  len: number,
): { ret: number; ppos: number; full_pipe_failed: boolean } {
  if (filp.f_flags & O_DIRECT) {
    const r = splice_dio_read_submit(filp, ppos, pipe, len);
    const ret = splice_dio_read_wait(r);
    return {
      ret,
      ppos: ret > 0 ? ppos + ret : ppos,
      full_pipe_failed: splice_dio_read_failed_full(r, ret),
    };
  }
  const r = generic_file_splice_read_finish(generic_file_splice_read_start(filp, ppos, pipe, len));
  return { ...r, full_pipe_failed: false };
}
