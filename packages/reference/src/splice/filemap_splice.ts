// Splice read without ITER_PIPE (6.5+, seed 002): buffered files splice page cache folios into
// the pipe by reference (filemap_splice_read); O_DIRECT files read into freshly allocated pages
// through an ITER_BVEC iterator and then push the filled pages (direct_splice_read, renamed
// copy_splice_read in 6.5). Upstream clips the length to the pipe's room, not to EOF: the read
// itself stops at i_size and the pages it did not reach are released (the ver #20 EOF clip of
// seed 002 was rejected and is only a profile option, direct_splice_eof_limit).
// Kernel (6.12): mm/filemap.c (filemap_splice_read, splice_folio_into_pipe), fs/splice.c
// (copy_splice_read, vfs_splice_read).
import type { file } from '../block/fs.ts';
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import type { Folio } from '../mm/folio.ts';
import { folio_get, folio_put, put_page } from '../mm/folio.ts';
import { filemap_get_batch } from './filemap_batch.ts';
import type { pipe_inode_info } from './pipe.ts';
import { add_to_pipe, page_cache_pipe_buf, pipe_full, pipe_occupancy } from './pipe.ts';
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
  /**
   * The read failed after its 6.1 ITER_PIPE iterator found the pipe full (append_pipe), rather
   * than short of memory: false in every other case.
   */
  readonly full_pipe_failed: boolean;
}

/**
 * A buffered splice read (filemap_splice_read) between two points of its loop: it has the folios
 * filemap_get_pages returned (fbatch, a reference each) and has not yet read i_size again.
 * filemap_get_pages may sleep there (waiting for the read of a folio not cached), and the
 * splice holds only pipe_lock, so a truncate can lower i_size meanwhile.
 */
export interface filemap_splice_state {
  readonly filp: file;
  readonly pipe: pipe_inode_info;
  /** *ppos when the call started, and i_size then (for the EOF invariant). */
  readonly pos0: number;
  readonly i_size0: number;
  /** *ppos, len (what is left to splice) and total_spliced, as the loop moves them. */
  pos: number;
  len: number;
  total: number;
  /** fbatch: the folios of the current round, or null once the loop has ended. */
  fbatch: Folio[] | null;
}

/** The top of filemap_splice_read's loop: "if (*ppos >= i_size_read(...)) break;", then a batch. */
function filemap_splice_next_batch(s: filemap_splice_state): void {
  s.fbatch =
    s.len > 0 && s.pos < s.filp.f_inode.i_size ? filemap_get_batch(s.filp, s.pos, s.len) : null;
}

/**
 * filemap_splice_read up to its first filemap_get_pages (mm/filemap.c, 6.5 to 6.12): the length
 * clipped to the pipe's room, the first i_size check, the first batch of folios.
 */
export function filemap_splice_read_start(
  filp: file,
  ppos: number,
  pipe: pipe_inode_info,
  len: number,
): filemap_splice_state {
  const used = pipe_occupancy(pipe.head, pipe.tail);
  const npages = Math.max(pipe.max_usage - used, 0);
  const s: filemap_splice_state = {
    filp,
    pipe,
    pos0: ppos,
    i_size0: filp.f_inode.i_size,
    pos: ppos,
    len: Math.min(len, npages * PAGE_SIZE),
    total: 0,
    fbatch: null,
  };
  filemap_splice_next_batch(s);
  return s;
}

/**
 * The rest of filemap_splice_read from a batch filemap_get_pages returned: "i_size must be checked
 * after we know the pages are Uptodate" (isize = i_size_read; "if (unlikely(*ppos >= isize))
 * break;"; end_offset = min(isize, *ppos + len)), each folio into the pipe (splice_folio_into_pipe:
 * a folio_get per buffer) up to end_offset, folio_batch_release, and the next round while len is
 * left. Returns "total_spliced ? total_spliced : error" (error 0 here). Fault
 * splice_isize_before_uptodate: the i_size sampled when the call started bounds the read, as in
 * __generic_file_splice_read before 620a324b744a ("splice: __generic_file_splice_read: fix
 * read/truncate race"). The result's i_size is the one the read obeys: read again once the folios
 * are uptodate, i.e. i_size at the return.
 */
export function filemap_splice_read_finish(s: filemap_splice_state): splice_read_result {
  const ino = s.filp.f_inode;
  const pipe = s.pipe;
  while (s.fbatch !== null) {
    const fbatch = s.fbatch;
    let out = false;
    // i_size must be checked after the folio is uptodate (a truncate may have raced).
    const isize = current_kernel().hasFault('splice_isize_before_uptodate')
      ? s.i_size0
      : ino.i_size;
    if (s.pos >= isize) out = true;
    const end_offset = Math.min(isize, s.pos + s.len);
    for (const folio of fbatch) {
      if (out) break;
      if (folio.index * PAGE_SIZE >= end_offset) {
        out = true;
        break;
      }
      const off = s.pos % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, s.len, isize - s.pos);
      // splice_folio_into_pipe
      folio_get(folio);
      const r = add_to_pipe(pipe, page_cache_pipe_buf(folio.page(0), off, n));
      if (r < 0) {
        put_page(folio.page(0));
        out = true;
        break;
      }
      s.len -= n;
      s.total += n;
      s.pos += n;
      if (pipe_full(pipe.head, pipe.tail, pipe.max_usage)) out = true;
    }
    // folio_batch_release: the batch's references.
    for (const folio of fbatch) folio_put(folio);
    s.fbatch = null;
    if (!out) filemap_splice_next_batch(s);
  }
  return {
    ret: s.total,
    ppos: s.pos,
    pages_allocated: 0,
    i_size: ino.i_size,
    pos: s.pos0,
    eof_limited: false,
    pipe_bytes: s.total,
    full_pipe_failed: false,
  };
}

/** filemap_splice_read: page cache folios into the pipe, a folio reference per buffer. */
export function filemap_splice_read(
  filp: file,
  ppos: number,
  pipe: pipe_inode_info,
  len: number,
): splice_read_result {
  return filemap_splice_read_finish(filemap_splice_read_start(filp, ppos, pipe, len));
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
