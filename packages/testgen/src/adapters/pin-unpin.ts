// PinUnpin (specs/PinUnpin.tla): page extraction by iterator type for a direct I/O and the
// matching release. The reference driver builds the spec's fixed iterator layouts (PAGE = 4
// model bytes) at 1024 bytes per model byte, so model pages are real 4 KiB pages and every
// length stays a multiple of the 512-byte logical block, and drives the reference kernel's
// real paths:
//   Submit       an asynchronous O_DIRECT read (DEST) or write (SOURCE) of the iterator on the
//                block device, as the QEMU guest does: ->read_iter/->write_iter with IOCB_DIRECT
//                (block/dio.ts direct_IO; for a block device and a request of at most
//                BIO_MAX_VECS pages one bio, block/fops.c __blkdev_direct_IO_async /
//                __blkdev_direct_IO_simple) builds the bio with bio_iov_iter_get_pages
//                (block/bio.c): iov_iter_extract_pages and BIO_PAGE_PINNED iff
//                iov_iter_extract_will_pin() on 6.12; iov_iter_get_pages2 (FOLL_GET refs,
//                folio_get for XARRAY, -EFAULT for KVEC) on 6.1; a BVEC iterator attached as is
//                (bio_iov_bvec_set, BIO_NO_PAGE_REF on 6.1); submit_bio queues them and the
//                kiocb returns -EIOCBQUEUED. A request whose first extraction fails completes
//                at once with the error (FAILED).
//   SubmitFault  extraction from an unmapped user address with *pages == NULL:
//                iov_iter_extract_pages (6.3+) / iov_iter_get_pages_alloc2 (6.1), the caller
//                freeing nothing on error (lib/iov_iter.c want_pages_array owns the array).
//   SubmitPartial  the same asynchronous O_DIRECT read into a UBUF buffer that runs past the
//                end of the process's mapping (user page 3 at offset 1, then page 4): GUP takes
//                page 3 only and pin_user_pages_fast returns that count (mm/gup.c), the next
//                extraction fails with -EFAULT, which bio_iov_iter_get_pages drops because the
//                bio has pages (block/bio.c), so the I/O goes in flight short and the request is
//                that bio (__blkdev_direct_IO_async: dio->size = bi_size; docs/FIDELITY.md 14).
//   SubmitSync   the same request from a synchronous kiocb (read(2)/write(2) on the O_DIRECT
//                device, init_sync_kiocb): direct_IO waits for its bio (dio_wait, as
//                __blkdev_direct_IO_simple's submit_bio_wait, block/fops.c), which the device
//                completes, so the pages are taken and released within the step (DONE); the bios are
//                seen through the device's block_bio_queue trace, being no longer in flight.
//   Complete     the device completes the I/O's bios (block/blkdev.ts bdev_complete_bio: the
//                DMA into or out of the listed pages, then bio_endio): blkdev_bio_end_io /
//                iomap_dio_bio_end_io -> bio_release_pages (include/linux/bio.h) ->
//                bio_release_page (block/blk.h); the last bio completes the kiocb (ki_complete).
//   CompleteError  the device fails the I/O's bios (bdev_complete_bio with BLK_STS_IOERR: no
//                transfer); the same end_io releases the pages and the kiocb completes with
//                -EIO (blkdev_bio_end_io_async: blk_status_to_errno(bio->bi_status)).
//   (Nofault)    with the spec constant Nofault (PinUnpin_nofault) every iterator the driver
//                submits has i->nofault set, as gfs2 and btrfs set it around iomap_dio_rw with
//                page faults disabled (fs/gfs2/file.c gfs2_file_direct_read, fs/btrfs/direct-io.c
//                btrfs_direct_read: "to->nofault = true"); the block layer below is the same
//                bio_iov_iter_get_pages, so extraction passes FOLL_NOFAULT to GUP
//                (iov_iter_extract_user_pages; 6.1 __iov_iter_get_pages_alloc) and mm/gup.c's
//                faultin_page refuses the write fault user page 3's zero page needs: the IOVEC
//                read goes in flight short (user page 2 only) and SubmitPartial fails -EFAULT.
//   FaultIn      (Nofault) what gfs2/btrfs do after such a short or failed request:
//                fault_in_iov_iter_writeable (lib/iov_iter.c) over the buffer, the IOVEC layout's
//                or SubmitPartial's UBUF one (past the mapping: faulted in up to its end) ->
//                fault_in_safe_writeable (mm/gup.c; 6.1 GUP without a page array, 6.4+
//                fixup_user_fault): user page 3 leaves the zero page, nothing is pinned.
//   PunchHole    fallocate(PUNCH_HOLE) over X0: truncate_pagecache_range ->
//                truncate_inode_pages_range (mm/truncate.c) takes the folio out of the file's
//                i_pages and drops the cache's reference.
//   PunchPartial (PartialPunch) fallocate(PUNCH_HOLE) over the first half of X1: the same
//                truncate_inode_pages_range covers the folio in part, so it stays cached with
//                that half zeroed (truncate_inode_partial_folio: folio_zero_range); `data` loses
//                X1 until a read fills it again.
//   (FilePrivate) with PinUnpin_file_private the process also maps a one-page file MAP_PRIVATE
//                (reference mm/filemap.ts vm_mmap_file_private) and reads it once: user page 5
//                maps the page-cache folio F0 read-only (mm/memory.c do_read_fault). FILEMAP is
//                a UBUF over that page: a write (SOURCE) pins F0 itself (gup_must_unshare: no
//                unshare for a short-term R/O pin of a page that is not anonymous; 6.1 FOLL_GET),
//                a read (DEST) breaks COW first and pins the copy U5.
//   StoreFile    (FilePrivate) the process stores one model byte at user page 5's offset 2
//                (copy_to_user): do_wp_page copies the page-cache page (wp_page_copy).
//   (FileLazy)   with PinUnpin_file_lazy the process never touches user page 5 after mmap: the
//                file's page is in its page cache (written before; the guest's tmpfs page), user
//                page 5 has no PTE (p5 NONE). The first access faults it in through the
//                reference's do_fault (mm/memory.c): a write's R/O GUP read-faults (do_read_fault
//                finds F0 cached and maps it read-only, then pins it), a read's FOLL_WRITE GUP
//                and StoreFile write-fault (do_cow_fault maps a private copy U5).
//   ReadCrossEnd (DeviceEnd) Submit's asynchronous UBUF read, placed 3 model bytes before the
//                end of the block device: the reference's blkdev read (block/dio.ts dio_submit,
//                as block/fops.c blkdev_read_iter) cuts the request at the device's end, so the
//                bio lists user page 0 only and goes in flight short (3 bytes). The device's
//                last 3 model bytes hold DMA_PATTERN (the `data` probe of U0).
//   WriteAtEnd   (DeviceEnd) Submit's asynchronous UBUF write placed at the end of the device:
//                -ENOSPC before any extraction (blkdev_write_iter), no bio (FAILED).
//   ReadCrossEndOdd  (DeviceEndOdd) ReadCrossEnd's read 100 real bytes longer (6244 bytes, off
//                the 512-byte block): the reference's blkdev read cuts it at the device's end
//                before the alignment check (block/dio.ts dio_submit, as blkdev_read_iter and
//                blkdev_direct_IO), so it goes in flight as ReadCrossEnd's does.
//   SubmitMisaligned  (MisalignedIo) Submit's asynchronous UBUF or IOVEC request over a buffer
//                the device cannot take: the UBUF buffer one real byte past user address 1
//                (off the queue's 511 DMA alignment), the IOVEC buffer as two iovecs of 1948
//                and 1124 bytes from user address 9 (3 KiB in all, neither a multiple of 512).
//                The reference's blkdev direct I/O refuses it -EINVAL (block/dio.ts dio_submit:
//                bdev_iter_is_aligned, as block/fops.c blkdev_direct_IO) before any bio (FAILED).
//   SubmitMisalignedAddr  (MisalignedAddr) Submit's asynchronous IOVEC request as two iovecs whose
//                lengths are on the 512-byte block (1024 bytes at user address 9, 2048 bytes one
//                real byte past user address 12: that address off the 511 DMA alignment): the
//                reference's blkdev direct I/O refuses it -EINVAL (block/dio.ts
//                bdev_iter_is_aligned -> segments_aligned: each segment's length, then its
//                address, as lib/iov_iter.c iov_iter_aligned_iovec) before any bio (FAILED).
//   SubmitShortBlock  (LargeBlock) an asynchronous O_DIRECT read of one 4 KiB block on a second
//                block device whose logical block is 4 KiB (bdev_alloc(..., 4096), as the guest's
//                loop device after LOOP_SET_BLOCK_SIZE), into SubmitPartial's buffer 4 model bytes
//                long (user page 3 at offset 1, then page 4, unmapped): aligned, so
//                blkdev_direct_IO builds a bio; the extraction takes page 3 only (3 KiB), which
//                __bio_iov_iter_get_pages trims to nothing against the 4 KiB block (block/bio.c
//                "if (unlikely(!size)) { ret = -EFAULT; goto out; }") and releases at once
//                (bio_release_page; 6.1 put_page): the request fails -EFAULT (FAILED), nothing
//                held, user page 3 left broken from the zero page by the fault.
//   SubmitContiguous  (ContiguousIovec) Submit's asynchronous IOVEC request as two iovecs of 1024
//                bytes at user addresses 9 and 10 (user page 2 from offset 1), the second starting
//                where the first ends: one extraction per iovec takes user page 2 twice, and the
//                reference's bio_iov_add_page (block/bio.ts, as block/bio.c bio_iov_add_page /
//                bio_iov_add_folio: same_page) merges the second range into the first bvec and
//                drops that hold at once: one bvec of 2 model bytes, user page 2 held once.
//   SubmitMany   (ManyIovecs) an asynchronous IOVEC request of 257 iovecs of 1024 bytes, all in
//                user page 2, alternately at user addresses 9 and 11 (no iovec starts where the one
//                before ends), at I/O b's range of the device's many-iovec area: more than
//                BIO_MAX_VECS pages, so the reference's blkdev direct I/O (block/dio.ts dio_submit,
//                as block/fops.c __blkdev_direct_IO) loops over bios: 256 bvecs in the first,
//                the last iovec in the second, user page 2 held once per bvec, -EIOCBQUEUED.
//                fault LAST (writes): the last iovec is unmapped, the second bio's extraction
//                fails and the request, queued with the first bio alone, completes -EIO (the
//                dio's always_queued). fault FIRST: the first iovec is unmapped, no bio, and the
//                request completes -EIO inside the call, which still returns -EIOCBQUEUED
//                (FAILED).
//   SubmitSyncPartial  (SyncPartial) SubmitPartial's read from a synchronous kiocb (init_sync_kiocb,
//                as the guest's preadv(2) on the O_DIRECT device): the direct read comes back
//                short, 3 KiB into user page 3 (pinned and released within the call), and the
//                reference's blkdev read (block/dio.ts blkdev_read_iter_buffered, as block/fops.c
//                blkdev_read_iter) reads the rest through the page cache (filemap_read), whose
//                copy to user page 4 faults at once: the call returns 3 KiB (DONE).
//   SubmitContiguousKvec  (ContiguousKvec) an asynchronous O_DIRECT read from a KVEC of two kvecs
//                of 1024 bytes at K0+2 and K0+3 (the kmalloc'd buffer's first two model bytes),
//                the second starting where the first ends: on 6.12 the reference extracts one
//                kvec per call (lib/iov_iter.ts iov_iter_extract_kvec_pages, nothing taken) and
//                its bio_iov_add_page (block/bio.ts, as block/bio.c bio_iov_add_folio: same_page)
//                merges the second range into the first bvec, bio_release_page dropping nothing
//                (the bio is not BIO_PAGE_PINNED): one bvec of 2 model bytes on K0, -EIOCBQUEUED.
//                On 6.1 iov_iter_get_pages2 refuses the KVEC: -EFAULT at submission (FAILED).
//   SubmitPastEof  (FileEof) with PinUnpin_file_eof the private file mapping is two pages long
//                over a one-page file (user page 6 wholly past i_size): Submit's asynchronous
//                request over a UBUF buffer of user page 6 alone (from EOF) or of user pages 5
//                and 6 (from IN, 8 model bytes). GUP's fault on user page 6 is the reference's
//                filemap_fault VM_FAULT_SIGBUS (mm/filemap.ts, through do_fault), -EFAULT from
//                faultin_page (mm/gup.ts): from EOF the request fails -EFAULT at submission with
//                no bio (FAILED); from IN the bio holds user page 5's page and goes in flight
//                short (4 KiB of 8), as SubmitPartial's does.
//   SubmitWriteOverCache  (WriteOverCache) the UBUF write (SOURCE, user address 1, 6 model bytes)
//                from I/O b placed at I/O c's range, whose first page SubmitSyncPartial(c)'s
//                buffered rest left in the block device's page cache: synchronous (init_sync_kiocb,
//                pwrite(2)) or asynchronous. The reference's blkdev write (block/dio.ts dio_submit ->
//                kiocb_invalidate_pages, as block/fops.c blkdev_direct_write) invalidates the range
//                first (mm/filemap.ts invalidate_inode_pages2_range, as mm/truncate.c): the folio
//                leaves the device's i_pages and the cache's reference is dropped (devCached).
//   ReadDevMap   (MapDevice) with PinUnpin_map_device the process also maps each I/O range's
//                first two pages (what the write covers) of the block device MAP_PRIVATE, one
//                mapping per range (reference mm/filemap.ts vm_mmap_file_private of the device
//                inode's mapping at the range's page offset, never stored to; one mapping of the
//                whole device would let the real read fault's fault-around, mm/memory.c
//                do_fault_around, clamped to the vma, map the other range's cached page: both lie
//                in one 64 KiB block) and reads one byte at range c's first page through it
//                (read_user): the reference's do_fault (mm/memory.ts, as mm/memory.c
//                do_read_fault) maps the device's page-cache folio itself, found cached or read
//                in (devCached). SubmitWriteOverCache over the range then finds that folio mapped:
//                the reference's invalidate_inode_pages2_range unmaps the range from the process
//                (mm/filemap.ts unmap_mapping_pages, as mm/memory.c with even_cows false) before
//                dropping the folio, and the next ReadDevMap faults in the written bytes (devMap).
//   SubmitHole   (FileHole) an asynchronous O_DIRECT read of 6 model bytes at position 0 of a
//                sparse file on the device (create_file with i_size 0, then do_truncate to two
//                pages: no block mapped), opened O_DIRECT, into the UBUF layout (MAPPED) or
//                SubmitPartial's buffer (PARTIAL). The reference's file DIO (block/dio.ts
//                dio_submit, as fs/iomap/direct-io.c __iomap_dio_rw / iomap_dio_hole_iter)
//                zero-fills the buffer with no bio and completes the kiocb inside the call:
//                direct_IO returns 6 KiB (MAPPED: DONE, no bio bytes) or -EFAULT (PARTIAL: the
//                zeroing faults at user page 4, FAILED), which the driver requires.
//   SubmitSyncSecret  (SecretRest) SubmitSyncPartial's synchronous read of 10 model bytes at user
//                address 13: user page 3 from offset 1, user page 4 a memfd_secret page
//                (reference mm/secretmem.ts vm_mmap_secretmem at user page 4, never touched), user
//                page 5 unmapped. GUP refuses the secret page (mm/gup.ts check_vma_flags, as
//                mm/gup.c: vma_is_secretmem), so the direct read is 3 KiB as SubmitSyncPartial's;
//                the buffered rest (block/dio.ts filemap_read) copies 1 KiB and then 3 KiB of the
//                device's next page into user page 4 through the page table and stops at user
//                page 5: the call returns 7 KiB (DONE), and the driver requires user page 4 to
//                hold the device's bytes 3 to 7 KiB into the range.
//
// Observations (same keys from model and reference, model units):
//   pins, refs      nonzero FOLL_PIN pins / extraction refs per frame, "U0=1,U1=1" in frame order
//   pinAcquired, pinReleased   /proc/vmstat nr_foll_pin_acquired / _released since Init
//   zeroMapped      user page 3 still maps the shared zero page
//   cached          the file's page-cache pages ("X0,X1")
//   bio<b>.st       IDLE | INFLIGHT | DONE | FAILED
//   bio<b>.cleanup  PIN (BIO_PAGE_PINNED) | REF (6.1 put_page at release) | NONE
//   bio<b>.pages    the frames the bio lists; bio<b>.bytes its size (bi_size)
//   bio<b>.offset0  *offset0 of the first extraction (bv_offset of the first bvec); null when
//                   nothing was extracted (the kernel defines *offset0 only then, and the spec's
//                   Offset0IsPageOffset only constrains bytes > 0)
//   bio<b>.array    ALLOCATED when a page array allocated by extraction is still outstanding
//   bio<b>.err      EIO when the request completed with -EIO (the kiocb's result), else NONE
//                   (SubmitPartial's short request completes with its byte count).
//   u0.refcount     what extraction added to the _refcount of the folio at user page 0: a pin
//                   adds GUP_PIN_COUNTING_BIAS to a small folio and 1 to a large one, a FOLL_GET
//                   ref 1 (mm/gup.c try_grab_folio); the model weighs its pages' pins and refs
//                   (U0, and U1 with LargeFolio) so
//   u0.dmaPinned    folio_maybe_dma_pinned() of that folio (include/linux/mm.h: _pincount > 0
//                   for a large folio, _refcount >= GUP_PIN_COUNTING_BIAS for a small one); the
//                   model: its pages' pins > 0 (no folio here holds 1024 plain references)
//   data            the frames holding the data a direct I/O read from the device ("U0,U1"):
//                   the model's frames listed by a DEST I/O that completed without error (DONE,
//                   err NONE: the device DMA'd into them; BLK_STS_IOERR transfers nothing here),
//                   a page-cache frame only while it is still cached (X1 not once PunchPartial
//                   zeroed it since, the spec's x1Zeroed), never the zero page (a
//                   destination GUP breaks it first), nor the first page of an I/O whose
//                   *offset0 is wrong (KvecOffset0Bug: the DMA lands before the buffer, over K0's
//                   other slab object; FIRST_PAGE). The reference driver fills each I/O's device
//                   range with DMA_PATTERN at set-up and reads one probe byte per frame's page
//                   (PROBE: a byte every layout listing the frame covers) with Folio.peek, so a
//                   DMA into the wrong page, at the wrong offset or on a failed I/O shows here.
// With FilePrivate four more keys: p5 (FILE while user page 5 maps F0, COPY once it maps its
// private copy, NONE while it has no PTE: FileLazy; u5.byte is then the byte a read would fault
// in, F0's), u5.byte (the byte the process reads at the store offset, named by pattern:
// FILE, STORE or DMA), f0.byte (the page-cache page's byte there: FILE, always, in the model)
// and wrote ("1=FILE": per FILEMAP write completed without error, the device's byte there).
// With WriteOverCache one more key: devCached ("1,2": the I/O ranges whose first device page is
// in the block device's page cache, filemap_lookup of the device inode's mapping).
// With MapDevice one more: devMap ("1=OLD,2=NEW": per I/O range whose first page the process's
// mapping of the device has a pte for, what the mapped page holds at the range's first byte:
// OLD the range's own bytes (DMA_PATTERN), NEW the first byte the UBUF write sends).
// With LargeFolio (PinUnpin_large_folio) user pages 0 and 1 are the last two pages of one
// order-2 anonymous folio (a 16 KiB mTHP mapped by do_anonymous_large_folio: the mapping starts
// two pages before user page 0, at a 16 KiB boundary), and `pins`/`refs` count that folio once,
// as the kernel does, under the frame "U0+U1" (its _pincount for pins, the GUP ledger for refs);
// the queue's Q0 and Q1 are the two pages of one order-1 folio, counted as "Q0+Q1" (a kernel
// frame: refs above its owner's), one multi-page bvec on ITER_BVECQ, one slot on ITER_FOLIOQ.
//
// Frames are identified by folio: U0..U2 the process's pages at user pages 0..2, U3 the private
// page user page 3 gets when a FOLL_WRITE GUP breaks its zero-page mapping, ZP the zero page,
// K0/K1 the kmalloc'd pages behind the kvec, B0/B1 the bio_vec pages, X0/X1 the pages of a data
// file's page cache (read in by filemap_get_uptodate_folio; the XARRAY iterator walks that file's
// mapping->i_pages, as netfs and cachefiles hand a file's cache to iov_iter_xarray), Q0/Q1 the
// folios of a queue iterator's buffer: the spec's QUEUE is the profile's queue-of-buffers type,
// ITER_FOLIOQ on linux-6.12 (netfs's rolling buffer, which cachefiles hands to the backing
// file's O_DIRECT I/O) and ITER_BVECQ on bvecq-rfc; linux-6.1 has neither (QueueIter = FALSE).

import {
  alloc_page,
  BIO_NO_PAGE_REF,
  BIO_PAGE_PINNED,
  BLK_STS_IOERR,
  bdev_alloc,
  bdev_complete_bio,
  bdev_inode,
  type bio,
  bio_flagged,
  type block_device,
  bvecq_append,
  create_file,
  dio_submit,
  dio_wait,
  direct_IO,
  do_anonymous_large_folio,
  do_truncate,
  EFAULT,
  EINVAL,
  EIO,
  EIOCBQUEUED,
  ENOSPC,
  FAULT_FLAG_WRITE,
  type Folio,
  fault_in_iov_iter_writeable,
  type file,
  filemap_get_uptodate_folio,
  filemap_lookup,
  filp_open,
  folio_alloc,
  folio_maybe_dma_pinned,
  folio_test_large,
  folioq_alloc,
  folioq_append,
  folioq_chain_from,
  folioq_count,
  GUP_PIN_COUNTING_BIAS,
  handle_mm_fault,
  ITER_DEST,
  ITER_SOURCE,
  init_async_kiocb,
  init_sync_kiocb,
  type inode,
  type iov_iter,
  iov_iter_bvec,
  iov_iter_bvec_queue,
  iov_iter_extract_pages,
  iov_iter_folio_queue,
  iov_iter_get_pages_alloc2,
  iov_iter_init,
  iov_iter_kvec,
  iov_iter_ubuf,
  iov_iter_xarray,
  type Kernel,
  kmalloc,
  kmalloc_page_aligned,
  type MmStruct,
  mm_alloc,
  netfs_alloc_bvecq,
  O_DIRECT,
  PAGE_SIZE,
  PAGEVEC_SIZE,
  type Page,
  type PageSlot,
  page_arrays_outstanding,
  pin_balance_at_quiescence,
  read_user,
  truncate_inode_pages_range,
  type Violation,
  virt_to_page,
  vm_mmap,
  vm_mmap_file_private,
  vm_mmap_secretmem,
  vma_lookup,
  with_kernel,
  with_mm,
  write_user,
  ZERO_PAGE,
  zero_page_never_pinned,
} from '@pinlab/reference';
import {
  apply,
  asBool,
  asInt,
  asSet,
  asString,
  type ModelState,
  type ModelValue,
  stateVar,
} from '../model/value.ts';
import type { Scenario, ScenarioAction, StepObservation } from '../target.ts';
import {
  AdapterError,
  booleanConstant,
  filledBytes,
  nonzeroCounts,
  param,
  type ReferenceDriver,
  type SpecAdapter,
} from './adapter.ts';
import { kernelFor } from './design.ts';
import { kernelViolations } from './invariants.ts';

/** Reference bytes per model byte: the spec's PAGE (4) becomes PAGE_SIZE. */
const UNIT = PAGE_SIZE / 4;

/** The spec's Frames, in the order observations list them. */
export const FRAMES = [
  'U0',
  'U1',
  'U2',
  'U3',
  'ZP',
  'K0',
  'K1',
  'B0',
  'B1',
  'X0',
  'X1',
  'Q0',
  'Q1',
  'F0',
  'U5',
] as const;
type Frame = (typeof FRAMES)[number];
/** The large folios (LargeFolio): U0 and U1's, Q0 and Q1's; pins and refs count per folio. */
const LARGE_FRAME = 'U0+U1';
const LARGE_Q_FRAME = 'Q0+Q1';
/** The frames `pins` and `refs` list, in order: each large folio after its pages' frames. */
const COUNT_FRAMES = ['U0', 'U1', LARGE_FRAME, ...FRAMES.slice(2), LARGE_Q_FRAME] as const;
type CountFrame = (typeof COUNT_FRAMES)[number];
const Q0_INDEX = FRAMES.indexOf('Q0');
const Q1_INDEX = FRAMES.indexOf('Q1');
const F0_INDEX = FRAMES.indexOf('F0');
const U5_INDEX = FRAMES.indexOf('U5');
/** The large folio's order (a 16 KiB anonymous mTHP) and U0's page index within it. */
const LARGE_ORDER = 2;
const LARGE_U0_INDEX = 2;
const KERNEL_FRAMES = new Set<Frame>(['K0', 'K1', 'B0', 'B1', 'X0', 'X1', 'Q0', 'Q1']);
const BIOS = [1, 2] as const;
const ITER_TYPES = new Set(['UBUF', 'IOVEC', 'KVEC', 'BVEC', 'XARRAY', 'QUEUE', 'FILEMAP']);
const USER_TYPES = new Set(['UBUF', 'IOVEC']);
const ACTIONS = new Set([
  'FaultIn',
  'Submit',
  'SubmitSync',
  'SubmitFault',
  'SubmitPartial',
  'Complete',
  'CompleteError',
  'PunchHole',
  'PunchPartial',
  'StoreFile',
  'ReadCrossEnd',
  'WriteAtEnd',
  'SubmitMisaligned',
  'ReadCrossEndOdd',
  'SubmitShortBlock',
  'SubmitMisalignedAddr',
  'SubmitPastEof',
  'SubmitContiguous',
  'SubmitMany',
  'SubmitSyncPartial',
  'SubmitContiguousKvec',
  'SubmitWriteOverCache',
  'SubmitHole',
  'SubmitSyncSecret',
  'ReadDevMap',
]);

/** "U0=1,U1=1": the nonzero counts, in frame order. */
const countList = (count: (f: Frame, i: number) => number): string => nonzeroCounts(FRAMES, count);

/**
 * The same with U0 and U1, and Q0 and Q1, each counted once as their large folio ("U0+U1=2"):
 * `uCount` and `qCount` are the folios' counts, `count` the other frames' (by FRAMES index).
 */
function largeCountList(
  count: (f: Frame, i: number) => number,
  uCount: number,
  qCount: number,
): string {
  return nonzeroCounts(COUNT_FRAMES, (f: CountFrame, ci: number) => {
    if (f === LARGE_FRAME) return uCount;
    if (f === LARGE_Q_FRAME) return qCount;
    const i = ci < 2 ? ci : ci - 1;
    if (i < 2 || i === Q0_INDEX || i === Q1_INDEX) return 0;
    return count(f as Frame, i);
  });
}

/**
 * Each frame's probe byte (model bytes into its page): a byte that every iterator layout listing
 * the frame covers (UBUF U0 [1,4) U1 [0,3), ReadCrossEnd U0 [1,4); IOVEC U2 [1,3) U3 [0,4); SubmitPartial U3 [1,4);
 * KVEC K0 [2,4) K1 [0,3); BVEC B0 [0,4) B1 [0,2); XARRAY X0 [2,4) X1 [0,4); QUEUE Q0 [1,4)
 * Q1 [0,3)). The zero page has none: it never receives data.
 */
const PROBE: Readonly<Record<Frame, number | null>> = {
  U0: 1,
  U1: 0,
  U2: 1,
  U3: 1,
  ZP: null,
  K0: 2,
  K1: 0,
  B0: 0,
  B1: 0,
  X0: 2,
  X1: 0,
  Q0: 1,
  Q1: 0,
  // FilePrivate: the whole page of user page 5 (FILEMAP's buffer); a DMA into F0, the page
  // cache, would show there too (a destination GUP must have broken COW first).
  F0: 1,
  U5: 1,
};
/**
 * Each iterator layout's first page and the offset its data starts at (the spec's
 * ExpectedOffset0): the DMA into that page starts at the bio's *offset0 (bv_offset of the first
 * bvec), so where *offset0 is wrong (KvecOffset0Bug: 0 for KVEC) the device's bytes land before
 * the probe, over K0's other slab object, and the frame does not hold the I/O's data.
 */
const FIRST_PAGE: Readonly<Record<string, readonly [Frame, number]>> = {
  UBUF: ['U0', 1],
  IOVEC: ['U2', 1],
  KVEC: ['K0', 2],
  BVEC: ['B0', 0],
  XARRAY: ['X0', 2],
  QUEUE: ['Q0', 1],
  FILEMAP: ['U5', 0],
};
/** What the device holds where the direct I/Os read (their ranges' first 6 model bytes). */
const DMA_PATTERN = 0xd5;
/** FilePrivate: the privately mapped file's bytes, and what the process's store writes. */
const FILE_PATTERN = 0x46;
const STORE_PATTERN = 0x53;
/** FilePrivate: the store's offset in user page 5 (model byte 2), where u5.byte, f0.byte and
 * wrote read. */
const STORE_OFFSET = 2;

/** u5.byte, f0.byte, wrote: a byte named by the pattern it is (the spec's FILE, STORE, DMA). */
function patternName(byte: number | undefined): string {
  if (byte === FILE_PATTERN) return 'FILE';
  if (byte === STORE_PATTERN) return 'STORE';
  if (byte === DMA_PATTERN) return 'DMA';
  return `0x${(byte ?? -1).toString(16)}`;
}

/** A set of frames, in frame order. */
function frameList(frames: readonly string[]): string {
  return FRAMES.filter((f) => frames.includes(f)).join(',');
}

/** The frames `has` holds (given each frame and its FRAMES index), in frame order: frameList. */
function frameSetList(has: (f: Frame, i: number) => boolean): string {
  let out = '';
  for (let i = 0; i < FRAMES.length; i++) {
    const f = FRAMES[i] as Frame;
    if (has(f, i)) out = out === '' ? f : `${out},${f}`;
  }
  return out;
}

/** FRAMES index of folio's frame in a frames() list (its last frame, as the map kept), or -1. */
function frameOf(folios: readonly (Folio | undefined)[], folio: Folio): number {
  for (let i = folios.length - 1; i >= 0; i--) if (folios[i] === folio) return i;
  return -1;
}

interface BioObservation {
  st: string;
  cleanup: string;
  pages: string;
  bytes: number;
  offset0: number | null;
  array: string;
  err: string;
}

/** Each bio's observation keys, built once rather than per key and step. */
const BIO_KEYS = {
  1: {
    st: 'bio1.st',
    cleanup: 'bio1.cleanup',
    pages: 'bio1.pages',
    bytes: 'bio1.bytes',
    offset0: 'bio1.offset0',
    array: 'bio1.array',
    err: 'bio1.err',
  },
  2: {
    st: 'bio2.st',
    cleanup: 'bio2.cleanup',
    pages: 'bio2.pages',
    bytes: 'bio2.bytes',
    offset0: 'bio2.offset0',
    array: 'bio2.array',
    err: 'bio2.err',
  },
} as const;

/**
 * Adds bio b's keys to obs, in the order of BioObservation's fields. Set one by one with keys
 * built once: an object literal with computed keys merged by Object.assign cost about ten times
 * more per observation (a replay hot spot), for the same keys in the same order.
 */
function setBioKeys(
  obs: Record<string, StepObservation[string]>,
  b: (typeof BIOS)[number],
  o: BioObservation,
): void {
  const k = BIO_KEYS[b];
  obs[k.st] = o.st;
  obs[k.cleanup] = o.cleanup;
  obs[k.pages] = o.pages;
  obs[k.bytes] = o.bytes;
  obs[k.offset0] = o.offset0;
  obs[k.array] = o.array;
  obs[k.err] = o.err;
}

/**
 * The model's `data`: the frames a DEST I/O that completed without error listed (the device
 * wrote them), page-cache frames only while cached, never the zero page.
 */
function modelData(bios: ModelValue, cached: readonly string[], x1Zeroed: boolean): string {
  const filled: string[] = [];
  for (const b of BIOS) {
    const r: ModelValue = apply(bios, b, 'bio');
    const field = (k: string) => apply(r, k, `bio[${b}]`);
    if (asString(field('st'), 'st') !== 'DONE') continue;
    if (asString(field('err'), 'err') !== 'NONE' || asString(field('dir'), 'dir') !== 'DEST')
      continue;
    const first = FIRST_PAGE[asString(field('iter'), 'iter')];
    const misplaced = first !== undefined && asInt(field('offset0'), 'offset0') !== first[1];
    for (const f of asSet(field('pages'))) {
      const frame = asString(f, 'pages');
      if (!(misplaced && frame === first[0])) filled.push(frame);
    }
  }
  return frameList(
    filled.filter(
      (f) =>
        f !== 'ZP' &&
        ((f !== 'X0' && f !== 'X1') || cached.includes(f)) &&
        !(f === 'X1' && x1Zeroed),
    ),
  );
}

function observeModel(_prev: ModelState | undefined, state: ModelState): StepObservation {
  const pins = stateVar(state, 'pins');
  const refs = stateVar(state, 'refs');
  const bios = stateVar(state, 'bio');
  const large = asBool(stateVar(state, 'largeFolio'), 'largeFolio');
  const pin = (f: Frame) => asInt(apply(pins, f, 'pins'), `pins[${f}]`);
  const ref = (f: Frame) => asInt(apply(refs, f, 'refs'), `refs[${f}]`);
  // The folio at user page 0: U0's own, or with LargeFolio the one U0 and U1 share.
  const u0Pins = large ? pin('U0') + pin('U1') : pin('U0');
  const u0Refs = large ? ref('U0') + ref('U1') : ref('U0');
  const obs: Record<string, StepObservation[string]> = {
    pins: large ? largeCountList(pin, u0Pins, pin('Q0') + pin('Q1')) : countList(pin),
    refs: large ? largeCountList(ref, u0Refs, ref('Q0') + ref('Q1')) : countList(ref),
    'u0.refcount': u0Pins * (large ? 1 : GUP_PIN_COUNTING_BIAS) + u0Refs,
    'u0.dmaPinned': u0Pins > 0,
    pinAcquired: asInt(stateVar(state, 'pinAcquired'), 'pinAcquired'),
    pinReleased: asInt(stateVar(state, 'pinReleased'), 'pinReleased'),
    zeroMapped: asBool(stateVar(state, 'zeroMapped'), 'zeroMapped'),
    cached: frameList(asSet(stateVar(state, 'cached')).map((x) => asString(x, 'cached'))),
    data: modelData(
      bios,
      asSet(stateVar(state, 'cached')).map((x) => asString(x, 'cached')),
      asBool(stateVar(state, 'x1Zeroed'), 'x1Zeroed'),
    ),
  };
  if (asBool(stateVar(state, 'overCache'), 'overCache'))
    obs.devCached = BIOS.filter((b) =>
      asSet(stateVar(state, 'devCached')).some((c) => asInt(c, 'devCached') === b),
    ).join(',');
  if (asBool(stateVar(state, 'mapDevice'), 'mapDevice')) {
    const devMap = stateVar(state, 'devMap');
    obs.devMap = BIOS.map((c) => [c, asString(apply(devMap, c, 'devMap'), `devMap[${c}]`)])
      .filter(([, m]) => m !== 'NONE')
      .map(([c, m]) => `${c}=${m}`)
      .join(',');
  }
  if (asBool(stateVar(state, 'filePrivate'), 'filePrivate')) {
    // The file mapping (FilePrivate): what user page 5 maps, what the process reads at its
    // store offset, what the page-cache page holds there (the spec never writes F0: only the
    // file's bytes), and what each FILEMAP write put on the device.
    const wrote = stateVar(state, 'wrote');
    obs.p5 = asString(stateVar(state, 'p5'), 'p5');
    obs['u5.byte'] = asString(stateVar(state, 'u5Byte'), 'u5Byte');
    obs['f0.byte'] = 'FILE';
    obs.wrote = BIOS.map((b) => [b, asString(apply(wrote, b, 'wrote'), `wrote[${b}]`)])
      .filter(([, w]) => w !== 'NONE')
      .map(([b, w]) => `${b}=${w}`)
      .join(',');
  }
  for (const b of BIOS) {
    const r: ModelValue = apply(bios, b, 'bio');
    const field = (k: string) => apply(r, k, `bio[${b}]`);
    const bytes = asInt(field('bytes'), 'bytes');
    const pages = asSet(field('pages')).map((x) => asString(x, 'pages'));
    const st = asString(field('st'), 'st');
    // Spec divergence (reported): the spec lets an I/O whose extraction lists nothing (XARRAY
    // over a hole at X0) go INFLIGHT with 0 bytes. The kernel fails it: __bio_iov_iter_get_pages
    // returns "size ? size : -EFAULT" for size 0 and bio_iov_iter_get_pages returns that error
    // when bi_vcnt == 0 (block/bio.c), so nothing is attached and nothing is released. Both hold
    // no page, so the observation reads such a bio as FAILED with no cleanup.
    // (A read wholly in a sparse file's hole, iter HOLE, has no bio by design: DONE as it is.)
    const extractedNothing =
      (st === 'INFLIGHT' || st === 'DONE') &&
      bytes === 0 &&
      pages.length === 0 &&
      asString(field('iter'), 'iter') !== 'HOLE';
    setBioKeys(obs, b, {
      st: extractedNothing ? 'FAILED' : st,
      cleanup: extractedNothing ? 'NONE' : asString(field('cleanup'), 'cleanup'),
      pages: frameList(pages),
      bytes,
      offset0: bytes > 0 ? asInt(field('offset0'), 'offset0') : null,
      array: asString(field('array'), 'array'),
      err: asString(field('err'), 'err'),
    });
  }
  return obs;
}

/** What the driver knows about one of the scenario's two direct I/Os. */
interface BioSlot {
  st: 'IDLE' | 'INFLIGHT' | 'DONE' | 'FAILED';
  /** The bios the direct I/O submitted (empty when it failed at once). */
  bios: bio[];
  /** What ki_complete was given (byte count or -errno); null until the I/O completed. */
  result: number | null;
  dir: 'DEST' | 'SOURCE';
  /** Page arrays an extraction allocated for this I/O and nobody freed. */
  arraysLeaked: number;
  /** Submit failed because extraction listed nothing (see observeModel): Complete is a no-op. */
  extractedNothing: boolean;
  /** The spec's iterator type the I/O was submitted with ('' before). */
  iter: string;
}

/** User pages the process maps: 0..2 written (private), 3 read-faulted (the zero page). */
const USER_PAGES = 4;
/** Where LargeFolio's mapping goes: a 16 KiB (order-2) boundary. */
const LARGE_MAP_ADDR = 0x4000_0000;
/** SubmitMisaligned: the first iovec's length (not a multiple of the 512-byte logical block). */
const MISALIGNED_IOV0 = 1948;
/** SubmitFault's buffer: far past the mapping, so GUP finds no vma (-EFAULT). */
const UNMAPPED_PAGE = 64;
/** SecretRest: the memfd_secret page's user page (the gap vm_mmap leaves after the user pages). */
const SECRET_PAGE = 4;
/**
 * The device: the data file (X0, X1) at pages 0-1, the privately mapped file (FilePrivate, F0)
 * at page 2, the direct I/Os' target area at pages 4-19; with DeviceEnd the
 * last 3 model bytes of page 63 (ReadCrossEnd).
 */
const DEVICE_PAGES = 64;
const DATA_FILE_PAGES = 2;
const MAPPED_FILE_PAGE = 2;
const TARGET_START_PAGE = 4;
/** Each of the two direct I/Os has its own 8-page range of the device's target area. */
const IO_SPAN = 8 * PAGE_SIZE;
/** ManyIovecs: SubmitMany's iovecs (one more than BIO_MAX_VECS), 1024 bytes each. */
const MANY_IOVS = 257;
/**
 * ManyIovecs: each I/O's SubmitMany range (257 KiB, in 68 pages) past the DEVICE_PAGES the
 * other requests use; the device is 2 * MANY_SPAN_PAGES pages longer.
 */
const MANY_SPAN_PAGES = 68;
const manyPos = (b: number) => (DEVICE_PAGES + (b - 1) * MANY_SPAN_PAGES) * PAGE_SIZE;
/** Device offset of direct I/O b's range. */
const ioPos = (b: number) => TARGET_START_PAGE * PAGE_SIZE + (b - 1) * IO_SPAN;
/** DeviceEndOdd: how many real bytes ReadCrossEndOdd's read is longer than ReadCrossEnd's. */
const ODD_EXTRA = 100;
/** DeviceEnd: where ReadCrossEnd's 6-byte read starts, 3 model bytes before the device's end. */
const END_READ_POS = DEVICE_PAGES * PAGE_SIZE - 3 * UNIT;
/** LargeBlock: the second device's logical block size and its size in pages. */
const LARGE_BLOCK_SIZE = 4096;
const LARGE_BLOCK_DEVICE_PAGES = 16;
/** FileHole: the sparse file's extent (two pages past the target area). */
const HOLE_FILE_PAGE = 24;

/** MapDevice: the process's mappings of the I/O ranges (addrs[c - 1]) and the write's first byte. */
interface DevMapping {
  addrs: number[];
  written: number;
}

class PinUnpinDriver implements ReferenceDriver {
  private readonly k: Kernel;
  private readonly mm: MmStruct;
  private readonly base: number;
  private readonly bdev: block_device;
  private readonly kvecBase: number;
  private readonly bvecPages: readonly [Page, Page];
  /** The data file whose page cache holds X0 and X1. */
  private readonly dataFile: inode;
  /** The direct I/O target: the block device, opened O_DIRECT. */
  private readonly target: file;
  /** LargeBlock: the second block device (4 KiB logical blocks), opened O_DIRECT; else null. */
  private readonly largeBlockTarget: file | null;
  /** FileHole: the sparse file (no block mapped), opened O_DIRECT; else null. */
  private readonly holeTarget: file | null;
  private readonly xFolios: readonly [Folio, Folio];
  /** The folios of the queue iterator's buffer. */
  private readonly qFolios: readonly [Folio, Folio];
  /** Kernel frames: references held by their owners (slab, caller, page cache), not by extraction. */
  private readonly ownerRefs = new Map<Frame, number>();
  private readonly cached = new Set<Frame>(['X0', 'X1']);
  private readonly bios = new Map<number, BioSlot>();
  private readonly vmstat0: { acquired: number; released: number };
  /** The frames whose folio never changes (ZP and the kernel frames), indexed as FRAMES. */
  private readonly fixedFrames: (Folio | undefined)[] = FRAMES.map(() => undefined);
  /** The kernel frames' pages (the `data` probes), indexed as FRAMES. */
  private readonly kernelFramePages: (Page | undefined)[] = FRAMES.map(() => undefined);
  /** frames()'s list, reused by every observation. */
  private readonly frameFolios: (Folio | undefined)[] = FRAMES.map(() => undefined);

  /** The large folio holding U0 and U1 (LargeFolio), else null. */
  private readonly largeFolio: Folio | null;
  /** The folio at user page 0 and its refcount after set-up (the mapping's references). */
  private readonly u0Folio: Folio;
  private readonly u0Refs0: number;
  /** Nofault: every submitted iterator carries i->nofault (FOLL_NOFAULT for its GUP). */
  private readonly nofault: boolean;
  /** WriteOverCache: observe the block device's page cache over the I/O ranges (devCached). */
  private readonly overCache: boolean;
  /**
   * FilePrivate: user page 5, one page of a file mapped MAP_PRIVATE (its address), and the
   * file's page-cache folio F0; null otherwise.
   */
  private readonly fileMap: { addr: number; f0: Folio } | null;
  /**
   * MapDevice: where the process maps each I/O range's first two pages of the block device
   * (MAP_PRIVATE; addrs[c - 1] for range c) and the byte the UBUF write sends first (user page 0
   * at model byte 1); null otherwise.
   */
  private readonly devMapping: DevMapping | null;

  constructor(
    profile: string,
    largeFolio: boolean,
    nofault: boolean,
    filePrivate: boolean,
    deviceEnd: boolean,
    fileLazy: boolean,
    largeBlock: boolean,
    fileEof: boolean,
    manyIovecs: boolean,
    overCache: boolean,
    fileHole: boolean,
    secretRest: boolean,
    mapDevice: boolean,
  ) {
    this.k = kernelFor(profile);
    this.nofault = nofault;
    this.overCache = overCache;
    const set = with_kernel(this.k, () => {
      const mm = mm_alloc();
      let base: number;
      let large: Folio | null = null;
      if (largeFolio) {
        // A 16 KiB-aligned mapping two pages longer in front: the write fault at user page 0
        // maps one order-2 folio over the mapping's first four pages (user pages -2..1); user
        // page 2's aligned block runs past the mapping's end, so its fault falls back to a
        // small page, as the kernel's alloc_anon_folio does.
        const start = vm_mmap(mm, LARGE_MAP_ADDR, (LARGE_U0_INDEX + USER_PAGES) * PAGE_SIZE);
        if (start < 0) throw new AdapterError(`PinUnpin: vm_mmap failed (${start})`);
        base = start + LARGE_U0_INDEX * PAGE_SIZE;
        if (do_anonymous_large_folio(mm, base, LARGE_ORDER) !== 0)
          throw new AdapterError('PinUnpin: cannot fault in the large folio at user page 0');
        large = mm.ptes.get(base / PAGE_SIZE)?.page.folio ?? null;
        if (large === null || large.order !== LARGE_ORDER)
          throw new AdapterError('PinUnpin: user page 0 is not in an order-2 folio');
      } else {
        base = vm_mmap(mm, 0, USER_PAGES * PAGE_SIZE);
        if (base < 0) throw new AdapterError(`PinUnpin: vm_mmap failed (${base})`);
      }
      for (let v = large === null ? 0 : 2; v < USER_PAGES; v++) {
        // Pages 0..2 written by the process (private, exclusive); page 3 only read, so
        // do_anonymous_page maps the shared zero page (mm/memory.c).
        const flags = v < 3 ? FAULT_FLAG_WRITE : 0;
        // With mTHP enabled every anonymous write fault tries the large order first: user page
        // 2's aligned block runs past the mapping, so it falls back to a small page.
        const ret =
          large !== null && flags === FAULT_FLAG_WRITE
            ? do_anonymous_large_folio(mm, base + v * PAGE_SIZE, LARGE_ORDER)
            : handle_mm_fault(mm, base + v * PAGE_SIZE, flags);
        if (ret !== 0) throw new AdapterError(`PinUnpin: cannot fault in user page ${v}`);
      }
      if (large !== null && mm.ptes.get(base / PAGE_SIZE + 2)?.page.folio.order !== 0)
        throw new AdapterError('PinUnpin: user page 2 is not a small folio');
      // K0, K1: the kvec's buffer is one kmalloc'd object of 5 model bytes at offset 2 of K0
      // (the layout <<(K0+2,0),(K0+2,2),(K1+0,3)>> splits it in three), packed after another
      // 2 KiB object of the same slab page, as kmalloc packs objects (mm/slub.c): K0 is the page
      // the first object got, K1 the one the buffer runs into.
      const kvecBase = kmalloc_page_aligned(2 * UNIT);
      const kvecBuf = kmalloc(5 * UNIT);
      if (kvecBuf !== kvecBase + 2 * UNIT)
        throw new AdapterError('PinUnpin: the kvec buffer is not at offset 2 of K0');
      const bvecPages: [Page, Page] = [alloc_page(), alloc_page()];
      const bdev = bdev_alloc((DEVICE_PAGES + (manyIovecs ? 2 * MANY_SPAN_PAGES : 0)) * PAGE_SIZE);
      const dataBytes = DATA_FILE_PAGES * PAGE_SIZE;
      // The data file's contents on the medium, so read_folio has bytes to bring in.
      bdev.write(0, filledBytes(dataBytes, 0x58));
      const dataFile = create_file(bdev, 0, dataBytes, dataBytes);
      // What the direct I/Os read: each I/O's range starts with DMA_PATTERN (the `data` probes).
      for (const b of BIOS) bdev.write(ioPos(b), filledBytes(6 * UNIT, DMA_PATTERN));
      // ManyIovecs: what SubmitMany reads, its whole range (each iovec lands on a probe or not).
      if (manyIovecs)
        for (const b of BIOS) bdev.write(manyPos(b), filledBytes(MANY_IOVS * UNIT, DMA_PATTERN));
      // DeviceEnd: what ReadCrossEnd reads, the device's last 3 model bytes.
      if (deviceEnd) bdev.write(END_READ_POS, filledBytes(3 * UNIT, DMA_PATTERN));
      // The file's page cache: X0 at index 0, X1 at index 1, read in through a_ops->read_folio;
      // the allocation ref becomes the cache's (filemap_add_folio).
      const xFolios: [Folio, Folio] = [
        filemap_get_uptodate_folio(dataFile.i_mapping, 0),
        filemap_get_uptodate_folio(dataFile.i_mapping, 1),
      ];
      // The block device itself, opened O_DIRECT, as the QEMU guest does (block/fops.c
      // blkdev_direct_IO: one bio per request of at most BIO_MAX_VECS pages).
      const target = filp_open(bdev_inode(bdev), O_DIRECT);
      // With LargeFolio, Q0 and Q1 are the two pages of one order-1 folio.
      const q = large === null ? null : folio_alloc(1);
      const qFolios: [Folio, Folio] = q === null ? [folio_alloc(0), folio_alloc(0)] : [q, q];
      // FilePrivate: mmap(MAP_PRIVATE) of a one-page file, read once by the process, so its
      // PTE maps the page-cache folio F0 read-only (mm/memory.c do_read_fault). FileLazy: the
      // file's page is already cached (read in now, as the file's earlier write left it; the
      // guest's tmpfs page always is) and the mapping is not touched: no PTE.
      let fileMap: { addr: number; f0: Folio } | null = null;
      if (filePrivate) {
        bdev.write(MAPPED_FILE_PAGE * PAGE_SIZE, filledBytes(PAGE_SIZE, FILE_PATTERN));
        const mapped = create_file(bdev, MAPPED_FILE_PAGE * PAGE_SIZE, PAGE_SIZE, PAGE_SIZE);
        if (fileLazy) filemap_get_uptodate_folio(mapped.i_mapping, 0);
        // FileEof: the mapping is two pages long, the second (user page 6) past i_size.
        const addr = vm_mmap_file_private(mm, mapped.i_mapping, (fileEof ? 2 : 1) * PAGE_SIZE);
        if (addr < 0) throw new AdapterError(`PinUnpin: mmap of the file failed (${addr})`);
        if (!fileLazy && handle_mm_fault(mm, addr, 0) !== 0)
          throw new AdapterError('PinUnpin: cannot read-fault the file mapping');
        const f0 = filemap_lookup(mapped.i_mapping, 0);
        if (f0 === undefined) throw new AdapterError('PinUnpin: the file page is not cached');
        const mappedNow = mm.ptes.get(addr / PAGE_SIZE)?.page.folio;
        if (fileLazy ? mappedNow !== undefined : mappedNow !== f0)
          throw new AdapterError(
            `PinUnpin: user page 5 ${fileLazy ? 'has a PTE' : 'does not map the page-cache page'}`,
          );
        fileMap = { addr, f0 };
      }
      // LargeBlock: a second device whose logical block is 4 KiB (the guest's loop device after
      // LOOP_SET_BLOCK_SIZE 4096), opened O_DIRECT.
      const largeBlockTarget = largeBlock
        ? filp_open(
            bdev_inode(bdev_alloc(LARGE_BLOCK_DEVICE_PAGES * PAGE_SIZE, LARGE_BLOCK_SIZE)),
            O_DIRECT,
          )
        : null;
      // FileHole: a sparse file of two pages (created empty, then extended by ftruncate: i_size
      // covers it, no block is mapped) in the device's free pages, opened O_DIRECT.
      let holeTarget: file | null = null;
      if (fileHole) {
        const hole = create_file(bdev, HOLE_FILE_PAGE * PAGE_SIZE, 2 * PAGE_SIZE, 0);
        do_truncate(hole, 2 * PAGE_SIZE);
        holeTarget = filp_open(hole, O_DIRECT);
      }
      // SecretRest: user page 4 (the guard gap after the user pages) a page of memfd_secret
      // memory, user page 5 left unmapped.
      if (secretRest) {
        const at = base + SECRET_PAGE * PAGE_SIZE;
        if (vm_mmap_secretmem(mm, PAGE_SIZE, at) !== at)
          throw new AdapterError('PinUnpin: cannot map the secretmem page at user page 4');
        if (vma_lookup(mm, at + PAGE_SIZE) !== undefined)
          throw new AdapterError('PinUnpin: user page 5 is mapped');
      }
      // MapDevice: mmap(MAP_PRIVATE) of each I/O range's first two pages of the block device,
      // not touched yet (no pte).
      let devMapping: DevMapping | null = null;
      if (mapDevice) {
        const addrs = BIOS.map((c) =>
          vm_mmap_file_private(
            mm,
            target.f_inode.i_mapping,
            2 * PAGE_SIZE,
            0,
            ioPos(c) / PAGE_SIZE,
          ),
        );
        if (addrs.some((a) => a < 0))
          throw new AdapterError(`PinUnpin: mmap of the block device failed (${addrs})`);
        const written = read_user(mm, base + UNIT, 1)[0] as number;
        if (written === DMA_PATTERN)
          throw new AdapterError('PinUnpin: the UBUF write would send the device its own bytes');
        devMapping = { addrs, written };
      }
      return {
        devMapping,
        holeTarget,
        largeBlockTarget,
        mm,
        base,
        bdev,
        kvecBase,
        bvecPages,
        dataFile,
        xFolios,
        qFolios,
        target,
        large,
        fileMap,
      };
    });
    this.fileMap = set.fileMap;
    this.devMapping = set.devMapping;
    this.largeFolio = set.large;
    this.u0Folio = set.large ?? this.userPageOf(set.mm, set.base, 0).folio;
    this.u0Refs0 = this.u0Folio._refcount;
    this.mm = set.mm;
    this.base = set.base;
    this.bdev = set.bdev;
    this.kvecBase = set.kvecBase;
    this.bvecPages = set.bvecPages;
    this.dataFile = set.dataFile;
    this.xFolios = set.xFolios;
    this.qFolios = set.qFolios;
    this.target = set.target;
    this.largeBlockTarget = set.largeBlockTarget;
    this.holeTarget = set.holeTarget;
    this.fixedFrames[FRAMES.indexOf('ZP')] = with_kernel(this.k, () => ZERO_PAGE().folio);
    for (const [f, folio] of this.kernelFolios()) {
      this.ownerRefs.set(f, folio._refcount);
      this.fixedFrames[FRAMES.indexOf(f)] = folio;
    }
    for (const [f, page] of this.kernelPages()) this.kernelFramePages[FRAMES.indexOf(f)] = page;
    if (this.fileMap !== null) {
      this.fixedFrames[F0_INDEX] = this.fileMap.f0;
      this.kernelFramePages[F0_INDEX] = this.fileMap.f0.page(0);
    }
    for (const b of BIOS)
      this.bios.set(b, {
        st: 'IDLE',
        bios: [],
        result: null,
        dir: 'DEST',
        arraysLeaked: 0,
        extractedNothing: false,
        iter: '',
      });
    this.vmstat0 = {
      acquired: this.k.vmstat.nr_foll_pin_acquired,
      released: this.k.vmstat.nr_foll_pin_released,
    };
  }

  /** The page of each kernel frame (the one its probe byte is read from). */
  private kernelPages(): [Frame, Page][] {
    const [q0, q1] = this.qFolios;
    return with_kernel(this.k, () => [
      ['K0', virt_to_page(this.kvecBase)],
      ['K1', virt_to_page(this.kvecBase + PAGE_SIZE)],
      ['B0', this.bvecPages[0]],
      ['B1', this.bvecPages[1]],
      ['X0', this.xFolios[0].page(0)],
      ['X1', this.xFolios[1].page(0)],
      ['Q0', q0.page(0)],
      // LargeFolio: Q0 and Q1 are the two pages of one order-1 folio.
      ['Q1', q0 === q1 ? q0.page(1) : q1.page(0)],
    ]);
  }

  /**
   * MapDevice: devMap, per I/O range whose first page has a pte in the process's mapping of the
   * device, what that page holds at the range's first byte (OLD: DMA_PATTERN, NEW: the write's).
   */
  private observeDevMap(m: DevMapping): string {
    const out: string[] = [];
    for (const c of BIOS) {
      const pte = this.mm.ptes.get((m.addrs[c - 1] as number) / PAGE_SIZE);
      if (pte === undefined) continue;
      const byte = pte.page.folio.peek(pte.page.index_in_folio * PAGE_SIZE, 1)[0];
      const name =
        byte === DMA_PATTERN ? 'OLD' : byte === m.written ? 'NEW' : `0x${byte?.toString(16)}`;
      out.push(`${c}=${name}`);
    }
    return out.join(',');
  }

  /** WriteOverCache: whether I/O range c's first page is in the block device's page cache. */
  private devCached(c: number): boolean {
    return filemap_lookup(this.target.f_inode.i_mapping, ioPos(c) / PAGE_SIZE) !== undefined;
  }

  /** Whether page-cache frame x is still in the data file's i_pages (filemap_get_folio). */
  private isCached(x: 'X0' | 'X1'): boolean {
    const index = x === 'X0' ? 0 : 1;
    return filemap_lookup(this.dataFile.i_mapping, index) === this.xFolios[index];
  }

  /**
   * `data`: the frames whose page holds DMA_PATTERN at the frame's probe byte (Folio.peek),
   * i.e. where the device DMA'd an I/O's data; user page 3 only once it left the zero page, a
   * page-cache frame only while cached.
   */
  private observeData(): string {
    return frameSetList((f, i) => {
      const probe = PROBE[f];
      if (probe === null) return false;
      let page: Page | undefined;
      if (i < USER_PAGES) {
        page = this.userPage(i);
        if (page.folio.is_zero) return false;
      } else if (i === U5_INDEX) {
        page = this.u5Page();
        if (page === undefined) return false;
      } else if (i === F0_INDEX && this.fileMap === null) {
        return false; // no file mapping without FilePrivate
      } else {
        page = this.kernelFramePages[i];
        if (page === undefined) throw new AdapterError(`PinUnpin: frame ${f} has no page`);
        if ((f === 'X0' || f === 'X1') && !this.isCached(f)) return false;
      }
      const at = page.index_in_folio * PAGE_SIZE + probe * UNIT;
      return page.folio.peek(at, 1)[0] === DMA_PATTERN;
    });
  }

  private kernelFolios(): [Frame, Folio][] {
    return with_kernel(this.k, () => [
      ['K0', virt_to_page(this.kvecBase).folio],
      ['K1', virt_to_page(this.kvecBase + PAGE_SIZE).folio],
      ['B0', this.bvecPages[0].folio],
      ['B1', this.bvecPages[1].folio],
      ['X0', this.xFolios[0]],
      ['X1', this.xFolios[1]],
      ['Q0', this.qFolios[0]],
      ['Q1', this.qFolios[1]],
    ]);
  }

  /** References a kernel frame's owners hold (slab, caller, page cache). */
  private ownerRef(f: Frame): number {
    const n = this.ownerRefs.get(f);
    if (n === undefined) throw new AdapterError(`PinUnpin: ${f} is not a kernel frame`);
    return n;
  }

  /** FilePrivate: the page user page 5 maps now, if it is the private copy (U5). */
  private u5Page(): Page | undefined {
    if (this.fileMap === null) return undefined;
    const page = this.mm.ptes.get(this.fileMap.addr / PAGE_SIZE)?.page;
    return page === undefined || page.folio === this.fileMap.f0 ? undefined : page;
  }

  /** The page user page v maps now. */
  private userPage(v: number): Page {
    return this.userPageOf(this.mm, this.base, v);
  }

  private userPageOf(mm: MmStruct, base: number, v: number): Page {
    const pte = mm.ptes.get(Math.floor((base + v * PAGE_SIZE) / PAGE_SIZE));
    if (pte === undefined) throw new AdapterError(`PinUnpin: user page ${v} is not mapped`);
    return pte.page;
  }

  /**
   * Each frame's folio as of now, indexed as FRAMES (U3 exists once user page 3 left the zero
   * page; undefined for a frame with no folio). Only the user pages can change: the zero page
   * and the kernel frames' folios are fixed at set-up (fixedFrames). The list is read as the
   * folio -> frame map it replaces was built, inserting frames in FRAMES order, a later frame
   * of the same folio replacing an earlier one: frameOf finds a folio's last frame, and a frame
   * whose folio a later frame also names has no folio here. Rebuilt per observation into one
   * reused array (observe is synchronous and keeps no reference to it): a Map per step and the
   * inverse Map built from it were PinUnpin's costliest replay lines.
   */
  private frames(): (Folio | undefined)[] {
    const m = this.frameFolios;
    for (let i = 0; i < FRAMES.length; i++) m[i] = this.fixedFrames[i];
    for (let v = 0; v < USER_PAGES; v++) {
      const folio = this.userPage(v).folio;
      m[v] = folio.is_zero ? undefined : folio;
    }
    if (this.fileMap !== null) m[U5_INDEX] = this.u5Page()?.folio;
    for (let i = 0; i < FRAMES.length; i++) {
      const folio = m[i];
      if (folio === undefined) continue;
      for (let j = i + 1; j < FRAMES.length; j++)
        if (m[j] === folio) {
          m[i] = undefined;
          break;
        }
    }
    return m;
  }

  apply(action: ScenarioAction): void {
    with_kernel(this.k, () => this.step(action));
  }

  private slot(action: ScenarioAction): BioSlot {
    const b = param(action, 'bio', 'number');
    const s = this.bios.get(b);
    if (s === undefined) throw new AdapterError(`PinUnpin: ${action.name}: no bio ${b}`);
    return s;
  }

  /** The action's bio slot, which a submission must find unused. */
  private idleSlot(action: ScenarioAction): BioSlot {
    const s = this.slot(action);
    if (s.st !== 'IDLE') throw new AdapterError(`PinUnpin: ${action.name} on a bio already used`);
    return s;
  }

  /** The action's direction parameter. */
  private dirParam(action: ScenarioAction): 'DEST' | 'SOURCE' {
    const dir = param(action, 'dir', 'string');
    if (dir !== 'DEST' && dir !== 'SOURCE')
      throw new AdapterError(`PinUnpin: ${action.name}: dir must be DEST or SOURCE, got ${dir}`);
    return dir;
  }

  private step(action: ScenarioAction): void {
    switch (action.name) {
      case 'Submit': {
        const dir = this.dirParam(action);
        const s = this.idleSlot(action);
        const t = param(action, 'iter', 'string');
        const iter = this.buildIter(t, dir);
        s.iter = t;
        const ret = this.submit(s, param(action, 'bio', 'number'), dir, iter);
        // An iterator that was accepted but had nothing to extract left its count untouched.
        if (ret !== -EIOCBQUEUED)
          s.extractedNothing = ret === -EFAULT && iter.count === iter.init_count && t === 'XARRAY';
        return;
      }
      case 'SubmitSync': {
        const dir = this.dirParam(action);
        const s = this.idleSlot(action);
        const t = param(action, 'iter', 'string');
        s.iter = t;
        this.submitSync(s, param(action, 'bio', 'number'), dir, this.buildIter(t, dir));
        return;
      }
      case 'SubmitFault': {
        const t = param(action, 'iter', 'string');
        if (!USER_TYPES.has(t))
          throw new AdapterError(`PinUnpin: SubmitFault needs a user iterator, got ${t}`);
        const s = this.idleSlot(action);
        const len = 6 * UNIT;
        const iter = this.unmappedIter(t);
        iter.nofault = this.nofault;
        const before = page_arrays_outstanding(this.k);
        // *pages == NULL: extraction allocates the array. A caller seeing an error has nothing
        // to free, so whatever is still allocated afterwards is leaked.
        const pages = { value: null as PageSlot[] | null };
        const ret = this.k.profile.has_extract_api
          ? iov_iter_extract_pages(iter, pages, len, 0xffff, 0, { value: 0 })
          : iov_iter_get_pages_alloc2(iter, pages, len, { value: 0 });
        if (ret >= 0)
          throw new AdapterError(`PinUnpin: extraction from an unmapped address returned ${ret}`);
        s.dir = 'DEST';
        s.st = 'FAILED';
        s.arraysLeaked = page_arrays_outstanding(this.k) - before;
        return;
      }
      case 'SubmitPartial': {
        const s = this.idleSlot(action);
        const b = param(action, 'bio', 'number');
        const iter = this.partialIter();
        iter.nofault = this.nofault;
        const ret = this.submit(s, b, 'DEST', iter);
        // Without i->nofault GUP faults page 3 in and takes it; with it, the fault the zero
        // page needs is refused and the request may fail (the observation says which).
        if (ret !== -EIOCBQUEUED && !this.nofault)
          throw new AdapterError(
            'PinUnpin: SubmitPartial did not go in flight with the mapped part',
          );
        return;
      }
      case 'ReadCrossEnd':
        // The blkdev read cuts it at the device's end (blkdev_read_iter: iov_iter_truncate),
        // so the bio holds only what fits and goes in flight.
        this.submitAtDeviceEnd(action, 'DEST', END_READ_POS, -EIOCBQUEUED);
        return;
      case 'ReadCrossEndOdd':
        // The same read ODD_EXTRA bytes longer (off the logical block): cut at the device's
        // end before the alignment check, it goes exactly as ReadCrossEnd's.
        this.submitAtDeviceEnd(action, 'DEST', END_READ_POS, -EIOCBQUEUED, ODD_EXTRA);
        return;
      case 'WriteAtEnd':
        // blkdev_write_iter's -ENOSPC at the device's end: no bio.
        this.submitAtDeviceEnd(action, 'SOURCE', DEVICE_PAGES * PAGE_SIZE, -ENOSPC);
        return;
      case 'SubmitMisaligned':
      case 'SubmitMisalignedAddr': {
        // SubmitMisalignedAddr is always an IOVEC (the spec's action has no iter).
        const t = action.name === 'SubmitMisaligned' ? param(action, 'iter', 'string') : 'IOVEC';
        const dir = this.dirParam(action);
        const s = this.idleSlot(action);
        s.iter = t;
        const iter =
          action.name === 'SubmitMisaligned'
            ? this.misalignedIter(t, dir)
            : this.misalignedAddrIter(dir);
        const ret = this.submit(s, param(action, 'bio', 'number'), dir, iter);
        // blkdev_direct_IO's -EINVAL (iov_iter_is_aligned: a segment's length or address), before
        // any bio (submit checked none was queued).
        if (ret !== -EINVAL)
          throw new AdapterError(
            `PinUnpin: ${action.name} returned ${ret} at submission, not -EINVAL`,
          );
        return;
      }
      case 'SubmitContiguous': {
        const dir = this.dirParam(action);
        const s = this.idleSlot(action);
        s.iter = 'IOVEC';
        const ret = this.submit(s, param(action, 'bio', 'number'), dir, this.contiguousIter(dir));
        // One bio in flight (submit checked it queued one): the second iovec merged into the
        // first one's bvec (block/bio.c bio_iov_add_page / bio_iov_add_folio, same_page).
        if (ret !== -EIOCBQUEUED)
          throw new AdapterError(`PinUnpin: SubmitContiguous returned ${ret} at submission`);
        return;
      }
      case 'SubmitContiguousKvec': {
        const s = this.idleSlot(action);
        s.iter = 'KVEC';
        const ret = this.submit(
          s,
          param(action, 'bio', 'number'),
          'DEST',
          this.contiguousKvecIter(),
        );
        // In flight with one bio (6.12), or refused before any bio (6.1: -EFAULT).
        if (ret !== -EIOCBQUEUED && ret !== -EFAULT)
          throw new AdapterError(`PinUnpin: SubmitContiguousKvec returned ${ret} at submission`);
        return;
      }
      case 'SubmitMany': {
        const dir = this.dirParam(action);
        const fault = param(action, 'fault', 'string');
        if (fault !== 'NONE' && fault !== 'LAST' && fault !== 'FIRST')
          throw new AdapterError(`PinUnpin: SubmitMany: fault ${fault}`);
        const s = this.idleSlot(action);
        const b = param(action, 'bio', 'number');
        s.iter = 'MANY';
        const iter = this.manyIter(dir, fault);
        if (fault === 'FIRST') {
          // __blkdev_direct_IO ends its first bio at once (BLK_STS_IOERR, nothing extracted):
          // the kiocb completes with -EIO inside the call, which returns -EIOCBQUEUED all the
          // same; no bio reaches the device.
          const before = this.bdev.inflight.length;
          const iocb = init_async_kiocb(this.target, manyPos(b), (_iocb, res) => {
            if (s.result !== null) throw new AdapterError(`PinUnpin: I/O ${b} completed twice`);
            s.result = res;
          });
          const ret = direct_IO(iocb, iter);
          s.dir = dir;
          if (ret !== -EIOCBQUEUED || s.result !== -EIO || this.bdev.inflight.length !== before)
            throw new AdapterError(
              `PinUnpin: SubmitMany FIRST returned ${ret}, completed with ${s.result}`,
            );
          s.st = 'FAILED';
          return;
        }
        const ret = this.submit(s, b, dir, iter, manyPos(b));
        // Two bios (256 bvecs, then the last iovec), or the first alone when the last iovec
        // faulted (the second bio ended at submission).
        const bios = fault === 'LAST' ? 1 : 2;
        if (ret !== -EIOCBQUEUED || s.bios.length !== bios)
          throw new AdapterError(
            `PinUnpin: SubmitMany ${fault} returned ${ret} with ${s.bios.length} bios in flight`,
          );
        return;
      }
      case 'SubmitSyncPartial': {
        const s = this.idleSlot(action);
        s.iter = 'UBUF';
        this.submitSync(s, param(action, 'bio', 'number'), 'DEST', this.partialIter());
        // blkdev_read_iter returns the direct read's bytes: filemap_read's copy of the rest
        // faulted at once and it returns already_read ("return already_read ? already_read :
        // error"), not -EFAULT.
        if (s.st !== 'DONE' || s.result !== 3 * UNIT)
          throw new AdapterError(`PinUnpin: SubmitSyncPartial returned ${s.result}, not 3 KiB`);
        return;
      }
      case 'SubmitSyncSecret': {
        const s = this.idleSlot(action);
        const b = param(action, 'bio', 'number');
        s.iter = 'UBUF';
        this.submitSync(s, b, 'DEST', this.secretIter());
        // The direct read's 3 KiB, then filemap_read's copy of the next 4 KiB of the device into
        // the secret page up to the fault at user page 5: already_read, 7 KiB.
        if (s.st !== 'DONE' || s.result !== 7 * UNIT)
          throw new AdapterError(`PinUnpin: SubmitSyncSecret returned ${s.result}, not 7 KiB`);
        const got = with_kernel(this.k, () =>
          read_user(this.mm, this.base + SECRET_PAGE * PAGE_SIZE, PAGE_SIZE),
        );
        const want = this.bdev.read(ioPos(b) + 3 * UNIT, PAGE_SIZE);
        if (!got.every((x, i) => x === want[i]))
          throw new AdapterError('PinUnpin: the secret page does not hold the device bytes');
        return;
      }
      case 'SubmitWriteOverCache': {
        const s = this.idleSlot(action);
        const b = param(action, 'bio', 'number');
        const c = param(action, 'over', 'number');
        if (!this.overCache || !this.devCached(c))
          throw new AdapterError(`PinUnpin: SubmitWriteOverCache over range ${c}, not cached`);
        s.iter = 'UBUF';
        // The UBUF layout written at I/O c's range: blkdev_direct_write's kiocb_invalidate_pages
        // drops the cached page before blkdev_direct_IO (dio_submit).
        const iter = this.buildIter('UBUF', 'SOURCE');
        if (param(action, 'sync', 'boolean')) {
          this.submitSync(s, b, 'SOURCE', iter, ioPos(c));
          if (s.st !== 'DONE' || s.result !== 6 * UNIT)
            throw new AdapterError(`PinUnpin: SubmitWriteOverCache returned ${s.result}`);
        } else {
          const ret = this.submit(s, b, 'SOURCE', iter, ioPos(c));
          if (ret !== -EIOCBQUEUED)
            throw new AdapterError(`PinUnpin: SubmitWriteOverCache returned ${ret} at submission`);
        }
        return;
      }
      case 'SubmitHole': {
        const s = this.idleSlot(action);
        const b = param(action, 'bio', 'number');
        const buffer = param(action, 'buffer', 'string');
        const target = this.holeTarget;
        if (target === null) throw new AdapterError('PinUnpin: SubmitHole without FileHole');
        if (buffer !== 'MAPPED' && buffer !== 'PARTIAL')
          throw new AdapterError(`PinUnpin: SubmitHole into buffer ${buffer}`);
        s.iter = 'HOLE';
        s.dir = 'DEST';
        const iter = buffer === 'MAPPED' ? this.buildIter('UBUF', 'DEST') : this.partialIter();
        const iocb = init_async_kiocb(target, 0, (_iocb, res) => {
          if (s.result !== null) throw new AdapterError(`PinUnpin: I/O ${b} completed twice`);
          s.result = res;
        });
        const before = this.bdev.inflight.length;
        const ret = direct_IO(iocb, iter);
        // No bio, and the kiocb completed inside the call with what direct_IO returns.
        const want = buffer === 'MAPPED' ? 6 * UNIT : -EFAULT;
        if (ret !== want || s.result !== want || this.bdev.inflight.length !== before)
          throw new AdapterError(
            `PinUnpin: SubmitHole ${buffer} returned ${ret}, completed with ${s.result}`,
          );
        s.st = buffer === 'MAPPED' ? 'DONE' : 'FAILED';
        return;
      }
      case 'SubmitShortBlock': {
        const s = this.idleSlot(action);
        const target = this.largeBlockTarget;
        if (target === null)
          throw new AdapterError('PinUnpin: SubmitShortBlock without LargeBlock');
        s.iter = 'UBUF';
        // SubmitPartial's buffer, one 4 KiB block long: user page 3 from offset 1, then page 4.
        const iter = with_mm(this.mm, () =>
          iov_iter_ubuf(ITER_DEST, this.base + 13 * UNIT, LARGE_BLOCK_SIZE),
        );
        const ret = this.submit(s, param(action, 'bio', 'number'), 'DEST', iter, 0, target);
        // The 3 KiB extraction trimmed to nothing: -EFAULT, no bio.
        if (ret !== -EFAULT)
          throw new AdapterError(
            `PinUnpin: SubmitShortBlock returned ${ret} at submission, not -EFAULT`,
          );
        return;
      }
      case 'SubmitPastEof': {
        const dir = this.dirParam(action);
        const from = param(action, 'from', 'string');
        if (from !== 'IN' && from !== 'EOF')
          throw new AdapterError(`PinUnpin: SubmitPastEof: from must be IN or EOF, got ${from}`);
        const s = this.idleSlot(action);
        const fileMap = this.fileMap;
        if (fileMap === null) throw new AdapterError('PinUnpin: SubmitPastEof without FilePrivate');
        s.iter = 'FILEMAP';
        // From EOF: user page 6 alone; from IN: user pages 5 and 6, from user page 5's start.
        const at = fileMap.addr + (from === 'EOF' ? PAGE_SIZE : 0);
        const len = (from === 'EOF' ? 4 : 8) * UNIT;
        const d = dir === 'DEST' ? ITER_DEST : ITER_SOURCE;
        const iter = with_mm(this.mm, () => iov_iter_ubuf(d, at, len));
        const ret = this.submit(s, param(action, 'bio', 'number'), dir, iter);
        // GUP's -EFAULT at user page 6 fails the request with no bio (EOF), or is dropped by
        // bio_iov_iter_get_pages once the bio holds user page 5 (IN: in flight short).
        const want = from === 'EOF' ? -EFAULT : -EIOCBQUEUED;
        if (ret !== want)
          throw new AdapterError(
            `PinUnpin: SubmitPastEof from ${from} returned ${ret} at submission, not ${want}`,
          );
        return;
      }
      case 'FaultIn': {
        const buffer = param(action, 'buffer', 'string');
        if (!this.nofault) throw new AdapterError('PinUnpin: FaultIn without Nofault');
        // The buffer a nofault read left unfilled: the IOVEC layout (user pages 2-3, all
        // mapped: nothing may be left), SubmitPartial's (page 3, then page 4, which no vma
        // maps: the part past the mapping is left) or SubmitFault's (no vma: all of it is left).
        let iter: iov_iter;
        if (buffer === 'IOVEC') iter = this.layoutIter('IOVEC', 'DEST');
        else if (buffer === 'PARTIAL') iter = this.partialIter();
        else if (buffer === 'UNMAPPED') iter = this.unmappedIter('IOVEC');
        else throw new AdapterError(`PinUnpin: FaultIn of an unknown buffer ${buffer}`);
        const left = fault_in_iov_iter_writeable(iter, iter.count);
        const expected =
          buffer === 'IOVEC'
            ? left === 0
            : buffer === 'PARTIAL'
              ? left > 0 && left < iter.count
              : left === iter.count;
        if (!expected)
          throw new AdapterError(`PinUnpin: FaultIn ${buffer} left ${left} bytes not faulted in`);
        return;
      }
      case 'Complete':
      case 'CompleteError': {
        const s = this.slot(action);
        // The spec completes an I/O that extracted nothing; the kernel never submitted it.
        if (s.st === 'FAILED' && s.extractedNothing) return;
        if (s.st !== 'INFLIGHT')
          throw new AdapterError(`PinUnpin: ${action.name} of a bio not in flight`);
        // The device transfers each bio's data (or fails it: BLK_STS_IOERR, no transfer) and
        // runs bio_endio -> the dio's end_io, which releases the pages; the last bio completes
        // the kiocb.
        const status = action.name === 'CompleteError' ? BLK_STS_IOERR : 0;
        for (const b of s.bios) if (!b.done) bdev_complete_bio(b, status);
        if (s.result === null)
          throw new AdapterError('PinUnpin: the direct I/O did not complete with its bios');
        s.st = 'DONE';
        return;
      }
      case 'PunchHole': {
        const x = param(action, 'page', 'string');
        if (x !== 'X0' && x !== 'X1') throw new AdapterError(`PinUnpin: PunchHole of ${x}`);
        if (!this.cached.has(x)) throw new AdapterError(`PinUnpin: ${x} is not cached`);
        const start = (x === 'X0' ? 0 : 1) * PAGE_SIZE;
        // truncate_pagecache_range over the page: out of i_pages, the cache's ref dropped.
        truncate_inode_pages_range(this.dataFile.i_mapping, start, start + PAGE_SIZE - 1);
        this.ownerRefs.set(x, this.ownerRef(x) - 1);
        this.cached.delete(x);
        return;
      }
      case 'PunchPartial': {
        if (!this.cached.has('X1')) throw new AdapterError('PinUnpin: X1 is not cached');
        // truncate_pagecache_range over X1's first half: the folio is covered in part, so
        // truncate_inode_pages_range zeroes that part and leaves it in i_pages.
        const start = PAGE_SIZE;
        truncate_inode_pages_range(this.dataFile.i_mapping, start, start + 2 * UNIT - 1);
        return;
      }
      case 'ReadDevMap': {
        // The process reads one byte at I/O range c's first page through its mapping of the
        // device: a read fault (do_read_fault) maps the page-cache folio, found or read in.
        const c = param(action, 'over', 'number');
        const m = this.devMapping;
        if (m === null) throw new AdapterError('PinUnpin: ReadDevMap without MapDevice');
        const addr = m.addrs[c - 1] as number;
        const got = with_kernel(this.k, () => read_user(this.mm, addr, 1))[0];
        const want = this.bdev.read(ioPos(c), 1)[0];
        if (got !== want)
          throw new AdapterError(
            `PinUnpin: ReadDevMap(${c}) read 0x${got?.toString(16)}, not the device's 0x${want?.toString(16)}`,
          );
        return;
      }
      case 'StoreFile': {
        // The process stores to user page 5 (one model byte at STORE_OFFSET): through its
        // read-only PTE, a write fault that do_wp_page resolves by copying the page-cache
        // page (wp_page_copy, mm/memory.c); with no PTE yet (FileLazy) the write fault is
        // do_cow_fault's copy; copy_to_user takes the fault as the CPU would.
        if (this.fileMap === null)
          throw new AdapterError('PinUnpin: StoreFile without FilePrivate');
        write_user(
          this.mm,
          this.fileMap.addr + STORE_OFFSET * UNIT,
          filledBytes(UNIT, STORE_PATTERN),
        );
        return;
      }
      default:
        throw new AdapterError(`PinUnpin: unknown action ${action.name}`);
    }
  }

  /**
   * DeviceEnd: Submit's UBUF request placed at `pos` near the device's end, returning `want`;
   * `extra` real bytes longer than the layout's (ReadCrossEndOdd).
   */
  private submitAtDeviceEnd(
    action: ScenarioAction,
    dir: 'DEST' | 'SOURCE',
    pos: number,
    want: number,
    extra = 0,
  ): void {
    const s = this.idleSlot(action);
    s.iter = 'UBUF';
    // The UBUF layout (user address 1, 6 model bytes), `extra` bytes longer.
    const iter =
      extra === 0
        ? this.buildIter('UBUF', dir)
        : with_mm(this.mm, () =>
            iov_iter_ubuf(
              dir === 'DEST' ? ITER_DEST : ITER_SOURCE,
              this.base + UNIT,
              6 * UNIT + extra,
            ),
          );
    const ret = this.submit(s, param(action, 'bio', 'number'), dir, iter, pos);
    if (ret !== want)
      throw new AdapterError(`PinUnpin: ${action.name} returned ${ret} at submission, not ${want}`);
  }

  /**
   * One asynchronous O_DIRECT request of the iterator at I/O b's range of the target file:
   * ->read_iter/->write_iter with IOCB_DIRECT builds bios until the iterator is consumed, each
   * filled by bio_iov_iter_get_pages (block/bio.c), and queues them on the device. Returns what
   * the kiocb returned (-EIOCBQUEUED once bios are in flight). pos: the device offset (I/O b's
   * range, or the device's end for ReadCrossEnd and WriteAtEnd). target: the file opened
   * O_DIRECT (the block device; LargeBlock's second device for SubmitShortBlock).
   */
  private submit(
    s: BioSlot,
    b: number,
    dir: 'DEST' | 'SOURCE',
    iter: iov_iter,
    pos = ioPos(b),
    target = this.target,
  ): number {
    const bdev = target.f_inode.i_bdev;
    const queued = new Set(bdev.inflight);
    const iocb = init_async_kiocb(target, pos, (_iocb, res) => {
      if (s.result !== null) throw new AdapterError(`PinUnpin: I/O ${b} completed twice`);
      s.result = res;
    });
    const ret = direct_IO(iocb, iter);
    const submitted = bdev.inflight.filter((x) => !queued.has(x));
    s.dir = dir;
    if (ret !== -EIOCBQUEUED) {
      // Only a failure completes an asynchronous direct I/O before its bios do: the first
      // extraction failed, nothing was attached and no bio was submitted.
      if (ret >= 0 || submitted.length > 0)
        throw new AdapterError(`PinUnpin: direct I/O ${b} returned ${ret} at submission`);
      s.st = 'FAILED';
      return ret;
    }
    if (submitted.length === 0)
      throw new AdapterError(`PinUnpin: direct I/O ${b} queued but submitted no bio`);
    s.bios = submitted;
    s.st = 'INFLIGHT';
    return ret;
  }

  /**
   * The same request from a synchronous kiocb: direct_IO returns once the device completed its
   * bios (dio_wait), with the byte count or -errno. The bios, no longer in flight afterwards, are
   * taken from the device's block_bio_queue trace. (Nofault) The request is the direct I/O alone
   * (dio_submit, dio_wait): gfs2 and btrfs call iomap_dio_rw with IOMAP_DIO_PARTIAL, which
   * returns a short count, and then fault the buffer in and retry (FaultIn), never reading the
   * rest buffered as blkdev_read_iter does for a block device (fs/gfs2/file.c
   * gfs2_file_direct_read, fs/btrfs/direct-io.c btrfs_direct_read; Debian 6.12.117).
   */
  private submitSync(
    s: BioSlot,
    b: number,
    dir: 'DEST' | 'SOURCE',
    iter: iov_iter,
    pos = ioPos(b),
  ): void {
    const trace: bio[] = [];
    this.bdev.bio_queue_trace = trace;
    let ret: number;
    try {
      const iocb = init_sync_kiocb(this.target, pos);
      if (this.nofault) {
        const d = dio_submit(iocb, iter);
        ret = typeof d === 'number' ? d : dio_wait(d);
      } else {
        ret = direct_IO(iocb, iter);
      }
    } finally {
      this.bdev.bio_queue_trace = null;
    }
    s.dir = dir;
    s.result = ret;
    if (ret === -EIOCBQUEUED)
      throw new AdapterError(`PinUnpin: synchronous direct I/O ${b} returned -EIOCBQUEUED`);
    if (trace.some((x) => !x.done))
      throw new AdapterError(`PinUnpin: synchronous direct I/O ${b} left a bio in flight`);
    if (ret < 0 && trace.length === 0) {
      // The first extraction failed: nothing attached, no bio (as Submit's FAILED).
      s.st = 'FAILED';
      s.extractedNothing = ret === -EFAULT && iter.count === iter.init_count;
      return;
    }
    if (ret < 0 || trace.length === 0)
      throw new AdapterError(`PinUnpin: synchronous direct I/O ${b} returned ${ret}`);
    s.bios = trace;
    s.st = 'DONE';
  }

  /**
   * SubmitMisaligned's buffers: UBUF, the UBUF layout one real byte further (6 model bytes from
   * user address 1 + 1 byte: the address is off the DMA alignment); IOVEC, 3 model bytes from
   * user address 9 (user page 2 at offset 1) as two iovecs of 1948 and 1124 bytes (each length
   * off the 512-byte logical block, their sum on it).
   */
  private misalignedIter(t: string, dir: 'DEST' | 'SOURCE'): iov_iter {
    const d = dir === 'DEST' ? ITER_DEST : ITER_SOURCE;
    const at = this.base + (t === 'UBUF' ? 1 : 9) * UNIT;
    if (t === 'UBUF') return with_mm(this.mm, () => iov_iter_ubuf(d, at + 1, 6 * UNIT));
    if (t !== 'IOVEC') throw new AdapterError(`PinUnpin: SubmitMisaligned of ${t}`);
    return this.userIovec(dir, [
      { iov_base: at, iov_len: MISALIGNED_IOV0 },
      { iov_base: at + MISALIGNED_IOV0, iov_len: 3 * UNIT - MISALIGNED_IOV0 },
    ]);
  }

  /**
   * SubmitMisalignedAddr's buffer: two iovecs whose lengths are on the 512-byte block (1024
   * bytes at user address 9, 2048 bytes one real byte past user address 12), the second address
   * off the 511 DMA alignment (lib/iov_iter.c iov_iter_aligned_iovec's address check).
   */
  private misalignedAddrIter(dir: 'DEST' | 'SOURCE'): iov_iter {
    return this.userIovec(dir, [
      { iov_base: this.base + 9 * UNIT, iov_len: 1 * UNIT },
      { iov_base: this.base + 12 * UNIT + 1, iov_len: 2 * UNIT },
    ]);
  }

  /**
   * SubmitContiguous's buffer: two iovecs of 1024 bytes at user addresses 9 and 10 (user page 2
   * from offset 1), the second starting where the first ends.
   */
  private contiguousIter(dir: 'DEST' | 'SOURCE'): iov_iter {
    return this.userIovec(dir, [
      { iov_base: this.base + 9 * UNIT, iov_len: UNIT },
      { iov_base: this.base + 10 * UNIT, iov_len: UNIT },
    ]);
  }

  /**
   * SubmitContiguousKvec's iterator (a read): two kvecs of 1024 bytes at K0+2 and K0+3, the
   * first two model bytes of the kmalloc'd kvec buffer, the second starting where the first ends.
   */
  private contiguousKvecIter(): iov_iter {
    const kv = [
      { iov_base: this.kvecBase + 2 * UNIT, iov_len: UNIT },
      { iov_base: this.kvecBase + 3 * UNIT, iov_len: UNIT },
    ];
    return iov_iter_kvec(ITER_DEST, kv, kv.length, 2 * UNIT);
  }

  /**
   * SubmitMany's buffer: MANY_IOVS iovecs of 1024 bytes in user page 2, alternately at user
   * addresses 9 and 11 (no iovec starts where the one before ends); fault FIRST / LAST puts the
   * first / last one where no vma is.
   */
  private manyIter(dir: 'DEST' | 'SOURCE', fault: string): iov_iter {
    const iov: { iov_base: number; iov_len: number }[] = [];
    for (let k = 0; k < MANY_IOVS; k++)
      iov.push({ iov_base: this.base + (k % 2 === 0 ? 9 : 11) * UNIT, iov_len: UNIT });
    const at = fault === 'FIRST' ? 0 : fault === 'LAST' ? MANY_IOVS - 1 : -1;
    if (at >= 0) iov[at] = { iov_base: this.base + UNMAPPED_PAGE * PAGE_SIZE, iov_len: UNIT };
    return this.userIovec(dir, iov);
  }

  /** An IOVEC iterator over the given user ranges of this.mm, their whole length. */
  private userIovec(
    dir: 'DEST' | 'SOURCE',
    iov: { iov_base: number; iov_len: number }[],
  ): iov_iter {
    const d = dir === 'DEST' ? ITER_DEST : ITER_SOURCE;
    const count = iov.reduce((n, v) => n + v.iov_len, 0);
    return with_mm(this.mm, () => iov_iter_init(d, iov, iov.length, count));
  }

  /** SubmitFault's buffer: 6 bytes far past the mapping, where no vma is (UBUF or one iovec). */
  private unmappedIter(t: string): iov_iter {
    const addr = this.base + UNMAPPED_PAGE * PAGE_SIZE;
    const len = 6 * UNIT;
    return with_mm(this.mm, () =>
      t === 'UBUF'
        ? iov_iter_ubuf(ITER_DEST, addr, len)
        : iov_iter_init(ITER_DEST, [{ iov_base: addr, iov_len: len }], 1, len),
    );
  }

  /** SubmitPartial's buffer: 6 bytes from user address 13, page 3 at offset 1, then page 4. */
  /** SecretRest: 10 model bytes from user address 13, over user pages 3, 4 (secret) and 5. */
  private secretIter(): iov_iter {
    return with_mm(this.mm, () => iov_iter_ubuf(ITER_DEST, this.base + 13 * UNIT, 10 * UNIT));
  }

  private partialIter(): iov_iter {
    return with_mm(this.mm, () => iov_iter_ubuf(ITER_DEST, this.base + 13 * UNIT, 6 * UNIT));
  }

  /** The spec's iterator layouts, with i->nofault under Nofault (set as gfs2/btrfs do). */
  private buildIter(t: string, dir: 'DEST' | 'SOURCE'): iov_iter {
    const iter = this.layoutIter(t, dir);
    iter.nofault = this.nofault;
    return iter;
  }

  /** The spec's iterator layouts (specs/README.md, PinUnpin), scaled by UNIT. */
  private layoutIter(t: string, dir: 'DEST' | 'SOURCE'): iov_iter {
    if (!ITER_TYPES.has(t)) throw new AdapterError(`PinUnpin: unknown iterator type ${t}`);
    if (!USER_TYPES.has(t) && t !== 'FILEMAP' && dir !== 'DEST')
      throw new AdapterError(`PinUnpin: a ${t} iterator is only submitted as DEST`);
    const d = dir === 'DEST' ? ITER_DEST : ITER_SOURCE;
    const u = (modelAddr: number) => this.base + modelAddr * UNIT;
    switch (t) {
      case 'UBUF': // user address 1, 6 bytes
        return with_mm(this.mm, () => iov_iter_ubuf(d, u(1), 6 * UNIT));
      case 'IOVEC': {
        // <<(9,0),(9,2),(12,0),(12,4)>>: user page 2 at offset 1, then user page 3.
        const iov = [
          [9, 0],
          [9, 2],
          [12, 0],
          [12, 4],
        ].map(([a, l]) => ({ iov_base: u(a as number), iov_len: (l as number) * UNIT }));
        return this.userIovec(dir, iov);
      }
      case 'KVEC': {
        // <<(K0+2,0),(K0+2,2),(K1+0,3)>>
        const kv = [
          { iov_base: this.kvecBase + 2 * UNIT, iov_len: 0 },
          { iov_base: this.kvecBase + 2 * UNIT, iov_len: 2 * UNIT },
          { iov_base: this.kvecBase + PAGE_SIZE, iov_len: 3 * UNIT },
        ];
        return iov_iter_kvec(d, kv, kv.length, 5 * UNIT);
      }
      case 'BVEC': {
        // <<(B0,0,4),(B1,0,2)>>
        const bv = [
          { bv_page: this.bvecPages[0], bv_offset: 0, bv_len: 4 * UNIT },
          { bv_page: this.bvecPages[1], bv_offset: 0, bv_len: 2 * UNIT },
        ];
        return iov_iter_bvec(d, bv, bv.length, 6 * UNIT);
      }
      case 'QUEUE':
        return this.queueIter(d);
      case 'FILEMAP': {
        // User page 5, the private file mapping: one whole page (4 model bytes from offset 0).
        const fileMap = this.fileMap;
        if (fileMap === null) throw new AdapterError('PinUnpin: FILEMAP without FilePrivate');
        return with_mm(this.mm, () => iov_iter_ubuf(d, fileMap.addr, 4 * UNIT));
      }
      default: // XARRAY: file position 2, 6 bytes
        return iov_iter_xarray(d, this.dataFile.i_mapping.i_pages, 2 * UNIT, 6 * UNIT);
    }
  }

  /**
   * QUEUE: Q0 from offset 1, then Q1, 6 bytes, as the profile's queue iterator: a folio_queue
   * chain whose first segment ends with Q0 and whose next segment starts with Q1, as netfs's
   * rolling buffer grows (iov_iter_folio_queue, include/linux/folio_queue.h). A segment is
   * filled to PAGEVEC_SIZE folios before the next is added (rolling_buffer_make_space) and
   * the kernel's extraction steps to folioq->next only at folioq_nr_slots() == PAGEVEC_SIZE,
   * so the first segment is full (earlier folios of the buffer, already consumed) and the
   * iterator starts in its last slot. On the RFC: a bvecq holding <<(Q0,1,3),(Q1,0,3)>>
   * (iov_iter_bvec_queue).
   */
  private queueIter(d: number): iov_iter {
    const types = this.k.profile.iter_types;
    const [q0, q1] = this.qFolios;
    if (q0 === q1) {
      // LargeFolio: one order-1 folio holds Q0 and Q1: the last slot of a full segment
      // (ITER_FOLIOQ), or one multi-page bvec (ITER_BVECQ).
      if (types.includes('ITER_FOLIOQ')) {
        const head = folioq_alloc();
        while (folioq_count(head) < PAGEVEC_SIZE - 1) folioq_append(head, folio_alloc(0));
        const last = folioq_append(head, q0);
        return iov_iter_folio_queue(d, head, last, 1 * UNIT, 6 * UNIT);
      }
      if (types.includes('ITER_BVECQ')) {
        const bq = netfs_alloc_bvecq(1);
        bvecq_append(bq, { bv_page: q0.page(0), bv_offset: 1 * UNIT, bv_len: 6 * UNIT });
        return iov_iter_bvec_queue(d, bq, 0, 0, 6 * UNIT);
      }
    }
    if (types.includes('ITER_FOLIOQ')) {
      const head = folioq_alloc();
      while (folioq_count(head) < PAGEVEC_SIZE - 1) folioq_append(head, folio_alloc(0));
      const last = folioq_append(head, q0);
      const next = folioq_chain_from([q1]);
      head.next = next;
      next.prev = head;
      return iov_iter_folio_queue(d, head, last, 1 * UNIT, 6 * UNIT);
    }
    if (types.includes('ITER_BVECQ')) {
      const bq = netfs_alloc_bvecq(2);
      bvecq_append(bq, { bv_page: q0.page(0), bv_offset: 1 * UNIT, bv_len: 3 * UNIT });
      bvecq_append(bq, { bv_page: q1.page(0), bv_offset: 0, bv_len: 3 * UNIT });
      return iov_iter_bvec_queue(d, bq, 0, 0, 6 * UNIT);
    }
    throw new AdapterError(
      `PinUnpin: profile ${this.k.profile.name} has no queue iterator (QueueIter is FALSE there)`,
    );
  }

  /** Kernel-wide invariants, and pin balance whenever no I/O is in flight (quiescence). */
  violations(): Violation[] {
    // Called after every step: one list appended to rather than spreads of three.
    let quiescent = true;
    for (const s of this.bios.values()) if (s.st === 'INFLIGHT') quiescent = false;
    const out = kernelViolations(this.k);
    for (const v of zero_page_never_pinned(this.k)) out.push(v);
    if (quiescent) for (const v of pin_balance_at_quiescence(this.k)) out.push(v);
    return out;
  }

  observe(): StepObservation {
    const k = this.k;
    const folios = this.frames();
    const pins = (_f: Frame, i: number) => folios[i]?.gup_pins ?? 0;
    const refs = (f: Frame, i: number) => {
      const folio = folios[i];
      if (folio === undefined) return 0;
      // User pages: FOLL_GET refs (the GUP ledger). Kernel pages: get_page/folio_get by
      // extraction, i.e. the refcount above what their owners hold and what pins account for
      // (GUP_PIN_COUNTING_BIAS each on a small folio, one on a large one: try_grab_folio). Pins
      // on kernel pages exist only as the negative count an unpin of an unpinned page leaves.
      if (!KERNEL_FRAMES.has(f)) return folio.gup_refs;
      const pinShare = folio.gup_pins * (folio_test_large(folio) ? 1 : GUP_PIN_COUNTING_BIAS);
      return folio._refcount - this.ownerRef(f) - pinShare;
    };
    // The folio at user page 0 never changes (written at set-up, exclusive, never forked).
    const u0 = this.u0Folio;
    if (this.userPage(0).folio !== u0)
      throw new AdapterError('PinUnpin: user page 0 changed folio');
    const large = this.largeFolio;
    const obs: Record<string, StepObservation[string]> = {
      // A large folio counts its pins in _pincount (try_grab_folio), its FOLL_GET refs in the
      // GUP ledger as a small one.
      // The queue's folio is a kernel frame: counted as the others (it is FRAMES' Q1 entry).
      pins:
        large === null
          ? countList(pins)
          : largeCountList(pins, large._pincount, pins('Q1', Q1_INDEX)),
      refs:
        large === null
          ? countList(refs)
          : largeCountList(refs, large.gup_refs, refs('Q1', Q1_INDEX)),
      'u0.refcount': u0._refcount - this.u0Refs0,
      'u0.dmaPinned': folio_maybe_dma_pinned(u0),
      pinAcquired: k.vmstat.nr_foll_pin_acquired - this.vmstat0.acquired,
      pinReleased: k.vmstat.nr_foll_pin_released - this.vmstat0.released,
      zeroMapped: this.userPage(3).folio.is_zero,
      // From the reference's page cache (the driver's own set only guards PunchHole).
      cached: frameSetList((f) => (f === 'X0' || f === 'X1') && this.isCached(f)),
      data: this.observeData(),
    };
    if (this.overCache) obs.devCached = BIOS.filter((c) => this.devCached(c)).join(',');
    if (this.devMapping !== null) obs.devMap = this.observeDevMap(this.devMapping);
    if (this.fileMap !== null) this.observeFileMap(obs);
    for (const b of BIOS) {
      const s = this.bios.get(b) as BioSlot;
      const first_bio = s.bios[0];
      // The frames the bios list, as a bit per FRAMES index (frameList's set, in frame order).
      let listed = 0;
      let size = 0;
      for (const bi of s.bios) {
        for (const v of bi.bi_io_vec) {
          // A page of a large folio is U0 or U1 (Q0 or Q1) by its index in it.
          const folio = v.bv_page.folio;
          const i =
            folio === large
              ? v.bv_page.index_in_folio - LARGE_U0_INDEX
              : large !== null && folio === this.qFolios[0]
                ? Q0_INDEX + v.bv_page.index_in_folio
                : frameOf(folios, folio);
          if (i < 0)
            throw new AdapterError(`PinUnpin: bio ${b} lists a page that is no frame of the spec`);
          listed |= 1 << i;
        }
        size += bi.bi_iter.bi_size;
      }
      const bytes = size / UNIT;
      const first = first_bio?.bi_io_vec[0];
      setBioKeys(obs, b, {
        st: s.st,
        cleanup: first_bio === undefined ? 'NONE' : this.cleanupOf(first_bio),
        pages: frameSetList((_f, i) => (listed & (1 << i)) !== 0),
        bytes,
        offset0: bytes > 0 && first !== undefined ? first.bv_offset / UNIT : null,
        array: s.arraysLeaked > 0 ? 'ALLOCATED' : 'NONE',
        err: s.st === 'DONE' && s.result === -EIO ? 'EIO' : 'NONE',
      });
    }
    return obs;
  }

  /**
   * FilePrivate's keys: what user page 5 maps (the page-cache folio: FILE, else its private
   * copy: COPY), the byte the process reads at its store offset, the page-cache page's byte
   * there, and for each FILEMAP write that completed without error the byte the device got.
   */
  private observeFileMap(obs: Record<string, StepObservation[string]>): void {
    const fileMap = this.fileMap as { addr: number; f0: Folio };
    const at = STORE_OFFSET * UNIT;
    const pte = this.mm.ptes.get(fileMap.addr / PAGE_SIZE);
    // No PTE (FileLazy, untouched): a read there would map F0 (do_read_fault), so the process
    // would read F0's byte; peeking does not fault it in.
    obs.p5 = pte === undefined ? 'NONE' : pte.page.folio === fileMap.f0 ? 'FILE' : 'COPY';
    obs['u5.byte'] = patternName(
      pte === undefined
        ? fileMap.f0.peek(at, 1)[0]
        : pte.page.folio.peek(pte.page.index_in_folio * PAGE_SIZE + at, 1)[0],
    );
    obs['f0.byte'] = patternName(fileMap.f0.peek(at, 1)[0]);
    const wrote: string[] = [];
    for (const b of BIOS) {
      const s = this.bios.get(b) as BioSlot;
      if (s.iter !== 'FILEMAP' || s.dir !== 'SOURCE' || s.st !== 'DONE') continue;
      if (s.result === null || s.result < 0) continue;
      wrote.push(`${b}=${patternName(this.bdev.read(ioPos(b) + at, 1)[0])}`);
    }
    obs.wrote = wrote.join(',');
  }

  /** The bio's cleanup mode, from its flags (block/blk.h bio_release_page; 6.1 bio_release_pages). */
  private cleanupOf(b: bio): string {
    if (bio_flagged(b, BIO_PAGE_PINNED)) return 'PIN';
    if (this.k.profile.bio_cleanup_flag === 'BIO_NO_PAGE_REF' && !bio_flagged(b, BIO_NO_PAGE_REF))
      return 'REF';
    return 'NONE';
  }
}

export const pinUnpinAdapter: SpecAdapter = {
  spec: 'PinUnpin',
  observeModel,
  supports: (action) => ACTIONS.has(action.name),
  // The historical bugs (faults.ts): extraction bugs of lib/iov_iter.c, the zero page pinned
  // before 6.5 (PinZeroPage on a pinning kernel), a release that unpins every page
  // (ReleaseAs = ALWAYS_UNPIN) or puts pinned ones (PUT_PINNED). Not yet: XarrayHoleBug -> xarray_hole_underflow, whose bio
  // lists an empty page slot that this driver's observe() cannot name (docs/FIDELITY.md
  // finding 11).
  faultKnobs: [
    { constant: 'KvecOffset0Bug', value: true, fault: 'kvec_offset0' },
    { constant: 'ArrayLeakBug', value: true, fault: 'extract_array_leak' },
    { constant: 'PinZeroPage', value: true, fault: 'gup_pin_zero_page' },
    { constant: 'ReleaseAs', value: 'ALWAYS_UNPIN', fault: 'bio_release_unpin_all' },
    { constant: 'ReleaseAs', value: 'PUT_PINNED', fault: 'bio_release_wrong_mode' },
  ],
  predictedViolations: (_prev, now) => {
    const out: string[] = [];
    // A page array left allocated by a failed extraction (the model's PageArrayNotLeaked) is
    // what no_leaked_page_arrays and the pin balance's array count report.
    if (BIOS.some((b) => now[`bio${b}.array`] === 'ALLOCATED'))
      out.push('no_leaked_page_arrays', 'pin_balance_at_quiescence');
    // A negative pin count (the model's NoReleaseUnderflow) is an unpin of an unpinned folio:
    // gup_put_folio's WARN and the refcount it takes GUP_PIN_COUNTING_BIAS off; the folio
    // keeps a pin count that no quiescence balances.
    if (/=-/.test(String(now.pins))) out.push('no_pin_underflow', 'pin_balance_at_quiescence');
    // A negative reference count (NoReleaseUnderflow on refs) is a put_page of a page the
    // extraction pinned: gup_put_folio's release-mode WARN; the pin it should have dropped stays.
    if (/=-/.test(String(now.refs)))
      out.push('release_matches_acquisition', 'pin_balance_at_quiescence');
    // A pinned zero page (the model's ZeroPageNeverPinned) on a kernel that skips it.
    if (/(^|,)ZP=/.test(String(now.pins))) out.push('zero_page_never_pinned');
    return out;
  },
  createDriver: (profile: string, scenario: Scenario) =>
    new PinUnpinDriver(
      profile,
      scenario.constants?.LargeFolio === true,
      booleanConstant('PinUnpin', scenario, 'Nofault'),
      booleanConstant('PinUnpin', scenario, 'FilePrivate'),
      booleanConstant('PinUnpin', scenario, 'DeviceEnd'),
      booleanConstant('PinUnpin', scenario, 'FileLazy'),
      booleanConstant('PinUnpin', scenario, 'LargeBlock'),
      booleanConstant('PinUnpin', scenario, 'FileEof'),
      booleanConstant('PinUnpin', scenario, 'ManyIovecs'),
      booleanConstant('PinUnpin', scenario, 'WriteOverCache'),
      booleanConstant('PinUnpin', scenario, 'FileHole'),
      booleanConstant('PinUnpin', scenario, 'SecretRest'),
      booleanConstant('PinUnpin', scenario, 'MapDevice'),
    ),
};
