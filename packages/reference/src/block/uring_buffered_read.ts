// io_uring's IORING_OP_READ of a block device opened without O_DIRECT, into user memory, when
// the folio it reads is not in the page cache yet (Debian 6.1.192 and 6.12.107 alike in what
// follows; the line numbers are 6.1's / 6.12's).
//
// io_read (io_uring/rw.c) issues the read non-blocking (IOCB_NOWAIT): blkdev_read_iter's
// buffered arm calls filemap_read, whose filemap_get_pages finds no folio and starts the
// readahead (mm/filemap.c 2661-2667 / 2554-2564: page_cache_sync_readahead adds the folio to the
// page cache locked and not uptodate, read_pages -> blkdev_readahead -> mpage_readahead submits
// its read bio, REQ_RAHEAD: fs/mpage.c 159 / 177), then filemap_update_page's folio_trylock fails
// and IOCB_NOWAIT makes it -EAGAIN (2545-2548 / 2433-2436). io_read does not punt: it arms
// IOCB_WAITQ (io_rw_should_retry, rw.c 585-613 / 742-771: not IOCB_DIRECT, the block device is
// FMODE_BUF_RASYNC / FOP_BUFFER_RASYNC: block/fops.c 6.1 491, 6.12 892) and reads again; filemap_update_page queues the wait
// (__folio_lock_async) and returns -EIOCBQUEUED, and io_read returns IOU_ISSUE_SKIP_COMPLETE
// (rw.c 813-829 / 932-948; 6.1 first copies the iterator into the request's async data,
// io_setup_async_rw, which 6.12 allocated at prep). Nothing of the user memory is touched,
// pinned or referenced: the iterator is a user address and an mm.
//
// When the device completes the bio, the folio is marked uptodate and unlocked (fs/mpage.c 6.1
// mpage_end_io -> page_endio, 6.12 mpage_read_end_io -> folio_end_read), whose wake-up runs
// io_async_buf_func (rw.c 554-571 / 711-728) -> io_req_task_queue: task_work of the SUBMITTER,
// io_req_task_submit -> io_queue_sqe -> io_read again (io_uring/io_uring.c 6.1 1277-1299, 6.12
// 1349-1373), whose filemap_read finds the folio uptodate and copies it (copy_folio_to_iter ->
// copy_to_user) into the submitter's mm as it is then: a store that breaks COW in a process
// that forked meanwhile. Where the submitter unmapped the destination meanwhile, copy_to_user
// faults and filemap_read returns -EFAULT, the CQE's result (io_read returns it and io_queue_async
// fails the request: io_uring/io_uring.c 6.1 1923-1928, 6.12 1913-1918). The reference runs that task_work as part of the
// completion (the submitter waits for the CQE in io_uring_enter, where task_work runs). A failed
// bio (the folio left !uptodate, the retry then punted to io-wq) and a folio already cached (the
// read copies at submission) are not modelled: DioForkRace issues one such read, of a device
// whose bios complete OK.

import type { iov_iter } from '../iov_iter/types.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import { filemap_add_folio } from '../mm/filemap.ts';
import { __bio_add_page, type bio, bio_alloc, REQ_OP_READ, SECTOR_SHIFT } from './bio.ts';
import { submit_bio } from './blkdev.ts';
import { blkdev_buffered_read } from './dio.ts';
import type { kiocb } from './fs.ts';

/**
 * io_read of iter's bytes at iocb->ki_pos, the folio there not cached: the folio's read bio is
 * submitted and the request waits on the folio (-EIOCBQUEUED). Returns the bio; when the device
 * completes it, the task_work retry copies from the folio into iter's memory (blkdev_read_iter's
 * buffered arm, blkdev_buffered_read) and completes the request with the result (complete,
 * io_uring's kiocb_done -> CQE).
 */
export function io_read_buffered(
  iocb: kiocb,
  iter: iov_iter,
  complete: (iocb: kiocb, res: number) => void,
): bio {
  const ino = iocb.ki_filp.f_inode;
  const index = Math.floor(iocb.ki_pos / PAGE_SIZE);
  // page_cache_ra_unbounded, reduced to the one folio: filemap_add_folio (the allocation's
  // reference becomes the page cache's), locked and not uptodate until the read completes.
  const folio = filemap_add_folio(ino.i_mapping, index);
  // mpage_readahead: one bio over the folio's blocks up to i_size (the block device's size).
  const b = bio_alloc(ino.i_bdev, 1, REQ_OP_READ);
  b.bi_iter.bi_sector = (ino.i_extent_start + index * PAGE_SIZE) >> SECTOR_SHIFT;
  __bio_add_page(b, folio.page(0), Math.min(PAGE_SIZE, ino.i_size - index * PAGE_SIZE), 0);
  // The folio unlocked -> io_async_buf_func -> io_req_task_queue -> io_read in the submitter.
  b.bi_end_io = () => complete(iocb, blkdev_buffered_read(iocb, iter));
  submit_bio(b);
  return b;
}
