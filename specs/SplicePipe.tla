----------------------------- MODULE SplicePipe -----------------------------
(***************************************************************************)
(* O_DIRECT splice read racing with truncate: the ITER_PIPE design        *)
(* (generic_file_splice_read, <= 6.4) against the design that replaced it *)
(* (direct_splice_read, renamed copy_splice_read in 6.5; seed 002).       *)
(*                                                                         *)
(* The hazard (seed 002; commit "vfs, iomap: Fix generic_file_splice_read *)
(* () to avoid reversion of ITER_PIPE", Feb 2023, syzbot a440341a59e3):   *)
(* with ITER_PIPE the pipe buffers ARE the DIO destination.  After        *)
(* submitting the bios, __iomap_dio_rw() (fs/iomap/direct-io.c) calls     *)
(* iov_iter_revert() to trim the iterator back to i_size ("We only report *)
(* that we've read data up to i_size"), before waiting for the bios.  On  *)
(* a pipe iterator the revert is pipe_truncate() (lib/iov_iter.c, <= 6.4),*)
(* which releases the trimmed pipe buffers.  Whether that frees a page    *)
(* the bio is still writing depends on who else holds it:                 *)
(*   - 6.1: bio_iov_iter_get_pages -> iov_iter_get_pages2 ->              *)
(*     pipe_get_pages() takes get_page() per page, dropped by             *)
(*     bio_release_pages() at completion: the page survives (BioPageRef = *)
(*     "GET").                                                             *)
(*   - 920756a3306a ("block: Convert bio_iov_iter_get_pages to use        *)
(*     iov_iter_extract_pages", linux-next, Jan 2023): extraction from a  *)
(*     non-user-backed iterator takes no ref and no pin (lib/iov_iter.c   *)
(*     iov_iter_extract_pages), so the revert frees a page under DMA      *)
(*     (BioPageRef = "NONE"): memory corruption.                          *)
(* The fix reads into pages the splice code owns (an ITER_BVEC over a     *)
(* bulk-allocated array), waits for the synchronous read, and only then   *)
(* pushes the pages that hold data into the pipe and releases the rest    *)
(* (fs/splice.c copy_splice_read, 6.5+; reached from vfs_splice_read for  *)
(* O_DIRECT files).  Reverting an ITER_BVEC only moves the iterator.      *)
(*                                                                         *)
(* Truncate timing (fs/iomap/direct-io.c __iomap_dio_rw, 5.16 to 6.12): *)
(* the dio samples dio->i_size = i_size_read() when it is set up, before  *)
(* any bio, and both the short-read clip (iomap_dio_complete) and the     *)
(* revert (iov_iter_revert(iter, iomi.pos - dio->i_size)) use that        *)
(* sample; a truncate after submission changes neither.  What makes the   *)
(* revert cut pages that have bios is a file whose blocks are still       *)
(* mapped past i_size: truncate_setsize() has lowered i_size and the      *)
(* filesystem has not yet freed the blocks past it (seed 002: "ftruncate()*)
(* occasionally shortens the DIO read that's about to be made ... by      *)
(* reducing i_size").  iomap then maps those blocks (IOMAP_MAPPED, a bio  *)
(* per page, iomap_dio_bio_iter) instead of seeing a hole past EOF        *)
(* (iomap_dio_hole_iter, zero-fill, no bio).  The model keeps the blocks  *)
(* of the initial FileSize pages mapped: the block truncation that follows*)
(* truncate_setsize (ext4_truncate, xfs_itruncate_extents) is not         *)
(* modelled, so every splice after a Truncate reads in that window.       *)
(*                                                                         *)
(* Units: one file page = one pipe buffer = one frame; every splice reads  *)
(* from file offset 0.  Frames are a shared pool, so a frame freed under  *)
(* one process's bio can be reallocated by the other process's splice.    *)
(* Buffered splice (BufferedProc, the process that opens the file        *)
(* without O_DIRECT): fs/splice.c vfs_splice_read sends only O_DIRECT     *)
(* (and DAX) files to copy_splice_read; a buffered ext4/tmpfs file goes   *)
(* to f_op->splice_read = filemap_splice_read (mm/filemap.c, 6.5+), which *)
(* puts the page-cache folios themselves into the pipe, a folio_get ref   *)
(* per buffer (splice_folio_into_pipe), no bio into pipe pages and no     *)
(* pin; 6.1's generic_file_splice_read does the same through ITER_PIPE    *)
(* (filemap_read -> copy_page_to_iter_pipe: get_page, page_cache_pipe_    *)
(* buf_ops).  The read stops at i_size and the caller waits for the       *)
(* folios to be uptodate under pipe_lock, so it is one step.  The page    *)
(* cache takes its frames from the same pool; truncate_setsize drops the  *)
(* cached pages past the new size (truncate_inode_pages), and a pipe      *)
(* buffer keeps its folio (still uptodate, page_cache_pipe_buf_confirm    *)
(* passes): the reader gets the data it spliced.                          *)
(* An O_DIRECT splice that finds fewer free frames than it wants (the     *)
(* frame pool is the page allocator's memory):                            *)
(*   COPY: alloc_pages_bulk_array may return fewer pages and              *)
(*     copy_splice_read reads that much ("len = min_t(size_t, len,        *)
(*     npages * PAGE_SIZE)"): a short read; none at all is -ENOMEM.       *)
(*   ITER_PIPE (6.1): append_pipe gets no page, pipe_get_pages returns    *)
(*     -EFAULT and so does bio_iov_iter_get_pages once its bio has no     *)
(*     page (lib/iov_iter.c, block/bio.c); iomap_dio_bio_iter returns     *)
(*     what it copied, the next iomap_iter round fails with nothing       *)
(*     copied and __iomap_dio_rw sets the dio's error, which ext4 keeps   *)
(*     (no IOMAP_DIO_PARTIAL, fs/iomap/direct-io.c): after its bios have  *)
(*     completed the read fails with -EFAULT, and generic_file_splice_read*)
(*     (fs/splice.c) releases every pipe buffer it emitted                *)
(*     (pipe_discard_from) and returns -EAGAIN ("callers of               *)
(*     ->splice_read() expect -EAGAIN on can't put anything in there").   *)
(* A sparse file (ExtendSize): an ftruncate that grows the file maps no   *)
(* block, and an O_DIRECT read zero-fills that hole without a bio.        *)
(* A file whose i_size ends mid-page (TailSectors): the last page of the  *)
(* file holds TailSectors * 512 bytes; every read of it stops there.      *)
(* O_DIRECT: __iomap_dio_rw reads the block that holds EOF whole (ext4:   *)
(* IOMAP_MAPPED up to the block's end; a 512-byte-block filesystem maps   *)
(* up to round_up(i_size, 512) and iomap_dio_hole_iter zero-fills the     *)
(* rest of the page, on 6.1's pipe into the tail of the last buffer:      *)
(* lib/iov_iter.c append_pipe "some space in the last buffer; add to      *)
(* it"), then reverts the iterator by iomi.pos - dio->i_size, and         *)
(* iomap_dio_complete reports dio->i_size - offset: splice() returns      *)
(* the exact bytes.  6.1 ITER_PIPE: the revert shrinks the last pipe      *)
(* buffer to the tail (iov_iter_revert's pipe branch: "if (unroll <       *)
(* b->len) b->len -= unroll"); 6.5+ copy_splice_read pushes               *)
(* DIV_ROUND_UP(ret) pages, the last with len = the tail ("remain");      *)
(* buffered: filemap_splice_read / copy_page_to_iter_pipe put the folio   *)
(* in with len = i_size - pos, and filemap_splice_read stops at i_size.   *)
(* So ret and the pipe's pages are as for a file of DIV_ROUND_UP(i_size)  *)
(* pages, and the variables tail / retTail say how many sectors the last  *)
(* page of the file / of p's returned read holds (0: a whole page).       *)
(* A shrinking Truncate is to whole pages (tail 0).                       *)
(* A truncate during a buffered splice (BufferedRace): filemap_get_pages  *)
(* may sleep waiting for a folio's read (filemap_update_page:             *)
(* folio_put_wait_locked on the readahead folio), holding only pipe_lock  *)
(* (no inode lock: ext4_file_splice_read / filemap_splice_read, 6.1       *)
(* generic_file_splice_read -> filemap_read), so ftruncate can lower      *)
(* i_size meanwhile.  Both loops read i_size again once the batch is      *)
(* uptodate (mm/filemap.c 6.12 filemap_splice_read: "i_size must be       *)
(* checked after we know the pages are Uptodate": a break when *ppos >=   *)
(* isize, end_offset = min_t(loff_t, isize, *ppos + len); 6.1             *)
(* filemap_read: "if (unlikely(iocb->ki_pos >= isize)) goto put_folios")  *)
(* and splice only the folios below it; folio_batch_release then drops    *)
(* the batch's references, freeing the folios the truncate took out of    *)
(* the page cache.                                                        *)
(* A buffered splice from inside a page (SpliceBufferedOffset,           *)
(* BufferedOffSectors): its bytes span one page more than the length,     *)
(* which the pipe's room has clipped, so a pipe it fills cuts it short.   *)
(* A splice(2) without the clip to the pipe's room (PipeRoomClip = FALSE: *)
(* do_splice before 3253d9d09337, "splice: only read in as much          *)
(* information as there is pipe buffer space", D. Wong, 5.4; stable       *)
(* 4.19.90, 5.3.17, 5.4.4, after 419e9c38aa07's EOF revert in 4.19.89 and *)
(* 5.4.3): do_splice_to got the caller's length, so an ITER_PIPE O_DIRECT *)
(* read asked for more pages than the pipe had free slots.  Once the pipe *)
(* was full, pipe_get_pages found no slot (-EFAULT), the iomap_iter round *)
(* that met it had copied nothing, __iomap_dio_rw failed the whole dio    *)
(* (no IOMAP_DIO_PARTIAL) after the bios already submitted had read, and  *)
(* generic_file_splice_read discarded the buffers it had emitted and      *)
(* returned -EAGAIN: a blocking splice into a pipe with room failed       *)
(* instead of going short, the device's data read and thrown away (the    *)
(* fix: "splice() to return -EAGAIN (instead of a short splice) if the    *)
(* pipe being written to has less space available in its pipe buffers    *)
(* than the length supplied").  A hole past the mapped blocks that meets  *)
(* the full pipe is only cut short (iov_iter_zero returns what fitted).   *)
(* A truncate inside a page (TruncTailSectors, TruncateMid): ftruncate to *)
(* a size inside a cached page of a sparse file's hole; truncate_inode_   *)
(* pages_range keeps that folio and truncate_inode_partial_folio zeroes   *)
(* it past i_size (mm/truncate.c), and reads then stop at that i_size.    *)
(* Not modelled: partial pages other than i_size's and that splice's, a   *)
(* buffered read that finds fewer free frames than it needs (the kernel   *)
(* reclaims or fails with -ENOMEM; the step is simply not enabled).       *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Procs,       \* processes, each splicing the same O_DIRECT file into its own pipe
    Frames,      \* page frames available to the page allocator: frames 1..Frames (a number, so
                 \* that it reaches generated scenarios' constants)
    FileSize,    \* initial i_size in pages
    ReadLen,     \* pages each splice() asks for
    PipeSlots,   \* pipe->max_usage (buffers per pipe)
    SpliceImpl,  \* "ITER_PIPE" (generic_file_splice_read <= 6.4) | "COPY" (copy_splice_read 6.5+)
    BioPageRef,  \* "GET": bio holds a page ref (6.1) | "NONE": extraction takes none (6.5+)
    LimitToEof,  \* TRUE: the splice clips its length to i_size before allocating (direct_splice_read ver #20,
                 \* never merged: upstream copy_splice_read clips to the pipe's room only)
    BufferedProc, \* the process whose file is opened without O_DIRECT (buffered splice), or "none"
    MisalignedSplice, \* TRUE: an O_DIRECT process may also splice from a file offset that is not a
                      \* multiple of the logical block size (SpliceMisaligned); a scenario shape
    ExtendSize,  \* an ftruncate may grow the file to ExtendSize pages when that is more than
                 \* FileSize: a sparse file, whose pages past the FileSize mapped ones are a hole
                 \* (no block); <= FileSize: the file never grows (a scenario shape)
    DioAppend,   \* TRUE: an O_DIRECT process may also write one page at i_size (AppendWrite)
    EofRevert,   \* TRUE: __iomap_dio_rw reverts the iterator to i_size before waiting (5.5+:
                 \* 419e9c38aa07 "iomap: Fix pipe page leakage during splicing"); FALSE: the
                 \* iomap_dio_rw before it (ff6a9292e6f6 to 5.4), which stopped at i_size
                 \* without reverting, so ITER_PIPE left the pipe buffers past i_size
    TailSectors, \* 0: i_size is whole pages; 1..7: the file's last page (page FileSize) holds
                 \* TailSectors * 512 bytes, i_size = (FileSize - 1) * PAGE_SIZE + TailSectors * 512
                 \* (a file whose size ends mid-page; a scenario shape, no profile sets it)
    PartReadSectors, \* 0: a read() from a pipe takes the oldest buffer whole (PipeRead); 1..7: a
                 \* read() of PartReadSectors * 512 bytes may also take only the start of the oldest
                 \* buffer when that buffer holds more (PipeReadPart; a scenario shape)
    BufferedRace, \* TRUE: the BufferedProc's splice may also be taken in two steps, BufferedGetPages
                 \* (filemap_get_pages has returned the uptodate folios, a batch reference each) and
                 \* BufferedFinish (i_size read again, the folios below it into the pipe), so that a
                 \* Truncate can come between them (a scenario shape)
    SpliceNonblock, \* TRUE: a process whose splice() has returned may call splice(fd, NULL, pipe,
                 \* ReadLen*PAGE_SIZE, SPLICE_F_NONBLOCK) again while its pipe is full
                 \* (SpliceFullNonblock: -EAGAIN); a scenario shape
    EmptyVmsplice, \* TRUE: a process whose splice() has returned may call vmsplice(pipe, iov, 1, 0)
                 \* with one zero-length iovec while its pipe is full (VmspliceEmpty: 0, at once);
                 \* a scenario shape
    BufferedOffSectors, \* 0: every splice reads from file offset 0; 1..7: the BufferedProc may also
                 \* splice from file offset BufferedOffSectors * 512, inside file page 1
                 \* (SpliceBufferedOffset; a scenario shape)
    EofClip,     \* with LimitToEof: TRUE: the ver #20 code, which clips the length to i_size before
                 \* allocating ("splice: Make direct_read_splice() limit to eof where appropriate");
                 \* FALSE: direct_splice_read as of ver #19 of seed 002's series (and upstream
                 \* copy_splice_read), which allocates for the pipe's room whatever i_size is,
                 \* checked against the ver #20 promise (AllocationWithinEof): the review point
                 \* ver #20 answered ("Make direct_splice_read() limit the read to eof for regular
                 \* files and blockdevs", seed 002's changelog)
    PipeRoomClip, \* TRUE: splice(2) clips the length to the pipe's free slots before the file's
                 \* ->splice_read (6.1 fs/splice.c do_splice_to: "Don't try to read more the pipe
                 \* has space for"; 6.12 copy_splice_read / filemap_splice_read clip to the room
                 \* themselves); FALSE: do_splice before 3253d9d09337 ("splice: only read in as much
                 \* information as there is pipe buffer space"), the ITER_PIPE O_DIRECT read asks for
                 \* ReadLen pages whatever the room (see the header)
    TruncTailSectors, \* 0: every ftruncate is to whole pages; 1..7: an ftruncate between splices may
                 \* also shrink the file to TruncTailSectors * 512 bytes into a page that is cached
                 \* and lies in the hole of a sparse file (TruncateMid; a scenario shape)
    IsizeRecheck \* TRUE: the buffered splice reads i_size again once its folios are uptodate (6.1
                 \* filemap_read, 6.12 filemap_splice_read: "i_size must be checked after we know the
                 \* pages are Uptodate"); FALSE: __generic_file_splice_read before 620a324b744a
                 \* ("splice: __generic_file_splice_read: fix read/truncate race", N. Brown / J. Axboe,
                 \* 2007), which used the i_size sampled before the pages were found uptodate

ASSUME SpliceImpl \in {"ITER_PIPE", "COPY"}
ASSUME BioPageRef \in {"GET", "NONE"}
ASSUME LimitToEof \in BOOLEAN
ASSUME MisalignedSplice \in BOOLEAN
ASSUME FileSize \in 0..5 /\ ReadLen \in 1..5 /\ PipeSlots \in 1..5 /\ Frames \in 1..5
ASSUME ExtendSize \in 0..5
ASSUME DioAppend \in BOOLEAN
ASSUME EofRevert \in BOOLEAN
ASSUME EofClip \in BOOLEAN
ASSUME PipeRoomClip \in BOOLEAN
\* The missing room clip is modelled on the O_DIRECT ITER_PIPE read the bug report is about; a
\* buffered read without it fetches pages past the room into the page cache and stops at the full
\* pipe (copy_page_to_iter_pipe), which the model's buffered steps do not take.
ASSUME ~PipeRoomClip => (SpliceImpl = "ITER_PIPE" /\ BufferedProc = "none" /\ ~MisalignedSplice)
\* The missing clip only means something under the design that promises it (LimitToEof, COPY);
\* SpliceMisaligned's allocation is not counted (AllocationWithinEof), so not combined.
ASSUME ~EofClip => (LimitToEof /\ SpliceImpl = "COPY" /\ ~MisalignedSplice)
\* Before the fix the read also stopped at i_size after the extent that crossed it, so a hole past
\* EOF was never zero-filled into the pipe; the model's read of such a hole (see MappedPages) is
\* the fixed code's: the pre-fix design is modelled on files whose read is all mapped blocks.
ASSUME ~EofRevert => (FileSize >= ReadLen /\ ExtendSize <= FileSize /\ ~DioAppend)
\* The tail is that of the initial file: it never grows (no ExtendSize, no AppendWrite) and the
\* revert to i_size is what trims the last buffer to it (EofRevert).
ASSUME TailSectors \in 0..7
ASSUME PartReadSectors \in 0..7
ASSUME TailSectors > 0 => (FileSize > 0 /\ ExtendSize <= FileSize /\ ~DioAppend /\ EofRevert)
ASSUME BufferedRace \in BOOLEAN
ASSUME SpliceNonblock \in BOOLEAN
ASSUME EmptyVmsplice \in BOOLEAN
\* The split buffered read is that of a file that never grows: a file grown while the folios are
\* read would send filemap_read / filemap_splice_read round their loop for a further batch
\* ("while (len)"), which BufferedFinish does not take.
ASSUME BufferedRace => (BufferedProc # "none" /\ ExtendSize <= FileSize)
\* The offset splice is the buffered process's one splice() (it replaces its SpliceSubmit), of a
\* file whose i_size is whole pages (the last buffer then holds either a whole page or the
\* BufferedOffSectors sectors past the end of the pipe's room).
ASSUME BufferedOffSectors \in 0..7
ASSUME BufferedOffSectors > 0 => (BufferedProc # "none" /\ TailSectors = 0)
\* The mid-page truncate is that of a sparse file (its hole pages are what it cuts into) read by a
\* buffered process (which caches them), with no other sub-page shape: the file's only mid-page
\* i_size is the one TruncateMid sets, and the buffered splice is BufferedRead's one step.
ASSUME TruncTailSectors \in 0..7
\* The stale i_size matters only when a truncate comes between the sample and the pages found
\* uptodate: the split buffered read (BufferedRace), on the 6.5+ filemap_splice_read layout (COPY).
ASSUME IsizeRecheck \in BOOLEAN
ASSUME ~IsizeRecheck => (BufferedRace /\ SpliceImpl = "COPY" /\ TailSectors = 0)
ASSUME TruncTailSectors > 0 => (BufferedProc # "none" /\ ExtendSize > FileSize /\ TailSectors = 0
                               /\ BufferedOffSectors = 0 /\ ~BufferedRace /\ PartReadSectors = 0)

VARIABLES
    isize,      \* i_size of the file, in pages
    phase,      \* phase[p]: "idle" | "submitted" (bios issued) | "trimmed" (revert done, waiting) | "done"
                \* | "reading" (the buffered splice holds its batch of folios: BufferedGetPages)
    nread,      \* nread[p]: pages the DIO was issued for (iterator length); "reading": pages in the batch
    buf,        \* buf[p][i]: frame holding file page i of p's read (0 = none); "reading": the batch's folios
    bio,        \* bio[p]: file page indices of p's read whose bio is still in flight
    pipe,       \* pipe[p]: p's pipe buffers, oldest first: [frame |-> f, page |-> file page, off |->
                \* sectors a partial read() has taken from its start (PipeReadPart)]
    ref,        \* ref[f]: page refcount of frame f; 0 = free in the allocator
    content,    \* content[f]: what frame f holds (see Content)
    ret,        \* ret[p]: pages the splice() reports: min(nread, dio->i_size) from submission (-1 while idle)
    err,        \* err[p]: the error splice() returns instead of ret[p] (0: none; EAGAIN, ENOMEM, EINVAL)
    cache,      \* cache[i]: frame holding file page i in the page cache (0 = not cached)
    mapped,     \* pages of the file with blocks mapped (a prefix: see MappedPages)
    wret,       \* the last AppendWrite's result: pages written (1, or 0 for an empty write),
                \* ENOSPC, or -1 before any
    tail,       \* sectors (512 bytes) the last page of i_size holds when i_size ends mid-page, 0 when
                \* i_size is whole pages: i_size = isize * PAGE_SIZE - (tail > 0 ? PAGE_SIZE - tail * 512 : 0)
    retTail,    \* retTail[p]: sectors the last page of p's returned read holds when it ended at a
                \* mid-page i_size (splice() returned ret[p] pages less the rest of that page), else 0
    overAlloc,  \* pages the returned COPY splices allocated past EOF (beyond DIV_ROUND_UP(i_size
                \* - pos) at submission) under the design that promises none (LimitToEof); 0 otherwise
    nbret,      \* the last SpliceFullNonblock's result: EAGAIN, or 0 before any
    vmret,      \* the last VmspliceEmpty's result: 0 (bytes), or -1 before any
    fullFail,   \* O_DIRECT splices that failed because their read met a full pipe (no slot for a
                \* mapped page: only without PipeRoomClip), as opposed to no free frame
    retOff,     \* retOff[p]: sectors (512 bytes) into file page 1 at which p's returned splice started
                \* (SpliceBufferedOffset: BufferedOffSectors when it spliced anything), else 0
    pastEof,    \* pages the returned buffered splices put in the pipe past the i_size they returned
                \* under (only without IsizeRecheck: the batch's pages a truncate took past EOF)
    action      \* the step taken: [name |-> ..., params]

vars == <<isize, phase, nread, buf, bio, pipe, ref, content, ret, err, cache, mapped, wret, overAlloc, nbret,
          tail, retTail, retOff, fullFail, vmret, pastEof, action>>

FrameSet == 1..Frames
PageIdx == 1..ReadLen   \* page i covers file bytes [(i-1)*PAGE_SIZE, i*PAGE_SIZE)
NoProc == "none"
ASSUME BufferedProc \in Procs \cup {NoProc}
\* The largest i_size.
MaxSize == IF ExtendSize > FileSize THEN ExtendSize ELSE FileSize
\* The pages the page cache (cache[i]) can hold: every page below the largest i_size, those of
\* a sparse file's hole too (a buffered read of a hole caches a zeroed folio: mm/filemap.c
\* filemap_read_folio -> ext4_read_folio / ext4_mpage_readpages zero-fills an unmapped block).
CachePages == 1..MaxSize
\* The blocks the filesystem can give the file, in pages (at least one): the file's single
\* extent, which an AppendWrite past it cannot get (-ENOSPC).
ExtentPages == IF MaxSize > 0 THEN MaxSize ELSE 1
\* An appending write maps blocks right after i_size; with a sparse file (ExtendSize) that would
\* leave a hole between mapped blocks, which MappedPages (a prefix) does not describe, and the page
\* cache would have to follow O_DIRECT writes (kiocb_invalidate_pages): not combined.
ASSUME DioAppend => (ExtendSize <= FileSize /\ BufferedProc = NoProc)
\* "junk": not written since allocation (a free frame is always "junk": what a DMA
\* writes into freed memory is reported by NoBufferFreedUnderBio, not tracked);
\* "zero": hole zero-filled by the DIO
\* (iomap_dio_hole_iter); "data": written by the DMA of proc `by` for file page `idx`;
\* "file": file page `idx` read into the page cache (a_ops->read_folio).
Content == [kind : {"junk", "zero", "data", "file"}, by : Procs \cup {NoProc}, idx : 0..(ReadLen + 1)]
Junk == [kind |-> "junk", by |-> NoProc, idx |-> 0]
Zero == [kind |-> "zero", by |-> NoProc, idx |-> 0]
DataOf(dProc, dIdx) == [kind |-> "data", by |-> dProc, idx |-> dIdx]
FileOf(fIdx) == [kind |-> "file", by |-> NoProc, idx |-> fIdx]

Min(minA, minB) == IF minA < minB THEN minA ELSE minB

\* The sectors of the last page a read that returns retPages pages holds: the tail when the read
\* ends at a mid-page i_size (sampled at submission: iomap_dio_complete's "ret = dio->i_size -
\* offset", filemap_splice_read's "n = min(..., isize - *ppos)"), else 0 (a whole page).
RetTailOf(retPages) == IF tail > 0 /\ retPages = isize THEN tail ELSE 0

EAGAIN == -11
ENOMEM == -12
ENOSPC == -28
EINVAL == -22

FreeFrames == {f \in FrameSet : ref[f] = 0}

\* References frame f has from each holder (used by RefcountMatchesHolders).
PipeRefs(prF) == Cardinality({pk \in Procs \X (1..PipeSlots) :
                    pk[2] <= Len(pipe[pk[1]]) /\ pipe[pk[1]][pk[2]].frame = prF})
BioRefs(brF) == IF BioPageRef = "GET"
              THEN Cardinality({pi \in Procs \X PageIdx : pi[2] \in bio[pi[1]] /\ buf[pi[1]][pi[2]] = brF})
              ELSE 0
\* copy_splice_read's own page array holds each page until it pushes or releases it.
ArrayRefs(arF) == IF SpliceImpl = "COPY"
                THEN Cardinality({pi \in Procs \X PageIdx : phase[pi[1]] \in {"submitted", "trimmed"}
                                                       /\ pi[2] <= nread[pi[1]] /\ buf[pi[1]][pi[2]] = arF})
                ELSE 0
\* A buffered splice between BufferedGetPages and BufferedFinish holds a reference on each folio of
\* its batch (filemap_get_read_batch: folio_try_get; dropped by folio_batch_release).
BatchRefs(baF) == Cardinality({pi \in Procs \X PageIdx : phase[pi[1]] = "reading"
                                                     /\ pi[2] <= nread[pi[1]] /\ buf[pi[1]][pi[2]] = baF})
\* The page cache holds one reference per cached folio (filemap_add_folio).
CacheRefs(crF) == IF \E ci \in CachePages : cache[ci] = crF THEN 1 ELSE 0

-----------------------------------------------------------------------------
Init ==
    /\ isize = FileSize
    /\ phase = [p \in Procs |-> "idle"]
    /\ nread = [p \in Procs |-> 0]
    /\ buf = [p \in Procs |-> [i \in PageIdx |-> 0]]
    /\ bio = [p \in Procs |-> {}]
    /\ pipe = [p \in Procs |-> <<>>]
    /\ ref = [f \in FrameSet |-> 0]
    /\ content = [f \in FrameSet |-> Junk]
    /\ ret = [p \in Procs |-> -1]
    /\ err = [p \in Procs |-> 0]
    /\ cache = [ci \in CachePages |-> 0]
    /\ mapped = FileSize
    /\ wret = -1
    /\ overAlloc = 0
    /\ tail = TailSectors
    /\ retTail = [p \in Procs |-> 0]
    /\ nbret = 0
    /\ vmret = -1
    /\ retOff = [p \in Procs |-> 0]
    /\ fullFail = 0
    /\ pastEof = 0
    /\ action = [name |-> "Init"]

\* Reading at or past EOF: every design returns 0 and leaves nothing behind
\* (__iomap_dio_rw: "if (iomi.pos >= dio->i_size) goto out_free_dio"; copy_splice_read
\* releases the pages it allocated, or with LimitToEof allocates none) -- except that upstream
\* copy_splice_read allocates before it reads (fs/splice.c: no i_size clip), so with no free
\* page at all it fails with -ENOMEM even at EOF.  Under the ver #20 promise without its clip
\* (~EofClip) it allocates min(room, free) pages at EOF, all of them past EOF, and frees them.
SpliceAtEof(p) ==
    /\ phase' = [phase EXCEPT ![p] = "done"]
    /\ ret' = [ret EXCEPT ![p] = 0]
    /\ err' = [err EXCEPT ![p] = IF SpliceImpl = "COPY" /\ ~(LimitToEof /\ EofClip) /\ FreeFrames = {}
                                THEN ENOMEM ELSE 0]
    /\ overAlloc' = overAlloc + (IF SpliceImpl = "COPY" /\ LimitToEof /\ ~EofClip /\ p # BufferedProc
                                 THEN Min(Min(ReadLen, PipeSlots - Len(pipe[p])), Cardinality(FreeFrames))
                                 ELSE 0)
    /\ UNCHANGED <<isize, nread, buf, bio, pipe, ref, content, cache, mapped, wret, tail, retTail, nbret, vmret, retOff, fullFail>>

\* Blocks mapped in the file, in pages: the initial FileSize pages, never freed (see the
\* header: Truncate is truncate_setsize only), and the pages AppendWrite has written since
\* (always a prefix: i_size never passes them when DioAppend).  An extending ftruncate maps none: past them
\* the file is a hole, which an O_DIRECT read zero-fills without a bio (iomap_dio_hole_iter:
\* "length = iov_iter_zero(length, dio->submit.iter); dio->size += length"; 6.1 ITER_PIPE:
\* pipe_zero) and counts as read up to i_size, below i_size as well as past it.
MappedPages == mapped

\* What a buffered read of file page ci puts in its page-cache folio (a_ops->read_folio): the
\* file's data where a block is mapped, zeroes in a hole (ext4_mpage_readpages /
\* block_read_full_folio zero an unmapped block; the pages past FileSize of a sparse file).
CachedContent(ci) == IF ci <= MappedPages THEN FileOf(ci) ELSE Zero

\* The DIO part of SpliceSubmit, reading from below EOF.  Length: vfs_splice_read /
\* do_splice_to clip it to the pipe's free space; with LimitToEof also to i_size (ver #20
\* of seed 002's series).
\* ITER_PIPE: the iterator appends a fresh page per pipe buffer (append_pipe) as the DIO
\* walks it; the pipe holds one ref per buffer, the bio one more under "GET".
\* COPY: alloc_pages_bulk into the splice's own array (one ref each); the pipe is
\* untouched until the read has finished.  Pages whose blocks are mapped get a bio
\* (iomap_dio_bio_iter, IOMAP_MAPPED), even past i_size after a truncate_setsize; pages
\* past the mapped blocks are holes and are zero-filled synchronously (iomap_dio_hole_iter),
\* no bio.  dio->i_size is sampled here: ret = min(n, i_size) is what iomap_dio_complete
\* will report and what the revert keeps.
\* (Values are bound with \E x \in {e} so that each is computed once per step.)
SpliceRead(p) ==
    /\ \E free \in {FreeFrames} :
       \E room \in {PipeSlots - Len(pipe[p])} :
       \E want \in {IF SpliceImpl = "COPY" /\ LimitToEof /\ EofClip
                    THEN Min(Min(ReadLen, room), isize)
                    ELSE IF PipeRoomClip THEN Min(ReadLen, room)
                    ELSE ReadLen} :
       \* (the pipe takes no more than its room: append_pipe finds it full)
       \E n \in {Min(Min(want, room), Cardinality(free))} :
       \* alloc_pages_bulk / append_pipe: the n lowest free frames, for file pages 1..n
       \E newBuf \in {[si \in PageIdx |->
                         IF si <= n
                         THEN CHOOSE nf \in free : Cardinality({g \in free : g < nf}) = si - 1
                         ELSE 0]} :
       \E allocated \in {{newBuf[ai] : ai \in 1..n}} :
       \E withBio \in {{newBuf[wi] : wi \in 1..Min(n, MappedPages)}} :
       \* ITER_PIPE: a mapped page got no pipe page: the dio fails (see the header)
       \E fails \in {SpliceImpl = "ITER_PIPE" /\ n < Min(want, MappedPages)} :
       \* (the pipe ran out before the frames did: append_pipe's pipe_full comes before push_anon)
       \E onFull \in {SpliceImpl = "ITER_PIPE" /\ room < Min(want, MappedPages) /\ room <= Cardinality(free)} :
       IF n = 0
       \* Nothing to read into: copy_splice_read's alloc_pages_bulk_array gave no page (-ENOMEM);
       \* ITER_PIPE's first bio got none (-EFAULT -> -EAGAIN). Nothing is submitted or added.
       THEN /\ phase' = [phase EXCEPT ![p] = "done"]
            /\ ret' = [ret EXCEPT ![p] = 0]
            /\ err' = [err EXCEPT ![p] = IF SpliceImpl = "COPY" THEN ENOMEM ELSE EAGAIN]
            /\ fullFail' = fullFail + (IF onFull THEN 1 ELSE 0)
            /\ UNCHANGED <<nread, buf, bio, pipe, ref, content, retTail, nbret, vmret, retOff>>
       ELSE
        /\ phase' = [phase EXCEPT ![p] = "submitted"]
        /\ err' = [err EXCEPT ![p] = IF fails THEN EAGAIN ELSE 0]
        /\ fullFail' = fullFail + (IF onFull THEN 1 ELSE 0)
        /\ nread' = [nread EXCEPT ![p] = n]
        /\ buf' = [buf EXCEPT ![p] = newBuf]
        /\ bio' = [bio EXCEPT ![p] = 1..Min(n, MappedPages)]
        /\ ret' = [ret EXCEPT ![p] = Min(n, isize)]
        /\ retTail' = [retTail EXCEPT ![p] = RetTailOf(Min(n, isize))]
        /\ ref' = [f \in FrameSet |->
                     IF f \in allocated
                     THEN IF BioPageRef = "GET" /\ f \in withBio THEN 2 ELSE 1
                     ELSE ref[f]]
        /\ content' = [f \in FrameSet |->
                         IF f \in withBio THEN Junk
                         ELSE IF f \in allocated THEN Zero
                         ELSE content[f]]
        /\ pipe' = IF SpliceImpl = "ITER_PIPE"
                   THEN [pipe EXCEPT ![p] = pipe[p] \o [pk \in 1..n |-> [frame |-> newBuf[pk], page |-> pk, off |-> 0]]]
                   ELSE pipe
    /\ UNCHANGED <<isize, cache, mapped, wret, overAlloc, tail, nbret, vmret, retOff>>

\* Buffered splice of the file's pages below i_size, one step (the caller waits for each
\* folio to be uptodate under pipe_lock): 6.5+ filemap_splice_read (mm/filemap.c: length
\* clipped to the pipe's room, the loop stops at i_size, splice_folio_into_pipe takes a folio
\* ref per buffer); 6.1 generic_file_splice_read -> filemap_read -> copy_page_to_iter_pipe
\* (get_page, page_cache_pipe_buf_ops).  Pages not cached are read in first
\* (filemap_get_pages -> filemap_read_folio): a frame each, lowest free first, in file order,
\* holding the page cache's ref.  No bio targets a pipe page and nothing is pinned.
BufferedRead(p) ==
    /\ \E free \in {FreeFrames} :
       \E n \in {Min(Min(ReadLen, PipeSlots - Len(pipe[p])), isize)} :
       \E miss \in {{mi \in 1..n : cache[mi] = 0}} :
       \E newCache \in {[ci \in CachePages |->
                           \* (the rank test keeps CHOOSE defined when frames run short;
                           \* the step is then disabled below)
                           IF ci \in miss /\ Cardinality({mj \in miss : mj < ci}) < Cardinality(free)
                           THEN CHOOSE nf \in free : Cardinality({g \in free : g < nf})
                                                    = Cardinality({mj \in miss : mj < ci})
                           ELSE cache[ci]]} :
       \E allocated \in {{newCache[ai] : ai \in miss}} :
       \E spliced \in {{newCache[si] : si \in 1..n}} :
        /\ Cardinality(miss) <= Cardinality(free)
        /\ phase' = [phase EXCEPT ![p] = "done"]
        /\ ret' = [ret EXCEPT ![p] = n]
        /\ retTail' = [retTail EXCEPT ![p] = RetTailOf(n)]
        /\ cache' = newCache
        /\ pipe' = [pipe EXCEPT ![p] = pipe[p] \o [pk \in 1..n |-> [frame |-> newCache[pk], page |-> pk, off |-> 0]]]
        /\ ref' = [f \in FrameSet |->
                     IF f \in allocated THEN 2
                     ELSE IF f \in spliced THEN ref[f] + 1
                     ELSE ref[f]]
        /\ content' = [f \in FrameSet |->
                         IF f \in allocated
                         THEN CachedContent(CHOOSE ai \in miss : newCache[ai] = f)
                         ELSE content[f]]
    /\ UNCHANGED <<isize, nread, buf, bio, err, mapped, wret, overAlloc, tail, nbret, vmret, retOff, fullFail>>

\* The buffered splice in two steps (BufferedRace), first: splice(fd, NULL, pipe, ReadLen*PAGE_SIZE, 0)
\* on the BufferedProc's file up to the return of its filemap_get_pages: the length clipped to the
\* pipe's room, the loop's first i_size check passed (no break: *ppos < i_size_read) (i_size > 0), the
\* folios of pages 1..Min(len, i_size) uptodate (read in as in BufferedRead: a frame each, the page
\* cache's ref) and a batch reference on each (mm/filemap.c filemap_get_pages ->
\* filemap_get_read_batch: folio_try_get; 6.12 filemap_splice_read, 6.1 filemap_read under
\* generic_file_splice_read).  pipe_lock is held: nothing is in the pipe yet and it cannot be read.
BufferedGetPages(p) ==
    /\ BufferedRace
    /\ p = BufferedProc
    /\ phase[p] = "idle"
    /\ Len(pipe[p]) < PipeSlots
    /\ isize > 0
    /\ \E free \in {FreeFrames} :
       \E n \in {Min(Min(ReadLen, PipeSlots - Len(pipe[p])), isize)} :
       \E miss \in {{mi \in 1..n : cache[mi] = 0}} :
       \E newCache \in {[ci \in CachePages |->
                           IF ci \in miss /\ Cardinality({mj \in miss : mj < ci}) < Cardinality(free)
                           THEN CHOOSE nf \in free : Cardinality({g \in free : g < nf})
                                                    = Cardinality({mj \in miss : mj < ci})
                           ELSE cache[ci]]} :
       \E allocated \in {{newCache[ai] : ai \in miss}} :
       \E fetched \in {{newCache[si] : si \in 1..n}} :
        /\ Cardinality(miss) <= Cardinality(free)
        /\ phase' = [phase EXCEPT ![p] = "reading"]
        /\ nread' = [nread EXCEPT ![p] = n]
        /\ buf' = [buf EXCEPT ![p] = [bi \in PageIdx |-> IF bi <= n THEN newCache[bi] ELSE 0]]
        /\ cache' = newCache
        /\ ref' = [f \in FrameSet |->
                     IF f \in allocated THEN 2
                     ELSE IF f \in fetched THEN ref[f] + 1
                     ELSE ref[f]]
        /\ content' = [f \in FrameSet |->
                         IF f \in allocated
                         THEN CachedContent(CHOOSE ai \in miss : newCache[ai] = f)
                         ELSE content[f]]
    /\ action' = [name |-> "BufferedGetPages", proc |-> p]
    /\ UNCHANGED <<isize, bio, pipe, ret, err, mapped, wret, overAlloc, tail, retTail, nbret, vmret, retOff, fullFail>>

\* The rest of that splice(): i_size read again now that the folios are uptodate (6.12
\* filemap_splice_read: "isize = i_size_read(...)", a break when *ppos >= isize, "end_offset =
\* min_t(loff_t, isize, *ppos + len)", a folio at or past end_offset ends the loop ("goto out"),
\* n = min(len, isize - *ppos); 6.1 filemap_read the same with "goto put_folios"), so after a
\* Truncate only the batch's pages below the new i_size go into the pipe (splice_folio_into_pipe /
\* copy_page_to_iter_pipe: a folio ref per buffer), splice() returns them (0 when i_size is now 0),
\* and folio_batch_release drops every batch reference: a folio the truncate took out of the page
\* cache is freed then.  The loop ends: the length is spliced, or *ppos has reached i_size.
\* Without IsizeRecheck (__generic_file_splice_read before 620a324b744a): the i_size sampled
\* before the folios were found uptodate bounds the read, i.e. the batch's pages, all below it, go
\* into the pipe and splice() returns them, past a truncate's new i_size (pastEof counts those).
BufferedFinish(p) ==
    /\ phase[p] = "reading"
    /\ \E kept \in {IF IsizeRecheck THEN Min(nread[p], isize) ELSE nread[p]} :
       \E released \in {{buf[p][ri] : ri \in {rj \in PageIdx : rj > kept /\ rj <= nread[p]}}} :
        /\ phase' = [phase EXCEPT ![p] = "done"]
        /\ ret' = [ret EXCEPT ![p] = kept]
        /\ retTail' = [retTail EXCEPT ![p] = RetTailOf(kept)]
        /\ pipe' = [pipe EXCEPT ![p] = pipe[p] \o [pk \in 1..kept |-> [frame |-> buf[p][pk], page |-> pk, off |-> 0]]]
        /\ ref' = [f \in FrameSet |-> IF f \in released THEN ref[f] - 1 ELSE ref[f]]
        /\ content' = [f \in FrameSet |-> IF f \in released /\ ref[f] = 1 THEN Junk ELSE content[f]]
        /\ nread' = [nread EXCEPT ![p] = 0]
        /\ buf' = [buf EXCEPT ![p] = [bi \in PageIdx |-> 0]]
    /\ pastEof' = pastEof + (nread[p] - Min(nread[p], isize)) * (IF IsizeRecheck THEN 0 ELSE 1)
    /\ action' = [name |-> "BufferedFinish", proc |-> p]
    /\ UNCHANGED <<isize, bio, err, cache, mapped, wret, overAlloc, tail, nbret, vmret, retOff, fullFail>>

\* splice(fd, NULL, pipe, ReadLen*PAGE_SIZE, 0) on an O_DIRECT file, up to the point
\* where the DIO has issued its bios.  Blocks while the pipe is full (wait_for_space in
\* splice_file_to_pipe, under pipe_lock) or while no frame is free.
SpliceSubmit(p) ==
    /\ phase[p] = "idle"
    /\ Len(pipe[p]) < PipeSlots
    /\ IF isize = 0 THEN SpliceAtEof(p)
       ELSE IF p = BufferedProc THEN BufferedRead(p)
       ELSE SpliceRead(p)
    /\ action' = [name |-> "SpliceSubmit", proc |-> p]

\* A whole splice() call during which no other step is taken (nothing races with it):
\* SpliceSubmit, DioRevert, every BioComplete and SpliceReturn as one step, i.e. one
\* vfs_splice_read on the O_DIRECT file (fs/splice.c: 6.12 copy_splice_read, 6.1
\* generic_file_splice_read -> __iomap_dio_rw), which waits for its bios before it returns, so
\* a read is submitted as large bios rather than page by page.  Its end state is the one the
\* split steps reach: pages 1..Min(n, i_size) in the pipe with the DMA's data (holes zeroed),
\* every other page freed; ITER_PIPE short of frames fails (err) with nothing left behind.
\* Not enabled where the ITER_PIPE revert would free a page under its own bio (BioPageRef =
\* "NONE"): the split steps are how the model shows that, and one step would hide it.
SpliceSync(p) ==
    /\ phase[p] = "idle"
    /\ Len(pipe[p]) < PipeSlots
    /\ isize > 0
    /\ p # BufferedProc
    /\ \E free \in {FreeFrames} :
       \E room \in {PipeSlots - Len(pipe[p])} :
       \E want \in {IF SpliceImpl = "COPY" /\ LimitToEof /\ EofClip
                    THEN Min(Min(ReadLen, room), isize)
                    ELSE IF PipeRoomClip THEN Min(ReadLen, room)
                    ELSE ReadLen} :
       \* (the pipe takes no more than its room: append_pipe finds it full)
       \E n \in {Min(Min(want, room), Cardinality(free))} :
       \E newBuf \in {[si \in PageIdx |->
                         IF si <= n
                         THEN CHOOSE nf \in free : Cardinality({g \in free : g < nf}) = si - 1
                         ELSE 0]} :
       \E allocated \in {{newBuf[ai] : ai \in 1..n}} :
       \E fails \in {SpliceImpl = "ITER_PIPE" /\ n < Min(want, MappedPages)} :
       \* (the pipe ran out before the frames did: append_pipe's pipe_full comes before push_anon)
       \E onFull \in {SpliceImpl = "ITER_PIPE" /\ room < Min(want, MappedPages) /\ room <= Cardinality(free)} :
       \* (without the EOF revert, ITER_PIPE keeps every page it read in the pipe)
       \E kept \in {IF fails THEN 0
                    ELSE IF SpliceImpl = "ITER_PIPE" /\ ~EofRevert THEN n
                    ELSE Min(n, isize)} :
       \E keptFrames \in {{newBuf[ki] : ki \in 1..kept}} :
        /\ n > 0
        /\ ~(SpliceImpl = "ITER_PIPE" /\ BioPageRef = "NONE" /\ Min(n, isize) < Min(n, MappedPages))
        /\ phase' = [phase EXCEPT ![p] = "done"]
        /\ ret' = [ret EXCEPT ![p] = Min(n, isize)]
        /\ retTail' = [retTail EXCEPT ![p] = RetTailOf(Min(n, isize))]
        \* (pages allocated past what the read reaches; 0 when the length was clipped to i_size)
        /\ overAlloc' = overAlloc + (IF SpliceImpl = "COPY" /\ LimitToEof THEN n - Min(n, isize) ELSE 0)
        /\ err' = [err EXCEPT ![p] = IF fails THEN EAGAIN ELSE 0]
        /\ fullFail' = fullFail + (IF onFull THEN 1 ELSE 0)
        /\ pipe' = [pipe EXCEPT ![p] = pipe[p] \o [pk \in 1..kept |-> [frame |-> newBuf[pk], page |-> pk, off |-> 0]]]
        /\ ref' = [f \in FrameSet |->
                     IF f \in keptFrames THEN 1
                     ELSE IF f \in allocated THEN 0
                     ELSE ref[f]]
        /\ content' = [f \in FrameSet |->
                         IF f \in keptFrames
                         THEN LET ki == CHOOSE kk \in 1..kept : newBuf[kk] = f
                              IN IF ki <= MappedPages THEN DataOf(p, ki) ELSE Zero
                         ELSE IF f \in allocated THEN Junk
                         ELSE content[f]]
    /\ action' = [name |-> "SpliceSync", proc |-> p]
    /\ UNCHANGED <<isize, nread, buf, bio, cache, mapped, wret, tail, nbret, vmret, retOff>>

\* splice(fd, &off, pipe, ReadLen*PAGE_SIZE, 0) on the O_DIRECT file with off = 1: a position
\* that is not a multiple of the logical block size.  Nothing is read and nothing reaches the
\* pipe; the call fails with -EINVAL, from the O_DIRECT read's alignment check
\* (fs/iomap/direct-io.c iomap_dio_bio_iter: "(pos | length) & (bdev_logical_block_size - 1)",
\* 6.1 and 6.12; ext4 sends an O_DIRECT read to iomap whatever its alignment: 6.1
\* ext4_dio_supported, 6.12 ext4_should_use_dio with ext4_dio_alignment() = 1), which comes
\* after __iomap_dio_rw's "iomi.pos >= dio->i_size": at EOF the read returns 0 instead.  6.1
\* generic_file_splice_read has appended no pipe buffer when the check fails (pipe_discard_from
\* frees nothing) and returns the error; 6.5+ copy_splice_read (fs/splice.c) has bulk-allocated
\* its pages first, so with no free page at all it fails with -ENOMEM before reading (as at EOF;
\* the ver #20 LimitToEof design allocates nothing at EOF), and otherwise frees them all again
\* (keep = 0) in the same call.  One step: no bio is issued.
SpliceMisaligned(p) ==
    /\ MisalignedSplice
    /\ phase[p] = "idle"
    /\ Len(pipe[p]) < PipeSlots
    /\ p # BufferedProc
    /\ phase' = [phase EXCEPT ![p] = "done"]
    /\ ret' = [ret EXCEPT ![p] = 0]
    /\ err' = [err EXCEPT ![p] =
                IF SpliceImpl = "COPY" /\ FreeFrames = {} /\ ~(LimitToEof /\ isize = 0) THEN ENOMEM
                ELSE IF isize = 0 THEN 0
                ELSE EINVAL]
    /\ action' = [name |-> "SpliceMisaligned", proc |-> p]
    /\ UNCHANGED <<isize, nread, buf, bio, pipe, ref, content, cache, mapped, wret, overAlloc, tail,
                   retTail, nbret, vmret, retOff, fullFail>>

\* splice(fd, &off, pipe, ReadLen*PAGE_SIZE, 0) on the BufferedProc's file (opened without
\* O_DIRECT) with off = BufferedOffSectors * 512: a position inside file page 1 (a buffered read
\* has no alignment rule), the process's one splice().  The length is clipped to the pipe's free
\* slots before the read (6.1 fs/splice.c do_splice_to: "Don't try to read more the pipe has space
\* for", len = min(len, p_space << PAGE_SHIFT); 6.12 mm/filemap.c filemap_splice_read: npages =
\* max_usage - occupancy, len = min(len, npages * PAGE_SIZE)), but bytes [off, off + len) touch one
\* page more than len / PAGE_SIZE, and each page's part takes a pipe buffer of its own (6.1
\* lib/iov_iter.c copy_page_to_iter_pipe: push_page per folio, merging only into the same page;
\* 6.12 splice_folio_into_pipe).  filemap_get_pages covers the pages up to DIV_ROUND_UP(off + len,
\* PAGE_SIZE) below i_size (read in as in BufferedRead: a frame each, the page cache's ref), and
\* they go into the pipe in file order until i_size or until the pipe is full: 6.12
\* filemap_splice_read "if (pipe_full(pipe->head, pipe->tail, pipe->max_usage)) goto out"; 6.1
\* copy_page_to_iter_pipe copies nothing into a full pipe ("if (pipe_full(...)) return 0"), which
\* filemap_read takes as a short copy (-EFAULT, break) and returns what it has read ("already_read
\* ? already_read : error"), and generic_file_splice_read returns that count.  So when ReadLen
\* pages fill the pipe's room and the file goes on past it, splice() returns off bytes less than
\* the room: a short count, and the last page fetched is left in the page cache only (the batch's
\* references are dropped: folio_batch_release, 6.1 put_folios).  The first buffer starts off
\* bytes into page 1 (its off field, as after a partial read); a read that ends at off + len
\* holds off bytes of its last page (retTail).  At EOF (i_size 0) it returns 0.  One step, as
\* BufferedRead.
SpliceBufferedOffset(p) ==
    /\ BufferedOffSectors > 0
    /\ p = BufferedProc
    /\ phase[p] = "idle"
    /\ Len(pipe[p]) < PipeSlots
    /\ \E free \in {FreeFrames} :
       \E len \in {Min(ReadLen, PipeSlots - Len(pipe[p]))} :
       \* pages filemap_get_pages covers (below i_size), and the buffers the pipe takes
       \E fetch \in {Min(len + 1, isize)} :
       \E n \in {Min(fetch, PipeSlots - Len(pipe[p]))} :
       \E miss \in {{mi \in 1..fetch : cache[mi] = 0}} :
       \E newCache \in {[ci \in CachePages |->
                           IF ci \in miss /\ Cardinality({mj \in miss : mj < ci}) < Cardinality(free)
                           THEN CHOOSE nf \in free : Cardinality({g \in free : g < nf})
                                                    = Cardinality({mj \in miss : mj < ci})
                           ELSE cache[ci]]} :
       \E allocated \in {{newCache[ai] : ai \in miss}} :
       \E spliced \in {{newCache[si] : si \in 1..n}} :
        /\ Cardinality(miss) <= Cardinality(free)
        /\ phase' = [phase EXCEPT ![p] = "done"]
        /\ ret' = [ret EXCEPT ![p] = n]
        /\ retTail' = [retTail EXCEPT ![p] = IF n = len + 1 THEN BufferedOffSectors ELSE 0]
        /\ retOff' = [retOff EXCEPT ![p] = IF n > 0 THEN BufferedOffSectors ELSE 0]
        /\ cache' = newCache
        /\ pipe' = [pipe EXCEPT ![p] = pipe[p] \o [pk \in 1..n |-> [frame |-> newCache[pk], page |-> pk,
                                                                   off |-> IF pk = 1 THEN BufferedOffSectors ELSE 0]]]
        /\ ref' = [f \in FrameSet |->
                     IF f \in allocated THEN (IF f \in spliced THEN 2 ELSE 1)
                     ELSE IF f \in spliced THEN ref[f] + 1
                     ELSE ref[f]]
        /\ content' = [f \in FrameSet |->
                         IF f \in allocated
                         THEN CachedContent(CHOOSE ai \in miss : newCache[ai] = f)
                         ELSE content[f]]
    /\ action' = [name |-> "SpliceBufferedOffset", proc |-> p, off |-> BufferedOffSectors]
    /\ UNCHANGED <<isize, nread, buf, bio, err, mapped, wret, overAlloc, tail, nbret, vmret, fullFail>>

\* ftruncate(fd, size) shrinking the file: truncate_setsize (i_size_write, then
\* truncate_pagecache -> truncate_inode_pages: each cached folio past the new size leaves
\* the page cache, which drops its ref; a folio a pipe buffer holds stays allocated and
\* uptodate); the blocks past the new size stay mapped (MappedPages).  Another process's
\* ftruncate, as in the syzbot reproducer (creat, ftruncate, lseek, O_DIRECT open,
\* sendfile, run in parallel).
\* Growing the file (size = ExtendSize > FileSize): i_size_write only (truncate_setsize ->
\* i_size_write, truncate_pagecache past the old size drops nothing; ext4_setattr maps no
\* block), so the new pages are a hole.
Truncate(size) ==
    /\ size < isize \/ (size = ExtendSize /\ size > FileSize /\ size > isize)
    /\ isize' = size
    \* (to whole pages: ftruncate(fd, size * PAGE_SIZE))
    /\ tail' = 0
    /\ \E dropped \in {{cache[ci] : ci \in {cj \in CachePages : cj > size /\ cache[cj] /= 0}}} :
        /\ cache' = [ci \in CachePages |-> IF ci > size THEN 0 ELSE cache[ci]]
        /\ ref' = [f \in FrameSet |-> IF f \in dropped THEN ref[f] - 1 ELSE ref[f]]
        /\ content' = [f \in FrameSet |-> IF f \in dropped /\ ref[f] = 1 THEN Junk ELSE content[f]]
    /\ action' = [name |-> "Truncate", size |-> size]
    /\ UNCHANGED <<phase, nread, buf, bio, pipe, ret, err, mapped, wret, overAlloc, retTail, nbret, vmret, retOff, fullFail>>

\* ftruncate(fd, (size - 1) * PAGE_SIZE + TruncTailSectors * 512) shrinking the file to an i_size
\* inside page `size`, a page of the sparse file's hole that the buffered splice has cached
\* (TruncTailSectors), by a process between splice() calls (ext4_setattr holds the inode lock and
\* waits for direct I/O, inode_dio_wait, before it shrinks).  ext4_setattr -> i_size_write, then
\* truncate_pagecache -> truncate_inode_pages -> truncate_inode_pages_range (mm/truncate.c,
\* Debian 6.1.192 and 6.12.117): the folios wholly past the new size leave the page cache as in
\* Truncate; the folio holding the new i_size stays cached, and truncate_inode_partial_folio
\* zeroes its bytes from i_size to the folio's end (folio_zero_range), which in a hole were zero
\* already, so the folio (and a pipe buffer holding it) reads as before.  ext4_truncate then
\* zeroes the rest of i_size's block (ext4_block_truncate_page, i_size not block-aligned ->
\* __ext4_block_zero_page_range): its __filemap_get_folio finds the cached folio and the block
\* is unmapped ("It's a hole - nothing to do").  Only a cached page of the hole: for an uncached
\* one that __filemap_get_folio (FGP_CREAT) would add a folio to the page cache, and in a mapped
\* block the zeroed tail is sub-page content of the file's data, neither modelled.  The blocks
\* past i_size are all hole (size > MappedPages), so the freeing ext4_truncate does is moot.
\* Reads then stop at the mid-page i_size (tail, RetTailOf), as for TailSectors.
TruncateMid(size) ==
    /\ TruncTailSectors > 0
    /\ \A q \in Procs : phase[q] \in {"idle", "done"}
    /\ size > MappedPages
    /\ cache[size] /= 0
    \* (a shrink: below the whole pages of i_size, or below a mid-page i_size's page)
    /\ size < isize \/ (size = isize /\ tail = 0)
    /\ isize' = size
    /\ tail' = TruncTailSectors
    /\ \E dropped \in {{cache[ci] : ci \in {cj \in CachePages : cj > size /\ cache[cj] /= 0}}} :
        /\ cache' = [ci \in CachePages |-> IF ci > size THEN 0 ELSE cache[ci]]
        /\ ref' = [f \in FrameSet |-> IF f \in dropped THEN ref[f] - 1 ELSE ref[f]]
        /\ content' = [f \in FrameSet |-> IF f \in dropped /\ ref[f] = 1 THEN Junk ELSE content[f]]
    /\ action' = [name |-> "TruncateMid", size |-> size, sectors |-> TruncTailSectors]
    /\ UNCHANGED <<phase, nread, buf, bio, pipe, ret, err, mapped, wret, overAlloc, retTail, nbret, vmret, retOff, fullFail>>

\* The end of __iomap_dio_rw's submission: iov_iter_revert(iter, iomi.pos - dio->i_size)
\* trims the iterator to the i_size sampled at submission, before the bios are waited
\* for; a Truncate since then does not change it.  ITER_PIPE: pipe_truncate releases the
\* trimmed pipe buffers (pipe_buf_release -> put_page), bios or not.  COPY: the revert
\* only moves the ITER_BVEC.  Kernel-internal step of the same splice() call as
\* SpliceSubmit.
DioRevert(p) ==
    /\ phase[p] = "submitted"
    /\ \E keep \in {ret[p]} :
       \E dropped \in {{buf[p][di] : di \in {dj \in PageIdx : dj > keep /\ dj <= nread[p]}}} :
        /\ phase' = [phase EXCEPT ![p] = "trimmed"]
        /\ IF SpliceImpl = "ITER_PIPE" /\ EofRevert
           THEN /\ pipe' = [pipe EXCEPT ![p] = SubSeq(pipe[p], 1, Len(pipe[p]) - (nread[p] - keep))]
                /\ ref' = [f \in FrameSet |-> IF f \in dropped THEN ref[f] - 1 ELSE ref[f]]
                /\ content' = [f \in FrameSet |-> IF f \in dropped /\ ref[f] = 1 THEN Junk ELSE content[f]]
           ELSE UNCHANGED <<pipe, ref, content, nbret, vmret, retOff, fullFail>>
    /\ action' = [name |-> "DioRevert", proc |-> p]
    /\ UNCHANGED <<isize, nread, buf, bio, ret, err, cache, mapped, wret, overAlloc, tail, retTail, nbret, vmret, retOff, fullFail>>

\* The device completes the bio for file page i of p's read (dm-delay releasing it):
\* the DMA writes the file data into the frame, whoever owns that frame now, and
\* bio_release_pages drops the bio's ref under "GET".
BioComplete(p, i) ==
    LET bf == buf[p][i] IN
    /\ i \in bio[p]
    /\ bio' = [bio EXCEPT ![p] = @ \ {i}]
    /\ \E left \in {IF BioPageRef = "GET" THEN ref[bf] - 1 ELSE ref[bf]} :
        /\ ref' = [ref EXCEPT ![bf] = left]
        /\ content' = [content EXCEPT ![bf] = IF left = 0 THEN Junk ELSE DataOf(p, i)]
    /\ action' = [name |-> "BioComplete", proc |-> p, page |-> i]
    /\ UNCHANGED <<isize, phase, nread, buf, pipe, ret, err, cache, mapped, wret, overAlloc, tail,
                   retTail, nbret, vmret, retOff, fullFail>>

\* The synchronous DIO has seen all its bios complete and splice() returns ret[p] pages.
\* COPY: copy_splice_read pushes the first DIV_ROUND_UP(ret) pages into the pipe (the
\* array's ref becomes the pipe buffer's) and release_pages() the rest.
\* ITER_PIPE whose dio failed (err): generic_file_splice_read's pipe_discard_from(pipe,
\* to.start_head) releases the buffers this splice added, its last ret[p] after the revert.
SpliceReturn(p) ==
    /\ phase[p] = "trimmed"
    /\ bio[p] = {}
    /\ phase' = [phase EXCEPT ![p] = "done"]
    \* The page array of the read is gone once splice() has returned.
    /\ nread' = [nread EXCEPT ![p] = 0]
    /\ buf' = [buf EXCEPT ![p] = [bi \in PageIdx |-> 0]]
    /\ \E released \in {{buf[p][ri] : ri \in {rj \in PageIdx : rj > ret[p] /\ rj <= nread[p]}}} :
        IF SpliceImpl = "COPY"
        THEN /\ pipe' = [pipe EXCEPT ![p] = pipe[p] \o [pk \in 1..ret[p] |-> [frame |-> buf[p][pk], page |-> pk, off |-> 0]]]
             /\ ref' = [f \in FrameSet |-> IF f \in released THEN ref[f] - 1 ELSE ref[f]]
             /\ content' = [f \in FrameSet |-> IF f \in released /\ ref[f] = 1 THEN Junk ELSE content[f]]
        ELSE IF err[p] # 0
        \* (what this splice added: ret[p] buffers after the revert, all nread[p] without it)
        THEN \E added \in {IF EofRevert THEN ret[p] ELSE nread[p]} :
             \E discarded \in {{pipe[p][dk].frame : dk \in (Len(pipe[p]) - added + 1)..Len(pipe[p])}} :
             /\ pipe' = [pipe EXCEPT ![p] = SubSeq(pipe[p], 1, Len(pipe[p]) - added)]
             /\ ref' = [f \in FrameSet |-> IF f \in discarded THEN ref[f] - 1 ELSE ref[f]]
             /\ content' = [f \in FrameSet |-> IF f \in discarded /\ ref[f] = 1 THEN Junk ELSE content[f]]
        ELSE UNCHANGED <<pipe, ref, content, nbret, vmret, retOff, fullFail>>
    \* copy_splice_read allocated nread[p] pages and its read reaches ret[p] (i_size sampled at
    \* submission): the rest were allocated past EOF, counted under the ver #20 promise.
    /\ overAlloc' = overAlloc + (IF SpliceImpl = "COPY" /\ LimitToEof THEN nread[p] - ret[p] ELSE 0)
    /\ action' = [name |-> "SpliceReturn", proc |-> p]
    /\ UNCHANGED <<isize, bio, ret, err, cache, mapped, wret, tail, retTail, nbret, vmret, retOff, fullFail>>

\* read() from the pipe's read end consumes the oldest buffer (pipe_buf_release).
\* Not while p's splice is in progress: splice holds pipe_lock() on the pipe for the
\* whole ->splice_read (fs/splice.c splice_file_to_pipe / do_splice).
PipeRead(p) ==
    LET hf == pipe[p][1].frame IN
    /\ phase[p] \in {"idle", "done"}
    /\ pipe[p] /= <<>>
    /\ pipe' = [pipe EXCEPT ![p] = Tail(@)]
    /\ ref' = [ref EXCEPT ![hf] = @ - 1]
    /\ content' = [content EXCEPT ![hf] = IF ref[hf] = 1 THEN Junk ELSE @]
    /\ action' = [name |-> "PipeRead", proc |-> p]
    /\ UNCHANGED <<isize, phase, nread, buf, bio, ret, err, cache, mapped, wret, overAlloc, tail,
                   retTail, nbret, vmret, retOff, fullFail>>

\* Sectors (512 bytes) pipe buffer k of p holds when it was added: the tail of the last page of a
\* read that stopped at a mid-page i_size (retTail), else a whole page.
BufSectors(bsP, bsK) == IF retTail[bsP] > 0 /\ pipe[bsP][bsK].page = ret[bsP] THEN retTail[bsP] ELSE 8

\* read(fd, buf, PartReadSectors * 512) from the pipe's read end when its oldest buffer holds more:
\* pipe_read (fs/pipe.c) copies chars = min(total_len, buf->len) bytes from the buffer, then
\* "buf->offset += chars; buf->len -= chars;" and releases the buffer only "if (!buf->len)"; the
\* read is satisfied ("if (!total_len) break"), so the buffer stays at the pipe's tail with its page
\* reference, and the next read starts at its new offset.  Only a buffer no read has taken from yet
\* (a scenario shape: one partial read per buffer; PipeRead then takes the rest).  Not while p's
\* splice holds pipe_lock.
PipeReadPart(p) ==
    /\ PartReadSectors > 0
    /\ phase[p] \in {"idle", "done"}
    /\ pipe[p] /= <<>>
    /\ pipe[p][1].off = 0
    /\ BufSectors(p, 1) > PartReadSectors
    /\ pipe' = [pipe EXCEPT ![p] = <<[frame |-> @[1].frame, page |-> @[1].page, off |-> PartReadSectors]>>
                                    \o Tail(@)]
    /\ action' = [name |-> "PipeReadPart", proc |-> p]
    /\ UNCHANGED <<isize, phase, nread, buf, bio, ref, content, ret, err, cache, mapped, wret, overAlloc,
                   tail, retTail, nbret, vmret, retOff, fullFail>>

\* pwrite(fd, buf, PAGE_SIZE, i_size) on p's O_DIRECT file: an appending O_DIRECT write of one
\* page, synchronous, one step.  It takes i_rwsem exclusively (fs/ext4/file.c ext4_dio_write_iter:
\* an extending write is never done under the shared lock, ext4_dio_write_checks), while an
\* O_DIRECT read holds it shared across iomap_dio_rw and its wait (ext4_dio_read_iter), so no
\* splice is inside its read meanwhile.  The blocks past the extent cannot be allocated: the
\* write fails with -ENOSPC and changes nothing (ext4_iomap_begin -> ext4_map_blocks; nothing
\* written, so iomap_dio_rw returns the error).  Otherwise its bio writes the page and i_size
\* becomes the end of the write (fs/ext4/file.c ext4_handle_inode_extension: i_size_write; 6.1
\* calls it after iomap_dio_rw in ext4_dio_write_iter, 6.12 from the dio's end_io,
\* ext4_dio_write_end_io);
\* the page's block is mapped from then on, so a later O_DIRECT read gets a bio for it and the
\* data written (the file's own bytes for that page).
\* pages = 0: pwrite(fd, buf, 0, i_size), a zero-length O_DIRECT write: 0, nothing written and
\* nothing allocated, also when the extent is full (mm/filemap.c generic_write_checks: "if
\* (!iov_iter_count(from)) return 0", via ext4_generic_write_checks, before any block mapping).
AppendWrite(p, pages) ==
    /\ DioAppend
    /\ p # BufferedProc
    /\ \A q \in Procs : phase[q] \in {"idle", "done"}
    /\ IF pages = 0
       THEN /\ wret' = 0
            /\ UNCHANGED <<isize, mapped, nbret, vmret, retOff, fullFail>>
       ELSE IF isize + 1 > ExtentPages
       THEN /\ wret' = ENOSPC
            /\ UNCHANGED <<isize, mapped, nbret, vmret, retOff, fullFail>>
       ELSE /\ wret' = 1
            /\ isize' = isize + 1
            /\ mapped' = IF isize + 1 > mapped THEN isize + 1 ELSE mapped
    /\ action' = [name |-> "AppendWrite", proc |-> p, pages |-> pages]
    /\ UNCHANGED <<phase, nread, buf, bio, pipe, ref, content, ret, err, cache, overAlloc, tail, retTail, nbret, vmret, retOff, fullFail>>

\* splice(fd, NULL, pipe, ReadLen*PAGE_SIZE, SPLICE_F_NONBLOCK) by a process whose splice() has
\* returned, into its pipe while that is full (SpliceNonblock): fs/splice.c do_splice ->
\* splice_file_to_pipe takes pipe_lock and calls wait_for_space before any read ("if
\* (!pipe_full(pipe->head, pipe->tail, pipe->max_usage)) return 0; if (flags & SPLICE_F_NONBLOCK)
\* return -EAGAIN;", 6.1 and 6.12), so the call fails -EAGAIN without reaching vfs_splice_read (6.1
\* do_splice_to): nothing is read, allocated, pinned or added to the pipe, whatever the file
\* (O_DIRECT or buffered) and i_size.  Without SPLICE_F_NONBLOCK the call would sleep in
\* pipe_wait_writable until a reader makes room (not modelled: SpliceSubmit's splice is the
\* process's one read).
SpliceFullNonblock(p) ==
    /\ SpliceNonblock
    /\ phase[p] = "done"
    /\ Len(pipe[p]) = PipeSlots
    /\ nbret' = EAGAIN
    /\ action' = [name |-> "SpliceFullNonblock", proc |-> p]
    /\ UNCHANGED <<isize, phase, nread, buf, bio, pipe, ref, content, ret, err, cache, mapped, wret,
                   overAlloc, tail, retTail, retOff, fullFail, vmret>>

\* vmsplice(pipe, {NULL, 0}, 1, 0) (SPLICE_F_NONBLOCK not set, the write end blocking) by a
\* process whose splice() has returned, into its pipe while that is full (EmptyVmsplice):
\* fs/splice.c sys_vmsplice imports the iovec (import_iovec: a zero length passes access_ok
\* whatever the address) and then "if (!iov_iter_count(&iter)) error = 0;" before
\* vmsplice_to_pipe, so the call returns 0 at once: it neither sleeps in wait_for_space
\* (pipe_wait_writable) nor fails -EAGAIN, no user page is looked up (iter_to_pipe is not reached)
\* and the pipe is unchanged (Debian 6.1.192 and 6.12.117).  Only an iovec with bytes goes to
\* vmsplice_to_pipe -> wait_for_space, which would sleep on this pipe.
VmspliceEmpty(p) ==
    /\ EmptyVmsplice
    /\ phase[p] = "done"
    /\ Len(pipe[p]) = PipeSlots
    /\ vmret' = 0
    /\ action' = [name |-> "VmspliceEmpty", proc |-> p]
    /\ UNCHANGED <<isize, phase, nread, buf, bio, pipe, ref, content, ret, err, cache, mapped, wret,
                   overAlloc, tail, retTail, nbret, retOff, fullFail>>

\* Every splice has returned and every pipe has been drained: the behaviour is over
\* (an explicit step that changes nothing but `action`, so the end is not reported as a
\* deadlock and a trace never repeats the previous step's action record).
Finished ==
    /\ \A p \in Procs : phase[p] = "done" /\ pipe[p] = <<>>
    /\ action' = [name |-> "Finished"]
    /\ UNCHANGED <<isize, phase, nread, buf, bio, pipe, ref, content, ret, err, cache, mapped, wret,
                   overAlloc, tail, retTail, nbret, vmret, retOff, fullFail>>

NextKeepingPastEof ==
    \/ Finished
    \/ \E p \in Procs : (SpliceSubmit(p) \/ SpliceSync(p) \/ SpliceMisaligned(p) \/ DioRevert(p)
                        \/ SpliceReturn(p) \/ PipeRead(p) \/ PipeReadPart(p)
                        \/ BufferedGetPages(p) \/ SpliceFullNonblock(p)
                        \/ VmspliceEmpty(p)
                        \/ SpliceBufferedOffset(p)
                        \/ AppendWrite(p, 1) \/ AppendWrite(p, 0))
    \/ \E p \in Procs, i \in PageIdx : BioComplete(p, i)
    \/ \E s \in 0..(ExtentPages - 1) : Truncate(s)
    \/ (ExtendSize > FileSize /\ Truncate(ExtendSize))
    \/ \E s \in CachePages : TruncateMid(s)

\* (pastEof changes only in BufferedFinish; every other step keeps it)
Next ==
    \/ \E p \in Procs : BufferedFinish(p)
    \/ /\ UNCHANGED pastEof
       /\ NextKeepingPastEof

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
TypeOK ==
    \* Written element-wise: the embedded engine would enumerate function sets.
    /\ isize \in 0..ExtentPages
    /\ mapped \in 0..ExtentPages
    /\ wret \in {-1, 0, 1, ENOSPC}
    /\ nbret \in {0, EAGAIN}
    /\ vmret \in {-1, 0}
    /\ DOMAIN retOff = Procs /\ \A p \in Procs : retOff[p] \in 0..7
    /\ overAlloc \in 0..10
    /\ fullFail \in 0..2
    /\ pastEof \in 0..ReadLen
    /\ tail \in 0..7
    /\ (tail > 0 => isize > 0)
    /\ DOMAIN retTail = Procs /\ \A p \in Procs : retTail[p] \in 0..7
    /\ DOMAIN phase = Procs /\ DOMAIN nread = Procs /\ DOMAIN buf = Procs
    /\ DOMAIN bio = Procs /\ DOMAIN pipe = Procs /\ DOMAIN ret = Procs
    /\ DOMAIN ref = FrameSet /\ DOMAIN content = FrameSet
    /\ \A p \in Procs :
          /\ phase[p] \in {"idle", "submitted", "trimmed", "done", "reading"}
          /\ nread[p] \in 0..ReadLen
          /\ \A i \in PageIdx : buf[p][i] \in {0} \cup FrameSet
          /\ bio[p] \subseteq PageIdx
          /\ Len(pipe[p]) <= PipeSlots
          \* (SpliceBufferedOffset's last buffer may hold file page ReadLen + 1)
          /\ \A k \in 1..Len(pipe[p]) : pipe[p][k].frame \in FrameSet /\ pipe[p][k].page \in 1..(ReadLen + 1)
                                         /\ pipe[p][k].off \in 0..7
          /\ ret[p] \in -1..(ReadLen + 1)
          /\ err[p] \in {0, EAGAIN, ENOMEM, EINVAL}
    /\ DOMAIN cache = CachePages
    /\ \A ci \in CachePages : cache[ci] \in {0} \cup FrameSet
    /\ \A f \in FrameSet :
          /\ ref[f] \in 0..4
          /\ content[f].kind \in {"junk", "zero", "data", "file"}
          /\ content[f].by \in Procs \cup {NoProc}
          /\ content[f].idx \in 0..(ReadLen + 1)

\* The fixed design's core rule (seed 002): no page is returned to the allocator while
\* a bio still writes into it.  ITER_PIPE + "NONE" breaks it at DioRevert.
NoBufferFreedUnderBio ==
    \A p \in Procs : \A i \in bio[p] : ref[buf[p][i]] > 0

\* The consequence a user sees: a pipe never holds data that another process's DIO
\* wrote (what PipeRead would return: content[Head(pipe[p]).frame]), as when a frame
\* freed under p's bio is reallocated to q.
NoForeignDataInPipe ==
    \A p \in Procs : \A k \in 1..Len(pipe[p]) :
        content[pipe[p][k].frame].kind = "data" => content[pipe[p][k].frame].by = p

\* Every frame in a pipe is live (holds a ref).
PipeBuffersLive ==
    \A p \in Procs : \A k \in 1..Len(pipe[p]) : ref[pipe[p][k].frame] > 0

\* Read limited to EOF: once the DIO has trimmed itself to i_size, no page of the read
\* at or past the trim point is in the pipe (ITER_PIPE: DioRevert's pipe_truncate;
\* COPY: copy_splice_read pushes only DIV_ROUND_UP(ret) pages), so splice() never
\* hands the pipe more than it reported in ret.
ReadLimitedToEof ==
    \A p \in Procs : phase[p] \in {"trimmed", "done"} =>
        \A k \in 1..Len(pipe[p]) : pipe[p][k].page <= ret[p]

\* The ver #20 promise (seed 002: "Make direct_splice_read() limit the read to eof for regular
\* files and blockdevs"): a splice of the O_DIRECT file allocates no page past EOF.  Only the
\* LimitToEof design counts overAlloc; upstream copy_splice_read (fs/splice.c, 6.5-6.12) clips to
\* the pipe's room and frees the pages its read did not reach.
AllocationWithinEof == overAlloc = 0

\* A splice that fills the pipe returns what it read: a read the pipe's room cuts is a short
\* splice, never a failure (6.1 do_splice_to clips the length to the room, 6.12 copy_splice_read and
\* filemap_splice_read clip to it themselves).  Before 3253d9d09337 a blocking splice(2) into a pipe
\* with room failed -EAGAIN when its O_DIRECT read met the full pipe, the data it had read from the
\* device discarded.  A 6.1 ITER_PIPE read that finds no free frame still fails (not counted).
FillNotFailed == fullFail = 0

\* A buffered splice returns no page past the i_size it read once its folios were uptodate, the
\* i_size when it returns (6.1 filemap_read / 6.12 filemap_splice_read re-read it; before
\* 620a324b744a __generic_file_splice_read did not, and a truncate that raced with readahead left
\* splice() returning the truncated pages).  The reference's splice_within_eof (ret against
\* i_size - pos at the return).
SpliceWithinEof == pastEof = 0

\* Bookkeeping: a frame's refcount is exactly its holders (pipe buffers, bios under
\* "GET", copy_splice_read's array, the page cache) -- except after it was freed under a
\* bio, which NoBufferFreedUnderBio reports first.
RefcountMatchesHolders ==
    \A f \in FrameSet : ref[f] = PipeRefs(f) + BioRefs(f) + ArrayRefs(f) + CacheRefs(f) + BatchRefs(f)

\* Buffered splice moves no data (filemap_splice_read / copy_page_to_iter_pipe): each buffer
\* of the buffered process's pipe is the page-cache folio of its file page, as long as that
\* page is still cached, and it holds the file's data (zeroes for a hole) whether or not a
\* truncate has since dropped the page from the cache.
BufferedSpliceByReference ==
    BufferedProc /= NoProc =>
        \A k \in 1..Len(pipe[BufferedProc]) :
            LET pb == pipe[BufferedProc][k] IN
            /\ pb.page <= MaxSize
            /\ cache[pb.page] \in {0, pb.frame}
            /\ content[pb.frame] = CachedContent(pb.page)

=============================================================================
