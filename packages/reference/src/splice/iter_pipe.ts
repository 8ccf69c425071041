// Legacy splice read over ITER_PIPE (6.1; removed in 6.5 by seed 002): the file's read_iter
// writes straight into pipe buffers that the iterator appends as it goes. For O_DIRECT the
// bios are built on those pipe pages, and iomap's end-of-file iov_iter_revert() on the pipe
// frees the buffers past i_size while the bios may still be in flight.
// Kernel (6.1): lib/iov_iter.c (iov_iter_pipe, append_pipe, push_anon, pipe_get_pages,
// iov_iter_revert's ITER_PIPE branch), fs/splice.c (generic_file_splice_read),
// fs/iomap/direct-io.c (__iomap_dio_rw), block/bio.c (__bio_iov_iter_get_pages).

import {
  __bio_add_page,
  BIO_MAX_VECS,
  BIO_NO_PAGE_REF,
  bio_alloc,
  bio_set_flag,
  REQ_OP_READ,
  SECTOR_SHIFT,
} from '../block/bio.ts';
import { submit_bio } from '../block/blkdev.ts';
import { dio, dio_bio_end_io, dio_wait } from '../block/dio.ts';
import type { file } from '../block/fs.ts';
import { init_sync_kiocb, O_DIRECT } from '../block/fs.ts';
import { EINVAL } from '../errno.ts';
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import { filemap_get_uptodate_folio } from '../mm/filemap.ts';
import type { Page } from '../mm/folio.ts';
import { alloc_page, get_page } from '../mm/folio.ts';
import type { pipe_inode_info } from './pipe.ts';
import { pipe_buf, pipe_buf_release, pipe_discard_from, pipe_full } from './pipe.ts';

/** The ITER_PIPE fields of 6.1's struct iov_iter. */
export class pipe_iter {
  readonly pipe: pipe_inode_info;
  /** i->start_head: the pipe head when the iterator was made. */
  readonly start_head: number;
  count: number;
  /** i->last_offset: fill level of the last buffer (0 = start a new one). */
  last_offset = 0;

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
  if (pipe_full(pipe.head, pipe.tail, pipe.max_usage)) return null;
  const page = alloc_page(); // push_anon: the pipe owns the allocation reference
  pipe.bufs[pipe.head & (pipe.ring_size - 1)] = {
    page,
    offset: 0,
    len: n,
    ops: 'anon_pipe_buf_ops',
    flags: 0,
    ref_from_gup: false,
    noref: false,
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
  if (unroll === 0) return;
  i.count += unroll;
  const pipe = i.pipe;
  while (pipe.head > i.start_head) {
    const b = pipe_buf(pipe, pipe.head - 1);
    if (unroll < b.len) {
      b.len -= unroll;
      i.last_offset -= unroll;
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
 * pipe_get_pages (the ITER_PIPE case of iov_iter_get_pages2): appends buffers for up to
 * maxsize bytes and returns their pages with a reference each (get_page), as 6.1 does. Under
 * the iter_pipe_truncate_revert fault no reference is taken, as the ITER_PIPE branch of the
 * early iov_iter_extract_pages series did (non-user-backed: "no ref and no pin").
 */
function pipe_get_pages(
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

/** An O_DIRECT splice read in progress: its pipe iterator and its dio. */
export interface splice_dio_read {
  readonly filp: file;
  readonly pos: number;
  readonly iter: pipe_iter;
  readonly dio: dio | null;
  /** A submission error, or 0. */
  readonly error: number;
  reverted: boolean;
}

/**
 * First half of 6.1's generic_file_splice_read -> ->read_iter -> __iomap_dio_rw for an O_DIRECT
 * file: builds bios on freshly appended pipe pages (one bio per BIO_MAX_VECS pages, block-size
 * trimmed) and submits them. The read covers whole blocks up to i_size as read now.
 */
export function splice_dio_read_submit(
  filp: file,
  pos: number,
  pipe: pipe_inode_info,
  len: number,
): splice_dio_read {
  const ino = filp.f_inode;
  const bdev = ino.i_bdev;
  const lbs = bdev.logical_block_size;
  const iter = iov_iter_pipe(pipe, len);
  const iocb = init_sync_kiocb(filp, pos);
  if (pos % lbs !== 0) return { filp, pos, iter, dio: null, error: -EINVAL, reverted: true };
  const d = new dio(iocb, true, false);
  if (pos >= ino.i_size) return { filp, pos, iter, dio: null, error: 0, reverted: true };
  const blocks_end = Math.ceil(ino.i_size / lbs) * lbs;
  // Whole blocks only: the DIO rounds the request down to the block size.
  let want = Math.min(len, blocks_end - pos);
  want -= want % lbs;
  d.report_limit = ino.i_size - pos;
  let sector = (ino.i_extent_start + pos) >> SECTOR_SHIFT;
  const noref = current_kernel().hasFault('iter_pipe_truncate_revert');
  while (want > 0) {
    const b = bio_alloc(bdev, BIO_MAX_VECS, REQ_OP_READ);
    b.bi_iter.bi_sector = sector;
    b.bi_private = d;
    b.bi_end_io = dio_bio_end_io;
    if (noref) bio_set_flag(b, BIO_NO_PAGE_REF);
    const before = iter.count;
    const got = pipe_get_pages(iter, want, BIO_MAX_VECS);
    const size = before - iter.count;
    if (got.pages.length === 0) break;
    let off = got.start;
    let left = size;
    for (const page of got.pages) {
      const n = Math.min(PAGE_SIZE - off, left);
      __bio_add_page(b, page, n, off);
      left -= n;
      off = 0;
    }
    sector += size >> SECTOR_SHIFT;
    want -= size;
    d.size += size;
    d.ref++;
    d.bios.push(b);
    submit_bio(b);
  }
  return { filp, pos, iter, dio: d, error: 0, reverted: false };
}

/**
 * The end of __iomap_dio_rw's submission, before it waits: "We only report that we've read data
 * up to i_size. Revert iter to a state corresponding to that as some callers (such as the
 * splice code) rely on it." i_size is read here, so a truncate that landed since submission
 * makes the revert release pipe buffers whose pages in-flight bios still target.
 */
export function splice_dio_read_revert(r: splice_dio_read): void {
  if (r.reverted || r.dio === null) return;
  r.reverted = true;
  const i_size = r.filp.f_inode.i_size;
  const end = r.pos + r.dio.size;
  if (end > i_size) pipe_revert(r.iter, end - Math.max(i_size, r.pos));
  r.dio.report_limit = Math.max(0, Math.min(r.dio.report_limit, i_size - r.pos));
}

/** Waits for the bios (completing them in order) and returns the bytes spliced or -errno. */
export function splice_dio_read_wait(r: splice_dio_read): number {
  splice_dio_read_revert(r);
  if (r.dio === null) return r.error;
  const res = dio_wait(r.dio);
  if (res < 0) pipe_discard_from(r.iter.pipe, r.iter.start_head);
  return res;
}

/**
 * generic_file_splice_read (6.1): ITER_PIPE + ->read_iter. Buffered files splice page cache
 * pages by reference (copy_page_to_iter_pipe); O_DIRECT files go through the DIO path above,
 * synchronously. Returns bytes spliced or -errno; *ppos is returned as the new position.
 */
export function generic_file_splice_read(
  filp: file,
  ppos: number,
  pipe: pipe_inode_info,
  len: number,
): { ret: number; ppos: number } {
  if (filp.f_flags & O_DIRECT) {
    const r = splice_dio_read_submit(filp, ppos, pipe, len);
    const ret = splice_dio_read_wait(r);
    return { ret, ppos: ret > 0 ? ppos + ret : ppos };
  }
  const iter = iov_iter_pipe(pipe, len);
  const ino = filp.f_inode;
  let pos = ppos;
  let total = 0;
  // filemap_read -> copy_page_to_iter -> copy_page_to_iter_pipe: a reference per chunk.
  while (iter.count > 0 && pos < ino.i_size && !pipe_full(pipe.head, pipe.tail, pipe.max_usage)) {
    const folio = filemap_get_uptodate_folio(ino.i_mapping, Math.floor(pos / PAGE_SIZE));
    const off = pos % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, iter.count, ino.i_size - pos);
    get_page(folio.page(0));
    pipe.bufs[pipe.head & (pipe.ring_size - 1)] = {
      page: folio.page(0),
      offset: off,
      len: n,
      ops: 'page_cache_pipe_buf_ops',
      flags: 0,
      ref_from_gup: false,
      noref: false,
    };
    pipe.head++;
    iter.count -= n;
    pos += n;
    total += n;
  }
  return { ret: total, ppos: pos };
}
