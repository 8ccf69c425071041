// An O_DIRECT splice read taken apart at the points where other tasks can act, as the
// SplicePipe spec does: submit (bios in flight), the end-of-file revert that iomap does before
// waiting, completion of each bio, and the return. Two implementations, chosen by profile:
//  ITER_PIPE (6.1): bios are built on pipe pages appended by the iterator; the revert releases
//    pipe buffers (fs/splice.c generic_file_splice_read, lib/iov_iter.c ITER_PIPE,
//    fs/iomap/direct-io.c __iomap_dio_rw).
//  COPY (6.5+): pages are allocated, read into as ITER_BVEC, and pushed into the pipe only at
//    the return; the revert just moves the BVEC iterator (fs/splice.c copy_splice_read).

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
import type { DioSubmitOptions } from '../block/dio.ts';
import {
  dio,
  dio_bio_end_io,
  dio_drop_submitter_ref,
  dio_eof_revert,
  dio_submit,
  dio_wait,
} from '../block/dio.ts';
import type { file } from '../block/fs.ts';
import { init_sync_kiocb } from '../block/fs.ts';
import { EAGAIN, EFAULT, EINVAL, ENOMEM } from '../errno.ts';
import { ITER_DEST } from '../iov_iter/constants.ts';
import { iov_iter_bvec } from '../iov_iter/init.ts';
import type { bio_vec, iov_iter } from '../iov_iter/types.ts';
import { current_kernel } from '../kernel.ts';
import { DIV_ROUND_UP, PAGE_SIZE } from '../mm/constants.ts';
import type { Page } from '../mm/folio.ts';
import { put_page, try_alloc_page } from '../mm/folio.ts';
import type { splice_read_result } from './filemap_splice.ts';
import type { pipe_iter } from './iter_pipe.ts';
import { iov_iter_pipe, pipe_get_pages, pipe_revert, pipe_zero } from './iter_pipe.ts';
import type { pipe_inode_info } from './pipe.ts';
import {
  add_to_pipe,
  do_splice_to_len,
  pipe_bytes_since,
  pipe_discard_from,
  pipe_occupancy,
} from './pipe.ts';

export interface splice_dio_read {
  readonly kind: 'ITER_PIPE' | 'COPY';
  readonly filp: file;
  readonly pos: number;
  readonly pipe: pipe_inode_info;
  /** i_size when the read started: dio->i_size, which the EOF revert and the result use. */
  readonly i_size: number;
  /** pipe->head when the read started (pipe_lock is held until it returns). */
  readonly pipe_head: number;
  /** The dio whose bios are in flight; null when nothing was submitted. */
  readonly dio: dio | null;
  /** A result decided at submission (0 at EOF, -errno), used when dio is null. */
  readonly early: number;
  readonly piter: pipe_iter | null;
  readonly to: iov_iter | null;
  /** COPY with direct_splice_eof_limit: the length was clipped to i_size before allocating. */
  readonly eof_limited: boolean;
  /** COPY: the pages read into, pushed into the pipe at the return. */
  readonly pages: readonly Page[];
  reverted: boolean;
  returned: boolean;
}

export interface SpliceDioOptions {
  /** Pages per bio (default BIO_MAX_VECS); 1 lets each page's bio be completed on its own. */
  readonly bio_max_pages?: number;
}

/** What submit_iter_pipe and submit_copy know before they submit. */
type read_base = Pick<
  splice_dio_read,
  'kind' | 'filp' | 'pos' | 'pipe' | 'i_size' | 'pipe_head' | 'piter' | 'eof_limited'
>;

/**
 * The splice_dio_read of a submission, as one object literal with every field. Not
 * `{ ...base, dio, early, ... }`: V8 (Node 20) clones a spread object and then adds each
 * further property on a slow path of several microseconds, which made these returns the
 * hottest lines of the SplicePipe replay (packages/testgen bench).
 */
function read_record(
  base: read_base,
  to: iov_iter | null,
  pages: readonly Page[],
  dio: dio | null,
  early: number,
  reverted: boolean,
): splice_dio_read {
  return {
    kind: base.kind,
    filp: base.filp,
    pos: base.pos,
    pipe: base.pipe,
    i_size: base.i_size,
    pipe_head: base.pipe_head,
    dio,
    early,
    piter: base.piter,
    to,
    eof_limited: base.eof_limited,
    pages,
    reverted,
    returned: false,
  };
}

function submit_iter_pipe(
  filp: file,
  pos: number,
  pipe: pipe_inode_info,
  len: number,
  max_pages: number,
): splice_dio_read {
  const ino = filp.f_inode;
  const bdev = ino.i_bdev;
  const lbs = bdev.logical_block_size;
  len = do_splice_to_len(pipe, len);
  const piter = iov_iter_pipe(pipe, len);
  const base = {
    kind: 'ITER_PIPE' as const,
    filp,
    pos,
    pipe,
    i_size: ino.i_size,
    pipe_head: pipe.head,
    piter,
    eof_limited: false,
  };
  // __iomap_dio_rw returns 0 at or past EOF before iomap_dio_bio_iter checks the alignment
  // (Debian 6.1.192 fs/iomap/direct-io.c: "if ((pos | length) & ((1 << blkbits) - 1) ||
  // !bdev_iter_is_aligned(iomap->bdev, dio->submit.iter)) return -EINVAL;", blkbits of
  // bdev_logical_block_size; the second test is lib/iov_iter.c iov_iter_is_aligned's ITER_PIPE
  // arm, "if (size & len_mask) return false" on the iterator's count): -EINVAL, nothing appended
  // to the pipe. The reference tests pos alone, before any mapping: its callers splice whole
  // pages (a length that is not a multiple of the block size is -EINVAL in the kernel, not
  // modelled), and a pos in the hole past the mapped blocks, which iomap_dio_hole_iter zeroes
  // without that check, is -EINVAL here too.
  if (pos >= ino.i_size) return read_record(base, null, [], null, 0, true);
  if (pos % lbs !== 0) return read_record(base, null, [], null, -EINVAL, true);
  const d = new dio(init_sync_kiocb(filp, pos), true, false);
  d.i_size = ino.i_size;
  // Bios for the mapped blocks (IOMAP_MAPPED, iomap_dio_bio_iter), rounded down to the block
  // size as the DIO requires. After a truncate_setsize the blocks past i_size are still mapped
  // (inode.i_blocks_end), so bios are built on pipe pages past i_size: the revert below then
  // releases pipe buffers that a bio targets (the syzbot a440341a59e3 configuration). Past the
  // mapped blocks the file is a hole, below i_size too after an extending ftruncate.
  let want = Math.max(0, Math.min(len, ino.i_blocks_end - pos));
  want -= want % lbs;
  d.report_limit = d.i_size - pos;
  let sector = (ino.i_extent_start + pos) >> SECTOR_SHIFT;
  const noref = current_kernel().hasFault('iter_pipe_truncate_revert');
  while (want > 0) {
    const b = bio_alloc(bdev, max_pages, REQ_OP_READ);
    b.bi_iter.bi_sector = sector;
    b.bi_private = d;
    b.bi_end_io = dio_bio_end_io;
    if (noref) bio_set_flag(b, BIO_NO_PAGE_REF);
    const before = piter.count;
    const got = pipe_get_pages(piter, want, max_pages);
    const size = before - piter.count;
    if (got.pages.length === 0) {
      // No page for a mapped block (6.1 lib/iov_iter.c pipe_get_pages: append_pipe got none,
      // -EFAULT; block/bio.c bio_iov_iter_get_pages: -EFAULT with bi_vcnt == 0). The
      // iomap_iter round that meets it has copied nothing and fails, and __iomap_dio_rw keeps
      // the error (iomap_dio_set_error; ext4 passes no IOMAP_DIO_PARTIAL): the read fails once
      // the bios already submitted have completed (fs/iomap/direct-io.c).
      d.error = -EFAULT;
      break;
    }
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
  // The iterator's range past the last mapped block is a hole to iomap
  // (fs/iomap/direct-io.c iomap_dio_hole_iter: iov_iter_zero, dio->size += length): on a pipe
  // it appends zeroed buffers, which the EOF revert then releases.
  if (want === 0 && piter.count > 0) d.size += pipe_zero(piter, piter.count);
  // Nothing in flight: __iomap_dio_rw completes the failed dio at once.
  if (d.bios.length === 0 && d.error !== 0) return read_record(base, null, [], null, d.error, true);
  // __iomap_dio_rw keeps the submitter's dio reference until after the EOF revert.
  d.submitter_ref = true;
  return read_record(base, null, [], d, 0, false);
}

function submit_copy(
  filp: file,
  pos: number,
  pipe: pipe_inode_info,
  len: number,
  max_pages: number,
): splice_dio_read {
  const ino = filp.f_inode;
  const k = current_kernel();
  // Upstream (fs/splice.c copy_splice_read, vfs_splice_read, 6.5-6.12) never clips to i_size
  // here; the ver #20 design ("splice: Make direct_read_splice() limit to eof where
  // appropriate", seed 002, rejected in review) did. The profile option keeps that design.
  // eof_limited is what the design promises; the direct_splice_no_eof_limit fault breaks it.
  // The direct_splice_eof_limit_v20 fault selects that design on a profile without it.
  const eof_limited =
    k.profile.direct_splice_eof_limit || k.hasFault('direct_splice_eof_limit_v20');
  const base = {
    kind: 'COPY' as const,
    filp,
    pos,
    pipe,
    i_size: ino.i_size,
    pipe_head: pipe.head,
    piter: null,
    eof_limited,
  };
  if (eof_limited && !k.hasFault('direct_splice_no_eof_limit')) {
    if (pos >= ino.i_size) return read_record(base, null, [], null, 0, true);
    len = Math.min(len, ino.i_size - pos);
  }
  // Work out how much data we can actually add into the pipe.
  const room = Math.max(pipe.max_usage - pipe_occupancy(pipe.head, pipe.tail), 0);
  len = Math.min(len, room * PAGE_SIZE);
  const want_pages = DIV_ROUND_UP(len, PAGE_SIZE);
  // A full pipe: len and npages are 0; kzalloc(0) gives ZERO_SIZE_PTR (not NULL) and
  // alloc_pages_bulk_array(GFP_USER, 0, pages) returns 0, so copy_splice_read returns -ENOMEM
  // (fs/splice.c, 6.5-6.12; its kernel-doc says -EAGAIN, which splice(2) gets earlier from
  // splice_file_to_pipe -> wait_for_space with SPLICE_F_NONBLOCK, before vfs_splice_read).
  if (want_pages === 0) return read_record(base, null, [], null, -ENOMEM, true);
  // npages = alloc_pages_bulk_array(GFP_USER, npages, pages): it may return fewer pages;
  // none is -ENOMEM, else "remain = len = min_t(size_t, len, npages * PAGE_SIZE)".
  const pages: Page[] = [];
  for (let i = 0; i < want_pages; i++) {
    const page = try_alloc_page();
    if (page === null) break;
    pages.push(page);
  }
  const npages = pages.length;
  if (npages === 0) return read_record(base, null, [], null, -ENOMEM, true);
  len = Math.min(len, npages * PAGE_SIZE);
  const bv: bio_vec[] = [];
  let remain = len;
  for (const page of pages) {
    const chunk = Math.min(PAGE_SIZE, remain);
    bv.push({ bv_page: page, bv_offset: 0, bv_len: chunk });
    remain -= chunk;
  }
  const to = iov_iter_bvec(ITER_DEST, bv, npages, len);
  const opts: DioSubmitOptions = { bio_max_pages: max_pages, defer_eof_revert: true };
  const d = dio_submit(init_sync_kiocb(filp, pos), to, opts);
  if (typeof d === 'number') return read_record(base, to, pages, null, d, true);
  return read_record(base, to, pages, d, 0, false);
}

/**
 * Submits the O_DIRECT read of a splice from filp at pos into pipe (up to len bytes); the bios
 * stay in flight until completed on the device (r.dio.bios) or by splice_dio_read_wait.
 */
export function splice_dio_read_submit(
  filp: file,
  pos: number,
  pipe: pipe_inode_info,
  len: number,
  opts: SpliceDioOptions = {},
): splice_dio_read {
  const max_pages = opts.bio_max_pages ?? BIO_MAX_VECS;
  if (!Number.isInteger(max_pages) || max_pages < 1 || max_pages > BIO_MAX_VECS) {
    throw new RangeError(
      `splice_dio_read_submit: bio_max_pages ${max_pages} outside 1..${BIO_MAX_VECS}`,
    );
  }
  if (current_kernel().profile.splice_read === 'ITER_PIPE')
    return submit_iter_pipe(filp, pos, pipe, len, max_pages);
  return submit_copy(filp, pos, pipe, len, max_pages);
}

/**
 * iomap's end-of-file revert, before waiting: iov_iter_revert(iter, iomi.pos - dio->i_size)
 * with the i_size sampled at submission (fs/iomap/direct-io.c __iomap_dio_rw), so a truncate
 * since the submission changes nothing here. ITER_PIPE: releases the pipe buffers past that
 * i_size (pipe_buf_release), even though in-flight bios may target their pages. COPY: only
 * the BVEC iterator moves.
 */
export function splice_dio_read_revert(r: splice_dio_read): void {
  if (r.reverted || r.dio === null) return;
  r.reverted = true;
  if (r.piter !== null) {
    const i_size = r.dio.i_size;
    const end = r.pos + r.dio.size;
    // "if (iov_iter_rw(iter) == READ && iomi.pos >= dio->i_size) iov_iter_revert(iter,
    // iomi.pos - dio->i_size)" (fs/iomap/direct-io.c __iomap_dio_rw, 5.5 to 6.12): a read that
    // ends exactly at i_size reverts by 0, which iov_iter_revert returns from at once ("if
    // (!unroll) return", lib/iov_iter.c). A read that got here started below i_size
    // (submit_iter_pipe returns at EOF), so iomi.pos - dio->i_size = end - i_size.
    // Before 419e9c38aa07 ("iomap: Fix pipe page leakage during splicing") iomap_dio_rw broke
    // out at i_size without the revert: the pipe keeps the buffers past it.
    if (end >= i_size && !current_kernel().hasFault('iomap_dio_no_eof_revert'))
      pipe_revert(r.piter, end - Math.max(i_size, r.pos));
    dio_drop_submitter_ref(r.dio);
  } else {
    dio_eof_revert(r.dio, bvec_iter_of(r));
  }
}

/** ITER_PIPE's pipe iterator, which every ITER_PIPE read has (submit_iter_pipe). */
function pipe_iter_of(r: splice_dio_read): pipe_iter {
  if (r.piter === null) throw new Error('splice_dio_read: an ITER_PIPE read has no pipe iterator');
  return r.piter;
}

/** COPY's ITER_BVEC iterator, which every COPY read that submitted a dio has (submit_copy). */
function bvec_iter_of(r: splice_dio_read): iov_iter {
  if (r.to === null)
    throw new Error('splice_dio_read: a COPY read with a dio has no ITER_BVEC iterator');
  return r.to;
}

/**
 * The return of splice(): the bios must all have completed. COPY pushes the pages the read
 * reached into the pipe and frees the rest. Returns the bytes spliced or -errno.
 */
export function splice_dio_read_return(r: splice_dio_read): number {
  if (r.returned) throw new Error('splice_dio_read_return: already returned');
  splice_dio_read_revert(r);
  if (r.dio !== null && r.dio.result === null) {
    throw new Error(`splice_dio_read_return: ${r.dio.ref} bio(s) still in flight`);
  }
  r.returned = true;
  let ret = r.dio === null ? r.early : (r.dio.result as number);
  // 6.1 generic_file_splice_read: "free what was emitted" (pipe_discard_from(pipe,
  // to.start_head)) when the read fails.
  if (r.kind === 'ITER_PIPE' && ret < 0) pipe_discard_from(r.pipe, pipe_iter_of(r).start_head);
  // "callers of ->splice_read() expect -EAGAIN on 'can't put anything in there', rather than
  // -EFAULT" (fs/splice.c: 6.1 generic_file_splice_read, 6.5+ copy_splice_read).
  if (ret === -EFAULT) ret = -EAGAIN;
  if (r.kind === 'ITER_PIPE') return ret;
  const keep = ret > 0 ? DIV_ROUND_UP(ret, PAGE_SIZE) : 0;
  // Free any pages that didn't get touched at all.
  for (let i = keep; i < r.pages.length; i++) put_page(r.pages[i] as Page);
  // Push the remaining pages into the pipe (the allocation reference becomes the buffer's).
  let remain = Math.max(ret, 0);
  for (let i = 0; i < keep; i++) {
    const chunk = Math.min(remain, PAGE_SIZE);
    add_to_pipe(r.pipe, {
      page: r.pages[i] as Page,
      offset: 0,
      len: chunk,
      ops: 'default_pipe_buf_ops',
      flags: 0,
      ref_from_gup: false,
    });
    remain -= chunk;
  }
  return ret;
}

/**
 * Whether an O_DIRECT splice read that returned ret failed after its 6.1 ITER_PIPE iterator met
 * a full pipe (append_pipe: no slot), not for want of memory: splice_fill_not_failed's question.
 */
export function splice_dio_read_failed_full(r: splice_dio_read, ret: number): boolean {
  return ret < 0 && r.piter !== null && r.piter.met_full;
}

/**
 * What a returned O_DIRECT splice read did, for the EOF invariant (invariants/splice.ts
 * splice_within_eof): its result, the new position (*ppos += ret in copy_splice_read and
 * generic_file_splice_read), the pages it allocated (COPY) and the i_size it was sampled against.
 */
export function splice_dio_read_result(r: splice_dio_read, ret: number): splice_read_result {
  if (!r.returned) throw new Error('splice_dio_read_result: the splice has not returned');
  return {
    ret,
    ppos: ret > 0 ? r.pos + ret : r.pos,
    pages_allocated: r.pages.length,
    i_size: r.i_size,
    pos: r.pos,
    eof_limited: r.eof_limited,
    pipe_bytes: pipe_bytes_since(r.pipe, r.pipe_head),
    full_pipe_failed: splice_dio_read_failed_full(r, ret),
  };
}

/** The synchronous rest of the call: revert, complete the remaining bios in order, return. */
export function splice_dio_read_wait(r: splice_dio_read): number {
  splice_dio_read_revert(r);
  if (r.dio !== null) dio_wait(r.dio);
  return splice_dio_read_return(r);
}
