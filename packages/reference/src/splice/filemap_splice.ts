// Splice read without ITER_PIPE (6.5+, seed 002): buffered files splice page cache folios into
// the pipe by reference (filemap_splice_read); O_DIRECT files read into freshly allocated pages
// through an ITER_BVEC iterator and then push the filled pages (direct_splice_read, renamed
// copy_splice_read in 6.5). Upstream clips the length to the pipe's room, not to EOF: the read
// itself stops at i_size and the pages it did not reach are released (the ver #20 EOF clip of
// seed 002 was rejected and is only a profile option, direct_splice_eof_limit).
// Kernel (6.12): mm/filemap.c (filemap_splice_read, splice_folio_into_pipe), fs/splice.c
// (copy_splice_read, vfs_splice_read).
import type { file } from '../block/fs.ts';
import { init_sync_kiocb } from '../block/fs.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import { filemap_get_uptodate_folio } from '../mm/filemap.ts';
import { folio_get, put_page } from '../mm/folio.ts';
import type { pipe_inode_info } from './pipe.ts';
import { add_to_pipe, pipe_full, pipe_occupancy } from './pipe.ts';
import {
  splice_dio_read_result,
  splice_dio_read_submit,
  splice_dio_read_wait,
} from './splice_dio.ts';

/** What a splice read did, for the EOF invariant. */
export interface splice_read_result {
  /** Bytes spliced or -errno. */
  readonly ret: number;
  /** The new file position. */
  readonly ppos: number;
  /** Pages allocated to read into (copy_splice_read); 0 for filemap_splice_read. */
  readonly pages_allocated: number;
  /** i_size when the read started, and the position it started at. */
  readonly i_size: number;
  readonly pos: number;
  /**
   * The design clipped the length to i_size before allocating (direct_splice_eof_limit, seed 002
   * ver #20, never merged), so it promises no page allocated past EOF.
   */
  readonly eof_limited: boolean;
  /** Bytes the call added to the pipe: what splice() hands over, so max(ret, 0) in every design. */
  readonly pipe_bytes: number;
}

/** filemap_splice_read: page cache folios into the pipe, a folio reference per buffer. */
export function filemap_splice_read(
  filp: file,
  ppos: number,
  pipe: pipe_inode_info,
  len: number,
): splice_read_result {
  const ino = filp.f_inode;
  const i_size0 = ino.i_size;
  // "init_sync_kiocb(&iocb, in); iocb.ki_pos = *ppos;": the kiocb filemap_get_pages reads at
  // (mm/filemap.c filemap_splice_read, 6.5 to 6.12).
  const iocb = init_sync_kiocb(filp, ppos);
  const used = pipe_occupancy(pipe.head, pipe.tail);
  const npages = Math.max(pipe.max_usage - used, 0);
  len = Math.min(len, npages * PAGE_SIZE);
  let pos = ppos;
  let total = 0;
  while (len > 0) {
    if (pos >= ino.i_size) break;
    iocb.ki_pos = pos;
    const folio = filemap_get_uptodate_folio(ino.i_mapping, Math.floor(iocb.ki_pos / PAGE_SIZE));
    // i_size must be checked after the folio is uptodate (a truncate may have raced).
    const isize = ino.i_size;
    if (pos >= isize) break;
    const off = pos % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, len, isize - pos);
    // splice_folio_into_pipe
    folio_get(folio);
    const r = add_to_pipe(pipe, {
      page: folio.page(0),
      offset: off,
      len: n,
      ops: 'page_cache_pipe_buf_ops',
      flags: 0,
      ref_from_gup: false,
    });
    if (r < 0) {
      put_page(folio.page(0));
      break;
    }
    len -= n;
    total += n;
    pos += n;
    if (pipe_full(pipe.head, pipe.tail, pipe.max_usage)) break;
  }
  return {
    ret: total,
    ppos: pos,
    pages_allocated: 0,
    i_size: i_size0,
    pos: ppos,
    eof_limited: false,
    pipe_bytes: total,
  };
}

/**
 * copy_splice_read (direct_splice_read before 6.5): allocate pages for what the pipe can take
 * (fs/splice.c: "len = min_t(size_t, len, npages * PAGE_SIZE)", no i_size clip upstream; only
 * the ver #20 design option also clips to EOF), read into them as ITER_BVEC with
 * a synchronous kiocb, free the pages the read did not reach and push the rest into the pipe.
 * The bio holds no page references: these pages are private to this call until pushed.
 */
export function copy_splice_read(
  filp: file,
  ppos: number,
  pipe: pipe_inode_info,
  len: number,
): splice_read_result {
  const r = splice_dio_read_submit(filp, ppos, pipe, len);
  return splice_dio_read_result(r, splice_dio_read_wait(r));
}
