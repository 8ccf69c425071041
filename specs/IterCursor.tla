---------------------------- MODULE IterCursor ----------------------------
(***************************************************************************)
(* The iov_iter cursor: advance, revert and page extraction across         *)
(* segments, zero-length ones included, for IOVEC, KVEC, BVEC (segmented)  *)
(* and UBUF, XARRAY, FOLIOQ (one contiguous range).                        *)
(*                                                                         *)
(* Segmented iterators keep a pointer to the current segment (__iov /      *)
(* kvec / bvec, with nr_segs counting down) and iov_offset within it;      *)
(* count is what remains.  advance walks forward from the current segment, *)
(* revert walks back from it, and nothing stops a caller from reverting    *)
(* more than it consumed: the walk then runs off the front of the array    *)
(* (IOVEC/KVEC/BVEC), hits BUG() (UBUF/XARRAY) or goes before the start    *)
(* of the folio queue (FOLIOQ, 6.12 only).  Seed 004 wants to              *)
(* remove that hazard by remembering the starting point; the fixed design  *)
(* here is the caller contract "revert at most what you consumed".        *)
(*                                                                         *)
(* Kernel code (torvalds/linux lib/iov_iter.c): iov_iter_advance,          *)
(* iov_iter_iovec_advance (IOVEC and KVEC share the layout),               *)
(* iov_iter_bvec_advance, iov_iter_revert, iov_iter_extract_pages and its  *)
(* per-type helpers (first_iovec_segment, iov_iter_extract_kvec_pages,     *)
(* iov_iter_extract_bvec_pages, iov_iter_extract_xarray_pages) and the     *)
(* FOLL_GET iov_iter_get_pages_alloc2 (__iov_iter_get_pages_alloc).  The   *)
(* bvec/kvec mix-up is v9 of the extraction series: the zero-length skip    *)
(* loop of iov_iter_extract_bvec_pages did i->kvec++ instead of i->bvec++   *)
(* (fixed in v10, seed 002): a different stride wherever sizeof(struct     *)
(* kvec) != sizeof(struct bio_vec), i.e. on 32-bit.                        *)
(***************************************************************************)
EXTENDS Naturals, Integers

CONSTANTS
    RevertGuard,    \* TRUE: callers revert at most what they consumed (fixed design)
    BvecKvecMixup,  \* v9 bug: bvec extraction skips zero-length bvecs with i->kvec++
    Abi,            \* "LP64" (x86-64: kvec and bio_vec both 16 bytes) | "ILP32" (8 vs 12)
    ExtractApi,     \* iov_iter_extract_pages exists (6.3+; FALSE for 6.1)
    FolioQueue,     \* ITER_FOLIOQ exists: 6.12 (db0aa2e9566f "mm: Define struct
                    \* folio_queue and ITER_FOLIOQ to handle a sequence of folios");
                    \* not in 6.1; the bvecq RFC (seed 004) replaces it with ITER_BVECQ
    BvecQueue,      \* ITER_BVECQ exists: the bvecq RFC only (seed 004, "iov_iter: Add a
                    \* segmented queue of bio_vec[]"; never merged)
    XarrayHole,     \* the XARRAY iterator's second page is a hole (a page cache range
                    \* with a page missing: never read in, or punched out)
    XarrayHoleBug,  \* iov_iter_extract_xarray_pages over a hole: nr == 0 makes
                    \* nr * PAGE_SIZE - offset underflow (size_t), min() keeps maxsize and
                    \* the iterator advances over bytes no page holds (6.3 until "iov_iter:
                    \* Fix potential underflow in iov_iter_extract_xarray_pages()", 2026)
    KvecOffset0Bug, \* iov_iter_extract_kvec_pages of the extraction series before ver #11
                    \* (seed 002): *offset0 = skip % PAGE_SIZE, pages from iov_base - offset
    ExtractZeroSkipBug, \* iov_iter_extract_kvec_pages and iov_iter_extract_bvec_pages 6.3-6.5:
                    \* the zero-length skip loop did maxsize = min(maxsize, len - skip), so a
                    \* skipped empty kvec or bvec left maxsize 0 and the loop ran to the end of
                    \* the array and returned 0 ("iov_iter: Fix iov_iter_extract_pages()",
                    \* D. Howells, Sep 2023, Fixes: 7d58fe731028, fixed both loops)
    UserHole,       \* the UBUF range's second page is not mapped (never mapped, or munmap()ed),
                    \* or is a MAP_PRIVATE file mapping's page wholly past i_size (a buffer
                    \* mmap()ed from a file shorter than it: mm/memory.c do_read_fault /
                    \* do_cow_fault -> __do_fault -> filemap_fault "if (unlikely(index >=
                    \* max_idx)) return VM_FAULT_SIGBUS;", 6.1.192 and 6.12.117): user memory
                    \* that faults midway.  copy_to_user / copy_from_user stop at it,
                    \* pin_user_pages_fast / get_user_pages_fast pin up to it (-EFAULT when
                    \* the cursor's own page is the faulting one: faultin_page ->
                    \* vm_fault_to_errno makes VM_FAULT_SIGBUS -EFAULT, as no VMA is)
    FolioqSegEnd,   \* the FOLIOQ iterator starts at the end of a spent, full folio_queue
                    \* segment (folioq_slot == folioq_nr_slots, iov_offset 0): where a walk that
                    \* ends a segment with no next yet leaves the cursor (iov_iter_folioq_advance,
                    \* iterate_folioq step to ->next only if there is one) before the queue and
                    \* the iterator grow.  Every walk of lib/iov_iter.c and
                    \* include/linux/iov_iter.h steps to ->next slot 0 on entry ("The iterator
                    \* may have been extended"); the extraction and get_pages require the offset
                    \* to be 0 there (WARN_ON(iov_offset != 0), -EIO), so the range starts at a
                    \* folio's first byte: in-page offset 0 instead of FlatStart
    FolioqGetPagesBug, \* iter_folioq_get_pages of 6.12-rc1 (db0aa2e9566f): no "offset < fsize"
                    \* skip and the slot advance tested the part's start (offset) instead of
                    \* its end (iov_offset); fixed by "iov_iter: fix advancing slot in
                    \* iter_folioq_get_pages()" (O. Sandoval, 6.12-rc2, Fixes: db0aa2e9566f)
                    \* and "iov_iter: Fix iov_iter_get_pages*() for folio_queue" (D. Howells,
                    \* 6.12-rc5, e65a0dc1cabe: skip the page extraction at the end of a folio)
    RevertSignBraino, \* a caller that passes iov_iter_revert() the bytes to give back with the
                    \* wrong sign, as 4.11-rc's generic_file_read_iter did after a short O_DIRECT
                    \* read: iov_iter_revert(iter, iov_iter_count(iter) - count), a size_t of
                    \* 2^64 - n.  "fix braino in generic_file_read_iter()" (Al Viro, 2017)
                    \* fixed the caller and added the sanity check every later kernel has
                    \* (lib/iov_iter.c iov_iter_revert: "if (WARN_ON(unroll > MAX_RW_COUNT))
                    \* return;"): the kernel WARNs and leaves the iterator alone.  The caller
                    \* is the layout's (IOVEC and UBUF: read()/readv() buffers), not a kernel's
    XarrayGetPagesBug, \* iter_xarray_get_pages before "iov_iter: Fix
                    \* iter_xarray_get_pages{,_alloc}()" (D. Howells, 5.19, Fixes: 7ff5062079ef
                    \* "iov_iter: Add ITER_XARRAY"): the count returned was PAGE_SIZE * nr -
                    \* offset less PAGE_SIZE - (last_offset + size), size being the request's tail
                    \* in its last page taken before the maxpages clamp; its config explores XARRAY
                    \* alone, with GetPagesOne (a caller's array of one page)
    RevertMax,      \* the largest iov_iter_revert() a caller makes, in bytes (1..Total).  3 in
                    \* most configs: a short copy or a trimmed extraction gives back a few
                    \* bytes.  Total where callers give back everything a call consumed, across
                    \* several segments or folios: net/core/datagram.c __skb_datagram_iter
                    \* ("fault: iov_iter_revert(to, offset - start_off)", all this call copied)
                    \* and skb_copy_and_csum_datagram_msg ("iov_iter_revert(&msg->msg_iter,
                    \* chunk)", the whole datagram on a checksum failure); fs/iomap/direct-io.c
                    \* __iomap_dio_rw ("iov_iter_revert(iter, iomi.pos - dio->i_size)", a read
                    \* past EOF).  With RevertGuard still at most what was consumed
    FaultInCaller,  \* callers of fault_in_iov_iter_writeable(i, size) on any iterator type
                    \* (with UserHole: over a buffer with an unmapped page, FaultIn):
                    \* fs/btrfs/direct-io.c btrfs_direct_read retries a direct read that made
                    \* progress but left bytes (ret > 0, e.g. a short read at EOF, or -EFAULT
                    \* under to->nofault) with "fault_in_iov_iter_writeable(to, left); goto
                    \* again;" whatever the iterator (io_uring fixed buffers and the loop
                    \* driver's direct I/O hand it ITER_BVEC).  Its config explores that call
                    \* alone (FaultIn, advances and reverts; no Extract, no GetPages)
    IovecHole,      \* the IOVEC layout's segment 4 (its 3-byte iovec, alone in its page) has no
                    \* VMA (munmap()ed): a readv()/writev() whose middle buffer is not mapped,
                    \* with mapped iovecs before and after it.  The iovec walks do not skip it:
                    \* iterate_iovec (include/linux/iov_iter.h, 6.12; the iterate_iovec macro of
                    \* lib/iov_iter.c, 6.1) stops where copy_to_user / copy_from_user fault
                    \* ("if (skip < p->iov_len) break" after a short step) and the transfer
                    \* returns what it copied; fault_in_iov_iter_writeable stops at the first
                    \* iovec that does not fault in whole ("if (ret) break");
                    \* first_iovec_segment hands GUP that iovec's page when it is the cursor's
                    \* next non-empty one (-EFAULT).  An iov_iter_advance past it (no memory
                    \* touched) reaches the mapped segment 5 again.  Its configs explore IOVEC
                    \* alone
    BvecqEmptySeg,  \* the BVECQ chain holds an empty segment (nr_slots == 0) between its first
                    \* segment (slots 1..3) and its second (4..5).  The series' ver #4 changelog
                    \* fixes every walk "to correctly handle empty bvecqs" and iterate_bvecq "to
                    \* skip bvecq structs with nr_slots==0": such chains reach the walks.  The
                    \* bytes and their places are those of the layout without it.  Its configs
                    \* explore BVECQ alone
    BvecqEmptySegBug, \* RFC v1 ("[RFC PATCH 03/17] iov_iter: Add a segmented queue of bio_vec[]",
                    \* D. Howells, 4 Mar 2026, lib/iov_iter.c): iov_iter_bvecq_advance and
                    \* iterate_bvecq step from a segment's last slot to ->next slot 0
                    \* ("if (slot >= bq->nr_segs && bq->next)") and, with bytes still to walk,
                    \* read "size_t len = bq->bv[slot].bv_len;" there without looking at that
                    \* segment's slot count: over an empty segment a bio_vec past the slots in use
                    \* (stale, or past the allocation).  Ver #4 of the series tests "if (slot >=
                    \* bq->nr_slots)" at the top of the loop and steps on, or stops at the chain's
                    \* end ("Fixed iov_iter_bvecq_advance(), iov_iter_bvecq_revert(), ... to
                    \* correctly handle empty bvecqs"; "Fixed iterate_bvecq() to skip bvecq structs
                    \* with nr_slots==0").  v1's iov_iter_bvecq_revert reads the empty segment's
                    \* bv[-1] when it walks back into it (BqEmptyReadBack), and its extraction
                    \* lists nothing from a cursor a walk left on the empty segment (it.eseg)
    DiscardAdvanceBug, \* iov_iter_advance before "iov_iter_advance(): use consistent semantics for
                    \* move past the end" (Al Viro, 5.14-rc1, 3b3fc051cd2c; AUTOSEL to 5.13.y): the
                    \* clamp "if (unlikely(i->count < size)) size = i->count;" was per type, and the
                    \* ITER_DISCARD arm had none ("if (unlikely(iov_iter_is_discard(i))) {
                    \* i->count -= size; return; }"), so advancing a sink by more than it has left
                    \* wrapped its size_t count ("it should *not* leave negative i->count ... it's a
                    \* legitimate operation").  Its config explores DISCARD alone
    BvecTruncated,  \* the BVEC iterator counts 2 bytes less than its bio_vecs hold: its count
                    \* ends 1 byte into segment 4, as a direct I/O trims the iterator to the extent
                    \* it maps (fs/iomap/direct-io.c iomap_dio_bio_iter: "iov_iter_truncate(
                    \* dio->submit.iter, length)") before bio_iov_iter_get_pages extracts from it
                    \* (an ITER_BVEC from io_uring fixed buffers or the loop driver).  The walks
                    \* stop at count; the bio_vecs past it are not the iterator's.  Its config
                    \* explores BVEC alone
    ExtractBvecSkipBug, \* iov_iter_extract_bvec_pages of e4e535bff2bc ("iov_iter: don't require
                    \* contiguous pages in iov_iter_extract_bvec_pages", M. Lei / C. Hellwig, block
                    \* tree for 6.13, Oct 2024): "bi.bi_size = maxsize + skip; bi.bi_bvec_done =
                    \* skip;", so from inside a bvec the walk's first piece, min(bi_size, bv_len -
                    \* skip), takes up to skip bytes more than maxsize, and the call returns them
                    \* (syzbot: UDP sendfile).  Fixed by 7bc802acf193 ("iov-iter: do not return
                    \* more bytes than requested in iov_iter_extract_bvec_pages()", E. Dumazet) and
                    \* "lib/iov_iter: fix bvec iterator setup" (M. Lei, Nov 2024, Fixes:
                    \* e4e535bff2bc: "bi.bi_size = maxsize;"), both before 6.13-rc1.  maxsize is
                    \* clamped to count first, so on BvecTruncated's iterator the extra bytes are
                    \* past count: the call lists bytes the iterator does not hold, and its
                    \* iov_iter_advance(i, size) stops at count (last.over)
    FolioqIterateBug, \* iterate_folioq (include/linux/iov_iter.h) from db0aa2e9566f (6.12) until
                    \* "iov_iter: iterate_folioq: fix handling of offset >= folio size" (D. Martinet,
                    \* Aug 2025, 808471ddb0fa, Fixes: db0aa2e9566f, Cc stable 6.12+; in 6.12.43):
                    \* the loop mapped the slot's folio at skip with no "if (skip < fsize)" test, so
                    \* from a cursor parked at a folio end (FolioParked) a copy maps
                    \* kmap_local_folio(folio, fsize), the page after the folio, copies "part =
                    \* umin(len, PAGE_SIZE - skip % PAGE_SIZE)" bytes there (PAGE_SIZE - 0: a whole
                    \* page, not 0) and counts them, then steps to the next slot at offset 0: the
                    \* position falls behind the count.  Its config has FolioqCopy
    FolioqCopy,     \* copies into and out of an ITER_FOLIOQ (copy_to_iter / copy_from_iter /
                    \* iov_iter_zero, whose walk is iterate_folioq; the network filesystems copy to
                    \* and from a netfs buffer's folio queue), interleaved with its extractions and
                    \* get_pages: Copy on FOLIOQ.  A caller, not a kernel: every profile keeps it
                    \* (the fixed iterate_folioq copies from a parked cursor as an advance does).
                    \* Its config explores FOLIOQ alone
    OnePageArray,   \* callers of iov_iter_get_pages2 whose array holds one page (maxpages 1):
                    \* GetPagesOne on every type, fixed code (5.19+).  The caller is fs/fuse/dev.c
                    \* fuse_copy_fill: "err = iov_iter_get_pages2(cs->iter, &page, PAGE_SIZE, 1,
                    \* &off); ... BUG_ON(!err);" (the /dev/fuse read/write of a request's
                    \* arguments, any iterator the VFS hands it); what it exercises is
                    \* want_pages_array()'s clamp of the page count to maxpages, and that a call
                    \* with bytes at the cursor never returns 0.  Its config explores that caller
                    \* alone: GetPagesOne, advances and reverts (no Extract, no GetPages, whose
                    \* cursors the main config already compares), to stay small
    SourcePoison    \* copies with machine-check recovery from a source whose memory is poisoned
                    \* from its byte PoisonAt on: _copy_mc_to_iter (lib/iov_iter.c,
                    \* CONFIG_ARCH_HAS_COPY_MC, 6.1 and 6.12), which dax_copy_to_iter
                    \* (drivers/dax/super.c) uses for every DAX read from persistent memory
                    \* (fs/dax.c dax_iomap_iter), whatever iterator the read was given: a
                    \* read()/readv() buffer, io_uring fixed buffers or the loop driver (ITER_BVEC),
                    \* kernel_read (ITER_KVEC), a netfs cache read (ITER_FOLIOQ, ITER_XARRAY).  Its
                    \* step functions copy_mc_to_kernel / copy_mc_to_user return the bytes not
                    \* copied when the source load takes a machine check, so every walk stops short
                    \* there: CopyMc.  Its config explores that copy alone (CopyMc, advances and
                    \* reverts; no Extract, no GetPages)

ASSUME {RevertGuard, BvecKvecMixup, ExtractApi, FolioQueue, BvecQueue, XarrayHole,
        XarrayHoleBug, KvecOffset0Bug, ExtractZeroSkipBug, UserHole, FolioqSegEnd,
        FolioqGetPagesBug, RevertSignBraino, XarrayGetPagesBug, OnePageArray,
        FaultInCaller, BvecqEmptySeg, BvecqEmptySegBug, IovecHole, DiscardAdvanceBug,
        BvecTruncated, ExtractBvecSkipBug, FolioqIterateBug, FolioqCopy,
        SourcePoison} \subseteq BOOLEAN
ASSUME SourcePoison => ~(OnePageArray \/ FaultInCaller)
ASSUME FolioqIterateBug => FolioqCopy
ASSUME FolioqCopy => ~(FolioqSegEnd \/ FolioqGetPagesBug)
ASSUME ExtractBvecSkipBug => BvecTruncated
ASSUME BvecqEmptySegBug => BvecqEmptySeg
ASSUME FaultInCaller => ~(OnePageArray \/ XarrayGetPagesBug \/ XarrayHole)
ASSUME OnePageArray => ~(XarrayGetPagesBug \/ FolioqGetPagesBug \/ XarrayHole \/ UserHole)
ASSUME XarrayGetPagesBug => ~UserHole
ASSUME XarrayGetPagesBug => ~XarrayHole
ASSUME FolioqGetPagesBug => ~FolioqSegEnd
ASSUME ~(XarrayHole /\ UserHole)
ASSUME IovecHole => ~(XarrayHole \/ UserHole \/ OnePageArray \/ XarrayGetPagesBug)
ASSUME Abi \in {"LP64", "ILP32"}
ASSUME RevertMax \in 1..6

PAGE == 4
\* BVECQ (bvecq RFC): the same bio_vec layout held in a chain of bvecq
\* segments (slots 1..3 in the first, 4..5 in the second); its walks cross
\* from one segment's last slot to the next segment's slot 0, so a flat slot
\* index describes them.
SegTypes == {"IOVEC", "KVEC", "BVEC", "BVECQ"}
\* FOLIOQ walks whole folios (iov_iter_folioq_advance, iov_iter_folioq_revert,
\* iov_iter_extract_folioq_pages in lib/iov_iter.c, iterate_folioq in
\* include/linux/iov_iter.h): with every folio present its bytes are one
\* contiguous stream, so its cursor moves like UBUF's; it differs only when
\* reverted past its start (Revert).
\* DISCARD (iov_iter_discard, a READ-only sink with no memory): advance and
\* revert only move count (iov_iter_advance: i->count -= size;
\* iov_iter_revert: i->count += unroll, then return); extraction and
\* get_pages have no case for it (-EFAULT); iov_iter_npages gives 0.  Its
\* off below counts what was consumed, as for the other flat types.
FlatTypes == {"UBUF", "XARRAY", "FOLIOQ", "DISCARD"}
Types == SegTypes \cup FlatTypes

\* The segment array used by IOVEC, KVEC and BVEC iterators: lengths and
\* in-page offsets of each segment's start (iov_base % PAGE_SIZE or
\* bv_offset).  Zero-length segments at the start and in the middle;
\* segment 2 ends on a page boundary so a BVEC extraction may continue.
SegLen == <<0, 2, 0, 3, 1>>
SegOff == <<0, 2, 0, 0, 0>>
N == 5
\* Prefix[k] = bytes in segments 1..k-1 (Prefix[N + 1] = total).
Prefix == <<0, 0, 2, 2, 5, 6>>
Total == 6
\* The count an iterator starts with: every byte of the layout, or (BvecTruncated) all but the
\* last 2, which end 1 byte into segment 4.
InitCount == IF BvecTruncated THEN Total - 2 ELSE Total
\* UBUF / XARRAY / FOLIOQ: one range of Total bytes starting at this in-page
\* offset (FOLIOQ: iov_iter_folio_queue(..., first_slot 0, offset FlatStart, ...)).
FlatStart == 2
\* The in-page offset a one-range iterator of type t starts at (FolioqSegEnd: see CONSTANTS).
StartOf(t) == IF t = "FOLIOQ" /\ FolioqSegEnd THEN 0 ELSE FlatStart

\* XarrayHole: the range's first page holds its bytes 0..HoleStart-1 (FlatStart..PAGE-1 of
\* the page); its second page, bytes HoleStart.., is absent from the xarray.  The walks of
\* iov_iter_extract_xarray_pages and iter_xarray_get_pages (xas_load / xas_next) stop at the
\* first absent index, so a call lists the present pages from the cursor's page on:
\* HoleStart - off bytes before the hole, none from inside it.
HoleStart == PAGE - FlatStart
\* UserHole: the same geometry for a UBUF range (its first page mapped, the second not).
\* IovecHole: the same, for the IOVEC layout's segment 4: its bytes Prefix[4]..Prefix[5]-1
\* (2..4) have no page; segments 2 before it and 5 after it are mapped.
IovecHoleSeg == 4
HoleHere == \/ (XarrayHole /\ it.type = "XARRAY") \/ (UserHole /\ it.type = "UBUF")
            \/ (IovecHole /\ it.type = "IOVEC")
\* Where the layout's unmapped (or absent) bytes start and end, in bytes from the start: the
\* one-range holes run to the range's end.
HoleFrom == IF it.type = "IOVEC" THEN Prefix[IovecHoleSeg] ELSE HoleStart
HoleTo == IF it.type = "IOVEC" THEN Prefix[IovecHoleSeg + 1] ELSE Total
\* The bytes from the cursor that a walk reaches before the hole: all that are left once the
\* cursor is past it (an IOVEC advanced over segment 4), none from inside it.  (For the
\* one-range types it.off is the bytes consumed.)
HolePos == IF it.type \in FlatTypes THEN it.off ELSE Consumed
BeforeHole == IF HolePos < HoleFrom THEN HoleFrom - HolePos
              ELSE IF HolePos < HoleTo THEN 0 ELSE it.count

\* sizeof(struct iovec / kvec / bio_vec) in bytes, per ABI.
ElemSize(elemType) == IF Abi = "LP64" THEN 16 ELSE (IF elemType = "BVEC" THEN 12 ELSE 8)
KvecSize == IF Abi = "LP64" THEN 16 ELSE 8

Steps == {1, 2, 3}       \* byte counts for advance (and RevertWrapped, Copy)
RevertSizes == 1..RevertMax   \* byte counts for revert
MaxSizes == {2, 6}       \* maxsize arguments for extraction
\* errno values (include/uapi/asm-generic/errno-base.h) GetPages returns negated.
ENOMEM == 12
EFAULT == 14

VARIABLES
    it,      \* [type, ptr (byte offset of the current segment in the array), off (iov_offset), count,
             \*  start (UBUF/XARRAY/FOLIOQ: in-page offset of the range's first byte, StartOf),
             \*  eseg (BVECQ, BvecqEmptySeg: the cursor is on the empty segment's slot 0)]
    oops,    \* "NONE" | "BUG" (BUG() in iov_iter_revert) | "OOB" (walked before the array) |
             \* "SLOT" (read a bvecq segment's bio_vec past its slots in use: BvecqEmptySegBug)
    last,    \* result of the last Extract, GetPages or Copy: [bytes (or -errno), offset0,
             \* unbacked: bytes of the result that lie in no page it listed,
             \* misplaced: bytes listed at another place than the one holding them,
             \* stray: pages listed past the ones the bytes need, DIV_ROUND_UP(offset0 + bytes,
             \* PAGE_SIZE): a GetPages reference the caller, which drops that many, never drops]
    warned,  \* the last action WARNed (iov_iter_revert's MAX_RW_COUNT sanity check)
    action

vars == <<it, oops, last, warned, action>>

----------------------------------------------------------------------------
(* Cursor arithmetic *)

Seg == it.ptr \div ElemSize(it.type) + 1       \* 1-based index; N + 1 = past the end
Aligned == it.ptr % ElemSize(it.type) = 0
Consumed == InitCount - it.count
Sane == oops = "NONE" /\ (it.type \in FlatTypes \/ Aligned)
PtrOf(ptrType, ptrSeg) == (ptrSeg - 1) * ElemSize(ptrType)
\* ExtractZeroSkipBug's end state (KVEC or BVEC): the segment pointer past the array
\* (nr_segs 0) with bytes still counted.  Nothing more is done with such an iterator (the kernel's next walk would
\* read past the array): the actions require ~Stranded, CountOffsetConsistent flags it.
\* DiscardAdvanceBug's end state is one too: a sink whose count wrapped (below 0 here).
\* FolioqIterateBug's end state too: a FOLIOQ whose count dropped past its position (the
\* pre-808471ddb0fa copy from a folio end), which every later walk would start from the
\* position and end by the count.
Stranded == \/ it.type \in SegTypes /\ it.count > 0 /\ Seg = N + 1
            \/ it.count < 0
            \/ it.type = "FOLIOQ" /\ it.count < InitCount - it.off

\* Where iov_iter_iovec_advance / iov_iter_bvec_advance leave the cursor
\* when c bytes lie before it: starting from the current segment with
\* size = bytes + iov_offset they skip every segment with size >= its
\* length (zero-length ones always) and stop in the first where
\* size < length, so the result is the first segment k with
\* c < Prefix[k] + SegLen[k] (the end, N + 1, when c = Total), whatever
\* the starting segment.  Tabulated for the layout above, indexed by c + 1
\* (the embedded engine re-evaluates definitions at each use, so a table
\* keeps the check fast).
LocSeg == <<2, 2, 4, 4, 4, 5, 6>>
Locate(c) == <<LocSeg[c + 1], c - Prefix[LocSeg[c + 1]]>>

\* iov_iter_bvecq_advance (bvecq RFC) is a do-while that ends as soon as
\* nothing is left to skip: from the current slot s it stops in the first
\* slot k >= s that holds byte c, or the first k > s that starts at c (an
\* empty slot included): after ending a slot it does not skip the empty ones
\* that follow, unlike iov_iter_bvec_advance; advancing by 0 from an empty
\* slot still steps past it (the loop body runs once).
BqStops(c, s, k) == IF k = N + 1 THEN TRUE
                    ELSE c < Prefix[k] + SegLen[k] \/ (k > s /\ c = Prefix[k])
BqLoc(c, s) == CHOOSE k \in s..(N + 1) : BqStops(c, s, k) /\ \A j \in s..(k - 1) : ~BqStops(c, s, j)

\* BvecqEmptySeg: the first segment's last flat slot (the empty segment follows it).
BqSegEnd == 3
\* BvecqEmptySegBug: v1's forward walk (iov_iter_bvecq_advance, iterate_bvecq) of n bytes reads
\* the empty segment when it starts in the first segment and still has bytes to walk after that
\* segment's last slot, i.e. it ends past Prefix[BqSegEnd + 1] (a walk ending exactly there
\* stops on the empty segment's slot 0 without reading it; the next walk's entry step takes it
\* on to ->next).
BqEmptyRead(n) ==
    /\ BvecqEmptySegBug /\ it.type = "BVECQ" /\ Seg <= BqSegEnd
    /\ Consumed + (IF n > it.count THEN it.count ELSE n) > Prefix[BqSegEnd + 1]

\* BvecqEmptySegBug: v1's iov_iter_bvecq_revert reads the empty segment's bv[-1] (slot 0, then
\* slot--) when a walk back from the second segment (not from the empty segment itself, whose
\* slot 0 steps to ->prev) goes before that segment's first byte.
BqEmptyReadBack(n) ==
    /\ BvecqEmptySegBug /\ it.type = "BVECQ" /\ Seg > BqSegEnd /\ ~it.eseg
    /\ Consumed - n < Prefix[BqSegEnd + 1]

\* The new cursor after advancing n bytes (clamped to count).  BVECQ with BvecqEmptySeg: eseg
\* says the cursor is on the empty segment's slot 0, where a walk that ends the first segment's
\* last slot with nothing left to walk leaves it (v1 and ver #4 alike: the step to ->next comes
\* first); the next walk's entry step takes it on to ->next.
Advanced(advBytes) ==
    LET advClamped == IF advBytes > it.count THEN it.count ELSE advBytes
    IN IF it.type \in FlatTypes
       THEN [it EXCEPT !.off = @ + advClamped, !.count = @ - advClamped]
       ELSE IF it.count = 0 THEN it   \* "if (!i->count) return;"
       ELSE IF it.type = "BVECQ"
       THEN [it EXCEPT !.ptr = PtrOf(it.type, BqLoc(Consumed + advClamped, Seg)),
                       !.off = (Consumed + advClamped) - Prefix[BqLoc(Consumed + advClamped, Seg)],
                       !.count = @ - advClamped,
                       !.eseg = /\ BvecqEmptySeg /\ Seg <= BqSegEnd
                                /\ Consumed + advClamped = Prefix[BqSegEnd + 1]
                                /\ BqLoc(Consumed + advClamped, Seg) = BqSegEnd + 1]
       ELSE [it EXCEPT !.ptr = PtrOf(it.type, LocSeg[Consumed + advClamped + 1]),
                       !.off = (Consumed + advClamped) - Prefix[LocSeg[Consumed + advClamped + 1]],
                       !.count = @ - advClamped]

----------------------------------------------------------------------------
Init ==
    /\ it = [type |-> "NONE", ptr |-> 0, off |-> 0, count |-> 0, start |-> 0, eseg |-> FALSE,
             init |-> 0]
    /\ oops = "NONE"
    /\ last = [bytes |-> 0, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
    /\ warned = FALSE
    /\ action = [name |-> "Init"]

\* iov_iter_init / iov_iter_kvec / iov_iter_bvec / iov_iter_ubuf /
\* iov_iter_xarray / iov_iter_folio_queue: the cursor starts at segment 1
\* (zero-length or not).  A user-space test realises IOVEC with
\* preadv/pwritev and UBUF with read/write; KVEC, BVEC, XARRAY and FOLIOQ
\* exist in the reference only.  FOLIOQ only where the kernel has it.
IterInit(t) ==
    /\ it.type = "NONE"
    /\ t = "FOLIOQ" => FolioQueue
    /\ t = "BVECQ" => BvecQueue
    \* The hole is a property of the XARRAY layout: its configs explore that type alone.
    /\ XarrayHole => t = "XARRAY"
    \* Likewise the kvec extraction bug: its config explores KVEC alone.
    /\ KvecOffset0Bug => t = "KVEC"
    /\ ExtractZeroSkipBug => t \in {"KVEC", "BVEC"}
    \* The user hole is a UBUF layout: its config explores UBUF alone.
    /\ UserHole => t = "UBUF"
    \* Likewise the iovec hole: its configs explore IOVEC alone.
    /\ IovecHole => t = "IOVEC"
    \* The spent-segment start is a FOLIOQ layout: its config explores FOLIOQ alone.
    /\ FolioqSegEnd => t = "FOLIOQ"
    \* Likewise the 6.12-rc1 folio_queue get_pages (its config explores FOLIOQ alone).
    /\ FolioqGetPagesBug => t = "FOLIOQ"
    \* Likewise the FOLIOQ copies (and the pre-808471ddb0fa iterate_folioq): FOLIOQ alone.
    /\ FolioqCopy => t = "FOLIOQ"
    \* The wrong-sign caller is generic_file_read_iter's: read()/readv() buffers only.
    /\ RevertSignBraino => t \in {"IOVEC", "UBUF"}
    \* On LP64 the v9 stride is latent (kvec and bio_vec are both 16 bytes): its config
    \* explores the one type whose extraction runs the v9 loop, BVEC.
    /\ (BvecKvecMixup /\ Abi = "LP64") => t = "BVEC"
    \* The 5.18 xarray get_pages maths: its config explores XARRAY alone.
    /\ XarrayGetPagesBug => t = "XARRAY"
    \* The empty segment is a BVECQ layout: its configs explore BVECQ alone.
    /\ BvecqEmptySeg => t = "BVECQ"
    \* The pre-5.14 discard advance: its config explores DISCARD alone.
    /\ DiscardAdvanceBug => t = "DISCARD"
    \* The truncated bio_vec iterator: its config explores BVEC alone.
    /\ BvecTruncated => t = "BVEC"
    /\ it' = [type |-> t, ptr |-> 0, off |-> 0, count |-> InitCount, start |-> StartOf(t),
              eseg |-> FALSE, init |-> InitCount]
    /\ UNCHANGED <<oops, last>>
    /\ action' = [name |-> "IterInit", type |-> t]

\* iov_iter_advance(i, n) (copy_to_iter and friends advance the same way).  BvecqEmptySegBug:
\* v1 reads a bio_vec of the empty segment past its slots in use ("SLOT"); the model stops there
\* (likewise v1's revert, BqEmptyReadBack).  DiscardAdvanceBug: lib/iov_iter.c iov_iter_advance
\* of 5.11-5.13 (the text 3b3fc051cd2c replaced) takes ITER_DISCARD before any clamp,
\* "i->count -= size;", so n past what the sink has left takes count below 0 (a size_t near
\* 2^64 in the kernel); the copies into a sink (iterate_and_advance's "if (unlikely(i->count <
\* n)) n = i->count;") clamped, so the step is iov_iter_advance itself.  Nothing more is done
\* with such a sink (Stranded).
Advance(n) ==
    /\ it.type # "NONE" /\ Sane /\ ~Stranded
    /\ IF BqEmptyRead(n)
       THEN /\ it' = it
            /\ oops' = "SLOT"
       ELSE IF DiscardAdvanceBug /\ it.type = "DISCARD" /\ n > it.count
       THEN /\ it' = [it EXCEPT !.off = @ + n, !.count = @ - n]
            /\ oops' = oops
       ELSE /\ it' = Advanced(n)
            /\ oops' = oops
    /\ last' = last
    /\ action' = [name |-> "Advance", bytes |-> n]

\* iov_iter_revert(i, n): count += n; within the current segment only
\* iov_iter_offset moves; otherwise UBUF/XARRAY hit BUG() and segmented
\* iterators walk back (--iov, nr_segs++) until the unroll fits, skipping
\* zero-length segments.  Walking past segment 1 reads before the array.
\* FOLIOQ (iov_iter_folioq_revert) has no BUG(): its iov_offset counts from
\* the current folio's start, not the iterator's, so reverting up to
\* FlatStart bytes too far silently lands before the iterator's start (on
\* bytes nobody asked for) and further walks back into the folios before it,
\* or to folioq->prev, NULL for the first segment of the queue: either way
\* before the start ("OOB").
Revert(n) ==
    /\ it.type # "NONE" /\ Sane /\ ~Stranded
    /\ RevertGuard => n <= Consumed
    \* Over-reverting a DISCARD iterator only grows count (no memory to stray
    \* into, no oops): the unguarded caller is modelled on the types with memory
    \* (and count stays bounded).
    /\ it.type = "DISCARD" => n <= Consumed
    /\ IF BqEmptyReadBack(n) /\ n <= Consumed
       THEN /\ it' = it
            /\ oops' = "SLOT"
       ELSE IF n <= it.off
       THEN /\ it' = [it EXCEPT !.off = @ - n, !.count = @ + n]
            /\ oops' = oops
       ELSE IF it.type = "FOLIOQ"
       THEN /\ it' = [it EXCEPT !.count = @ + n]
            /\ oops' = "OOB"
       ELSE IF it.type \in FlatTypes
       THEN /\ it' = [it EXCEPT !.count = @ + n]
            /\ oops' = "BUG"
       \* The walk back (--iov until unroll <= iov_len, zero-length segments
       \* skipped) stops in the non-empty segment that holds byte
       \* Consumed - n, i.e. Locate(Consumed - n); with nothing left before
       \* segment 1 it steps off the front of the array.
       ELSE IF n <= Consumed
       THEN /\ it' = [it EXCEPT !.ptr = PtrOf(it.type, LocSeg[Consumed - n + 1]),
                                !.off = (Consumed - n) - Prefix[LocSeg[Consumed - n + 1]],
                                !.count = @ + n, !.eseg = FALSE]
            /\ oops' = oops
       ELSE /\ it' = [it EXCEPT !.ptr = -ElemSize(it.type), !.count = @ + n]
            /\ oops' = "OOB"
    /\ last' = last
    /\ action' = [name |-> "Revert", bytes |-> n]

\* First non-empty segment at or after the cursor (first_iovec_segment;
\* the kvec and bvec skip loops): the segment holding the next byte.
FirstNonEmpty == LocSeg[Consumed + 1]

\* iov_iter_extract_pages(i, &pages, maxsize, ...): maxsize = min(maxsize,
\* count); 0 returns 0.  UBUF/XARRAY: one contiguous range.  IOVEC
\* (first_iovec_segment) and KVEC (zero-length kvecs consumed in place):
\* one segment per call.  BVEC: skip exhausted / zero-length bvecs, then
\* continue into the next bvec only while the previous ends at PAGE_SIZE
\* and the next starts at offset 0.  Then iov_iter_advance by the result.
\* (The continuation is 6.13+, e4e535bff2bc "iov_iter: don't require
\* contiguous pages in iov_iter_extract_bvec_pages"; 6.3-6.12 extract one
\* bvec per call after a zero-length skip loop.  In this layout no bvec
\* that ends at PAGE_SIZE is followed by a non-empty one, so `more` is
\* never true and both versions give the same bytes and offset0.)
\* Page-count caps (maxpages) are not modelled: every call may list as
\* many pages as it needs.
Extract(maxsize) ==
    /\ ExtractApi
    /\ ~OnePageArray   \* that config explores the one-page caller alone (GetPagesOne)
    /\ ~FaultInCaller  \* and that one the fault-in caller alone (FaultIn)
    /\ ~SourcePoison   \* and that one the machine-check copy alone (CopyMc)
    /\ it.type # "NONE" /\ Sane /\ ~Stranded
    /\ LET m == IF maxsize > it.count THEN it.count ELSE maxsize
       IN IF m = 0
          THEN /\ last' = [bytes |-> 0, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ UNCHANGED <<it, oops>>
          ELSE IF it.type = "DISCARD"
          THEN /\ last' = [bytes |-> 0 - EFAULT, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ UNCHANGED <<it, oops>>
          \* iov_iter_extract_user_pages: pin_user_pages_fast() of the cursor's page fails
          \* (no VMA: __get_user_pages returns -EFAULT when it got no page) and "if (res <= 0)
          \* return res": -EFAULT, the cursor unmoved.  IOVEC (IovecHole): first_iovec_segment
          \* gives the unmapped iovec when it is the next non-empty one, likewise.
          ELSE IF HoleHere /\ BeforeHole = 0 /\ it.type \in {"UBUF", "IOVEC"}
          THEN /\ last' = [bytes |-> 0 - EFAULT, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ UNCHANGED <<it, oops>>
          \* iov_iter_extract_xarray_pages: min(nr * PAGE_SIZE - offset, maxsize) with nr
          \* present pages from the cursor's; at a hole (nr = 0) the fixed kernel returns 0,
          \* the buggy one, unless offset = 0 (0 - 0 does not wrap), takes maxsize whole.
          ELSE IF HoleHere /\ BeforeHole = 0
          THEN IF XarrayHoleBug /\ it.type = "XARRAY" /\ (FlatStart + it.off) % PAGE # 0
               THEN /\ last' = [bytes |-> m, offset0 |-> (FlatStart + it.off) % PAGE,
                                unbacked |-> m, misplaced |-> 0, stray |-> 0, over |-> 0]
                    /\ it' = Advanced(m)
                    /\ oops' = oops
               ELSE /\ last' = [bytes |-> 0, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
                    /\ UNCHANGED <<it, oops>>
          ELSE IF it.type \in FlatTypes
          THEN LET got == IF HoleHere /\ BeforeHole < m THEN BeforeHole ELSE m
               IN /\ last' = [bytes |-> got, offset0 |-> (it.start + it.off) % PAGE,
                              unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
                  /\ it' = Advanced(got)
                  /\ oops' = oops
          ELSE IF /\ it.type = "BVEC" /\ BvecKvecMixup /\ KvecSize # ElemSize("BVEC")
                  /\ SegLen[Seg] - it.off = 0
          \* v9: the skip loop steps with i->kvec++: on ILP32 the pointer
          \* lands inside a bio_vec (what it reads next is garbage, so the
          \* model stops there); on LP64 the strides agree and the bug is
          \* latent: extraction behaves as fixed.
          THEN /\ it' = [it EXCEPT !.ptr = @ + KvecSize, !.off = 0]
               /\ last' = last
               /\ oops' = oops
          \* BVECQ (the RFC's iov_iter_extract_bvecq_pages: a bvec_iter walk from
          \* the current slot, no skip of empty slots): at most the rest of the
          \* current slot (page-contiguous continuation never adds bytes in this
          \* layout), 0 from an empty slot; then iov_iter_advance by that, which
          \* steps off an empty slot even by 0.
          \* ExtractZeroSkipBug (6.3-6.5): at an empty kvec or bvec the skip loop sets maxsize
          \* to 0 and, every later min() being 0, steps over every segment (iov_offset 0,
          \* nr_segs--, kvec++ / bvec++) until nr_segs == 0 and returns 0; count is not touched.
          ELSE IF it.type \in {"KVEC", "BVEC"} /\ ExtractZeroSkipBug /\ SegLen[Seg] - it.off = 0
          THEN /\ last' = [bytes |-> 0, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ it' = [it EXCEPT !.ptr = PtrOf(it.type, N + 1), !.off = 0]
               /\ oops' = oops
          \* BvecqEmptySegBug: v1's extraction walks the current segment only, the empty one:
          \* nothing listed, then iov_iter_advance(i, 0) steps on to ->next slot 0.
          ELSE IF it.type = "BVECQ" /\ BvecqEmptySegBug /\ it.eseg
          THEN /\ last' = [bytes |-> 0, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ it' = [it EXCEPT !.eseg = FALSE]
               /\ oops' = oops
          ELSE IF it.type = "BVECQ"
          THEN LET got == IF m < SegLen[Seg] - it.off THEN m ELSE SegLen[Seg] - it.off
               IN /\ last' = [bytes |-> got,
                              offset0 |-> IF got = 0 THEN 0 ELSE (SegOff[Seg] + it.off) % PAGE,
                              unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
                  /\ it' = Advanced(got)
                  /\ oops' = oops
          ELSE LET k == FirstNonEmpty
                   skip == IF k = Seg THEN it.off ELSE 0
                   \* The bytes the walk may take: m (bi_size = maxsize), or with
                   \* ExtractBvecSkipBug m + skip (bi_size = maxsize + skip, bi_bvec_done = skip:
                   \* a first piece of min(bi_size, bv_len - skip) bytes).
                   bi == IF it.type = "BVEC" /\ ExtractBvecSkipBug THEN m + skip ELSE m
                   first == IF bi < SegLen[k] - skip THEN bi ELSE SegLen[k] - skip
                   more == /\ it.type = "BVEC" /\ first < bi /\ k < N
                           /\ SegOff[k] + SegLen[k] = PAGE /\ SegLen[k + 1] > 0 /\ SegOff[k + 1] = 0
                   second == IF ~more THEN 0
                             ELSE IF bi - first < SegLen[k + 1] THEN bi - first ELSE SegLen[k + 1]
                   \* KvecOffset0Bug (iov_iter_extract_kvec_pages before ver #11): offset =
                   \* skip % PAGE_SIZE and the pages from iov_base - offset, so iov_base's own
                   \* in-page offset is lost: every byte is listed elsewhere than it lives
                   \* unless the kvec starts a page and the call starts the kvec.
                   kvecBug == it.type = "KVEC" /\ KvecOffset0Bug
                   wrong == kvecBug /\ (SegOff[k] # 0 \/ skip # 0)
               IN /\ last' = [bytes |-> first + second,
                              offset0 |-> IF kvecBug THEN skip % PAGE ELSE (SegOff[k] + skip) % PAGE,
                              unbacked |-> 0,
                              misplaced |-> IF wrong THEN first + second ELSE 0,
                              stray |-> 0,
                              \* the bytes returned past what the iterator held (the
                              \* iov_iter_advance(i, size) that follows stops at count)
                              over |-> IF first + second > it.count
                                       THEN first + second - it.count ELSE 0]
                  /\ it' = Advanced(first + second)
                  /\ oops' = oops
    /\ action' = [name |-> "Extract", maxsize |-> maxsize]

\* FolioqGetPagesBug's layout: the FOLIOQ range starts FlatStart into an order-0 folio,
\* followed by an order-1 folio holding the rest, so the first folio ends FolioEnd bytes
\* into the range (the next folio end lies past Total).  iov_iter_extract_folioq_pages and
\* iter_folioq_get_pages stop a call that ends a folio before stepping to the next slot
\* (the "maxpages == 0 || extracted >= maxsize" break comes first): the cursor is left
\* parked at iov_offset == fsize.  Only an Extract or GetPages can leave it there (an
\* advance of any size, iov_iter_folioq_advance, steps on: "if (likely(size < fsize))
\* break" fails at fsize; a revert moves the offset back into the folio), and from a
\* parked cursor either call moves on unless it is the buggy GetPages, which stays.
FolioEnd == PAGE - FlatStart
FolioParked == it.off = FolioEnd /\ action.name \in {"Extract", "GetPages"}

\* iov_iter_get_pages_alloc2(i, &pages, maxsize, &offset0) (lib/iov_iter.c
\* __iov_iter_get_pages_alloc): the FOLL_GET interface, in every kernel here
\* (6.1's block DIO extracts with it; 6.12 keeps it for the remaining
\* callers).  maxsize = min(maxsize, count); 0 returns 0.  UBUF and IOVEC
\* (first_iovec_segment: zero-length iovecs skipped, one segment per call),
\* XARRAY (iter_xarray_get_pages) and FOLIOQ (iter_folioq_get_pages) give
\* what Extract gives, then advance.  BVEC (first_bvec_segment) takes the
\* current bvec as it is, zero-length or not: at most the rest of it, and a
\* call that ends it steps the pointer to the next bvec (i->bvec++), empty
\* or not; at an empty bvec want_pages_array() is asked for 0 pages:
\* WARN_ON(!count), and the 0 slots it returns make the call fail with
\* -ENOMEM.  KVEC has no case: -EFAULT; nor has BVECQ in the RFC.  A failed call leaves the cursor
\* alone.  Every page comes with a reference (get_page) the caller drops.
GetPages(maxsize) ==
    /\ ~OnePageArray   \* that config explores the one-page caller alone (GetPagesOne)
    /\ ~FaultInCaller  \* and that one the fault-in caller alone (FaultIn)
    /\ ~SourcePoison   \* and that one the machine-check copy alone (CopyMc)
    /\ it.type # "NONE" /\ Sane /\ ~Stranded
    /\ LET m == IF maxsize > it.count THEN it.count ELSE maxsize
       IN IF m = 0
          THEN /\ last' = [bytes |-> 0, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ UNCHANGED <<it, oops>>
          ELSE IF it.type = "DISCARD"
          THEN /\ last' = [bytes |-> 0 - EFAULT, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ UNCHANGED <<it, oops>>
          \* __iov_iter_get_pages_alloc: get_user_pages_fast() of the cursor's page fails:
          \* "if (res <= 0) return res", -EFAULT, the cursor unmoved (IOVEC: the page of the
          \* unmapped iovec first_iovec_segment gives).
          ELSE IF HoleHere /\ BeforeHole = 0 /\ it.type \in {"UBUF", "IOVEC"}
          THEN /\ last' = [bytes |-> 0 - EFAULT, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ UNCHANGED <<it, oops>>
          \* iter_xarray_get_pages: nr == 0 (a hole at the cursor) returns 0 in every kernel.
          ELSE IF HoleHere /\ BeforeHole = 0
          THEN /\ last' = [bytes |-> 0, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ UNCHANGED <<it, oops>>
          \* FolioqGetPagesBug (6.12-rc1 iter_folioq_get_pages): from a cursor parked at its
          \* folio's end the first pass takes a part of 0 bytes and lists folio_page(folio,
          \* fsize / PAGE_SIZE), the struct page after the folio, in the one slot
          \* want_pages_array sized for the request: 0 bytes, the cursor still parked.
          ELSE IF it.type = "FOLIOQ" /\ FolioqGetPagesBug /\ FolioParked
          THEN /\ last' = [bytes |-> 0, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 1, over |-> 0]
               /\ UNCHANGED <<it, oops>>
          \* A call reaching the first folio's end does not step to the next slot (the test
          \* reads the part's start), so its next pass lists the page after the folio in the
          \* array's last slot: the call ends at the folio end, parked there.
          ELSE IF /\ it.type = "FOLIOQ" /\ FolioqGetPagesBug
                  /\ it.off < FolioEnd /\ FolioEnd - it.off < m
          THEN /\ last' = [bytes |-> FolioEnd - it.off, offset0 |-> (it.start + it.off) % PAGE,
                           unbacked |-> 0, misplaced |-> 0, stray |-> 1, over |-> 0]
               /\ it' = Advanced(FolioEnd - it.off)
               /\ oops' = oops
          ELSE IF it.type \in FlatTypes
          THEN LET got == IF HoleHere /\ BeforeHole < m THEN BeforeHole ELSE m
               IN /\ last' = [bytes |-> got, offset0 |-> (it.start + it.off) % PAGE,
                              unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
                  /\ it' = Advanced(got)
                  /\ oops' = oops
          ELSE IF it.type \in {"KVEC", "BVECQ"}
          THEN /\ last' = [bytes |-> 0 - EFAULT, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ UNCHANGED <<it, oops>>
          ELSE IF it.type = "IOVEC"
          THEN LET k == FirstNonEmpty
                   skip == IF k = Seg THEN it.off ELSE 0
                   got == IF m < SegLen[k] - skip THEN m ELSE SegLen[k] - skip
               IN /\ last' = [bytes |-> got, offset0 |-> (SegOff[k] + skip) % PAGE,
                              unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
                  /\ it' = Advanced(got)
                  /\ oops' = oops
          ELSE LET left == SegLen[Seg] - it.off
                   got == IF m < left THEN m ELSE left
               IN IF got = 0
                  THEN /\ last' = [bytes |-> 0 - ENOMEM, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
                       /\ UNCHANGED <<it, oops>>
                  ELSE /\ last' = [bytes |-> got, offset0 |-> (SegOff[Seg] + it.off) % PAGE,
                                    unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
                       /\ it' = IF it.off + got = SegLen[Seg]
                                THEN [it EXCEPT !.ptr = PtrOf("BVEC", Seg + 1), !.off = 0,
                                                !.count = @ - got]
                                ELSE [it EXCEPT !.off = @ + got, !.count = @ - got]
                       /\ oops' = oops
    /\ action' = [name |-> "GetPages", maxsize |-> maxsize]

\* iov_iter_get_pages2(i, pages, maxsize, 1, &offset0) (lib/iov_iter.c iov_iter_get_pages2 ->
\* __iov_iter_get_pages_alloc): a caller whose array holds one page (fs/fuse/dev.c
\* fuse_copy_fill), so want_pages_array() clamps the page count to 1 (maxpages) and the call
\* lists the cursor's page only: at most PAGE - offset0 bytes.  Per type, as GetPages:
\* UBUF/IOVEC (first_iovec_segment, get_user_pages_fast of one page, then
\* "maxsize = min_t(size_t, maxsize, res * PAGE_SIZE - *start)" and iov_iter_advance),
\* BVEC (first_bvec_segment: the current bvec as it is; "maxsize = min_t(size_t, maxsize,
\* n * PAGE_SIZE - *start)", and the bvec pointer steps on when the call ends it; an empty
\* bvec asks want_pages_array() for 0 pages: -ENOMEM), XARRAY (iter_xarray_get_pages:
\* min(nr * PAGE_SIZE - offset, maxsize)), FOLIOQ (iter_folioq_get_pages: one pass of its
\* loop, then "if (maxpages == 0 || extracted >= maxsize) break"), KVEC, BVECQ and DISCARD
\* -EFAULT.  Not with the hole layouts (ASSUME: their configs have neither constant).
\* XarrayGetPagesBug (before "iov_iter: Fix iter_xarray_get_pages{,_alloc}()", 5.19): size is
\* the request's tail in its last page, computed before the clamp (count = 1 + the further
\* pages m needs), so when m needs more than one page and its tail t is not 0, nr == count
\* (both 1 after the clamp) and last_offset = offset: actual = PAGE - offset - (PAGE - (offset
\* + t)) = t ("various terms of the equation cancel out").  t > PAGE - offset claims bytes past
\* the listed page (unbacked); t < PAGE - offset is a short count; the iterator advances by
\* what is returned (6.0+ iov_iter_get_pages2).  That config has the action on XARRAY only
\* (its IterInit), OnePageArray's on every type.
OneMaxSizes == {3, 5, 6}
Min(x, y) == IF x < y THEN x ELSE y
NoResult == [bytes |-> 0, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
\* The in-page offset of the cursor's next byte and the bytes the call may take before the
\* maxpages clamp (m: maxsize clamped to count): IOVEC skips empty iovecs
\* (first_iovec_segment), BVEC takes the current bvec as it is (first_bvec_segment), the
\* one-range types take m.
OneStart(t) ==
    IF t \in FlatTypes THEN (it.start + it.off) % PAGE
    ELSE IF t = "IOVEC" THEN (SegOff[FirstNonEmpty] + (IF FirstNonEmpty = Seg THEN it.off ELSE 0)) % PAGE
    ELSE (SegOff[Seg] + it.off) % PAGE
OneAvail(t, m) ==
    IF t \in FlatTypes THEN m
    ELSE IF t = "IOVEC" THEN Min(m, SegLen[FirstNonEmpty] - (IF FirstNonEmpty = Seg THEN it.off ELSE 0))
    ELSE Min(m, SegLen[Seg] - it.off)
\* What the call returns (offset: OneStart; the bug's tail, see above).
OneGot(m, offset, avail) ==
    IF XarrayGetPagesBug /\ m > PAGE - offset /\ (m - (PAGE - offset)) % PAGE > 0
    THEN (m - (PAGE - offset)) % PAGE
    ELSE Min(avail, PAGE - offset)
GetPagesOne(maxsize) ==
    /\ XarrayGetPagesBug \/ OnePageArray
    /\ it.type # "NONE" /\ Sane /\ ~Stranded
    \* (\E over one-element sets binds each value once: the embedded engine re-evaluates a
    \* definition at every use.)
    /\ \E m \in {Min(maxsize, it.count)} :
         IF m = 0
         THEN /\ last' = NoResult
              /\ it' = it
         ELSE IF it.type \in {"DISCARD", "KVEC", "BVECQ"}
         THEN /\ last' = [NoResult EXCEPT !.bytes = 0 - EFAULT]
              /\ it' = it
         ELSE \E offset \in {OneStart(it.type)} :
              \E got \in {OneGot(m, offset, OneAvail(it.type, m))} :
                IF got = 0   \* BVEC only: an empty bvec, want_pages_array() of 0 pages
                THEN /\ last' = [NoResult EXCEPT !.bytes = 0 - ENOMEM]
                     /\ it' = it
                ELSE /\ last' = [bytes |-> got, offset0 |-> offset,
                                 unbacked |-> IF offset + got > PAGE THEN offset + got - PAGE ELSE 0,
                                 misplaced |-> 0, stray |-> 0, over |-> 0]
                     /\ it' = IF it.type # "BVEC" THEN Advanced(got)
                              ELSE IF it.off + got = SegLen[Seg]
                              THEN [it EXCEPT !.ptr = PtrOf("BVEC", Seg + 1), !.off = 0,
                                              !.count = @ - got]
                              ELSE [it EXCEPT !.off = @ + got, !.count = @ - got]
    /\ oops' = oops
    /\ action' = [name |-> "GetPagesOne", maxsize |-> maxsize]

\* _copy_to_iter / _copy_from_iter / iov_iter_zero(n) on the hole layouts (lib/iov_iter.c).
\* UserHole: the walk is iterate_ubuf of include/linux/iov_iter.h; the step (copy_to_user /
\* copy_from_user, raw_copy_*_user) returns the bytes it did not copy, which for an unmapped
\* page are all from that page's first byte on; progress = len - remain, and the iterator
\* advances by the progress only.  XarrayHole: iterate_xarray walks the present folios with
\* xas_for_each() from the cursor's index; the hole is the range's last page, so no folio
\* follows it and the walk ends there (from inside it, at once).  IovecHole: iterate_iovec
\* (include/linux/iov_iter.h, 6.12; 6.1's iterate_iovec macro in lib/iov_iter.c) steps over
\* the empty iovecs and, after the unmapped iovec's step returns all of its part not done,
\* "if (skip < p->iov_len) break": the later mapped iovec is not reached, the cursor stays at
\* the hole's first byte; a cursor advanced past the hole copies from segment 5 as usual.
\* Either way a copy moves min(n, count) bytes cut at the hole, 0 from inside it; last.bytes
\* is the copy's return.
\* FolioqIterateBug: iterate_folioq before 808471ddb0fa ("iov_iter: iterate_folioq: fix handling
\* of offset >= folio size", 2025; the fix is "if (skip < fsize) { ... }" around the step).
\* Pre-fix loop body: "fsize = folioq_folio_size(folioq, slot); base = kmap_local_folio(folio,
\* skip); part = umin(len, PAGE_SIZE - skip % PAGE_SIZE); remain = step(base, progress, part,
\* priv, priv2); ... skip += consumed; if (skip >= fsize) { skip = 0; slot++; ... }".  From a
\* cursor parked at its folio's end (skip == fsize, FolioParked) the first pass copies m =
\* min(n, count) bytes (m <= PAGE here, so part = len) at the page after the folio, counts them
\* and steps to the next slot at offset 0: the copy returns m, count drops by m, and the
\* position stays at the next folio's first byte (it.off unchanged).  last.misplaced: the m
\* bytes the copy counts that were not moved at the cursor (the cursor did not pass them).  A
\* copy from inside a folio never parks (it steps the slot when it ends the folio), so from
\* anywhere else the pre-fix loop moves min(n, count) bytes as the fixed one does.
\* (Only the hole configs and FolioqCopy's have it: elsewhere a copy is an Advance, which
\* the reference driver realises through the copies too.)
Copy(n) ==
    /\ UserHole \/ XarrayHole \/ IovecHole \/ FolioqCopy
    /\ it.type # "NONE" /\ Sane /\ ~Stranded
    /\ LET m == IF n > it.count THEN it.count ELSE n
           got == IF HoleHere /\ BeforeHole < m THEN BeforeHole ELSE m
       IN IF FolioqIterateBug /\ it.type = "FOLIOQ" /\ FolioParked /\ m > 0
          THEN /\ last' = [bytes |-> m, offset0 |-> 0, unbacked |-> 0, misplaced |-> m, stray |-> 0, over |-> 0]
               /\ it' = [it EXCEPT !.count = @ - m]
          ELSE /\ last' = [bytes |-> got, offset0 |-> 0, unbacked |-> 0, misplaced |-> 0, stray |-> 0, over |-> 0]
               /\ it' = Advanced(got)
    /\ oops' = oops
    /\ action' = [name |-> "Copy", bytes |-> n]

\* fault_in_iov_iter_writeable(i, size) (lib/iov_iter.c): "Returns the number of bytes not
\* faulted in, like copy_to_user() and copy_from_user().  Always returns 0 for non-user-space
\* iterators."  UBUF: n = min(size, count); n -= fault_in_safe_writeable(ubuf + iov_offset, n);
\* return size - n.  IOVEC: size -= count (count = min(size, iov_iter_count)), the iovecs from
\* the cursor faulted in (empty ones skipped), return count + size.  Every other type falls
\* through to "return 0".  With every user page mapped nothing is left unfaulted, so a
\* user-backed iterator returns what the request asked beyond count (size - min(size, count))
\* and a kernel one 0 whatever the size.  UserHole (its config IterCursor_fault_in_hole: the
\* UBUF range's second page has no VMA): fault_in_safe_writeable (mm/gup.c, 6.1 and 6.12) faults
\* page by page, "if (fixup_user_fault(mm, start, FAULT_FLAG_WRITE, &unlocked)) break;" (no
\* VMA: -EFAULT), and returns "size - (start - uaddr)" with start the first page it could not
\* fault in: from a cursor before the hole the bytes from the hole on stay unfaulted (FaultedIn
\* = BeforeHole when the request reaches the hole), from inside it all n' = min(n, count).
\* (That return is the stable kernels' since "mm/gup: fix wrongly calculated returned value in
\* fault_in_safe_writeable()", B. He, 2025, 8c03ebd7cdc0, Cc stable, Fixes: fe673d3f5bf1 of
\* 5.17; before it "size > uaddr - start" wrapped and a fault-in that stopped at the hole after
\* faulting a page read as complete, 0: gfs2's retry "could spin in a loop".)  The iterator does
\* not move; last.bytes is the return.  IovecHole (IterCursor_fault_in_iovec_hole): the IOVEC
\* loop "ret = fault_in_safe_writeable(p->iov_base + skip, len); count -= len - ret; if (ret)
\* break;" (lib/iov_iter.c, 6.1 and 6.12) faults segment 2 in whole, gets all of the unmapped
\* segment 4 back (its first page has no VMA) and stops: the bytes from the hole on stay
\* unfaulted, segment 5 included, though it is mapped (FaultedIn = BeforeHole again).
FaultedIn(n) == IF HoleHere /\ BeforeHole < Min(n, it.count) THEN BeforeHole ELSE Min(n, it.count)
FaultIn(n) ==
    /\ FaultInCaller
    /\ it.type # "NONE" /\ Sane /\ ~Stranded
    /\ last' = [NoResult EXCEPT !.bytes = IF it.type \in {"UBUF", "IOVEC"} THEN n - FaultedIn(n)
                                                                         ELSE 0]
    /\ UNCHANGED <<it, oops>>
    /\ action' = [name |-> "FaultIn", bytes |-> n]

\* iov_iter_revert(i, (size_t)-n) from the wrong-sign caller (RevertSignBraino), which meant to
\* give back the n bytes its short read had consumed: unroll > MAX_RW_COUNT, so the sanity
\* check WARNs and returns before touching count or the position (every kernel since "fix
\* braino in generic_file_read_iter()", 2017; 6.1 and 6.12 alike).
RevertWrapped(n) ==
    /\ RevertSignBraino
    /\ it.type # "NONE" /\ Sane /\ ~Stranded
    /\ n <= Consumed
    /\ warned' = TRUE
    /\ UNCHANGED <<it, oops, last>>
    /\ action' = [name |-> "RevertWrapped", bytes |-> n]

\* _copy_mc_to_iter(addr, bytes, i) (lib/iov_iter.c, CONFIG_ARCH_HAS_COPY_MC; 6.12:
\* iterate_and_advance(i, bytes, addr, copy_to_user_iter_mc, memcpy_to_iter_mc), 6.1: the
\* __iterate_and_advance macro with copyout_mc / copy_mc_to_kernel as steps), the copy of a
\* DAX read from persistent memory (drivers/dax/super.c dax_copy_to_iter, fs/dax.c
\* dax_iomap_iter: "if (xfer < map_len) break;", the read returns what was copied).  Its steps
\* return the bytes not copied when a load from the source takes a machine check
\* (memcpy_to_iter_mc: "return copy_mc_to_kernel(iter_to, from + progress, len);"), and every
\* walk stops there and advances by what was copied: iterate_ubuf, iterate_iovec ("if (skip <
\* p->iov_len) break"), iterate_kvec / iterate_bvec / iterate_folioq and the RFC's
\* iterate_bvecq ("if (remain) break;"), iterate_xarray ("if (remain || len == 0) goto out;");
\* "ITER_KVEC and ITER_BVEC can return short copies" (its kernel-doc).  iterate_discard calls
\* no step: a sink counts every byte.  The source buffer of each call is poisoned from its
\* byte PoisonAt on (x86 copy_mc stops at the poisoned cache line: in model units the line
\* starts at a model byte), so a copy of more than PoisonAt bytes stops after PoisonAt.  The
\* cursor lands where an advance by the bytes copied puts it (a short walk always goes on
\* past empty segments to the step that fails).
PoisonAt == 1
CopyMc(n) ==
    /\ SourcePoison
    /\ it.type # "NONE" /\ Sane /\ ~Stranded
    /\ LET m == IF n > it.count THEN it.count ELSE n
           got == IF it.type = "DISCARD" THEN m ELSE Min(m, PoisonAt)
       IN /\ last' = [NoResult EXCEPT !.bytes = got]
          /\ it' = Advanced(got)
    /\ oops' = oops
    /\ action' = [name |-> "CopyMc", bytes |-> n]

\* Every action but RevertWrapped ends without a WARN.
CursorStep ==
    \/ \E tInit \in Types : IterInit(tInit)
    \/ \E nAdv \in {0} \cup Steps : Advance(nAdv)
    \/ \E nRev \in RevertSizes : Revert(nRev)
    \/ \E maxArg \in MaxSizes : Extract(maxArg)
    \/ \E getArg \in MaxSizes : GetPages(getArg)
    \/ \E nCopy \in Steps : Copy(nCopy)
    \/ \E oneArg \in OneMaxSizes : GetPagesOne(oneArg)
    \/ \E nFault \in Steps : FaultIn(nFault)
    \/ \E nMc \in Steps : CopyMc(nMc)

Next ==
    \/ CursorStep /\ warned' = FALSE
    \/ \E nWrap \in Steps : RevertWrapped(nWrap)

Spec == Init /\ [][Next]_vars

----------------------------------------------------------------------------
(* Invariants *)

TypeOK ==
    /\ it.type \in Types \cup {"NONE"}
    /\ it.ptr \in -16..(N * 16)
    \* (past Total and below 0 only for DiscardAdvanceBug's wrapped sink)
    /\ it.off \in 0..(Total + 3)
    /\ it.eseg \in BOOLEAN
    /\ it.init \in 0..Total
    /\ it.count \in (0 - 3)..(2 * Total)
    /\ oops \in {"NONE", "BUG", "OOB", "SLOT"}
    /\ last.bytes \in {0 - ENOMEM, 0 - EFAULT} \cup (0..Total)
    /\ last.offset0 \in 0..(PAGE - 1)
    /\ last.unbacked \in 0..Total
    /\ last.misplaced \in 0..Total
    /\ last.stray \in 0..1
    /\ last.over \in 0..Total
    /\ warned \in BOOLEAN

\* The cursor never goes before the start of the iterator: no BUG() in
\* iov_iter_revert, no walk off the front of the segment array.
NeverBeforeStart ==
    oops \notin {"BUG", "OOB"}

\* A walk of a BVECQ chain reads only the bio_vecs of slots in use: no read of a segment's
\* bv[slot] with slot >= nr_slots (broken by RFC v1's advance over an empty segment).
SlotsInUse ==
    oops # "SLOT"

\* The segment pointer always points at a whole segment of the array
\* (broken by the bvec/kvec stride mix-up on 32-bit).
SegmentPointerValid ==
    (it.type \in SegTypes /\ oops = "NONE")
        => /\ Aligned
           /\ it.ptr >= 0 /\ it.ptr <= N * ElemSize(it.type)

\* count and the position agree: count == total - bytes before the cursor,
\* and iov_offset lies within the current segment; count never wraps below 0
\* (broken by DiscardAdvanceBug).
CountOffsetConsistent ==
    (it.type # "NONE" /\ Sane)
        => /\ it.count >= 0
           /\ IF it.type \in FlatTypes
              THEN it.count = InitCount - it.off
              ELSE /\ Seg \in 1..(N + 1)
                   /\ it.count = InitCount - (Prefix[Seg] + it.off)
                   /\ (Seg <= N => it.off <= SegLen[Seg])
                   /\ (Seg = N + 1 => it.off = 0)

\* Every byte an extraction or GetPages returns lies in a page it listed (broken by the
\* xarray hole underflow: bytes claimed past the pages found).
ExtractedBytesBacked ==
    last.unbacked = 0

\* Every byte a call returns is listed where the iterator holds it (broken by the kvec
\* extraction that lost iov_base's in-page offset).
ExtractedBytesPlaced ==
    last.misplaced = 0

\* A GetPages call lists no page past the ones its bytes need: the caller drops the
\* references of DIV_ROUND_UP(offset0 + bytes, PAGE_SIZE) pages (block/bio.c, 9p's
\* p9_release_pages), so a further page keeps a reference forever.  Broken by the 6.12-rc1
\* folio_queue get_pages, which lists the page after a folio for 0 bytes.
NoStrayPages ==
    last.stray = 0

\* A GetPages call on an iterator with bytes left at the cursor returns some of them or
\* fails: a 0 return with bytes left is a caller's endless loop (only a hole at the cursor
\* returns 0: nothing there to list).  Broken by the 6.12-rc1 folio_queue get_pages parked
\* at a folio end, which lists an unrelated page and returns 0 every time.
GetPagesProgress ==
    (action.name \in {"GetPages", "GetPagesOne"} /\ it.count > 0 /\ ~(HoleHere /\ BeforeHole = 0))
        => last.bytes # 0

\* A copy moves exactly the bytes at the cursor and moves the cursor past them: every byte it
\* counts (its return, taken off count) was copied where the iterator holds it (broken by the
\* pre-808471ddb0fa iterate_folioq from a cursor parked at a folio end: the bytes go to the page
\* after the folio and the position falls behind the count).
CopyAtCursor ==
    action.name = "Copy" => last.misplaced = 0

\* An extraction never returns more than the iterator held before it (broken by
\* ExtractBvecSkipBug on a truncated bio_vec iterator: bytes past its count).
ExtractWithinCount ==
    action.name = "Extract" => (last.bytes <= Total /\ last.over = 0)
=============================================================================
