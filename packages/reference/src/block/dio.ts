// O_DIRECT reads and writes from an iov_iter, in the outline shared by the blockdev path
// (block/fops.c __blkdev_direct_IO, blkdev_bio_end_io) and iomap (fs/iomap/direct-io.c
// __iomap_dio_rw, iomap_dio_bio_iter, iomap_dio_bio_end_io): bios are built from the iterator
// with bio_iov_iter_get_pages, submitted, and released by the bio completion; a synchronous
// kiocb waits, an asynchronous one returns -EIOCBQUEUED and is completed later.
import { EFAULT, EINVAL, EIO, EIOCBQUEUED, ENOSPC } from '../errno.ts';
import { iov_iter_count, iov_iter_revert } from '../iov_iter/advance.ts';
import {
  ITER_BVEC,
  ITER_FOLIOQ,
  ITER_IOVEC,
  ITER_KVEC,
  ITER_UBUF,
  ITER_XARRAY,
  READ,
} from '../iov_iter/constants.ts';
import { iov_iter_rw, user_backed_iter } from '../iov_iter/init.ts';
import { copy_to_iter, iov_iter_zero } from '../iov_iter/iterate.ts';
import { iov_iter_npages } from '../iov_iter/npages.ts';
import type { bio_vec, iov_iter } from '../iov_iter/types.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import type { address_space } from '../mm/filemap.ts';
import { filemap_get_uptodate_folio, invalidate_inode_pages2_range } from '../mm/filemap.ts';
import type { bio } from './bio.ts';
import {
  BIO_MAX_VECS,
  bio_alloc,
  bio_iov_iter_get_pages,
  bio_op_for_iter,
  bio_release_pages,
  SECTOR_SHIFT,
} from './bio.ts';
import type { block_device } from './blkdev.ts';
import { bdev_complete_bio, submit_bio } from './blkdev.ts';
import type { kiocb } from './fs.ts';

/** struct blkdev_dio / struct iomap_dio, reduced to what the model needs. */
export class dio {
  readonly iocb: kiocb;
  readonly is_read: boolean;
  /** DIO_SHOULD_DIRTY: a read into user memory dirties the pages it filled. */
  readonly should_dirty: boolean;
  readonly bios: bio[] = [];
  /** Bytes submitted. */
  size = 0;
  /** Bytes to report for a read (capped at i_size as sampled at submission). */
  report_limit = Number.POSITIVE_INFINITY;
  /**
   * dio->i_size: i_size sampled when the dio is set up, before any bio (__iomap_dio_rw). The
   * short-read clip (iomap_dio_complete) and the EOF revert use it, not a later i_size.
   */
  i_size = 0;
  /** Bios not yet completed. */
  ref = 0;
  error = 0;
  /** Set when the last bio completed: the byte count or a negative errno. */
  result: number | null = null;
  /**
   * The submitter still holds its dio reference (__iomap_dio_rw: atomic_set(&dio->ref, 1),
   * dropped only after the EOF revert), so bios completing before the revert cannot complete
   * the dio: its result is computed after the revert, as iomap_dio_complete does.
   */
  submitter_ref = false;
  /**
   * block/fops.c __blkdev_direct_IO with an asynchronous kiocb (a block device request of more
   * than BIO_MAX_VECS pages): it returns -EIOCBQUEUED whatever its bios did ("if (!is_sync)
   * return -EIOCBQUEUED;"), the completion going to ki_complete only.
   */
  always_queued = false;

  constructor(iocb: kiocb, is_read: boolean, should_dirty: boolean) {
    this.iocb = iocb;
    this.is_read = is_read;
    this.should_dirty = should_dirty;
  }
}

/** blkdev_bio_end_io / iomap_dio_bio_end_io */
export function dio_bio_end_io(b: bio): void {
  const d = b.bi_private as dio;
  // The first failed bio's status becomes the dio's (blkdev_bio_end_io: "if (bio->bi_status &&
  // !dio->bio.bi_status)"); blk_status_to_errno(BLK_STS_IOERR) is -EIO, the only status the
  // model's device reports.
  if (b.bi_status !== 0 && d.error === 0) d.error = -EIO;
  // blkdev_bio_end_io / iomap_dio_bio_end_io: bio_check_pages_dirty or bio_release_pages.
  bio_release_pages(b, d.should_dirty);
  if (--d.ref === 0 && !d.submitter_ref) dio_complete(d);
}

function dio_complete(d: dio): void {
  const ino = d.iocb.ki_filp.f_inode;
  let res: number;
  if (d.error !== 0) {
    res = d.error;
  } else {
    res = Math.min(d.size, d.report_limit);
    if (!d.is_read) {
      // fs/iomap/direct-io.c iomap_dio_complete (Debian 6.1.192 and 6.12.117), a file's write:
      // "if (!dio->error && dio->size && (dio->flags & IOMAP_DIO_WRITE))
      // kiocb_invalidate_post_direct_write(iocb, dio->size);" before ki_pos moves (a write with no
      // error has dio->size > 0 here). The block device's is blkdev_direct_write's (direct_IO).
      if (!ino.is_blkdev) invalidate_byte_range(ino.i_mapping, d.iocb.ki_pos, d.size);
      const end = d.iocb.ki_pos + res;
      if (end > ino.i_size) ino.i_size = end; // a write past EOF extends the file
      const lbs = ino.i_bdev.logical_block_size;
      ino.i_blocks_end = Math.max(ino.i_blocks_end, Math.ceil(end / lbs) * lbs);
    }
  }
  d.result = res;
  if (res > 0) d.iocb.ki_pos += res;
  d.iocb.ki_complete?.(d.iocb, res);
}

/**
 * Builds and submits the bios of one O_DIRECT request (the submission half of
 * __blkdev_direct_IO / __iomap_dio_rw). Returns the dio, or a number when nothing was
 * submitted: 0 for an empty request or a read at or past EOF, else a negative errno
 * (misalignment: -EINVAL; a block-device write at or past its end: -ENOSPC). An asynchronous
 * block-device request of more than BIO_MAX_VECS pages always gets its dio (always_queued).
 * For a read crossing EOF, whole blocks are read and the iterator is then reverted to i_size
 * before the caller waits: "We only report that we've read data up to i_size. Revert iter to
 * a state corresponding to that as some callers (such as the splice code) rely on it."
 */
export interface DioSubmitOptions {
  /** Cap on pages per bio (default BIO_MAX_VECS); 1 gives one bio per page to complete singly. */
  readonly bio_max_pages?: number;
  /**
   * Leave the end-of-file iov_iter_revert to the caller (dio_eof_revert), so that a truncate can
   * be placed between submission and the revert, as the specs do.
   */
  readonly defer_eof_revert?: boolean;
}

export function dio_submit(iocb: kiocb, iter: iov_iter, opts: DioSubmitOptions = {}): dio | number {
  const max_pages = opts.bio_max_pages ?? BIO_MAX_VECS;
  if (!Number.isInteger(max_pages) || max_pages < 1 || max_pages > BIO_MAX_VECS) {
    throw new RangeError(`dio_submit: bio_max_pages ${max_pages} outside 1..${BIO_MAX_VECS}`);
  }
  const ino = iocb.ki_filp.f_inode;
  const bdev = ino.i_bdev;
  const lbs = bdev.logical_block_size;
  const pos = iocb.ki_pos;
  let count = iov_iter_count(iter);
  const is_read = iov_iter_rw(iter) === READ;
  // An empty request transfers nothing and is not an error: block/fops.c blkdev_write_iter
  // ("if (!iov_iter_count(from)) return 0"), blkdev_read_iter ("if (!count) goto reexpand"),
  // blkdev_direct_IO ("if (!iov_iter_count(iter)) return 0", before blkdev_dio_invalid) and
  // fs/iomap/direct-io.c __iomap_dio_rw ("if (!iomi.len) return NULL": iomap_dio_rw gives 0),
  // 6.1 and 6.12 alike.
  if (count === 0) return 0;
  if (!is_read && ino.is_blkdev) {
    // block/fops.c blkdev_write_iter (6.1 and 6.12 alike), before blkdev_direct_IO: -ENOSPC
    // only when ki_pos >= bdev_nr_bytes(); otherwise the iterator is truncated to the end of
    // the device (iov_iter_truncate, `shorted` re-expanded after the write) and the part that
    // fits is written: a short write, not an error. The alignment check below sees the
    // truncated count, as blkdev_dio_invalid does.
    if (pos >= ino.i_extent_len) return -ENOSPC;
    count = Math.min(count, ino.i_extent_len - pos);
  }
  // The page cache of the range to be written is invalidated before the write (a buffered read
  // afterwards goes to the device): block/fops.c blkdev_direct_write, "written =
  // kiocb_invalidate_pages(iocb, count);", before blkdev_direct_IO and its alignment check, with
  // the count blkdev_write_iter truncated; fs/iomap/direct-io.c __iomap_dio_rw, before any iomap
  // (6.12: "ret = kiocb_invalidate_pages(iocb, iomi.len);"; 6.1:
  // "invalidate_inode_pages2_range(mapping, iomi.pos >> PAGE_SHIFT, end >> PAGE_SHIFT)" after
  // filemap_write_and_wait_range). Debian 6.1.192 and 6.12.117 alike (6.1.192 has
  // blkdev_direct_write too). A failed invalidation (-EBUSY: a buffered fallback, -ENOTBLK for
  // iomap) cannot happen in the model (invalidate_inode_pages2_range).
  if (!is_read) kiocb_invalidate_pages(iocb, count);
  // A read at or past EOF returns 0 before any alignment check: blkdev_read_iter ("if (pos >=
  // size) return 0", before blkdev_direct_IO) and __iomap_dio_rw ("if (iomi.pos >=
  // dio->i_size) goto out_free_dio", before iomap_dio_bio_iter checks the alignment), with
  // dio->i_size sampled when the dio is set up.
  const i_size = ino.i_size;
  if (is_read && pos >= i_size) return 0;
  // block/fops.c blkdev_read_iter (6.1 and 6.12): a read crossing the device's end is
  // truncated to the part that fits ("size -= pos; ... iov_iter_truncate(to, size)") before
  // blkdev_direct_IO, so the alignment check below sees the truncated count, as for a write.
  if (is_read && ino.is_blkdev) count = Math.min(count, ino.i_extent_len - pos);
  // blkdev_dio_invalid (6.12; 6.1 blkdev_dio_unaligned, block/fops.c) / iomap_dio_bio_iter
  // (fs/iomap/direct-io.c, 6.1 and 6.12): the position and the length aligned to the logical
  // block size, and every segment of the iterator too: bdev_iter_is_aligned ->
  // iov_iter_is_aligned(iter, bdev_dma_alignment, bdev_logical_block_size - 1). -EINVAL before
  // anything is extracted, pinned or referenced. iomap checks in iomap_dio_bio_iter only, for a
  // mapped extent: a file read that starts in a hole (past the mapped blocks) goes to
  // iomap_dio_hole_iter through iomap_dio_iter ("case IOMAP_HOLE: ... return
  // iomap_dio_hole_iter(iter, dio);") and is zero-filled whatever its alignment, and ext4 adds no
  // check of its own (ext4_dio_read_iter -> ext4_should_use_dio: ext4_dio_alignment() is 1, "use
  // the iomap defaults", for an unencrypted file); Debian 6.1.192 and 6.12.117 alike. A read that
  // starts on a mapped block is checked there with the whole iterator, as here.
  const starts_in_hole = is_read && !ino.is_blkdev && pos >= ino.i_blocks_end;
  if (
    !starts_in_hole &&
    (pos % lbs !== 0 || count % lbs !== 0 || !bdev_iter_is_aligned(bdev, iter, count))
  )
    return -EINVAL;
  const d = new dio(iocb, is_read, is_read && user_backed_iter(iter));
  d.i_size = i_size;
  /** Bytes of the read past the mapped blocks: a hole, zero-filled instead of read. */
  let hole = 0;
  if (is_read) {
    // Mapped blocks get bios (IOMAP_MAPPED, iomap_dio_bio_iter), even past i_size (blocks not
    // yet freed after truncate_setsize). Past them the file is a hole (IOMAP_HOLE): below
    // i_size after an extending ftruncate (a sparse file), or past EOF. iomap_dio_hole_iter
    // zero-fills it ("length = iov_iter_zero(length, dio->submit.iter); dio->size += length")
    // and the EOF revert gives back what lies past i_size (fs/iomap/direct-io.c, 6.1 and 6.12).
    // A block device has no hole: blkdev_read_iter truncates the iterator to the device's end
    // (its blocks end at bdev_nr_bytes).
    const blocks_end = ino.i_blocks_end;
    if (pos + count > blocks_end) {
      const mapped = Math.max(0, blocks_end - pos);
      if (!ino.is_blkdev) hole = count - mapped;
      count = mapped;
    }
    d.report_limit = d.i_size - pos;
  } else if (!ino.is_blkdev && pos + count > ino.i_extent_len) {
    // A file whose single extent cannot hold the write: the filesystem has no space for it
    // (the outline's stand-in for iomap_begin failing with -ENOSPC; simplified, whole request).
    return -ENOSPC;
  }
  // block/fops.c blkdev_direct_IO: on a block device a request of at most BIO_MAX_VECS pages
  // is one bio (__blkdev_direct_IO_simple for a sync kiocb, __blkdev_direct_IO_async
  // otherwise): bio_iov_iter_get_pages fills it until the iterator is empty, the bio is full or
  // an extraction fails (dropped once the bio has pages), and what it holds is the request:
  // dio->size = bio->bi_iter.bi_size, with no further bio for the rest of the iterator. Files
  // (iomap) and larger requests loop over bios, and a failing later bio fails the request.
  // iov_iter_truncate(iter, count), re-expanded after submission (iov_iter_reexpand); the
  // block device's read_iter / write_iter truncate before blkdev_direct_IO sizes the bio.
  const orig_count = iter.count;
  iter.count = count;
  const one_bio = ino.is_blkdev && iov_iter_npages(iter, BIO_MAX_VECS + 1) <= BIO_MAX_VECS;
  let sector = (ino.i_extent_start + pos) >> SECTOR_SHIFT;
  while (iov_iter_count(iter) > 0) {
    const nr_vecs = Math.min(iov_iter_npages(iter, max_pages), max_pages);
    const b = bio_alloc(bdev, nr_vecs, bio_op_for_iter(iter));
    b.bi_iter.bi_sector = sector;
    b.bi_private = d;
    b.bi_end_io = dio_bio_end_io;
    const ret = bio_iov_iter_get_pages(b, iter);
    if (ret !== 0) {
      d.error = ret;
      break;
    }
    sector += b.bi_iter.bi_size >> SECTOR_SHIFT;
    d.size += b.bi_iter.bi_size;
    d.ref++;
    d.bios.push(b);
    submit_bio(b);
    if (one_bio) break;
  }
  iter.count += orig_count - count;
  // block/fops.c __blkdev_direct_IO (Debian 6.1.192 and 6.12.117 alike), a block device request
  // of more than BIO_MAX_VECS pages: a bio whose bio_iov_iter_get_pages fails is ended with an
  // I/O error ("bio->bi_status = BLK_STS_IOERR; bio_endio(bio); break;"), which
  // blkdev_bio_end_io copies into the dio ("if (bio->bi_status && !dio->bio.bi_status)"). A
  // synchronous kiocb returns the extraction's error ("if (!ret) ret =
  // blk_status_to_errno(dio->bio.bi_status)"); an asynchronous one has returned -EIOCBQUEUED
  // and completes with blk_status_to_errno(BLK_STS_IOERR), -EIO, from that bio_endio when no
  // other bio is in flight. (iomap and the one-bio paths return the extraction's error.)
  d.always_queued = ino.is_blkdev && !one_bio && iocb.ki_complete !== null;
  if (d.always_queued && d.error < 0) d.error = -EIO;
  // The hole after the mapped blocks, once they all got their bios (iomap_iter stops at an error).
  // fs/iomap/direct-io.c iomap_dio_hole_iter (Debian 6.1.192 and 6.12.117): "length =
  // iov_iter_zero(iomap_length(iter), dio->submit.iter); dio->size += length; if (!length) return
  // -EFAULT;". iov_iter_zero stops short only where it cannot write (a user fault in clear_user;
  // 6.1 ITER_PIPE: a full pipe, pipe_zero), and iomap_iter calls it again from there, which then
  // zeroes nothing: the dio fails with -EFAULT (iomap_dio_set_error;
  // no IOMAP_DIO_PARTIAL on a read), the bytes zeroed before the fault counted in dio->size.
  if (hole > 0 && d.error === 0) {
    const zeroed = iov_iter_zero(hole, iter);
    d.size += zeroed;
    if (zeroed < hole) d.error = -EFAULT;
  }
  // __iomap_dio_rw holds the submitter's dio reference (atomic_set(&dio->ref, 1)) until after
  // the EOF revert and then drops it: a dio with nothing in flight (its first bio failed, or a
  // read wholly in a hole) completes there, the error returned as the kernel returns it.
  d.submitter_ref = true;
  if (opts.defer_eof_revert) return d;
  dio_eof_revert(d, iter);
  return d.result !== null && d.result < 0 && !d.always_queued ? d.result : d;
}

/**
 * bdev_iter_is_aligned (include/linux/blkdev.h) -> iov_iter_is_aligned (lib/iov_iter.c, 6.1 and
 * 6.12) over the iterator as truncated to `count`: every segment's address (from the current
 * position) clears the device's DMA alignment mask and every segment's length, up to what the
 * count leaves of it, the logical block size's mask (iov_iter_aligned_iovec,
 * iov_iter_aligned_bvec; UBUF and XARRAY are one range). Debian 6.12.117 checks ITER_FOLIOQ too
 * ("if (iov_iter_is_folioq(i)) { if (i->count & len_mask) return false; if (i->iov_offset &
 * addr_mask) return false; }": whole folios, the offset into the current one); 6.1 has no
 * FOLIOQ, and the bvecq RFC adds no case for ITER_BVECQ: it passes.
 */
function bdev_iter_is_aligned(bdev: block_device, i: iov_iter, count: number): boolean {
  const addr_mask = bdev.dma_alignment;
  const len_mask = bdev.logical_block_size - 1;
  switch (i.iter_type) {
    case ITER_UBUF:
      return (count & len_mask) === 0 && ((i.ubuf + i.iov_offset) & addr_mask) === 0;
    case ITER_IOVEC:
    case ITER_KVEC: {
      const segs = i.iter_type === ITER_IOVEC ? i.__iov : i.kvec;
      return segments_aligned(i, count, addr_mask, len_mask, (k) => {
        const seg = segs[k] as { iov_base: number; iov_len: number };
        return [seg.iov_base, seg.iov_len];
      });
    }
    case ITER_BVEC:
      return segments_aligned(i, count, addr_mask, len_mask, (k) => {
        const bv = i.bvec[k] as bio_vec;
        return [bv.bv_offset, bv.bv_len];
      });
    case ITER_XARRAY:
      return (count & len_mask) === 0 && ((i.xarray_start + i.iov_offset) & addr_mask) === 0;
    case ITER_FOLIOQ:
      return (count & len_mask) === 0 && (i.iov_offset & addr_mask) === 0;
    default:
      return true;
  }
}

/**
 * iov_iter_aligned_iovec / iov_iter_aligned_bvec (lib/iov_iter.c): from the iterator's position
 * and up to `count`, every segment's length clears len_mask and its start (base + skip) addr_mask.
 * `seg(k)` gives segment k's [base, length].
 */
function segments_aligned(
  i: iov_iter,
  count: number,
  addr_mask: number,
  len_mask: number,
  seg: (k: number) => [number, number],
): boolean {
  let size = count;
  let skip = i.iov_offset;
  for (let k = i.seg; k < i.seg + i.nr_segs; k++, skip = 0) {
    const [base, seg_len] = seg(k);
    const len = Math.min(seg_len - skip, size);
    if (len & len_mask) return false;
    if ((base + skip) & addr_mask) return false;
    size -= len;
    if (size === 0) break;
  }
  return true;
}

/**
 * The end of __iomap_dio_rw's submission for a read: "We only report that we've read data up
 * to i_size. Revert iter to a state corresponding to that as some callers (such as the splice
 * code) rely on it." The revert is iomi.pos - dio->i_size, with the i_size sampled before
 * submission (fs/iomap/direct-io.c __iomap_dio_rw, 5.16 to 6.12): a truncate since then
 * changes neither the revert nor the report.
 */
export function dio_eof_revert(d: dio, iter: iov_iter): void {
  const pos = d.iocb.ki_pos;
  if (d.is_read && pos + d.size > d.i_size) {
    iov_iter_revert(iter, pos + d.size - Math.max(d.i_size, pos));
  }
  dio_drop_submitter_ref(d);
}

/**
 * The submitter's atomic_dec_and_test(&dio->ref) after the revert: completes a finished dio.
 * Every dio_submit takes that reference, and it is dropped once (a second drop would be a
 * refcount underflow in __iomap_dio_rw).
 */
export function dio_drop_submitter_ref(d: dio): void {
  if (!d.submitter_ref)
    throw new Error('dio_drop_submitter_ref: the submitter reference was already dropped');
  d.submitter_ref = false;
  if (d.ref === 0) dio_complete(d);
}

/**
 * kiocb_invalidate_pages (mm/filemap.c, Debian 6.1.192 and 6.12.117) for a write of count bytes at
 * iocb->ki_pos: filemap_invalidate_pages writes the range back (filemap_write_and_wait_range; the
 * model's page caches hold no dirty folio) and invalidates its cached pages.
 * (IOCB_NOWAIT's -EAGAIN: the model's kiocbs never set it.)
 */
function kiocb_invalidate_pages(iocb: kiocb, count: number): void {
  invalidate_byte_range(iocb.ki_filp.f_inode.i_mapping, iocb.ki_pos, count);
}

/**
 * The cached pages of count bytes at pos leave the page cache: "invalidate_inode_pages2_range(
 * mapping, pos >> PAGE_SHIFT, (pos + count - 1) >> PAGE_SHIFT)", as kiocb_invalidate_pages does
 * before a direct write and kiocb_invalidate_post_direct_write(iocb, count) (mm/filemap.c) after
 * it, for the pages cached while the write was in flight (its "mapping->nrpages &&" test and
 * dio_warn_stale_pagecache: no invalidation fails in the model). pos: iocb->ki_pos when the kernel
 * calls it, before the write moves it (the reference's dio_complete has moved it already).
 */
function invalidate_byte_range(mapping: address_space, pos: number, count: number): void {
  invalidate_inode_pages2_range(
    mapping,
    Math.floor(pos / PAGE_SIZE),
    Math.floor((pos + count - 1) / PAGE_SIZE),
  );
}

/** Waits for a dio by completing its own in-flight bios, in order (a sync kiocb sleeping). */
export function dio_wait(d: dio): number {
  for (const b of d.bios) if (!b.done) bdev_complete_bio(b);
  return d.result as number;
}

/**
 * ->read_iter / ->write_iter with IOCB_DIRECT: a synchronous kiocb returns the byte count (or
 * -errno) once its bios completed; an asynchronous one returns -EIOCBQUEUED and its
 * ki_complete runs when the caller completes the bios on the device. A synchronous read of a
 * block device that comes back short reads the rest through the page cache, as
 * blkdev_read_iter does (blkdev_read_iter_buffered).
 */
export function direct_IO(iocb: kiocb, iter: iov_iter): number {
  const ino = iocb.ki_filp.f_inode;
  const pos = iocb.ki_pos;
  const orig_count = iov_iter_count(iter);
  const d = dio_submit(iocb, iter);
  if (typeof d === 'number') return d;
  if (iocb.ki_complete === null) {
    const ret = dio_wait(d);
    if (ino.is_blkdev && ret > 0) {
      if (d.is_read) return blkdev_read_iter_buffered(iocb, iter, pos, orig_count, ret);
      // block/fops.c blkdev_direct_write (Debian 6.1.192 and 6.12.117): "if (written > 0) {
      // kiocb_invalidate_post_direct_write(iocb, count); iocb->ki_pos += written; ...", the count
      // being the request's as blkdev_write_iter truncated it at the device's end, from the
      // position before the write. An asynchronous write returns -EIOCBQUEUED: no second pass.
      invalidate_byte_range(ino.i_mapping, pos, Math.min(orig_count, ino.i_extent_len - pos));
    }
    return ret;
  }
  return d.result !== null && !d.always_queued ? d.result : -EIOCBQUEUED;
}

/**
 * block/fops.c blkdev_read_iter's buffered part (Debian 6.1.192 and 6.12.107 alike): the iterator
 * truncated to the device's end ("shorted"), ret the bytes the direct read got ("iocb->ki_pos +=
 * ret; count -= ret;", "if (ret != -EIOCBQUEUED) iov_iter_revert(to, count -
 * iov_iter_count(to)); if (ret < 0 || !count) goto reexpand;"), the rest read through the page
 * cache ("ret = filemap_read(iocb, to, ret);"), and the iterator re-expanded by `shorted`. pos and
 * orig_count: ki_pos and the iterator's count before the request. (The reference's dio_complete
 * has advanced ki_pos by ret already.)
 *
 * Two callers. A synchronous direct read that came back short (ret > 0: an extraction failed
 * after the bio got pages, a fault past the first pages: bio_iov_iter_get_pages drops the error,
 * __blkdev_direct_IO_simple returns bio->bi_iter.bi_size): filemap_read then reads the device's
 * next pages into its page cache and copies from there, up to a fault in the user buffer. And a
 * read without IOCB_DIRECT (the device opened without O_DIRECT; 6.1.192 612-670, 6.12 740-790),
 * ret 0: blkdev_buffered_read.
 */
function blkdev_read_iter_buffered(
  iocb: kiocb,
  to: iov_iter,
  pos: number,
  orig_count: number,
  ret: number,
): number {
  const size = iocb.ki_filp.f_inode.i_extent_len;
  const shorted = Math.max(0, orig_count - Math.max(0, size - pos));
  to.count -= shorted;
  const count = orig_count - shorted - ret;
  iov_iter_revert(to, count - iov_iter_count(to));
  if (count > 0) ret = filemap_read(iocb, to, ret);
  to.count += shorted;
  return ret;
}

/**
 * blkdev_read_iter without IOCB_DIRECT: the copy from the page cache (copy_folio_to_iter:
 * copy_to_user, a write fault on a write-protected or COW-shared page) happens inside the call:
 * no bio on the user pages, nothing pinned or referenced. An asynchronous kiocb completes at
 * once: fs/aio.c aio_read -> aio_rw_done (6.1 1533-1551, 6.12 1560-1578) calls ki_complete with
 * the result (not -EIOCBQUEUED).
 */
export function blkdev_buffered_read(iocb: kiocb, to: iov_iter): number {
  return blkdev_read_iter_buffered(iocb, to, iocb.ki_pos, iov_iter_count(to), 0);
}

/**
 * mm/filemap.c filemap_read (Debian 6.1.192 and 6.12.117), reduced to order-0 folios and no
 * readahead window: from iocb->ki_pos, folio by folio (filemap_get_pages reads a folio that is
 * not cached, filemap_get_uptodate_folio), each copied with copy_folio_to_iter; "already_read +=
 * copied; iocb->ki_pos += copied; ... if (copied < bytes) { error = -EFAULT; break; }", and
 * "return already_read ? already_read : error;" (Debian 6.1.192 mm/filemap.c 2825-2838, 6.12.107
 * 2715-2728). Its one caller, blkdev_read_iter_buffered, passes as already_read the short direct
 * read's ret > 0, so that read returns already_read whatever the copy met, or 0 for a read
 * without IOCB_DIRECT, which returns -EFAULT where it copied nothing (io_uring's buffered read
 * whose destination the process unmapped while it waited: io_read_buffered); and an iterator
 * truncated at the device's end (i_size of the block device's inode), so the count bounds the
 * loop before "iocb->ki_pos < isize" and end_offset would.
 */
function filemap_read(iocb: kiocb, iter: iov_iter, already_read: number): number {
  const mapping = iocb.ki_filp.f_inode.i_mapping;
  let error = 0;
  while (iov_iter_count(iter) > 0) {
    const folio = filemap_get_uptodate_folio(mapping, Math.floor(iocb.ki_pos / PAGE_SIZE));
    const offset = iocb.ki_pos % PAGE_SIZE;
    const bytes = Math.min(PAGE_SIZE - offset, iov_iter_count(iter));
    const copied = copy_to_iter(folio.peek(offset, bytes), bytes, iter);
    already_read += copied;
    iocb.ki_pos += copied;
    if (copied < bytes) {
      error = -EFAULT;
      break;
    }
  }
  return already_read ? already_read : error;
}
