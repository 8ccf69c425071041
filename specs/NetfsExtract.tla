---------------------------- MODULE NetfsExtract ----------------------------
(***************************************************************************)
(* Extracting a caller's iterator for a network filesystem's direct I/O   *)
(* (seed 000: "netfs: Add a function to extract a UBUF or IOVEC into a     *)
(* BVEC iterator", "... an iterator into a scatterlist", "cifs: Add a      *)
(* function to build an RDMA SGE list from an iterator").  Three forms:    *)
(*                                                                         *)
(*  BVEC  netfs_extract_user_iter (fs/netfs/iterator.c): pin the pages of  *)
(*        a UBUF/IOVEC iterator and describe them by a new ITER_BVEC, so   *)
(*        the I/O can finish on a worker after the caller's iterator is    *)
(*        gone; any other type is refused (WARN_ON_ONCE, -EIO).            *)
(*  SG    extract_iter_to_sg (lib/scatterlist.c; netfs_extract_iter_to_sg  *)
(*        in fs/netfs/iterator.c before 6.5): up to sg_max elements; user  *)
(*        pages pinned (extract_user_to_sg), BVEC/KVEC/XARRAY/FOLIOQ/BVECQ *)
(*        listed without a ref or a pin (extract_*_to_sg).                 *)
(*  RDMA  smb_extract_iter_to_rdma (fs/smb/client/smbdirect.c): up to      *)
(*        max_sge ib_sge entries, each DMA-mapped (ib_dma_map_page); only  *)
(*        kernel iterators (a user buffer is first made a BVEC); a mapping *)
(*        failure unmaps what the call mapped and returns -EIO.            *)
(*                                                                         *)
(* Each form advances the caller's iterator by exactly what it describes,  *)
(* and the caller releases an extraction by unpinning only when            *)
(* iov_iter_extract_will_pin() said so (include/linux/uio.h), by unmapping *)
(* for RDMA (smbd send completion: ib_dma_unmap_single per SGE).           *)
(*                                                                         *)
(* Historical bugs (legacy configs):                                       *)
(*  KvecSgLenBug  extract_kvec_to_sg, 6.3 (018584697533) until 07b7d66e65d9 *)
(*                "lib/scatterlist: fix length calculations in             *)
(*                extract_kvec_to_sg" (2026, stable 6.5+): each element    *)
(*                got the kvec piece's remaining length, not its page      *)
(*                part, and ret counted the whole piece even when sg_max   *)
(*                ran out, so elements overlap past their page and the     *)
(*                iterator is advanced past bytes no element starts in.    *)
(*  ExtractEmptyBug netfs_extract_user_iter from 85dd2c8ff368 (6.3) until  *)
(*                "netfs: fix error handling in netfs_extract_user_iter()"  *)
(*                (P. Alcantara, 2026, Cc: stable; in 6.12 stable): an     *)
(*                iov_iter_extract_pages() error only ended its loop, so   *)
(*                a call that could pin nothing returned 0 with an empty   *)
(*                ITER_BVEC and the DIO completed with 0 bytes instead of  *)
(*                failing -EFAULT (LTP mmapstress02 against CIFS).         *)
(*  XarraySgOffsetBug extract_xarray_to_sg from f5f82cd18732 until        *)
(*                "scatterlist: Fix offset in folio calc in                *)
(*                extract_xarray_to_sg()" (2026; Debian 6.12.117 still has *)
(*                it): "offset = offset_in_folio(folio, start)" with start *)
(*                never advanced, so every folio after the first gets the  *)
(*                first's in-folio offset: its element describes bytes the *)
(*                iterator does not hold there, and the call returns the   *)
(*                shorter lengths counted from that offset.                *)
(*  RdmaUnwindBug smb_extract_iter_to_rdma's error cleanup used            *)
(*                &rdma->sge[rdma->nr_sge--] (fixed to --rdma->nr_sge,     *)
(*                "smb: client: Fix error cleanup in                      *)
(*                smb_extract_iter_to_rdma()", 2026): it unmapped the slot *)
(*                past the last SGE and left the call's first SGE mapped.  *)
(*                                                                         *)
(* Bvecq: the bvecq RFC (seed 004): ITER_BVECQ exists, ITER_FOLIOQ and     *)
(* netfs_extract_user_iter are removed ("iov_iter: Remove ITER_FOLIOQ",    *)
(* "netfs: Remove netfs_extract_user_iter()"), extract_iter_to_sg gains    *)
(* extract_bvecq_to_sg, and smb_extract_iter_to_rdma takes ITER_BVECQ only *)
(* ("cifs: Remove support for ITER_KVEC/BVEC/FOLIOQ from                   *)
(* smb_extract_iter_to_rdma()").                                           *)
(*                                                                         *)
(* ReadGaps (6.12): the one netfs bio_vec buffer that is not pinned, the   *)
(* one netfs_read_gaps (fs/netfs/buffered_read.c) builds over a page-cache *)
(* folio a streaming write left partly written; see ReadGaps below.       *)
(***************************************************************************)
EXTENDS Naturals, Integers, Sequences, FiniteSets

CONSTANTS
    Bvecq,          \* the bvecq RFC (seed 004) instead of 6.12's folio_queue
    KvecSgLenBug,   \* extract_kvec_to_sg before 07b7d66e65d9 (2026)
    RdmaUnwindBug,  \* smb_extract_iter_to_rdma's post-decrement unwind (before 2026)
    ShortChain,     \* the caller's iterator is FOLIOQ_SHORT / BVECQ_SHORT (see Layout)
    ExtractEmptyBug, \* netfs_extract_user_iter before its 2026 error-handling fix
    XarraySgOffsetBug, \* extract_xarray_to_sg's per-folio offset before its 2026 fix
    ReadGaps        \* also netfs_read_gaps' buffer (6.12), with a UBUF caller only

ASSUME {Bvecq, KvecSgLenBug, RdmaUnwindBug, ShortChain, ExtractEmptyBug, XarraySgOffsetBug,
        ReadGaps} \subseteq BOOLEAN

PAGE == 4            \* PAGE_SIZE in model bytes
EIO == -5            \* ret of a refused extraction or a failed mapping
EFAULT == -14        \* ret of extract_user_to_sg when pinning hits an unmapped page
Slots == {1, 2}      \* extractions the caller may hold at once
Lens == {2, 8}       \* bytes the caller asks for (clamped to what is left)
Limits == {1, 4}     \* sg_max / max_sge: 1 cuts an extraction short
\* sg_max of extract_iter_to_sg also 0: the caller's sg table is already full.  The fixed
\* code returns 0 at once ("if (maxsize == 0 || sg_max == 0) return 0", 07b7d66e65d9); the
\* code before it had no sg_max check and its walkers go on past the table (sg_max is
\* unsigned), which the KvecSgLenBug configs do not model: they offer no 0.
SgLimits == IF KvecSgLenBug THEN Limits ELSE Limits \cup {0}
FailAts == {0, 1, 2} \* RDMA: the nth ib_dma_map_page of the call fails (0: none)

UserTypes == {"UBUF", "IOVEC", "UBUF_HOLE"}
\* DISCARD (iov_iter_discard: a read whose data is dropped) has no pages:
\* every form refuses it (extract_iter_to_sg: "unsupported", WARN_ON_ONCE).
\* FOLIOQ_SHORT / BVECQ_SHORT: a queue iterator whose count runs 2 bytes past
\* the end of its chain (see Layout): the walkers' chain-end checks.  Their
\* own configs (ShortChain) open only them, which keeps each config small.
ShortTypes == {"FOLIOQ_SHORT", "BVECQ_SHORT"}
\* ReadGaps configs open a UBUF only and extract it with netfs_extract_user_iter only (a
\* DIO's pinned ITER_BVEC): the user pages a held gaps buffer must not disturb.
IterTypes == IF ReadGaps THEN {"UBUF"}
             ELSE IF ShortChain
             THEN (IF Bvecq THEN {"BVECQ_SHORT"} ELSE {"FOLIOQ_SHORT"})
             ELSE {"UBUF", "IOVEC", "UBUF_HOLE", "KVEC", "BVEC", "XARRAY", "XARRAY_HOLE", "DISCARD"}
                  \cup (IF Bvecq THEN {"BVECQ"} ELSE {"FOLIOQ"})
RdmaTypes == IF Bvecq THEN {"BVECQ", "BVECQ_SHORT"} ELSE {"BVEC", "KVEC", "FOLIOQ", "FOLIOQ_SHORT"}

UserFrames == {"U0", "U1", "U2", "U3"}
KernelFrames == {"K0", "K1", "B0", "B1", "X0", "X1", "F0", "F1", "Q0", "Q1", "P0", "S0"}
Frames == UserFrames \cup KernelFrames

\* The iterators' layouts: the page parts of each, in stream order, as
\* [f: frame, off: offset in the page, len, at: stream position].
\*  UBUF   user address 1, 6 bytes: user pages 0 and 1.
\*  IOVEC  <<(9,2), (12,4)>>: user page 2 at offset 1, then user page 3.
\*  KVEC   <<(K0+2,0), (K0+2,5)>> over a two-page kmalloc buffer: an empty
\*         kvec the walkers skip, then a piece that crosses a page boundary
\*         (what KvecSgLenBug gets wrong).
\*  BVEC   <<(B0,0,0), (B0,0,4), (B1,0,2)>>: an empty bio_vec first.
\*  XARRAY file position 2, 6 bytes: order-0 folios X0, X1.
\*  FOLIOQ order-0 folios F0, F1 from slot 0 offset 1, 7 bytes: to the end
\*         of the queue.
\*  BVECQ  two one-slot segments <<(Q0,0,4)>>, <<(Q1,1,2)>> (a discontiguity
\*         starts a new segment, seed 004).
\*  DISCARD 6 bytes, no pages.
\*  UBUF_HOLE a user buffer at user page 3 offset 1, 6 bytes, whose second
\*         page is not mapped: only its first 3 bytes can be pinned
\*         (pin_user_pages_fast pins up to the hole, then -EFAULT).
\*  XARRAY_HOLE as XARRAY, but the xarray holds no folio at the second
\*         index (X0 only): a hole at the end of the iterator's range.
\*         extract_xarray_to_sg's xas_for_each() finds no entry past X0,
\*         so an extraction stops at the hole (2 bytes at most from the
\*         start) and one from the hole returns 0, advancing nothing
\*         (lib/scatterlist.c: "if (ret > 0) iov_iter_advance(iter, ret)").
\*         Holes in an ITER_XARRAY are met by the kernel: see the 2026 fix of
\*         iov_iter_extract_xarray_pages over a hole (IterCursor_xarray_hole).
\*  FOLIOQ_SHORT, BVECQ_SHORT queue iterators whose count is 2 bytes more
\*         than the chain holds (10 / 8): the chain ends, with no ->next, while
\*         the caller still expects bytes.  BVECQ_SHORT is the BVECQ chain.
\*         FOLIOQ_SHORT is F0 then F1 from offset 0 (8 bytes, the last two
\*         slots of the queue), and the iterator arrives where a previous
\*         iov_iter_extract_pages() left it (as block DIO's bio_iov_iter_get_pages
\*         does on a netfs buffer): at the end of the folio before F0, with
\*         iov_offset == its size, since lib/iov_iter.c
\*         iov_iter_extract_folioq_pages stops on maxpages before stepping to
\*         the next slot.  The walkers step over that spent folio on entry
\*         ("if (offset < fsize) ... if (offset >= fsize) { offset = 0;
\*         slot++; ...}").  The kernel's walkers
\*         check for exactly this, with a WARN: a walk that reaches the end
\*         stops there ("if (!folioq->next) { WARN_ON_ONCE(ret <
\*         iter->count); break; }" in lib/scatterlist.c extract_folioq_to_sg
\*         and fs/smb/client/smbdirect.c smb_extract_folioq_to_rdma; the
\*         RFC's extract_bvecq_to_sg likewise) and returns what it described;
\*         a call that starts at the end returns 0 (extract_folioq_to_sg:
\*         "if (WARN_ON_ONCE(!folioq)) return 0;", extract_bvecq_to_sg: the
\*         loop ends at once) or -EIO (smb_extract_folioq_to_rdma: "if
\*         (WARN_ON_ONCE(!folioq)) return -EIO;").  The RFC's bvecq RDMA walk
\*         is stricter (seed 004, smb_extract_bvecq_to_rdma / later
\*         smbdirect_map_sges_from_bvecq: "if (WARN_ON_ONCE(maxsize > 0))
\*         return -EIO;"): a walk that reaches the end with bytes still wanted
\*         and SGEs still free fails -EIO, unmapping what the call mapped.
\*         The FOLIOQ chain's last segment is full (F1 its last slot): a
\*         partly filled one would send the walkers into an empty slot.
\* The UBUF iterator is a source (a DIO write: no FOLL_WRITE), the others
\* destinations; the direction changes no pin or element here.
\* Each layout has two page parts: the first part covers stream bytes
\* [0, l1) from offset o1 of frame f1, the second [l1, l1 + l2) from o2 of f2.
Layout(t) ==
    CASE t = "UBUF"   -> [f1 |-> "U0", o1 |-> 1, l1 |-> 3, f2 |-> "U1", o2 |-> 0, l2 |-> 3]
      [] t = "IOVEC"  -> [f1 |-> "U2", o1 |-> 1, l1 |-> 2, f2 |-> "U3", o2 |-> 0, l2 |-> 4]
      [] t = "KVEC"   -> [f1 |-> "K0", o1 |-> 2, l1 |-> 2, f2 |-> "K1", o2 |-> 0, l2 |-> 3]
      [] t = "BVEC"   -> [f1 |-> "B0", o1 |-> 0, l1 |-> 4, f2 |-> "B1", o2 |-> 0, l2 |-> 2]
      [] t = "XARRAY" -> [f1 |-> "X0", o1 |-> 2, l1 |-> 2, f2 |-> "X1", o2 |-> 0, l2 |-> 4]
      [] t = "FOLIOQ" -> [f1 |-> "F0", o1 |-> 1, l1 |-> 3, f2 |-> "F1", o2 |-> 0, l2 |-> 4]
      [] t = "FOLIOQ_SHORT"
                      -> [f1 |-> "F0", o1 |-> 0, l1 |-> 4, f2 |-> "F1", o2 |-> 0, l2 |-> 4]
      [] t \in {"BVECQ", "BVECQ_SHORT"}
                      -> [f1 |-> "Q0", o1 |-> 0, l1 |-> 4, f2 |-> "Q1", o2 |-> 1, l2 |-> 2]
      [] t = "UBUF_HOLE" -> [f1 |-> "U3", o1 |-> 1, l1 |-> 3, f2 |-> "HOLE", o2 |-> 0, l2 |-> 3]
      [] t = "XARRAY_HOLE" -> [f1 |-> "X0", o1 |-> 2, l1 |-> 2, f2 |-> "HOLE", o2 |-> 0, l2 |-> 4]

\* Bytes from stream position sa that can be pinned: up to the hole.
Pinnable(t, sa) == IF t = "UBUF_HOLE" THEN (IF sa < 3 THEN 3 - sa ELSE 0) ELSE 6
\* Bytes from stream position sa that the xarray walk finds before the hole.
XaPresent(sa) == IF sa < 2 THEN 2 - sa ELSE 0
IterLen(t) == IF t = "DISCARD" THEN 6
              ELSE Layout(t).l1 + Layout(t).l2 + (IF t \in ShortTypes THEN 2 ELSE 0)
\* Bytes from stream position sa the walk finds before its source ends: the
\* xarray's hole, the end of a short chain, else the iterator's end.
Present(t, sa) ==
    IF t = "XARRAY_HOLE" THEN XaPresent(sa)
    ELSE IF t \in ShortTypes THEN Layout(t).l1 + Layout(t).l2 - sa
    ELSE IterLen(t) - sa

Min(a, b) == IF a < b THEN a ELSE b

\* The stream position of a short chain's end (t \in ShortTypes).
ChainEnd(t) == Layout(t).l1 + Layout(t).l2

\* One element: frame, offset in its page, length, stream position.
Elem(ef, eo, el, ea) == [f |-> ef, off |-> eo, len |-> el, at |-> ea]

\* The elements describing n bytes from stream position sa, at most lim of
\* them (sg_max / max_sge), one per page part: every layout's parts lie
\* within one page, so BVEC/XARRAY/FOLIOQ/BVECQ elements, which may span
\* pages in general, are per page here too.  n <= IterLen(t) - sa.
Elems(lt, sa, n, lim) ==
    IF sa < lt.l1
    THEN IF n > lt.l1 - sa /\ lim >= 2
         THEN <<Elem(lt.f1, lt.o1 + sa, lt.l1 - sa, sa),
                Elem(lt.f2, lt.o2, n - (lt.l1 - sa), lt.l1)>>
         ELSE <<Elem(lt.f1, lt.o1 + sa, Min(n, lt.l1 - sa), sa)>>
    ELSE <<Elem(lt.f2, lt.o2 + (sa - lt.l1), n, sa)>>

\* Bytes the elements describe (at most three of them: two for an extraction, three for a
\* gaps buffer).
SeqBytes(bs) == IF Len(bs) = 0 THEN 0
                ELSE IF Len(bs) = 1 THEN bs[1].len
                ELSE IF Len(bs) = 2 THEN bs[1].len + bs[2].len
                ELSE bs[1].len + bs[2].len + bs[3].len
ElemFrames(es) == {es[ei].f : ei \in 1..Len(es)}

NoHeld == [form |-> "NONE", iter |-> "NONE", elems |-> <<>>, bytes |-> 0, pinned |-> FALSE]

VARIABLES
    iter,       \* the caller's iterator type, "NONE" before Open
    pos,        \* bytes the caller's iterator has been advanced by (init count - count)
    described,  \* bytes the extractions from this iterator describe (ghost)
    held,       \* held[s]: an extraction the caller holds (form, elements, bytes, pinned)
    pins,       \* pins[f]: FOLL_PIN count of frame f
    mapped,     \* DMA mappings outstanding on the RDMA device
    ret,        \* the last extraction's return value (bytes, or EIO)
    warned,     \* the last step hit one of the walkers' WARN_ON_ONCE()s at a short
                \* chain's end (see Layout); FALSE after every other step
    action

vars == <<iter, pos, described, held, pins, mapped, ret, warned, action>>

Free(s) == held[s].form = "NONE"
\* The caller fills its lowest free slot: slots are interchangeable.
FreeSlot == IF Free(1) THEN 1 ELSE 2
\* An extraction that failed (-EIO, -EFAULT) fails the request: the caller extracts no
\* more from that iterator (netfs and cifs return the error; cifs's
\* smbd_post_send_iter ends the send).  This also keeps the graph finite
\* when every failure leaks a mapping (RdmaUnwindBug).
CanExtract == iter # "NONE" /\ pos < IterLen(iter) /\ ret >= 0 /\ (Free(1) \/ Free(2))
Budget(blen) == Min(blen, IterLen(iter) - pos)

AddPins(fs) == [f \in Frames |-> IF f \in fs THEN pins[f] + 1 ELSE pins[f]]
DropPins(fs) == [f \in Frames |-> IF f \in fs THEN pins[f] - 1 ELSE pins[f]]

\* Record a successful extraction: the iterator advances by what the call
\* returned, the elements describe what they describe.
Hold(form, es, n, pinned) ==
    /\ held' = [held EXCEPT ![FreeSlot] =
                  [form |-> form, iter |-> iter, elems |-> es, bytes |-> n, pinned |-> pinned]]
    /\ pins' = IF pinned THEN AddPins(ElemFrames(es)) ELSE pins
    /\ pos' = pos + n
    /\ described' = described + SeqBytes(es)
    /\ ret' = n

Refuse ==
    /\ ret' = EIO
    /\ UNCHANGED <<pos, described, held, pins>>

----------------------------------------------------------------------------
Init ==
    /\ iter = "NONE"
    /\ pos = 0
    /\ described = 0
    /\ held = [s \in Slots |-> NoHeld]
    /\ pins = [f \in Frames |-> 0]
    /\ mapped = 0
    /\ ret = 0
    /\ warned = FALSE
    /\ action = [name |-> "Init"]

\* The caller gets its iterator, of type t (a read's destination buffer).
\* One iterator per behaviour keeps the graph small; what a second one
\* would add (its own pages) is already covered by the two slots.
Open(t) ==
    /\ iter = "NONE"
    /\ t \in IterTypes
    /\ iter' = t
    /\ pos' = 0
    /\ described' = 0
    /\ ret' = 0
    /\ warned' = FALSE
    /\ UNCHANGED <<held, pins, mapped>>
    /\ action' = [name |-> "Open", iter |-> t]

\* netfs_extract_user_iter(orig, orig_len, &new, 0): loops
\* iov_iter_extract_pages until orig_len bytes are extracted (max_pages from
\* iov_iter_npages, so no limit here), one bio_vec per page.  A call that
\* fails after pages were pinned ends the loop ("if (unlikely(ret <= 0)) {
\* ret = ret ?: -EIO; break; }"): the new ITER_BVEC covers what was pinned, a
\* short extraction the caller issues as a short DIO.  One that fails with
\* nothing pinned (UBUF_HOLE from the hole: pin_user_pages_fast finds no vma,
\* __get_user_pages "return i ? i : ret" = -EFAULT, and
\* iov_iter_extract_user_pages returns it before iov_iter_advance) returns
\* that error ("if (ret < 0 && (ret == -ENOMEM || npages == 0)) { unpin;
\* kvfree(bv); return ret; }", fs/netfs/iterator.c as fixed in 2026): nothing
\* held, pinned or advanced, and the request fails (the caller, e.g. 6.12
\* fs/netfs/direct_read.c, "if (ret < 0) goto error_put").  ExtractEmptyBug:
\* the code before that fix only broke the loop and returned 0 with an empty
\* ITER_BVEC, which the caller holds and issues as a 0-byte DIO.
ExtractBvec(blen) ==
    /\ ~Bvecq
    /\ CanExtract
    /\ IF iter \in UserTypes
       THEN LET got == Min(Budget(blen), Pinnable(iter, pos)) IN
            IF got = 0 /\ ~ExtractEmptyBug
            THEN /\ ret' = EFAULT
                 /\ UNCHANGED <<pos, described, held, pins>>
            ELSE Hold("BVEC", IF got > 0 THEN Elems(Layout(iter), pos, got, 2) ELSE <<>>, got, TRUE)
       ELSE Refuse
    /\ warned' = FALSE
    /\ UNCHANGED <<iter, mapped>>
    /\ action' = [name |-> "ExtractBvec", len |-> blen]

\* extract_iter_to_sg(iter, maxsize, sgtable, sg_max, 0) into an empty table.
\* KvecSgLenBug: sg_set_page(sg, page, len, off) with len the piece's
\* remainder, and ret = the whole piece (no "ret -= len" when sg_max ran out).
\* BVECQ_SHORT: the RFC's extract_bvecq_to_sg (lib/scatterlist.c of the series'
\* later revisions, "maxsize = umin(maxsize, iov_iter_count(iter)); while (sg_max
\* > 0 && ret < maxsize) { if (slot >= bvecq->nr_slots) { if (!bvecq->next) {
\* WARN_ON_ONCE(ret < iter->count); break; } ...") WARNs when its walk finds
\* the chain's end while it still wants bytes and has elements left: a call that
\* starts there, or one that reaches it short of its budget with sg_max left (the
\* condition under which the bvecq RDMA walk fails -EIO).  ret < maxsize <=
\* iter->count there, so the WARN always fires once the end is found.
BvecqSgWarns(wLen, wLim) ==
    IF Present(iter, pos) = 0 THEN TRUE
    ELSE \E wes \in {Elems(Layout(iter), pos, Min(Budget(wLen), Present(iter, pos)), wLim)} :
           Len(wes) < wLim /\ SeqBytes(wes) < Budget(wLen)

KvecBugElems(es, rb) == [ei \in 1..Len(es) |-> [es[ei] EXCEPT !.len = rb - es[ei].at]]
\* XarraySgOffsetBug: lib/scatterlist.c extract_xarray_to_sg (Debian 6.12.117, code of
\* f5f82cd18732): "xas_for_each(&xas, folio, ULONG_MAX) { ... offset = offset_in_folio(folio,
\* start); len = min_t(size_t, maxsize, folio_size(folio) - offset); sg_set_page(sg,
\* folio_page(folio, 0), len, offset); ... maxsize -= len; ret += len; ... }" with start the
\* call's first file position, never advanced ("scatterlist: Fix offset in folio calc in
\* extract_xarray_to_sg()", 2026, takes offset_in_folio(folio, start + ret)).  XARRAY's
\* folios are order-0 (one per part): the second gets the first's offset (o1 + pos), and
\* the length from there; the walk then finds no further folio and returns the sum.
XarrayBugElems(es) ==
    IF Len(es) = 2
    THEN <<es[1], [es[2] EXCEPT !.off = es[1].off, !.len = Min(es[2].len, PAGE - es[1].off)]>>
    ELSE es
ExtractSg(blen, lim) ==
    /\ CanExtract
    /\ ~ReadGaps
    /\ IF lim = 0
       \* a full table: it returns 0, nothing extracted, pinned or advanced, and the caller
       \* holds nothing to release (the check comes before the iterator type's: a DISCARD is
       \* not refused here).  The call changes nothing but ret, so one place is enough: it is
       \* offered before the caller's first extraction only (and not twice in a row: the
       \* repeat would be a stuttering step).
       THEN /\ pos = 0 /\ Free(1) /\ Free(2)
            /\ action # [name |-> "ExtractSg", len |-> blen, limit |-> 0]
            /\ ret' = 0
            /\ UNCHANGED <<pos, described, held, pins>>
       ELSE IF iter = "DISCARD"
       THEN Refuse
       ELSE IF iter = "UBUF_HOLE" /\ Budget(blen) > Pinnable(iter, pos)
                /\ (Pinnable(iter, pos) = 0 \/ lim >= 2)
       \* extract_user_to_sg: the call that reaches the hole fails; "failed:"
       \* unpins what this call added and returns -EFAULT, but the caller's
       \* iterator stays advanced past the pages pinned before (not reverted).
       THEN /\ ret' = EFAULT
            /\ pos' = pos + Pinnable(iter, pos)
            /\ UNCHANGED <<described, held, pins>>
       ELSE IF iter \in {"XARRAY_HOLE"} \cup ShortTypes
       \* extract_xarray_to_sg: xas_for_each() ends at the hole; the queue
       \* walkers at the end of a short chain.  Before it, the elements for
       \* what is there (a short extraction); at it, ret 0: no element, no
       \* advance, nothing for the caller to hold (it may ask again and get 0
       \* again; not twice in a row, which would stutter).
       THEN IF Present(iter, pos) = 0
            THEN /\ action # [name |-> "ExtractSg", len |-> blen, limit |-> lim]
                 /\ ret' = 0
                 /\ UNCHANGED <<pos, described, held, pins>>
            ELSE \E es \in {Elems(Layout(iter), pos, Min(Budget(blen), Present(iter, pos)), lim)} :
                   Hold("SG", es, SeqBytes(es), FALSE)
       ELSE \E es \in {Elems(Layout(iter), pos, Budget(blen), lim)} :
              IF iter = "KVEC" /\ KvecSgLenBug
              THEN Hold("SG", KvecBugElems(es, pos + Budget(blen)), Budget(blen), FALSE)
              ELSE IF iter = "XARRAY" /\ XarraySgOffsetBug
              THEN Hold("SG", XarrayBugElems(es), SeqBytes(XarrayBugElems(es)), FALSE)
              ELSE Hold("SG", es, SeqBytes(es), iter \in UserTypes)
    \* lib/scatterlist.c extract_folioq_to_sg WARNs at FOLIOQ_SHORT's end: a
    \* walk that reaches it ("if (!folioq->next) { WARN_ON_ONCE(ret <
    \* iter->count); break; }": the count runs past it) and a call that
    \* starts there ("if (WARN_ON_ONCE(!folioq)) return 0;"); either way the
    \* iterator is left at the end.  A full table (lim = 0) walks nothing.
    \* BVECQ_SHORT: the RFC's extract_bvecq_to_sg WARNs only when its walk finds
    \* the end still wanting bytes, with elements left (BvecqSgWarns).
    /\ warned' = IF iter = "BVECQ_SHORT"
                 THEN lim # 0 /\ BvecqSgWarns(blen, lim)
                 ELSE iter = "FOLIOQ_SHORT" /\ lim # 0 /\ pos' = ChainEnd(iter)
    /\ UNCHANGED <<iter, mapped>>
    /\ action' = [name |-> "ExtractSg", len |-> blen, limit |-> lim]

\* smb_extract_iter_to_rdma(iter, len, &rdma) with max_sge = lim into an
\* empty SGE list; the fail-th ib_dma_map_page fails.  On failure the
\* iterator is not advanced and the call's mappings are undone; with
\* RdmaUnwindBug the first of them stays mapped.  A short chain (ShortTypes):
\* a call that starts at its end maps nothing and fails -EIO; a FOLIOQ walk
\* that reaches it returns what it mapped; a BVECQ walk that reaches it with
\* bytes still wanted and SGEs still free fails -EIO (see Layout).
ExtractRdma(blen, lim, fail) ==
    /\ CanExtract
    /\ ~ReadGaps
    /\ IF iter \notin RdmaTypes \/ Present(iter, pos) = 0
       \* at a short chain's end: smb_extract_folioq_to_rdma "if
       \* (WARN_ON_ONCE(!folioq)) return -EIO;", the bvecq walk
       \* "if (WARN_ON_ONCE(maxsize > 0)) return -EIO;"
       THEN /\ Refuse /\ UNCHANGED mapped
            /\ warned' = (iter \in ShortTypes /\ Present(iter, pos) = 0)
       ELSE \E es \in {Elems(Layout(iter), pos, Min(Budget(blen), Present(iter, pos)), lim)} :
              IF fail >= 1 /\ fail <= Len(es)
              THEN /\ Refuse
                   /\ mapped' = mapped + (IF RdmaUnwindBug /\ fail >= 2 THEN 1 ELSE 0)
                   /\ warned' = FALSE
              ELSE IF iter = "BVECQ_SHORT" /\ Len(es) < lim /\ SeqBytes(es) < Budget(blen)
              \* the bvecq walk reaches the end wanting more: WARN_ON_ONCE(maxsize > 0)
              THEN /\ Refuse
                   /\ mapped' = mapped + (IF RdmaUnwindBug THEN 1 ELSE 0)
                   /\ warned' = TRUE
              \* a FOLIOQ_SHORT walk that reaches the end: WARN_ON_ONCE(ret < iter->count)
              ELSE /\ Hold("RDMA", es, SeqBytes(es), FALSE)
                   /\ mapped' = mapped + Len(es)
                   /\ warned' = (iter = "FOLIOQ_SHORT" /\ pos + SeqBytes(es) = ChainEnd(iter))
    /\ UNCHANGED iter
    /\ action' = [name |-> "ExtractRdma", len |-> blen, limit |-> lim, fail |-> fail]

\* netfs_read_folio(file, folio) of a dirty folio (6.12 fs/netfs/buffered_read.c: "if
\* (folio_test_dirty(folio)) return netfs_read_gaps(file, folio);"): a streaming write
\* (netfs_perform_write into a folio it did not read) wrote bytes [from, to) of page-cache folio
\* P0 (finfo->dirty_offset, dirty_offset + dirty_len; never the whole folio, which
\* netfs_perform_write marks uptodate and stops tracking).  netfs_read_gaps reads the rest from
\* the server into a bio_vec array (rreq->direct_bv) over P0 itself, the written bytes going to
\* a sink folio S0 (folio_alloc) so the read cannot overwrite them:
\*     if (from > 0) bvec_set_folio(&bvec[i++], folio, from, 0);
\*     while (off < to) { part = min(to - off, PAGE_SIZE); bvec_set_folio(&bvec[i++], sink, part, 0); ... }
\*     if (to < flen) bvec_set_folio(&bvec[i++], folio, flen - to, to);
\* bvec_set_folio takes no pin and no ref (the folio is locked and referenced by the caller), and
\* the request keeps direct_bv_unpin false: at the end netfs_free_request (fs/netfs/objects.c)
\* frees the array without unpinning, after netfs_read_gaps has put the sink (Release).  The
\* folio stays locked until then, so one gaps read at a time.  It is no extraction of the
\* caller's iterator: iter, pos, described and ret are left alone.
Gaps == {<<0, 2>>, <<1, 3>>, <<2, PAGE>>}
GapsElems(g) ==
    (IF g[1] > 0 THEN <<Elem("P0", 0, g[1], 0)>> ELSE <<>>)
    \o <<Elem("S0", 0, g[2] - g[1], g[1])>>
    \o (IF g[2] < PAGE THEN <<Elem("P0", g[2], PAGE - g[2], g[2])>> ELSE <<>>)
\* 6.12 only (~Bvecq): the bvecq RFC rewrites buffered_read.c around its chains.
ReadGapsOf(g) ==
    /\ ReadGaps /\ ~Bvecq
    /\ Free(1) \/ Free(2)
    /\ \A s \in Slots : held[s].iter # "GAPS"
    /\ held' = [held EXCEPT ![FreeSlot] =
                  [form |-> "BVEC", iter |-> "GAPS", elems |-> GapsElems(g), bytes |-> PAGE,
                   pinned |-> FALSE]]
    /\ warned' = FALSE
    /\ UNCHANGED <<iter, pos, described, pins, mapped, ret>>
    /\ action' = [name |-> "ReadGaps", from |-> g[1], to |-> g[2]]

\* The I/O completes: netfs_release_extracted / the sg table's cleanup
\* unpin each element's page iff the extraction pinned
\* (iov_iter_extract_will_pin(orig)); RDMA unmaps each SGE.
Release(s) ==
    /\ ~Free(s)
    /\ pins' = IF held[s].pinned THEN DropPins(ElemFrames(held[s].elems)) ELSE pins
    /\ mapped' = IF held[s].form = "RDMA" THEN mapped - Len(held[s].elems) ELSE mapped
    /\ held' = [held EXCEPT ![s] = NoHeld]
    /\ warned' = FALSE
    /\ UNCHANGED <<iter, pos, described, ret>>
    /\ action' = [name |-> "Release", slot |-> s]

Next ==
    \/ \E t \in IterTypes : Open(t)
    \/ \E l \in Lens : ExtractBvec(l)
    \/ \E l \in Lens, m \in SgLimits : ExtractSg(l, m)
    \/ \E l \in Lens, m \in Limits, fa \in FailAts : ExtractRdma(l, m, fa)
    \/ \E s \in Slots : Release(s)
    \/ \E g \in Gaps : ReadGapsOf(g)

Spec == Init /\ [][Next]_vars

----------------------------------------------------------------------------
(* Invariants *)

TypeOK ==
    /\ iter \in IterTypes \cup {"NONE"}
    /\ pos \in 0..8 /\ described \in 0..14
    /\ \A f \in Frames : pins[f] \in 0..2
    /\ ret \in {EIO, EFAULT} \cup (0..8)
    /\ mapped \in 0..8
    /\ warned \in BOOLEAN
    /\ \A s \in Slots : held[s].form \in {"NONE", "BVEC", "SG", "RDMA"}

\* iov_iter_extract_pages pins user-backed iterators only: kernel pages
\* (KVEC, BVEC, XARRAY, FOLIOQ, BVECQ) are never pinned.
KernelPagesNeverPinned ==
    \A f \in KernelFrames : pins[f] = 0

\* A user page is pinned exactly once per held extraction that lists it.
PinsMatchExtractions ==
    \A f \in Frames :
        pins[f] = Cardinality({s \in Slots : held[s].pinned /\ f \in ElemFrames(held[s].elems)})

\* Every DMA mapping belongs to an SGE of a held RDMA extraction.
MappingsOwned ==
    mapped = (IF held[1].form = "RDMA" THEN Len(held[1].elems) ELSE 0)
             + (IF held[2].form = "RDMA" THEN Len(held[2].elems) ELSE 0)

\* When nothing is held, nothing is pinned or mapped.
BalancedAtQuiescence ==
    (\A s \in Slots : Free(s)) => ((\A f \in Frames : pins[f] = 0) /\ mapped = 0)

\* Each extraction describes exactly the bytes it returned.
DescribedEqualsExtracted ==
    \A s \in Slots : SeqBytes(held[s].elems) = held[s].bytes

\* The caller's iterator advanced by exactly what its extractions describe
\* (after a failed extraction the request is dead and the iterator is left
\* where the failing call moved it: extract_user_to_sg does not revert).
AdvancedByDescribed ==
    ret >= 0 => pos = described

\* An extraction the caller holds describes something: one that can take
\* nothing fails (netfs_extract_user_iter returns the error of its first
\* iov_iter_extract_pages, smb_extract_iter_to_rdma -EIO) or returns 0 with
\* nothing to hold (extract_iter_to_sg).  ExtractEmptyBug breaks it: the
\* caller holds an empty ITER_BVEC and reports a 0-byte DIO.
HeldExtractionsNotEmpty ==
    \A s \in Slots : ~Free(s) => held[s].bytes > 0

\* Each held element describes the bytes the iterator held at its stream
\* position: the layout's page part there, from the matching offset, and no
\* further than that part (what XarraySgOffsetBug breaks: its second element
\* names the right folio at the first one's offset).
\* A gaps buffer (iter "GAPS") has no caller's iterator: its folio parts are read at the folio
\* offset they fill, its sink parts from the sink's start.
ElementsMatchIterator ==
    \A s \in Slots : \A ei \in 1..Len(held[s].elems) :
        LET e == held[s].elems[ei]
        IN IF held[s].iter = "GAPS"
           THEN (e.f = "P0" /\ e.off = e.at) \/ (e.f = "S0" /\ e.off = 0)
           ELSE LET lt == Layout(held[s].iter)
                IN IF e.at < lt.l1
                   THEN e.f = lt.f1 /\ e.off = lt.o1 + e.at /\ e.at + e.len <= lt.l1
                   ELSE e.f = lt.f2 /\ e.off = lt.o2 + (e.at - lt.l1) /\ e.at + e.len <= lt.l1 + lt.l2

\* A page-described element lies within its page.
ElementsWithinPages ==
    \A s \in Slots : \A ei \in 1..Len(held[s].elems) :
        held[s].elems[ei].off + held[s].elems[ei].len <= PAGE
=============================================================================
