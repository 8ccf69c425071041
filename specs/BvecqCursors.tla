---------------------------- MODULE BvecqCursors ----------------------------
(***************************************************************************)
(* netfs buffer tracking with a bvecq chain (seed 004: "[RFC PATCH 00/17] *)
(* netfs: [WIP] Keep track of folios in a segmented bio_vec[] chain",     *)
(* D. Howells, 4 Mar 2026; an RFC, revised later, not in any released     *)
(* kernel).  Only profile bvecq-rfc applies.                               *)
(*                                                                         *)
(* The chain: a NULL-terminated list of struct bvecq segments, each       *)
(* holding a ref on the next ("Each bvecq keeps a ref on the next").  A   *)
(* struct bvecq_pos {bvecq, offset, slot} holds a ref on the segment it   *)
(* points into.  Three cursors (all bvecq_pos): load (where folios are    *)
(* added), dispatch (where the next subrequest's buffer starts) and       *)
(* collect (where folios are unlocked / pages released).  Each in-flight  *)
(* subrequest keeps its own bvecq_pos (its buffer start), which is what   *)
(* lets a retry reissue the same range while the main dispatch goes on    *)
(* (cover letter item 6; fs/netfs/read_retry.c, write_retry.c).           *)
(*                                                                         *)
(* Two operations, chosen by Op:                                           *)
(*  "READ": buffered read (fs/netfs/buffered_read.c): the load cursor adds *)
(*    locked folios (readahead), subrequests are issued over them, the    *)
(*    collector (read_collect.c) unlocks them in file order.               *)
(*  "DIO_WRITE": unbuffered/DIO write (fs/netfs/direct_write.c): the      *)
(*    whole user buffer is extracted into the chain (pages pinned) before *)
(*    the first dispatch, subrequests write it, the collector accounts    *)
(*    what was written; a failed subrequest ends the request and the rest *)
(*    of the buffer is released unwritten (Abandon).                      *)
(*                                                                         *)
(* Design rules (constants select the fixed design or a variant):          *)
(*  StrictDioSequence: "netfs: Fix unbuffered/DIO writes to dispatch      *)
(*    subrequests in strict sequence" (RFC 01/17; a0b4c7a49137, vfs.fixes *)
(*    Feb 2026): each DIO write subrequest is sent only once the previous *)
(*    one is committed, "so that we don't have pieces landing out of      *)
(*    order and potentially leaving a hole if an error occurs (ENOSPC)".  *)
(*  CheckTooMuch: "netfs: Check for too much data being read" (RFC 16/17, *)
(*    netfs_read_subreq_terminated in read_collect.c): a subrequest that  *)
(*    reports transferred > len is failed with -EIO, NEED_RETRY cleared.  *)
(*                                                                         *)
(* Units: one slot = one bio_vec = one (small) folio.  The chain layout   *)
(* is chosen by the constant Layout: SlotSeg[x+1] is the segment holding  *)
(* slot x, so a segment no slot names is zero-length (nr_segs = 0).       *)
(*                                                                         *)
(* Layouts 1-3 are fixed chains present from Init, small segments and a   *)
(* zero-length one, to exercise freeing along a chain; a cursor at a      *)
(* segment boundary is counted on the segment of the next slot.  The      *)
(* RFC's rolling buffer (fs/netfs/bvecq.c bvecq_buffer_init /             *)
(* bvecq_buffer_make_space, netfs_alloc_bvecq(14): segments of at least   *)
(* 14 slots added on demand as the load cursor fills the last one) holds  *)
(* a request of this size in its first segment: Layout 4, one segment,    *)
(* where the refcount is the three cursors plus one per outstanding       *)
(* subrequest in the model and in the RFC code alike.  Where the RFC's    *)
(* bvecq_pos_advance leaves a position at a boundary (v1: on the next     *)
(* segment if it exists, else at the end of the current one; later        *)
(* revisions: at the end of the current one) is history-dependent, so the *)
(* per-segment refcounts of layouts 1-3 are not compared with the        *)
(* reference (docs/FIDELITY.md finding 10).                                *)
(*                                                                         *)
(* Layout 5 is a window of a longer read at the end of the rolling        *)
(* buffer's first segment: the RFC's segments hold BVECQ_STD_SLOTS (29 on *)
(* 64-bit; bvecq_alloc_one rounds a segment up to a 512-byte slab) and    *)
(* the load cursor starts a new segment when the last one is full         *)
(* (bvecq_buffer_make_space); the folios before the window were read and  *)
(* collected, leaving two free slots.  Slots 0 and 1 of the window fill    *)
(* the first segment, slot 2 starts the second, so the cursors, a         *)
(* subrequest's buffer (bvecq_slice) and the collector's release of the   *)
(* spent segment (bvecq_buffer_delete_spent) all cross a real boundary.   *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Op,                 \* "READ" | "DIO_WRITE"
    NSeg,               \* number of bvecq segments in the chain
    Layout,             \* which chain layout (see Layouts): an integer so JSON can set it
    SubreqMax,          \* most slots one subrequest may cover (fs's max size)
    MaxRetries,         \* reissues allowed per subrequest
    StrictDioSequence,  \* TRUE: DIO write subrequests dispatched in strict sequence
    CheckTooMuch,       \* TRUE: transferred > len fails the subrequest (-EIO)
    WriteSource,        \* DIO_WRITE's source: "USER" (UBUF/IOVEC) | "KERNEL" (e.g. ITER_BVEC)
    Misaligned,         \* DIO_WRITE from user memory: the buffer starts inside a page
    PosRefs,            \* "ALL": every bvecq_pos holds a ref on its segment (the RFC as posted);
                        \* "COLLECT_ONLY": only the collector's does (PATCH 18/26 note (1))
    SubreqCopy,         \* DIO_WRITE: the filesystem asks for its own copy of each subrequest's
                        \* slots (netfs_prepare_unbuffered_write_buffer(subreq, max_segs, copy))
    Sealed,             \* DIO_WRITE over an encrypted cifs transport: every send goes out of a
                        \* bounce buffer netfs_alloc_bvecq_buffer() allocates
    UnmappedTail,       \* DIO_WRITE from user memory whose buffer ends in unmapped pages: the
                        \* extraction stops at the first of them and the write is cut there
    AdvanceV1Bug,       \* TRUE: bvecq_pos_advance() as RFC v1 05/17 posted it (see AdvanceLags)
    AdvanceV3Bug        \* TRUE: bvecq_pos_advance() as v3 09/22 posted it (see AdvanceWarns)

ASSUME Op \in {"READ", "DIO_WRITE"}
ASSUME StrictDioSequence \in BOOLEAN /\ CheckTooMuch \in BOOLEAN
ASSUME WriteSource \in {"USER", "KERNEL"}
ASSUME Misaligned \in BOOLEAN
ASSUME PosRefs \in {"ALL", "COLLECT_ONLY"}
\* The copy path is the strict unbuffered write's (the later revisions' fs/netfs/direct_write.c).
ASSUME SubreqCopy \in BOOLEAN /\ (SubreqCopy => (Op = "DIO_WRITE" /\ StrictDioSequence))
ASSUME Sealed \in BOOLEAN /\ (Sealed => (Op = "DIO_WRITE" /\ StrictDioSequence))
\* Whole pages only: a buffer starting inside a page (Misaligned) would be cut inside a slot.
ASSUME UnmappedTail \in BOOLEAN
ASSUME UnmappedTail => (Op = "DIO_WRITE" /\ WriteSource = "USER" /\ ~Misaligned)
ASSUME AdvanceV1Bug \in BOOLEAN /\ (AdvanceV1Bug => Op = "DIO_WRITE")
\* The v3 design is explored for a DIO write whose buffer is one segment (see AdvanceWarns).
ASSUME AdvanceV3Bug \in BOOLEAN /\ (AdvanceV3Bug => (Op = "DIO_WRITE" /\ ~Misaligned))
\* Chain layouts: SlotSeg[x+1] is the segment holding slot x (non-decreasing); a segment
\* no slot names is zero-length.
\*  1: <<1, 1, 3>>  three segments, the middle one zero-length (two slots, then one)
\*  2: <<1, 2, 3>>  three segments of one slot each
\*  3: <<1, 1, 2, 4>> four segments, the third zero-length
\*  4: <<1, 1, 1>>  one segment: the RFC's rolling buffer for a three-slot request
\*  5: <<1, 1, 2>>  two segments: a window of a longer read whose first segment has two
\*                  free slots left (the third slot starts the next segment)
\*  6: thirty slots, the first 29 in segment 1 and the last in segment 2: a DIO write of 30
\*     pages, extracted into BVECQ_STD_SLOTS-slot segments (29 on 64-bit; the RFC's
\*     netfs_extract_iter: bvecq_alloc_one(remaining pages) while pages remain)
Layouts == <<<<1, 1, 3>>, <<1, 2, 3>>, <<1, 1, 2, 4>>, <<1, 1, 1>>, <<1, 1, 2>>,
             [sx \in 1..30 |-> IF sx <= 29 THEN 1 ELSE 2]>>
ASSUME Layout \in 1..Len(Layouts)
SlotSeg == Layouts[Layout]
\* SubreqMax is 1..4, or (a filesystem whose wsize covers the whole write, e.g. cifs's default 4 MiB
\* against Layout 6's 30 pages) the request's size.
ASSUME NSeg \in 1..5 /\ MaxRetries \in 0..2
ASSUME SubreqMax \in 1..4 \/ SubreqMax = Len(SlotSeg)
ASSUME \A sx \in 1..Len(SlotSeg) : SlotSeg[sx] \in 1..NSeg

Total == Len(SlotSeg)             \* slots in the request's buffer

\* The sizes a Dispatch may ask for.  For small SubreqMax, any of 1..SubreqMax: the filesystem's
\* limit may vary between subrequests.  A SubreqMax of the whole request is a fixed wsize, and
\* netfs_unbuffered_write() slices stream->sreq_max_len on every pass, so only that.
DispatchSizes == IF SubreqMax > 4 THEN {SubreqMax} ELSE 1..SubreqMax

\* SubreqCopy: the copy of a subrequest's slots is a chain of its own, which bvecq_extract()
\* (fs/netfs/bvecq.c of the RFC) allocates with netfs_alloc_bvecq(nsegs): segments of at most
\* BVECQ_STD_SLOTS slots (29 on 64-bit: netfs_alloc_one_bvecq caps a segment at a 512-byte
\* allocation, (512 - 48) / 16 bio_vecs), chained while slots remain.  A subrequest of n slots is
\* n bio_vecs, or n + 1 when the user buffer starts inside a page (Misaligned: every slot boundary
\* then falls inside a page, so the slice starts and ends mid-page).  The copy carries page pointers only: neither the RFC's
\* `free` nor its `unpin` bit is set on it, so putting it releases no page and no pin (the pins
\* stay with the request's chain, `pins` below).  It lives while its subrequest is outstanding:
\* netfs_free_subrequest() drops subreq->content when the collector puts the subrequest, and a
\* retry drops it (`bvecq_pos_unset(&subreq->content)`) and extracts the rest again.
BvecqStdSlots == 29
CopySegsFor(n) == (n + BvecqStdSlots - 1) \div BvecqStdSlots
\* Strict sequence: at most one subrequest is outstanding.
CopySegsOf(sq) == IF SubreqCopy /\ sq /= <<>>
                  THEN CopySegsFor(sq[1].len + (IF Misaligned THEN 1 ELSE 0)) ELSE 0

\* Sealed: a cifs mount with encryption ("seal") sends each RPC out of a bounce copy
\* (smb3_init_transform_rq in the RFC's fs/smb/client/smb2ops.c, "cifs: Use a bvecq for
\* buffering instead of a folioq", seed 004 item 10; smb_copy_data_into_buffer in the later
\* revisions): netfs_alloc_bvecq_buffer() allocates a chain of fresh pages, one per page of data
\* (segments marked `free` without `unpin`: BVECQ_MEM_ALLOCED), the data is copied in and
\* encrypted, sent, and smb3_free_compound_rqst() -> netfs_free_bvecq_buffer() gives every
\* bounce page back to the page allocator (__free_page), inside the send.  So no bounce page
\* outlives the step that sends (Dispatch, or the reissue of Retry), the user's pages are only
\* read (they stay pinned by the request's chain), and the pages that went through bounce
\* buffers and were freed add up to the pages sent: `bounced`.  What the server stores is what
\* was sent: a reply (Complete) lands the bytes copied at the send.
SentPages(sq) == IF Sealed /\ action'.name \in {"Dispatch", "Retry"} THEN sq[1].len ELSE 0

\* Layout 5 is the rolling buffer itself (fs/netfs/bvecq.c): its second segment is made only when
\* slot Boundary (= 2, the first slot of segment 2) is loaded (bvecq_buffer_make_space from
\* netfs_read_load_folio / bvecq_load_from_ra).  bvecq_slice() (fs/netfs/bvecq.c of the series,
\* v1 to the later revisions) leaves a slice that its size ends on a slot's end on that slot
\* (`if (!max_size || nsegs >= max_segs) goto out;` with slot unchanged and offset == bv_len), and
\* moves to the next segment only a position that ran off a segment's slots and only if the next
\* one exists (`out: if (slot == bq->nr_slots && bq->next)`), so a dispatch that ends at Boundary
\* leaves the dispatch cursor "parked" at the end of segment 1, whether or not segment 2 exists
\* yet, and a subrequest dispatched from there takes its bvecq_pos there too (bvecq_pos_attach at
\* the dispatch cursor, before the slice moves on).
\* The fixed chains of layouts 1-3 exist from Init (no parking); the DIO write's chain is
\* extracted whole before any dispatch (no parking).
\* Tracked only where it has a consequence the model states: with every position holding a ref
\* (PosRefs = "ALL") a parked position keeps its segment alive, and which segment a boundary
\* position is on is not compared for Layout 5 (SegOf counts it on the next slot's segment).
Parks == Layout = 5 /\ PosRefs = "COLLECT_ONLY"
Boundary == 2

\* User pages a DIO write from user memory pins: one per page of data, plus one when the buffer
\* starts inside a page (netfs unbuffered writes have no alignment rule), since the data then
\* spans Total + 1 user pages and iov_iter_extract_pages() pins every page it lists
\* (lib/iov_iter.c iov_iter_extract_user_pages: DIV_ROUND_UP(offset + len, PAGE_SIZE) pages).
UserPages == Total + (IF Misaligned THEN 1 ELSE 0)

\* AdvanceV1Bug: bvecq_pos_advance() of "[RFC PATCH 05/17] netfs: Add some tools for managing
\* bvecq chains" (D. Howells, 4 Mar 2026; the same in the 26-patch posting of 26 Mar) moves on
\* within a slot with
\*     const struct bio_vec *bv = &bq->bv[slot];
\*     size_t part = umin(bv->bv_len - offset, amount);
\*     if (likely(part < bv->bv_len)) { offset += part; break; }
\* which compares what is left of the slot with the whole slot: from inside a slot (offset > 0)
\* the test always holds, so the position stops at the end of that slot however much was asked
\* for.  "[PATCH v3 09/22]" (8 Jun 2026) has `part = bq->bv[slot].bv_len - offset; if (part >
\* amount) { offset += amount; break; }` (v2's changes: "Fixed a number of bugs reported by
\* Sashiko").  The RFC's DIO write uses it when a subrequest comes back short
\* (direct_write.c netfs_unbuffered_write_collect, RFC 10/17: `if (subreq->transferred <
\* subreq->len) { bvecq_pos_unset(&wreq->dispatch_cursor); bvecq_pos_transfer(
\* &wreq->dispatch_cursor, &subreq->dispatch_pos); bvecq_pos_advance(&wreq->dispatch_cursor,
\* subreq->transferred); }`), and the reissue slices its buffer from there
\* (`bvecq_pos_attach(&subreq->dispatch_pos, &wreq->dispatch_cursor); subreq->len =
\* bvecq_slice(&wreq->dispatch_cursor, ...)`).  In this model positions are inside a slot only
\* when the user buffer starts inside a page (Misaligned): then every subrequest but the first
\* starts inside a slot, and a short write (one page written, more than the rest of that slot)
\* leaves the dispatch cursor at the end of the subrequest's first slot, short of where the
\* written part ends: the reissue is sliced from the wrong bytes and the cursor stays behind
\* `dispatch` (dispLag).  A reissue after nothing was written advances by 0 (no step), and the
\* first subrequest starts at a slot's start, where the v1 test is right.  (Not modelled: since
\* bvecq_slice() leaves a cursor whose slice its size ends on that slot, offset == bv_len, every
\* later subrequest of an aligned write also starts on an ended slot, where v1 does not move at
\* all, `part = umin(0, amount)` < bv_len: a short write of one of them would be reissued from
\* its start.  No config combines AdvanceV1Bug with an aligned buffer.)
AdvanceLags(sq, a) ==
    /\ AdvanceV1Bug /\ Misaligned
    /\ a.name = "Retry" /\ a.start > 0
    /\ \E k \in 1..Len(sq) : sq[k].start = a.start /\ sq[k].xfer > 0

\* AdvanceV3Bug: bvecq_pos_advance() of "[PATCH v3 09/22] netfs: Add some tools for managing
\* bvecq chains" (D. Howells, 8 Jun 2026) tests the slot the wrong way round:
\*     while (bvecq_acquire_slot(bq, slot)) {
\*         if (!bq->next) { WARN_ON_ONCE(amount > 0); break; }
\*         bq = bq->next; slot = 0;
\*     }
\*     part = bq->bv[slot].bv_len - offset;
\* bvecq_acquire_slot() is `slot < nr_slots` (include/linux/bvecq.h of the same posting), so from
\* a slot in use the position steps to ->next, and on the last segment the advance WARNs and,
\* the break leaving only the inner loop, consumes the slot as the fixed code does.  Fixed in
\* ver #4 ("Fixed slot validity check polarity in bvecq_pos_advance(); also don't use inner loop
\* otherwise break then exits the wrong loop": `if (!bvecq_acquire_slot(bq, slot)) { next =
\* bvecq_next(bq); if (!next) { WARN_ON_ONCE(amount > 0); break; } ...`).  A DIO write advances
\* with it when a subrequest comes back short (direct_write.c netfs_unbuffered_write_collect:
\* `bvecq_pos_transfer(&stream->dispatch_cursor, &subreq->dispatch_pos);
\* bvecq_pos_advance(&stream->dispatch_cursor, subreq->transferred);`), from the subrequest's
\* start, a slot in use.  This model's writes are of a few pages, which the extraction puts in
\* one segment (netfs_extract_iter: bvecq_alloc_one(remaining pages), up to BVECQ_STD_SLOTS),
\* the last one: so the short write's collection (Retry after "short", xfer > 0) WARNs and the
\* dispatch cursor still lands right (advWarn); a reissue after nothing was written advances by
\* 0.  (A buffered read's collector steps its cursor slot by slot in netfs_read_unlock_folios,
\* without bvecq_pos_advance.)
AdvanceWarns(sq, a) ==
    /\ AdvanceV3Bug
    /\ a.name = "Retry"
    /\ \E k \in 1..Len(sq) : sq[k].start = a.start /\ sq[k].xfer > 0
Slots == 0..(Total - 1)
Segs == 1..NSeg
Pos == 0..Total                   \* cursor positions (slot index of the next slot)

\* The segment a bvecq_pos at position `cp` points into.  A cursor at the end of the
\* chain stays on the last slot's segment (slot == nr_segs); zero-length segments
\* never hold a cursor, they are stepped over.
SegOf(cp) == IF cp < Total THEN SlotSeg[cp + 1] ELSE SlotSeg[Total]

\* Folio (READ) / page (DIO_WRITE) state of a slot:
\*  "absent"   not loaded yet
\*  "locked"   loaded: READ a locked folio awaiting data; DIO_WRITE a pinned page
\*  "filled"   READ data arrived in the folio; DIO_WRITE data landed on the server
\*  "uptodate" collected ok: READ folio marked uptodate and unlocked; DIO_WRITE the write
\*             is accounted by the collector (the pinned pages go when the request's chain
\*             is put: the RFC's netfs_unbuffered_write() detaches its cursors at the end)
\*  "failed"   collected after a failure: unlocked not uptodate / released unwritten
FStates == {"absent", "locked", "filled", "uptodate", "failed"}
SubStates == {"inflight", "retry", "ok", "failed"}
Outcomes == IF Op = "READ" THEN {"ok", "retry", "error", "too_much"} ELSE {"ok", "retry", "error", "short"}

VARIABLES
    load,       \* load cursor (bvecq_pos)
    dispatch,   \* dispatch cursor (bvecq_pos)
    collect,    \* collect cursor (bvecq_pos)
    fstate,     \* fstate[x]: state of the folio/page in slot x
    subreqs,    \* outstanding subrequests in file order: [start, len, st, xfer, tries]
    segRef,     \* segRef[s]: refcount of bvecq segment s
    segFreed,   \* segFreed[s]: segment s has been freed
    reqError,   \* the request has failed (a subrequest failed for good)
    pins,       \* user pages the request holds pinned (DIO_WRITE: the extracted buffer)
    parkedDisp, \* Layout 5: the dispatch cursor is parked at the end of segment 1
    parkedSub,  \* Layout 5: the outstanding subrequest starting at Boundary has its bvecq_pos parked
    rollFreed,  \* Layout 5, PosRefs = "COLLECT_ONLY": segment 1 has been freed by the collector
    posOnFreed, \* a bvecq_pos points into a freed segment (a use-after-free; nothing follows)
    copySegs,   \* SubreqCopy: bvecq segments the outstanding subrequest's copy is made of
    bounced,    \* Sealed: bounce-buffer pages allocated for sends and freed (never unpinned)
    dispLag,    \* the dispatch cursor stands short of `dispatch` (AdvanceV1Bug; nothing follows)
    advWarn,    \* bvecq_pos_advance WARNed at a slot in use (AdvanceV3Bug; nothing follows)
    action      \* the step taken: [name |-> ..., params]

vars == <<load, dispatch, collect, fstate, subreqs, segRef, segFreed, reqError, pins,
          parkedDisp, parkedSub, rollFreed, posOnFreed, copySegs, bounced, dispLag, advWarn,
          action>>
parkVars == <<parkedDisp, parkedSub, rollFreed, posOnFreed>>

\* Holders of segment `hs` in a state given by its cursors, subrequests and freed set:
\* the three cursors, each outstanding subrequest's buffer position, and the previous
\* segment's link while that segment is alive.
\* With PosRefs = "COLLECT_ONLY" only the collector's position and the links hold refs.
HoldersIn(hs, hLoad, hDispatch, hCollect, hSubreqs, hFreed) ==
    (IF PosRefs = "ALL" /\ SegOf(hLoad) = hs THEN 1 ELSE 0)
    + (IF PosRefs = "ALL" /\ SegOf(hDispatch) = hs THEN 1 ELSE 0)
    + (IF SegOf(hCollect) = hs THEN 1 ELSE 0)
    + (IF PosRefs = "ALL"
       THEN Cardinality({hk \in 1..Len(hSubreqs) : SegOf(hSubreqs[hk].start) = hs})
       ELSE 0)
    + (IF hs > 1 /\ ~hFreed[hs - 1] THEN 1 ELSE 0)

\* What freeing does: when the collector's bvecq_pos leaves a segment, it drops its ref;
\* the segment (no cursor or subrequest can be behind the collector) is freed and drops
\* its ref on the next, which cascades through zero-length segments
\* (fs/netfs/bvecq.c in the RFC).  Closed form: every segment before the collector's.
FreedAfter(fCollect) == [fs \in Segs |-> fs < SegOf(fCollect)]

\* The refcounts that follow from moving to new cursors/subrequests (bvecq_pos get/put).
RefsFor(rLoad, rDispatch, rCollect, rSubreqs) ==
    [rs \in Segs |-> IF FreedAfter(rCollect)[rs] THEN 0
                     ELSE HoldersIn(rs, rLoad, rDispatch, rCollect, rSubreqs, FreedAfter(rCollect))]

-----------------------------------------------------------------------------
Init ==
    /\ load = 0 /\ dispatch = 0 /\ collect = 0
    /\ fstate = [x \in Slots |-> "absent"]
    /\ subreqs = <<>>
    /\ segFreed = FreedAfter(0)
    /\ segRef = RefsFor(0, 0, 0, <<>>)
    /\ reqError = FALSE
    /\ pins = 0
    /\ parkedDisp = FALSE /\ parkedSub = FALSE /\ rollFreed = FALSE /\ posOnFreed = FALSE
    /\ copySegs = 0
    /\ bounced = 0
    /\ dispLag = FALSE
    /\ advWarn = FALSE
    /\ action = [name |-> "Init"]

\* READ: readahead adds the next folio, locked, at the load cursor (netfs_readahead ->
\* the bvecq load).  DIO_WRITE: the whole user buffer is extracted (pinned) into the chain
\* in one go before the first subrequest is dispatched: fs/netfs/direct_write.c
\* netfs_unbuffered_write_iter_locked() calls netfs_extract_user_iter() (a0b4c7a49137) /
\* netfs_extract_iter() into wreq->load_cursor (the RFC) and only then
\* netfs_unbuffered_write() runs the dispatch loop; so one Load loads every slot.
LoadTo == IF Op = "DIO_WRITE" THEN Total ELSE load + 1
Load ==
    /\ load < Total
    /\ ~reqError
    \* A DIO write extracts once (netfs_unbuffered_write_iter_locked), and not in full when
    \* its buffer ends in unmapped pages (LoadShort).
    /\ Op = "DIO_WRITE" => (load = 0 /\ ~UnmappedTail)
    /\ load' = LoadTo
    /\ fstate' = [x \in Slots |-> IF x >= load /\ x < LoadTo THEN "locked" ELSE fstate[x]]
    /\ segRef' = RefsFor(LoadTo, dispatch, collect, subreqs)
    \* DIO_WRITE from user memory: iov_iter_extract_pages() pins every page (FOLL_PIN,
    \* BVECQ_MEM_GUP); from a kernel iterator (a loop device's ITER_BVEC, say) it only lists
    \* the pages, which their owner keeps (RFC netfs_extract_iter: user_backed_iter() decides
    \* the segment's mem_type). READ: page-cache folios, no pins.
    /\ pins' = IF Op = "DIO_WRITE" /\ WriteSource = "USER" THEN UserPages ELSE 0
    /\ action' = [name |-> "Load"]
    /\ UNCHANGED <<dispatch, collect, subreqs, segFreed, reqError>> /\ UNCHANGED parkVars

\* DIO_WRITE from user memory whose buffer cannot be pinned (not mapped: pin_user_pages_fast()
\* finds no page, iov_iter_extract_pages() returns -EFAULT).  netfs_unbuffered_write_iter_locked()
\* returns the error before anything is dispatched: in the RFC (fs/netfs/direct_write.c: `n =
\* netfs_extract_iter(...); if (n < 0) { ret = n; goto error_put; }`) because its
\* netfs_extract_iter (fs/netfs/iterator.c, the revisions after v1) stops at the error
\* (`if (got < 0) { ret = got; goto out; }`) and "If an error occurs and no pages are
\* extracted, an error will be returned and any allocated bvecq will be freed".  Without the
\* RFC, netfs_extract_user_iter's `n < 0` holds for this buffer only with "netfs: fix error
\* handling in netfs_extract_user_iter()" (March 2026); before it, an -EFAULT from the first
\* page gave 0 and an empty bvec (NetfsExtract's ExtractEmptyBug).  Nothing is loaded or pinned,
\* the request has failed.  A kernel iterator (WriteSource = "KERNEL") is only listed, never
\* faulted in, so it cannot fail.
LoadFault ==
    /\ Op = "DIO_WRITE" /\ WriteSource = "USER"
    /\ load = 0
    /\ ~reqError
    /\ reqError' = TRUE
    /\ action' = [name |-> "LoadFault"]
    /\ UNCHANGED <<load, dispatch, collect, fstate, subreqs, segRef, segFreed, pins>>
    /\ UNCHANGED parkVars

\* UnmappedTail: DIO_WRITE from user memory whose first `m` pages are mapped and the rest are
\* not (m = 0 is LoadFault).  The RFC's netfs_extract_iter (fs/netfs/iterator.c, the revisions
\* after v1) asks iov_iter_extract_pages() for every page; pin_user_pages_fast() pins the mapped
\* ones and stops at the hole (mm/gup.c: a short count, not an error), the next call starts at
\* the hole and gets -EFAULT (`goto out`), and "On success or partial success, the amount of
\* data in the bvec is returned" (`if (extracted) return extracted;`): m pages, pinned.
\* netfs_unbuffered_write_iter_locked() then cuts the request to it (`wreq->len = n`; "the
\* extraction may shorten the request"), so only those m pages are dispatched, written and
\* released, and the write returns what was written (`ret = wreq->transferred ?: wreq->error`).
\* Nothing of the unmapped pages is pinned or sent.  (v1 of the RFC, 4 March 2026, broke only
\* out of its inner loop on the error and went round its outer one again; not modelled.)
LoadShort(m) ==
    /\ UnmappedTail
    /\ load = 0
    /\ ~reqError
    /\ load' = m
    /\ fstate' = [x \in Slots |-> IF x < m THEN "locked" ELSE fstate[x]]
    /\ segRef' = RefsFor(m, dispatch, collect, subreqs)
    /\ pins' = m
    /\ action' = [name |-> "LoadShort", len |-> m]
    /\ UNCHANGED <<dispatch, collect, subreqs, segFreed, reqError>> /\ UNCHANGED parkVars

\* Issue a subrequest over `n` slots at the dispatch cursor (netfs_prepare_read_buffer /
\* netfs_prepare_write_buffer in the RFC; the subrequest takes a bvecq_pos on its start).
\* Nothing is issued once the request has failed.  DIO_WRITE with StrictDioSequence:
\* only once every earlier subrequest has been committed (collected).
\* READ: `n` slots of what is loaded.  DIO_WRITE: `n` is the filesystem's maximum
\* subrequest size (stream->sreq_max_len); the RFC's netfs_unbuffered_write() slices that much
\* from the dispatch cursor (`subreq->len = bvecq_slice(&wreq->dispatch_cursor,
\* stream->sreq_max_len, ...)`, RFC 10/17 fs/netfs/direct_write.c) and bvecq_slice() stops at the
\* end of the chain, so the last subrequest gets what is left: Min(n, load - dispatch).
DispatchLen(n) == IF Op = "DIO_WRITE" /\ dispatch + n > load THEN load - dispatch ELSE n
Dispatch(n) ==
    /\ ~reqError
    /\ IF Op = "DIO_WRITE" THEN dispatch < load ELSE dispatch + n <= load
    /\ (Op = "DIO_WRITE" /\ StrictDioSequence) => (subreqs = <<>>)
    /\ \E ln \in {DispatchLen(n)} :
       \E ns \in {Append(subreqs, [start |-> dispatch, len |-> ln, st |-> "inflight",
                                   xfer |-> 0, tries |-> 0])} :
        /\ subreqs' = ns
        /\ dispatch' = dispatch + ln
        /\ segRef' = RefsFor(load, dispatch + ln, collect, ns)
        \* The slice ends at the end of segment 1: parked, whether or not segment 2 exists (its
        \* size runs out on segment 1's last slot: `goto out` leaves slot 1, offset bv_len; only
        \* a slice that runs off the slots steps to ->next).  A subrequest dispatched from a
        \* parked cursor has its position parked; its slice steps off the ended slot, onto
        \* segment 2 (it exists: something past Boundary is loaded).
        /\ parkedDisp' = (Parks /\ dispatch + ln = Boundary)
        /\ parkedSub' = (parkedSub \/ parkedDisp)
    /\ action' = [name |-> "Dispatch", len |-> n]
    /\ UNCHANGED <<load, collect, fstate, segFreed, reqError, pins, rollFreed, posOnFreed>>

\* The server answers the subrequest starting at slot `s` (the fs calls
\* netfs_read_subreq_terminated / netfs_write_subrequest_terminated):
\*  "ok"       all len slots transferred (READ: data in the folios; WRITE: landed)
\*  "retry"    transient failure, NETFS_SREQ_NEED_RETRY (at most MaxRetries times); for
\*             DIO_WRITE netfs_write_subrequest_terminated() (write_collect.c) sets it on
\*             -EAGAIN or a short write
\*  "error"    fatal: READ -EIO, DIO_WRITE -ENOSPC; nothing transferred
\*  "too_much" READ only: the server returned len+1 slots' worth
\*  "short"    DIO_WRITE only: the server wrote the first slot of two or more and stopped (a
\*             short write: NETFS_SREQ_NEED_RETRY, write_collect.c); modelled for the front
\*             subrequest (the only one in flight in the strict sequence)
Complete(s, outcome) ==
    \E k \in 1..Len(subreqs) :
        LET sr == subreqs[k] IN
        /\ sr.start = s
        /\ sr.st = "inflight"
        /\ (outcome \in {"retry", "short"}) => (sr.tries < MaxRetries)
        /\ (outcome = "short") => (k = 1 /\ sr.len >= 2)
        /\ \E upd \in {CASE outcome = "ok" -> [sr EXCEPT !.st = "ok", !.xfer = sr.len]
                         [] outcome = "retry" -> [sr EXCEPT !.st = "retry", !.xfer = 0]
                         [] outcome = "short" -> [sr EXCEPT !.st = "retry", !.xfer = 1]
                         [] outcome = "error" -> [sr EXCEPT !.st = "failed", !.xfer = 0]
                         [] outcome = "too_much" ->
                              IF CheckTooMuch
                              THEN [sr EXCEPT !.st = "failed", !.xfer = 0]
                              ELSE [sr EXCEPT !.st = "ok", !.xfer = sr.len + 1]} :
            /\ subreqs' = [subreqs EXCEPT ![k] = upd]
            \* Data lands in the locked folios of the range; a folio a too-much collection
            \* already unlocked (CheckTooMuch = FALSE) stays unlocked and uptodate.
            \* A short write lands its first upd.xfer slots.
            /\ fstate' = [x \in Slots |->
                            IF \/ upd.st = "ok" /\ x >= s /\ x < s + sr.len /\ fstate[x] = "locked"
                               \/ upd.st = "retry" /\ x >= s /\ x < s + upd.xfer
                            THEN "filled"
                            ELSE fstate[x]]
        /\ action' = [name |-> "Complete", start |-> s, outcome |-> outcome]
        /\ UNCHANGED <<load, dispatch, collect, segRef, segFreed, reqError, pins>>
        /\ UNCHANGED parkVars

\* Reissue a subrequest that asked for a retry, over the same range: its bvecq_pos kept
\* the segments alive (netfs_retry_reads / netfs_retry_writes).  After a short DIO write the
\* part written is accounted and only the rest is reissued: the RFC's netfs_unbuffered_write()
\* (direct_write.c) adds subreq->transferred to wreq->transferred, moves the dispatch cursor
\* from the subrequest's dispatch_pos past it and reissues from there (subreq->start =
\* stream->issue_from), so the written slots are accounted (collect moves past them) and the
\* subrequest starts after them.
Retry(s) ==
    \E k \in 1..Len(subreqs) :
        /\ subreqs[k].start = s
        /\ subreqs[k].st = "retry"
        /\ action' = [name |-> "Retry", start |-> s]
        /\ IF subreqs[k].xfer = 0
           THEN /\ subreqs' = [subreqs EXCEPT ![k].st = "inflight", ![k].tries = @ + 1]
                /\ UNCHANGED <<load, dispatch, collect, fstate, segRef, segFreed, reqError, pins>>
                /\ UNCHANGED parkVars
           ELSE \E nc \in {s + subreqs[k].xfer} :
                \E ns \in {[subreqs EXCEPT ![k] = [start |-> nc, len |-> subreqs[k].len - subreqs[k].xfer,
                                                   st |-> "inflight", xfer |-> 0,
                                                   tries |-> subreqs[k].tries + 1]]} :
                /\ subreqs' = ns
                /\ collect' = nc
                /\ fstate' = [x \in Slots |-> IF x >= s /\ x < nc THEN "uptodate" ELSE fstate[x]]
                /\ segFreed' = FreedAfter(nc)
                /\ segRef' = RefsFor(load, dispatch, nc, ns)
                /\ UNCHANGED <<load, dispatch, reqError, pins>>
                /\ UNCHANGED parkVars

\* The collector consumes the first outstanding subrequest once it has terminated, in
\* file order (netfs_read_collection / netfs_collect_write_results): READ unlocks its
\* folios (uptodate if it succeeded), DIO_WRITE accounts its pages; the collect cursor
\* moves to the subrequest's start plus what it reported (read_collect.c
\* netfs_collect_read_results: collected_to = front->start + transferred, a failed front
\* counting as its whole length, abandon_to) and leaves behind segments that are freed.
\* Every loaded folio still held below the new collect point is unlocked
\* (netfs_read_unlock_folios walks from the collect cursor while a folio ends at or before
\* collected_to).  With the too-much check in place this is exactly the subrequest's range;
\* without it (CheckTooMuch = FALSE) collected_to runs past the subrequest, even past the
\* buffer, and the next folio is unlocked before its own data arrived.
Collect ==
    /\ subreqs /= <<>>
    /\ subreqs[1].st \in {"ok", "failed"}
    /\ \E sr \in {subreqs[1]} :
       \E nc \in {sr.start + (IF sr.st = "ok" THEN sr.xfer ELSE sr.len)} :
        /\ collect' = nc
        /\ fstate' = [x \in Slots |->
                        IF x < nc /\ x < load /\ fstate[x] \in {"locked", "filled"}
                        THEN (IF sr.st = "ok" THEN "uptodate" ELSE "failed")
                        ELSE fstate[x]]
        /\ subreqs' = Tail(subreqs)
        /\ reqError' = (reqError \/ sr.st = "failed")
        /\ segFreed' = FreedAfter(nc)
        /\ segRef' = RefsFor(load, dispatch, nc, Tail(subreqs))
        \* The collected subrequest's position goes with it.  With only the collector holding
        \* a ref, segment 1 is freed as soon as the collector leaves it: it reaches Boundary
        \* with segment 2 made and deletes the spent segment (read_collect.c
        \* netfs_read_unlock_folios -> bvecq_delete_spent), or moves past it.  A position still
        \* parked there then points into freed memory.
        /\ parkedSub' = (parkedSub /\ sr.start /= Boundary)
        /\ rollFreed' = (rollFreed \/ (Parks /\ nc >= Boundary /\ load > Boundary))
        /\ posOnFreed' = (rollFreed' /\ (parkedDisp \/ parkedSub'))
    /\ action' = [name |-> "Collect"]
    /\ UNCHANGED <<load, dispatch, pins, parkedDisp>>

\* After a failure, once nothing is outstanding, the request is abandoned: the folios
\* loaded but never dispatched are unlocked (not uptodate) / pages released.
Abandon ==
    /\ reqError
    /\ subreqs = <<>>
    /\ collect < load
    /\ collect' = load
    /\ dispatch' = load
    /\ fstate' = [x \in Slots |-> IF x >= collect /\ x < load THEN "failed" ELSE fstate[x]]
    /\ segFreed' = FreedAfter(load)
    /\ segRef' = RefsFor(load, load, load, subreqs)
    \* The request ends: its chain is put and every pinned page released (the RFC's
    \* netfs_unbuffered_write() detaches its cursors, netfs_deinit_request() the rest).
    /\ pins' = 0
    \* netfs_unlock_abandoned_read_pages advances the dispatch cursor to the load cursor first
    \* (off its parking spot if anything past Boundary is loaded), then the collector.
    /\ parkedDisp' = (parkedDisp /\ load = dispatch)
    /\ rollFreed' = (rollFreed \/ (Parks /\ load > Boundary))
    /\ posOnFreed' = (rollFreed' /\ parkedDisp')
    /\ action' = [name |-> "Abandon"]
    /\ UNCHANGED <<load, subreqs, reqError, parkedSub>>

\* The request is over: everything loaded has been collected (an explicit step, so the end is
\* not reported as a deadlock). It changes nothing but `action` and `pins`: the request is
\* put, releasing the pages a DIO write pinned (a no-op once released).  A DIO write's one
\* extraction is the whole request, cut short or not (LoadShort).
Finished ==
    /\ subreqs = <<>>
    /\ collect = load
    /\ ((IF Op = "DIO_WRITE" THEN load > 0 ELSE load = Total) \/ reqError)
    /\ pins' = 0
    /\ action' = [name |-> "Finished"]
    /\ UNCHANGED <<load, dispatch, collect, fstate, subreqs, segRef, segFreed, reqError>>
    /\ UNCHANGED parkVars

\* A use-after-free ends the behaviour: what the kernel does next is undefined.  So does a
\* dispatch cursor left behind: the next send writes the wrong bytes.  The model also stops at
\* the v3 WARN (the kernel goes on, once the WARN is out, as the fixed design does).
Next ==
    /\ ~posOnFreed /\ ~dispLag /\ ~advWarn
    /\ \/ Load
       \/ LoadFault
       \/ \E m \in 1..(Total - 1) : LoadShort(m)
       \/ \E n \in DispatchSizes : Dispatch(n)
       \/ \E s \in Slots, o \in Outcomes : Complete(s, o)
       \/ \E s \in Slots : Retry(s)
       \/ Collect
       \/ Abandon
       \/ Finished
    \* Whichever step was taken, the copies follow the outstanding subrequests.
    /\ copySegs' = CopySegsOf(subreqs')
    /\ bounced' = bounced + SentPages(subreqs')
    /\ dispLag' = AdvanceLags(subreqs, action')
    /\ advWarn' = AdvanceWarns(subreqs, action')

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
TypeOK ==
    \* collect may pass Total by the one slot a too-much answer adds (CheckTooMuch = FALSE).
    /\ load \in Pos /\ dispatch \in Pos /\ collect \in 0..(Total + 1)
    /\ DOMAIN fstate = Slots /\ \A x \in Slots : fstate[x] \in FStates
    /\ Len(subreqs) <= Total
    /\ \A k \in 1..Len(subreqs) :
          /\ subreqs[k].start \in Slots /\ subreqs[k].len \in 1..SubreqMax
          /\ subreqs[k].st \in SubStates /\ subreqs[k].xfer \in 0..(SubreqMax + 1)
          /\ subreqs[k].tries \in 0..MaxRetries
    /\ DOMAIN segRef = Segs /\ DOMAIN segFreed = Segs
    /\ \A s \in Segs : segRef[s] \in 0..6 /\ segFreed[s] \in BOOLEAN
    /\ reqError \in BOOLEAN
    /\ pins \in 0..UserPages
    /\ parkedDisp \in BOOLEAN /\ parkedSub \in BOOLEAN
    /\ rollFreed \in BOOLEAN /\ posOnFreed \in BOOLEAN
    /\ copySegs \in 0..CopySegsFor(Total + 1)
    /\ bounced \in Nat
    /\ dispLag \in BOOLEAN
    /\ advWarn \in BOOLEAN

\* collect <= dispatch <= load (cover letter item 4): nothing is collected before it was
\* dispatched, nothing dispatched before it was loaded.
CursorOrder == collect <= dispatch /\ dispatch <= load

\* Outstanding subrequests tile [collect, dispatch) in file order, without gaps.
SubreqsTileDispatched ==
    /\ \A k \in 1..Len(subreqs) :
          subreqs[k].start = IF k = 1 THEN collect ELSE subreqs[k - 1].start + subreqs[k - 1].len
    /\ IF subreqs = <<>> THEN collect = dispatch
       ELSE subreqs[Len(subreqs)].start + subreqs[Len(subreqs)].len = dispatch

\* Folios are unlocked (pages released) only after collection: every slot before the
\* collect cursor is uptodate/failed, every loaded slot at or after it is still held.
UnlockOnlyAfterCollect ==
    \A x \in Slots :
        /\ (x < collect) => (fstate[x] \in {"uptodate", "failed"})
        /\ (x >= collect /\ x < load) => (fstate[x] \in {"locked", "filled"})
        /\ (x >= load) => (fstate[x] = "absent")

\* A segment is freed only when nothing references it: no cursor and no subrequest's
\* bvecq_pos points into it, and its refcount is zero.
SegFreedOnlyWhenUnreferenced ==
    \A s \in Segs : segFreed[s] =>
        /\ segRef[s] = 0
        /\ SegOf(load) /= s /\ SegOf(dispatch) /= s /\ SegOf(collect) /= s
        /\ \A k \in 1..Len(subreqs) : SegOf(subreqs[k].start) /= s

\* No bvecq_pos points into a freed segment (the cursors, and each outstanding subrequest's
\* position, whichever segment the RFC's code left them on).  Broken at the Layout 5 boundary
\* when only the collector's position holds a ref (PosRefs = "COLLECT_ONLY").
NoPositionOnFreedSegment == ~posOnFreed

\* Live segments' refcounts equal their holders (each bvecq_pos and each link).
SegRefsMatchHolders ==
    \A s \in Segs : ~segFreed[s] =>
        segRef[s] = HoldersIn(s, load, dispatch, collect, subreqs, segFreed)

\* A DIO write never leaves a hole: no slot after a failed (never written) slot has
\* landed on the server.  Broken by dispatching DIO write subrequests out of sequence.
NoWriteHole ==
    Op = "DIO_WRITE" =>
        \A x \in Slots : \A y \in Slots :
            (x < y /\ fstate[x] = "failed") => fstate[y] \notin {"filled", "uptodate"}

\* The dispatch cursor's bvecq_pos stands where `dispatch` says: the next subrequest's buffer
\* starts at the bytes of its range.  Broken by RFC v1's bvecq_pos_advance (AdvanceV1Bug).
DispatchCursorAtDispatch == ~dispLag

\* A read does not read past what was asked: no terminated subrequest is accepted with
\* more data than its length.  Broken without the too-much check.
\* bvecq_pos_advance never WARNs at a slot in use.  Broken by v3's bvecq_pos_advance
\* (AdvanceV3Bug).  (Its WARN past the end of the chain, after an unchecked too-much answer, is
\* what ReadWithinAsked states.)
NoAdvanceWarn == ~advWarn

ReadWithinAsked ==
    \A k \in 1..Len(subreqs) : subreqs[k].xfer <= subreqs[k].len

=============================================================================
