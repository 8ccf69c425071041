// IterCursor (specs/IterCursor.tla): advance, revert and extraction across segments, with
// zero-length segments, on every iterator type. The reference driver builds the spec's segment
// layout (SegLen <<0,2,0,3,1>>, SegOff <<0,2,0,0,0>>, PAGE = 4 model bytes) at a scale of 1024
// bytes per model byte, so model pages are real 4 KiB pages, and calls lib/iov_iter.c's
// counterparts: iov_iter_init/_kvec/_bvec/_ubuf/_xarray/_folio_queue/_discard and the bvecq
// RFC's iov_iter_bvec_queue, iov_iter_advance, iov_iter_revert (whose BUG() the reference raises
// as IovIterBug), iov_iter_extract_pages (pins released again with unpin_user_pages, the array
// with kvfree) and iov_iter_get_pages_alloc2 or iov_iter_get_pages2 (GetPages: the FOLL_GET
// interface, into an array it allocates or the caller's, alternately per call,
// getPagesPathFor; its page references dropped with put_page, the array with kvfree; the
// WARN_ON(!count) of
// want_pages_array, which the reference raises as IovIterWarning, is followed in the kernel by
// the -ENOMEM the driver reports).
//
// An Advance is what every consumer of an iterator does to its cursor, so the driver realises
// it through the real kernel paths, chosen deterministically per scenario, profile and Advance
// ordinal (advancePathFor). The iterator's direction is chosen per scenario and profile
// (iterDirectionFor; the spec's cursor does not depend on it; a DISCARD sink is always a
// destination): an ITER_DEST iterator (a read() buffer) advances by iov_iter_advance,
// _copy_to_iter or iov_iter_zero, an ITER_SOURCE one (a write() buffer) by iov_iter_advance or
// _copy_from_iter (lib/iov_iter.c; the copies walk iterate_and_advance() of
// include/linux/iov_iter.h). For the copies the driver checks, through the layout it built and
// not through the iterator, that the bytes moved exactly where the cursor stood. Where a copy
// would leave the cursor elsewhere than iov_iter_advance does (copyLandsAsAdvance), the Advance
// is realised by iov_iter_advance.
//
// Copy (the hole configs only: a UBUF whose second page is unmapped, userHoleFor, or an XARRAY
// whose second page is absent) is realised by _copy_to_iter / iov_iter_zero (ITER_DEST) or
// _copy_from_iter (ITER_SOURCE): the copy stops at the fault (iterate_ubuf) or at the last
// present folio (iterate_xarray) and its return is the observation lastBytes; the bytes it
// reports done are read back through the layout. On those layouts Advances go through
// iov_iter_advance only.
//
// FolioqCopy (IterCursor_folioq_iterate): Copy on a FOLIOQ ('head' layout), realised likewise
// (iterate_folioq), with its Advances through iov_iter_advance only. Its lastMisplaced is the
// bytes the copy returned that its position did not pass (the reference's folioq_consumed
// before and after): the pre-808471ddb0fa iterate_folioq (faults.ts
// iterate_folioq_offset_at_end) from a cursor parked at a folio end copies at the page after
// the folio and steps to the next slot at offset 0. On the 'head' layout that page is the
// order-1 folio's first (contiguous frames), so the bytes read back through the layout match;
// the position does not.
//
// IovecHole (IterCursor_iovec_hole, IterCursor_fault_in_iovec_hole): the IOVEC layout's segment
// 4 (iovec index 3, alone in its page) is munmap()ed from the five-page buffer after it is
// built (do_vmi_munmap splits the VMA; segments 2 and 5 stay mapped). Copy there is realised as
// on the UBUF hole: iterate_iovec stops where the user copy faults, and the bytes before the
// hole are read back through the layout; Advances go through iov_iter_advance only, which may
// move the cursor past the hole onto mapped memory again.
//
// FaultIn (the FaultInCaller configs: btrfs_direct_read's retry) is realised by
// fault_in_iov_iter_writeable(i, bytes): its return (bytes not faulted in) is lastBytes. With
// UserHole (IterCursor_fault_in_hole) the UBUF range is the hole layout above: the fault-in
// stops at the unmapped page (mm/gup.c fault_in_safe_writeable).
//
// User buffers (IOVEC, UBUF) are faulted in for write when built, or left untouched for the
// first access to fault in (copies, or GUP's own fault-in), per scenario and profile
// (userPagesFaultedFor).
//
// Observations: type, count (model bytes left), oops ("NONE" | "BUG" for UBUF/XARRAY | "OOB"
// for a walk off the front of a segment array or before a folio queue's start; "SLOT" for RFC
// v1's read of an empty bvecq segment's bio_vec, IovIterOutOfBounds), lastBytes and
// lastOffset0 of the last Extract or GetPages (model units; a failed call: lastBytes = -errno),
// lastUnbacked and lastMisplaced of that call (bytes it returned with an empty page slot, and
// bytes listed at another page or offset than the layout the driver built holds them:
// unbackedBytes, misplacedBytes; the spec's last.unbacked / last.misplaced),
// and npages / npagesMax1: iov_iter_npages(i, maxpages) with maxpages 64 and 1, the pages the
// remaining bytes touch (modelNpages computes them from the model's count and the spec's
// layout). FOLIOQ iterators are built on one of three folio queue layouts, per scenario and
// profile (folioqLayoutFor, buildFolioQueue). The segment pointer itself is not compared: count, the next extraction or GetPages
// and the page counts pin the position down.
//
// RevertWrapped (the spec's RevertSignBraino config: a caller that reverts with the wrong
// sign, 4.11-rc's generic_file_read_iter) calls iov_iter_revert(i, (size_t)-n): the kernel's
// sanity check "if (WARN_ON(unroll > MAX_RW_COUNT)) return;" (lib/iov_iter.c
// iov_iter_revert), which the reference raises as IovIterWarning before touching the
// iterator. Observation `warned`: the step WARNed (the spec's warned); count and the page
// counts show the iterator was left alone.

import {
  address_space_create,
  alloc_page,
  bvecq_append,
  copy_from_iter,
  copy_from_user,
  copy_mc_to_iter,
  copy_to_iter,
  copy_to_user,
  EFAULT,
  ENOMEM,
  extract_matches_iterator,
  extract_result_consistent,
  FAULT_FLAG_WRITE,
  type Folio,
  fault_in_iov_iter_writeable,
  folio_alloc,
  type folio_queue,
  folioq_alloc,
  folioq_append,
  folioq_consumed,
  folioq_folio,
  folioq_full,
  get_pages_no_stray_pages,
  get_pages_progress,
  handle_mm_fault,
  IovIterBug,
  IovIterOutOfBounds,
  IovIterWarning,
  ITER_BVEC,
  ITER_DEST,
  ITER_IOVEC,
  ITER_KVEC,
  ITER_SOURCE,
  type iov_iter,
  iov_iter_advance,
  iov_iter_bvec,
  iov_iter_bvec_queue,
  iov_iter_clone,
  iov_iter_discard,
  iov_iter_extract_pages,
  iov_iter_extract_will_pin,
  iov_iter_folio_queue,
  iov_iter_get_pages_alloc2,
  iov_iter_get_pages2,
  iov_iter_init,
  iov_iter_kvec,
  iov_iter_npages,
  iov_iter_revert,
  iov_iter_ubuf,
  iov_iter_violations,
  iov_iter_xarray,
  iov_iter_zero,
  type Kernel,
  kmalloc_page_aligned,
  kvfree,
  type MmStruct,
  memcpy_from_page_into,
  memcpy_to_page,
  mm_alloc,
  netfs_alloc_one_bvecq,
  no_over_reversion,
  PAGE_SIZE,
  PAGEVEC_SIZE,
  type Page,
  type PageSlot,
  put_page,
  unpin_user_pages,
  type Violation,
  virt_to_page,
  vm_mmap,
  vm_mmap_file_private,
  vm_munmap,
  with_kernel,
  with_mm,
  XArray,
} from '@pinlab/reference';
import { apply, asInt, asString, type ModelState, stateVar } from '../model/value.ts';
import type { Scenario, ScenarioAction, StepObservation } from '../target.ts';
import {
  AdapterError,
  filledBytes,
  firstMismatch,
  freshBytes,
  param,
  patternBytes,
  type ReferenceDriver,
  type SpecAdapter,
} from './adapter.ts';
import { kernelFor } from './design.ts';
import { kernelViolations } from './invariants.ts';

/** Reference bytes per model byte: the spec's PAGE (4) becomes PAGE_SIZE. */
const UNIT = PAGE_SIZE / 4;
const SEG_LEN = [0, 2, 0, 3, 1];
const SEG_OFF = [0, 2, 0, 0, 0];
const TOTAL = 6;
const FLAT_START = 2;
/** The spec's IovecHoleSeg (1-based): the IOVEC segment whose page IovecHole unmaps. */
const IOVEC_HOLE_SEG = 4;
/** sizeof(struct kvec) and sizeof(struct bio_vec) on LP64, the spec's ElemSize there. */
const KVEC_SIZE_LP64 = 16;
/** The spec's PAGE, in model bytes. */
const MODEL_PAGE = 4;
/** The spec's PoisonAt: CopyMc's source is poisoned from this model byte on. */
const POISON_AT = 1;
/** The maxpages arguments of the two iov_iter_npages observations. */
const NPAGES_MAX = 64;
const NPAGES_MAX_SMALL = 1;

/** The real kernel paths an Advance is realised through, per direction (see the header). */
const DEST_ADVANCE_PATHS = ['iov_iter_advance', 'copy_to_iter', 'iov_iter_zero'] as const;
const SOURCE_ADVANCE_PATHS = ['iov_iter_advance', 'copy_from_iter'] as const;
export type AdvancePath =
  | (typeof DEST_ADVANCE_PATHS)[number]
  | (typeof SOURCE_ADVANCE_PATHS)[number];
export type IterDirection = 'ITER_DEST' | 'ITER_SOURCE';

/**
 * Where byte `pos` of the iterator's data (0 = its first byte) lives, and how many bytes from
 * there on are contiguous in that place (same segment, and same page for kernel pages).
 */
type Place =
  | { kind: 'user'; uaddr: number; run: number }
  | { kind: 'page'; page: Page; offset: number; run: number };

/**
 * The folio queue layouts an ITER_FOLIOQ iterator of the spec is built on. With every folio
 * present the iterator's bytes are one stream whatever the folios (the spec's FOLIOQ is a flat
 * type), so the layout is the driver's choice, made per scenario and profile
 * (folioqLayoutFor); each drives a different part of the kernel's folio walks (lib/iov_iter.c
 * iov_iter_folioq_advance / iov_iter_folioq_revert / iterate_folioq in include/linux/iov_iter.h
 * / iov_iter_extract_folioq_pages / iter_folioq_get_pages):
 * - 'chain': two segments linked by next/prev, as netfs's rolling buffer builds them: a segment
 *   is filled to PAGEVEC_SIZE folios before the next one is added (rolling_buffer_make_space),
 *   and the kernel's walks only step to ->next at slot folioq_nr_slots() == PAGEVEC_SIZE. So
 *   segment 0 is full (31 order-0 folios) and the iterator starts FLAT_START into its last
 *   folio (iov_iter_folio_queue(..., folioq, 30, offset, count)); segment 1 holds an order-0
 *   folio and an order-1 folio beyond the count. Cursor moves cross the segment boundary
 *   (folioq->next / ->prev).
 * - 'head': one segment, the head of its queue (no prev), an order-0 folio then an order-1
 *   folio; the iterator starts FLAT_START into slot 0. Moves step from slot to slot within the
 *   segment; a reversion past the start walks back from slot 0 to folioq->prev, NULL.
 * - 'large': one segment holding one order-1 folio (two pages), the iterator FLAT_START into
 *   it: its bytes cross a page boundary inside the folio (iter_folioq_get_pages and the
 *   extraction list the folio's second page with the cursor still in the same slot).
 * - 'seg_end' (the spec's FolioqSegEnd configs only, where the range starts at in-page offset
 *   0): a spent, full segment (31 order-0 folios) and the iterator at its end, folioq_slot ==
 *   folioq_nr_slots(), offset 0, as a walk that ended the segment while it had no next leaves
 *   it; then the segment holding the bytes, an order-0 folio and an order-1 folio. Every walk
 *   steps to ->next slot 0 on entry (lib/iov_iter.c iov_iter_folioq_advance,
 *   iov_iter_extract_folioq_pages, iter_folioq_get_pages; include/linux/iov_iter.h
 *   iterate_folioq: "The iterator may have been extended").
 */
export type FolioqLayout = 'chain' | 'head' | 'large' | 'seg_end';
const FOLIOQ_LAYOUTS: readonly FolioqLayout[] = ['chain', 'head', 'large'];

/**
 * The FOLIOQ layout of `scenarioId` under `profile` (stable salt); 'seg_end' exactly for the
 * spec's FolioqSegEnd, whose range starts at a folio's first byte.
 */
export function folioqLayoutFor(scenarioId: string, profile: string, segEnd = false): FolioqLayout {
  if (segEnd) return 'seg_end';
  return FOLIOQ_LAYOUTS[fnv1a(`${scenarioId}|${profile}|folioq`) % FOLIOQ_LAYOUTS.length]!;
}

/**
 * Builds a FolioqLayout: the segment and slot the iterator starts in, and the pages holding
 * the layout's bytes from the start of that slot's folio on, in order (two pages: the spec's
 * start offset + TOTAL model bytes; for 'seg_end' from the next segment's slot 0).
 */
export function buildFolioQueue(layout: FolioqLayout): {
  q: folio_queue;
  first: number;
  pages: Page[];
} {
  const q0 = folioq_alloc();
  if (layout === 'chain' || layout === 'seg_end') {
    // A full first segment, then a second holding an order-0 and an order-1 folio.
    const q1 = folioq_alloc();
    while (!folioq_full(q0)) folioq_append(q0, folio_alloc(0));
    const next = folio_alloc(0);
    const large = folio_alloc(1);
    folioq_append(q1, next);
    folioq_append(q1, large);
    q0.next = q1;
    q1.prev = q0;
    if (layout === 'seg_end')
      return { q: q0, first: PAGEVEC_SIZE, pages: [next.page(0), large.page(0)] };
    const first = PAGEVEC_SIZE - 1;
    return { q: q0, first, pages: [folioq_folio(q0, first).page(0), next.page(0)] };
  }
  if (layout === 'head') {
    const small = folio_alloc(0);
    const large = folio_alloc(1);
    folioq_append(q0, small);
    folioq_append(q0, large);
    return { q: q0, first: 0, pages: [small.page(0), large.page(0)] };
  }
  const large = folio_alloc(1);
  folioq_append(q0, large);
  return { q: q0, first: 0, pages: [large.page(0), large.page(1)] };
}

/**
 * Bytes of a successful extraction or get_pages result (`n` bytes from in-page offset `start`
 * of the first listed page) whose page slot is empty: the bytes it claims without a page
 * (iov_iter_extract_xarray_pages over a hole before the underflow fix). 0 for a failure.
 */
export function unbackedBytes(n: number, pages: readonly PageSlot[] | null, start: number): number {
  let unbacked = 0;
  for (let at = 0; at < n; ) {
    const inPage = Math.min(PAGE_SIZE - ((start + at) % PAGE_SIZE), n - at);
    if (pages?.[Math.floor((start + at) / PAGE_SIZE)] === undefined) unbacked += inPage;
    at += inPage;
  }
  return unbacked;
}

/**
 * How the UserHole layout's second page comes to be unmapped (the spec's UserHole: any access
 * to it faults, whichever way), per scenario and profile (userHoleFor): never mapped (the
 * range runs past the end of its one-page mapping into the gap after it), or munmap()ed from a
 * mapping of two pages (its tail) or of three (its middle: do_vmi_munmap splits the VMA in
 * two). copy_to_user / copy_from_user find no VMA there (handle_mm_fault: VM_FAULT_SIGSEGV)
 * and __get_user_pages stops there (check_vma_flags: no VMA) in every case. Or mapped but past
 * the end of a file ('file_eof'): mmap(NULL, 2 pages, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
 * 0) of a file of half a page (FILE_EOF_SIZE), as a read(2) or write(2) whose buffer is a
 * mapping of a file truncated under it has: the VMA is there, but the fault at its second page
 * (mm/memory.c do_read_fault / do_cow_fault -> __do_fault -> filemap_fault, Debian 6.1.192 and
 * 6.12.117: "max_idx = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE); if (unlikely(index >=
 * max_idx)) return VM_FAULT_SIGBUS;") fails: the user copy stops there (the x86 exception
 * fixup of copy_user / the fault handler's "if (fault & VM_FAULT_ERROR) ... kernelmode_fixup_
 * or_oops"), and GUP's faultin_page turns it into -EFAULT (vm_fault_to_errno), as for no VMA.
 */
export type UserHole = 'unmapped' | 'munmap_tail' | 'munmap_middle' | 'file_eof';
const USER_HOLES: readonly UserHole[] = ['unmapped', 'munmap_tail', 'munmap_middle', 'file_eof'];
/** The 'file_eof' hole's file size: its first page is in the file, its second wholly past it. */
const FILE_EOF_SIZE = PAGE_SIZE / 2;

/**
 * The UserHole variant of `scenarioId` under `profile` (stable salt). From the hash's high bits:
 * its low bits mod 4 follow those of userPagesFaultedFor's (FNV-1a's low k bits depend only on
 * the input's low k bits), which would tie each hole to one prefault choice.
 */
export function userHoleFor(scenarioId: string, profile: string): UserHole {
  return USER_HOLES[(fnv1a(`${scenarioId}|${profile}|user_hole`) >>> 16) % USER_HOLES.length]!;
}

/**
 * Whether the user pages of `scenarioId` under `profile` are faulted in for write when the
 * iterator is built (else untouched until first use; stable salt).
 */
export function userPagesFaultedFor(scenarioId: string, profile: string): boolean {
  return fnv1a(`${scenarioId}|${profile}|prefault`) % 2 === 0;
}

/**
 * The bvecq chain an ITER_BVECQ iterator of the spec is built on, per scenario and profile
 * (bvecqLayoutFor). Both hold the layout's five bio_vecs in two segments (slots 0..2, then
 * 3..4), linked by next/prev as netfs_alloc_bvecq() links them; walks cross from the first
 * segment's last slot to the second's slot 0 (bvecq RFC, iov_iter_bvec_queue()).
 * - 'head': the iterator starts at slot 0 of the first segment.
 * - 'after_spent': a spent segment (one page-sized bio_vec, already consumed) comes first and
 *   the iterator starts at its end, slot == nr_slots: the position a walk leaves when it ends
 *   a segment that has no next yet (iov_iter_bvecq_advance only steps to ->next when there is
 *   one), after which the chain grew. The RFC's walks take that position on to ->next slot 0
 *   on entry ("The iterator may have been extended": iov_iter_bvecq_advance, iterate_bvecq,
 *   iov_npages_bvecq), so the bytes are the same; v1's iov_iter_extract_bvecq_pages lists
 *   nothing from there (its bvec_iter walk stops at once) and its iov_iter_advance(i, 0) steps
 *   on over the layout's leading empty slot, which is what an extraction from slot 0 gives
 *   too (0 bytes from the empty slot, then the same step). Not with RevertGuard = FALSE: a
 *   reversion past the start would land in the spent segment's bytes instead of running off
 *   the chain (->prev NULL), which is what the over-reversion configs observe.
 */
export type BvecqLayout = 'head' | 'after_spent';

/** The BVECQ layout of `scenarioId` under `profile` (stable salt). */
export function bvecqLayoutFor(
  scenarioId: string,
  profile: string,
  revertGuard: boolean,
): BvecqLayout {
  if (!revertGuard) return 'head';
  return fnv1a(`${scenarioId}|${profile}|bvecq`) % 2 === 0 ? 'head' : 'after_spent';
}

/** FNV-1a of a string: a stable per-scenario salt for the choice of Advance path. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let c = 0; c < s.length; c++) h = Math.imul(h ^ s.charCodeAt(c), 0x01000193) >>> 0;
  return h;
}

/** The direction IterInit gives the iterator in `scenarioId` under `profile` (stable salt). */
export function iterDirectionFor(scenarioId: string, profile: string): IterDirection {
  return fnv1a(`${scenarioId}|${profile}|direction`) % 2 === 0 ? 'ITER_DEST' : 'ITER_SOURCE';
}

/**
 * The path Advance number `ordinal` (0-based) of `scenarioId` under `profile` takes: a stable
 * salt per scenario and profile, then a rotation over the direction's paths, so consecutive
 * Advances of one run take every path of the direction and one scenario's first Advance
 * differs between profiles.
 */
export function advancePathFor(scenarioId: string, profile: string, ordinal: number): AdvancePath {
  const paths =
    iterDirectionFor(scenarioId, profile) === 'ITER_DEST'
      ? DEST_ADVANCE_PATHS
      : SOURCE_ADVANCE_PATHS;
  const salt = fnv1a(`${scenarioId}|${profile}`);
  return paths[(salt + ordinal) % paths.length]!;
}

/** The slots of the caller's array when GetPages goes through iov_iter_get_pages2. */
const GET_PAGES_MAX = 64;
export type GetPagesPath = 'iov_iter_get_pages_alloc2' | 'iov_iter_get_pages2';

/**
 * The interface GetPages number `ordinal` (0-based) of `scenarioId` under `profile` goes
 * through: both are __iov_iter_get_pages_alloc (lib/iov_iter.c), iov_iter_get_pages2 into
 * the caller's array of maxpages slots (6.1 block/bio.c __bio_iov_iter_get_pages, fs/splice.c
 * iter_to_pipe), iov_iter_get_pages_alloc2 into one it allocates. A stable salt per scenario
 * and profile, then alternation, as for the Advance paths. GET_PAGES_MAX slots hold every
 * result of the layout (the spec does not model maxpages caps).
 */
export function getPagesPathFor(
  scenarioId: string,
  profile: string,
  ordinal: number,
): GetPagesPath {
  return (fnv1a(`${scenarioId}|${profile}|get_pages`) + ordinal) % 2 === 0
    ? 'iov_iter_get_pages_alloc2'
    : 'iov_iter_get_pages2';
}

/**
 * Whether a copy (_copy_to_iter, _copy_from_iter, iov_iter_zero) of `n` bytes from data byte
 * `pos` leaves the cursor where the spec's Advance, iov_iter_advance, does. Their walk
 * (iterate_and_advance2 of include/linux/iov_iter.h) differs in two places: it returns before
 * touching the cursor when there is nothing to copy, where iov_iter_advance(i, 0) still steps
 * off an empty segment (iov_iter_bvec_advance / iov_iter_iovec_advance skip every segment
 * with size >= its length); and a copy that ends a segment steps to the next one, empty or
 * not (iterate_bvec: skip >= bv_len -> p++; iterate_iovec likewise), where iov_iter_advance
 * goes on to the next non-empty one. Only GetPages on a BVEC can tell the two positions apart
 * (first_bvec_segment takes the current bvec, empty or not: -ENOMEM); the model keeps
 * iov_iter_advance's, so those Advances are realised by iov_iter_advance itself.
 */
export function copyLandsAsAdvance(type: string, pos: number, n: number): boolean {
  // A one-range iterator (UBUF, XARRAY) or a sink has no segment to step off: a 0-byte copy
  // (iterate_and_advance2's `if (!len) return 0`) and iov_iter_advance(i, 0) both leave it.
  if (n === 0) return type === 'UBUF' || type === 'XARRAY' || type === 'DISCARD';
  // BVECQ's own advance (iov_iter_bvecq_advance) also stops on the slot after one it ends,
  // empty or not, as iterate_bvecq does: only the 0-byte case differs for it.
  if (type !== 'IOVEC' && type !== 'KVEC' && type !== 'BVEC') return true;
  const end = pos + n;
  let segEnd = 0;
  for (let k = 0; k < SEG_LEN.length; k++) {
    segEnd += (SEG_LEN[k] ?? 0) * UNIT;
    if (segEnd > end) return true;
    // The copy stops at the start of segment k + 1 (past the end: where both stop).
    if (segEnd === end && (SEG_LEN[k] ?? 0) > 0)
      return k + 1 === SEG_LEN.length || (SEG_LEN[k + 1] ?? 0) > 0;
  }
  return true;
}

/**
 * A vector iterator whose segments are all passed (nr_segs 0) with bytes still counted: what
 * the 6.3-6.5 kvec and bvec extractions leave (faults.ts extract_zero_skip, the spec's Stranded).
 */
function strandedIter(i: iov_iter): boolean {
  return (
    (i.iter_type === ITER_KVEC || i.iter_type === ITER_IOVEC || i.iter_type === ITER_BVEC) &&
    i.nr_segs === 0 &&
    i.count > 0
  );
}

/** Segment k of SEG_LEN holding data byte `pos`, and pos's offset into it (zero-length skipped). */
function segmentAt(pos: number): { k: number; skip: number } {
  let start = 0;
  for (let k = 0; k < SEG_LEN.length; k++) {
    const len = (SEG_LEN[k] ?? 0) * UNIT;
    if (pos < start + len) return { k, skip: pos - start };
    start += len;
  }
  throw new AdapterError(`IterCursor: data byte ${pos} is past the layout's ${TOTAL * UNIT}`);
}

/**
 * iov_iter_npages(i, maxpages) of an iterator of the spec's layout with `count` model bytes
 * left: the pages its remaining bytes touch, capped at maxpages (lib/iov_iter.c
 * iov_iter_npages). The model's cursor is a function of count (it starts at byte 0 and every
 * step keeps count = Total - consumed), so the remaining bytes are [Total - count, Total).
 * UBUF/XARRAY/FOLIOQ: one range from in-page offset `start` (the spec's it.start: FlatStart,
 * or 0 for FolioqSegEnd), DIV_ROUND_UP(offset_in_page + count). The
 * vector types (iov_npages, bvec_npages): per segment, DIV_ROUND_UP(in-page offset of its first
 * remaining byte + its remaining length); every segment of the layout lies in a page of its
 * own, zero-length ones add nothing (bvec_npages' DIV_ROUND_UP(offs + 0) is 0 for them too:
 * every zero-length bvec of the layout starts at offset 0).
 */
export function modelNpages(
  type: string,
  count: number,
  maxpages: number,
  start = FLAT_START,
  end = TOTAL,
): number {
  if (count === 0 || type === 'DISCARD') return 0; // iov_iter_npages has no case for a sink
  // The counted bytes are [end - count, end): end is the count the iterator started with (the
  // spec's it.init; BvecTruncated's iterator stops short of its bio_vecs' end).
  const consumed = end - count;
  let npages = 0;
  if (type === 'UBUF' || type === 'XARRAY' || type === 'FOLIOQ') {
    npages = Math.ceil((((start + consumed) % MODEL_PAGE) + count) / MODEL_PAGE);
  } else if (type === 'IOVEC' || type === 'KVEC' || type === 'BVEC' || type === 'BVECQ') {
    let start = 0;
    for (const [k, len] of SEG_LEN.entries()) {
      const from = Math.max(consumed, start);
      const part = Math.min(start + len, end) - from;
      if (part > 0)
        npages += Math.ceil(
          ((((SEG_OFF[k] ?? 0) + from - start) % MODEL_PAGE) + part) / MODEL_PAGE,
        );
      start += len;
    }
  } else {
    throw new AdapterError(`IterCursor: no page count for iterator type ${type}`);
  }
  return Math.min(npages, maxpages);
}

function observeModel(_prev: ModelState | undefined, state: ModelState): StepObservation {
  const it = stateVar(state, 'it');
  const last = stateVar(state, 'last');
  const oops = asString(stateVar(state, 'oops'), 'oops');
  const type = asString(apply(it, 'type'), 'it.type');
  // After a BUG the kernel's iterator is left as it was; the spec adds n to count. Neither
  // is meaningful any more, so count (and what depends on it) is reported only while no oops
  // happened.
  const count = oops === 'NONE' ? asInt(apply(it, 'count'), 'it.count') : null;
  // ExtractZeroSkipBug leaves a KVEC's or a BVEC's pointer past its array (the spec's
  // Stranded: ptr = N * sizeof(struct kvec) = N * sizeof(struct bio_vec), LP64) with bytes still
  // counted: iov_iter_npages would walk past the array, so the page counts are not reported
  // (nor by the driver, strandedIter).
  const stranded =
    (type === 'KVEC' || type === 'BVEC') &&
    count !== null &&
    count > 0 &&
    asInt(apply(it, 'ptr'), 'it.ptr') === SEG_LEN.length * KVEC_SIZE_LP64;
  const pages = (maxpages: number) =>
    count === null || stranded
      ? null
      : type === 'NONE'
        ? 0
        : modelNpages(
            type,
            count,
            maxpages,
            asInt(apply(it, 'start'), 'it.start'),
            asInt(apply(it, 'init'), 'it.init'),
          );
  return {
    type,
    oops,
    count,
    lastBytes: asInt(apply(last, 'bytes'), 'last.bytes'),
    lastOffset0: asInt(apply(last, 'offset0'), 'last.offset0'),
    lastUnbacked: asInt(apply(last, 'unbacked'), 'last.unbacked'),
    lastMisplaced: asInt(apply(last, 'misplaced'), 'last.misplaced'),
    lastStray: asInt(apply(last, 'stray'), 'last.stray'),
    warned: stateVar(state, 'warned') === true,
    npages: pages(NPAGES_MAX),
    npagesMax1: pages(NPAGES_MAX_SMALL),
  };
}

class IterCursorDriver implements ReferenceDriver {
  private readonly k: Kernel;
  private readonly mm: MmStruct;
  private i: iov_iter | null = null;
  private type = 'NONE';
  private oops = 'NONE';
  /**
   * The BUG() a Revert before the iterator's start hit (iov_iter_revert's, the reference's
   * IovIterBug), as a violation of no_over_reversion: the kernel's own check caught the
   * over-reversion before the iterator moved, so the iterator checkers find nothing. Kept, as
   * the oops is.
   */
  private revertBug: Violation | null = null;
  private lastBytes = 0;
  private lastOffset0 = 0;
  /** Bytes of the last Extract or GetPages result in no page it listed (unbackedBytes). */
  private lastUnbacked = 0;
  /** Bytes of the last Extract or GetPages result listed elsewhere than the layout has them. */
  private lastMisplaced = 0;
  /** Page references the last GetPages left behind after the caller's cleanup (0 for Extract). */
  private lastStray = 0;
  /** XARRAY layout: its second page is a hole (the spec's XarrayHole). */
  private readonly xarrayHole: boolean;
  /** UBUF layout: its second page is not mapped (the spec's UserHole). */
  private readonly userHole: boolean;
  /** IOVEC layout: segment 4's page is not mapped (the spec's IovecHole). */
  private readonly iovecHole: boolean;
  /** The count every iterator starts with, in bytes (BvecTruncated: 2 model bytes short). */
  private readonly initBytes: number;
  /** The spec's RevertGuard (bvecqLayoutFor keeps the over-reversion configs on 'head'). */
  private readonly revertGuard: boolean;
  /**
   * The spec's BvecqEmptySeg: the BVECQ chain holds an empty segment (nr_slots 0) between its
   * first segment (slots 0..2) and its second (3..4).
   */
  private readonly bvecqEmptySeg: boolean;
  /** The spec's FolioqSegEnd: FOLIOQ from the end of a spent segment ('seg_end' layout). */
  private readonly folioqSegEnd: boolean;
  /**
   * The spec's FolioqGetPagesBug config: FOLIOQ on the 'head' layout, whose first folio
   * (order-0) ends FolioEnd = PAGE - FlatStart bytes into the range, as the spec's geometry has it.
   */
  private readonly folioqGetPagesBug: boolean;
  /**
   * The spec's FolioqCopy (its config IterCursor_folioq_iterate, whose FolioqIterateBug is
   * iterate_folioq before 808471ddb0fa, faults.ts iterate_folioq_offset_at_end): FOLIOQ on the
   * 'head' layout as well, with Copy; its Advances go through iov_iter_advance only (the
   * spec's Copy is the copy there).
   */
  private readonly folioqCopy: boolean;
  /** The last step WARNed (iov_iter_revert's MAX_RW_COUNT sanity check). */
  private warned = false;
  /** Copy actions so far (the copy path rotates with it, as the Advance paths do). */
  private copies = 0;
  /** Violations of the per-call extraction invariants found by the last Extract. */
  private extractViolations: Violation[] = [];
  /** The layout IterInit built, as a map from data byte to memory (checks the copies). */
  private placeOf: ((pos: number) => Place) | null = null;
  private readonly scenarioId: string;
  private readonly profile: string;
  /** ITER_DEST or ITER_SOURCE for every IterInit of the run (iterDirectionFor). */
  private readonly direction: number;
  /** SourcePoison (IterCursor_copy_mc): CopyMc's _copy_mc_to_iter, every iterator ITER_DEST. */
  private readonly sourcePoison: boolean;
  private advances = 0;
  /** GetPages calls so far (getPagesPathFor alternates the interface with it). */
  private getPagesCalls = 0;

  constructor(profile: string, scenario: Scenario) {
    this.k = kernelFor(profile);
    this.mm = with_kernel(this.k, () => mm_alloc());
    this.scenarioId = scenario.id;
    this.profile = profile;
    this.xarrayHole = scenario.constants?.XarrayHole === true;
    this.userHole = scenario.constants?.UserHole === true;
    this.iovecHole = scenario.constants?.IovecHole === true;
    // BvecTruncated: the iterator counts 2 model bytes less than its bio_vecs hold, as
    // iomap_dio_bio_iter's iov_iter_truncate() leaves it (its config explores BVEC alone).
    this.initBytes = (TOTAL - (scenario.constants?.BvecTruncated === true ? 2 : 0)) * UNIT;
    this.revertGuard = scenario.constants?.RevertGuard !== false;
    this.folioqSegEnd = scenario.constants?.FolioqSegEnd === true;
    this.bvecqEmptySeg = scenario.constants?.BvecqEmptySeg === true;
    this.folioqGetPagesBug = scenario.constants?.FolioqGetPagesBug === true;
    this.folioqCopy = scenario.constants?.FolioqCopy === true;
    // SourcePoison (IterCursor_copy_mc): _copy_mc_to_iter copies into a destination only (a
    // DAX read's buffer; "if (WARN_ON_ONCE(i->data_source)) return 0;"), so every IterInit
    // of that config builds an ITER_DEST iterator.
    this.sourcePoison = scenario.constants?.SourcePoison === true;
    this.direction =
      this.sourcePoison || iterDirectionFor(scenario.id, profile) === 'ITER_DEST'
        ? ITER_DEST
        : ITER_SOURCE;
  }

  apply(action: ScenarioAction): void {
    with_kernel(this.k, () => with_mm(this.mm, () => this.step(action)));
  }

  /**
   * A user range of `pages` pages. Per scenario and profile (userPagesFaultedFor) the pages
   * are faulted in for write first, or left untouched, as a fresh mmap() buffer is: then the
   * first access faults them in (copy_to_user / copy_from_user through handle_mm_fault, and
   * GUP's faultin_page in __get_user_pages: a write fault for FOLL_WRITE, a read fault
   * otherwise). Either way every byte is mapped, which is all the spec says of the buffer.
   */
  private userPages(pages: number): number {
    const base = vm_mmap(this.mm, 0, pages * PAGE_SIZE);
    if (base < 0) throw new AdapterError(`IterCursor: vm_mmap failed (${base})`);
    if (userPagesFaultedFor(this.scenarioId, this.profile))
      for (let p = 0; p < pages; p++)
        handle_mm_fault(this.mm, base + p * PAGE_SIZE, FAULT_FLAG_WRITE);
    return base;
  }

  /**
   * The UserHole layout: a user range whose first page is mapped and faulted in and whose
   * second is not mapped (userHoleFor says how). Returns the first page's address.
   */
  private userHoleRange(): number {
    const hole = userHoleFor(this.scenarioId, this.profile);
    if (hole === 'unmapped') return this.userPages(1); // vm_mmap leaves a gap after a mapping
    if (hole === 'file_eof') {
      // The file's page cache (an all-zero file of FILE_EOF_SIZE bytes), mapped MAP_PRIVATE
      // over two pages: page 0 faults in (a read maps the cached page, a write copies it),
      // page 1 lies wholly past i_size and every fault there is VM_FAULT_SIGBUS.
      // read_folio has nothing to bring in: a new folio reads as zeroes.
      const file = address_space_create(() => {}, { i_size: FILE_EOF_SIZE });
      const base = vm_mmap_file_private(this.mm, file, 2 * PAGE_SIZE);
      if (base < 0) throw new AdapterError(`IterCursor: mmap of the file failed (${base})`);
      if (userPagesFaultedFor(this.scenarioId, this.profile))
        handle_mm_fault(this.mm, base, FAULT_FLAG_WRITE);
      return base;
    }
    const base = this.userPages(hole === 'munmap_tail' ? 2 : 3);
    const r = vm_munmap(this.mm, base + PAGE_SIZE, PAGE_SIZE);
    if (r !== 0) throw new AdapterError(`IterCursor: vm_munmap of the hole failed (${r})`);
    return base;
  }

  private init(type: string): iov_iter {
    const count = this.initBytes;
    switch (type) {
      case 'IOVEC': {
        // Each segment in its own page, at its in-page offset (iov_base % PAGE_SIZE = SegOff).
        const base = this.userPages(SEG_LEN.length);
        if (this.iovecHole) {
          // IovecHole: the page of segment 4 (the spec's IovecHoleSeg) has no VMA.
          const r = vm_munmap(this.mm, base + (IOVEC_HOLE_SEG - 1) * PAGE_SIZE, PAGE_SIZE);
          if (r !== 0)
            throw new AdapterError(`IterCursor: vm_munmap of the iovec hole failed (${r})`);
        }
        const iov = SEG_LEN.map((len, k) => ({
          iov_base: base + k * PAGE_SIZE + (SEG_OFF[k] ?? 0) * UNIT,
          iov_len: len * UNIT,
        }));
        this.placeOf = (pos) => {
          const { k, skip } = segmentAt(pos);
          const v = iov[k]!;
          return { kind: 'user', uaddr: v.iov_base + skip, run: v.iov_len - skip };
        };
        return iov_iter_init(this.direction, iov, iov.length, count);
      }
      case 'KVEC': {
        const kv = SEG_LEN.map((len, k) => ({
          iov_base: kmalloc_page_aligned(PAGE_SIZE) + (SEG_OFF[k] ?? 0) * UNIT,
          iov_len: len * UNIT,
        }));
        this.placeOf = (pos) => {
          const { k, skip } = segmentAt(pos);
          const v = kv[k]!;
          const kaddr = v.iov_base + skip;
          const offset = kaddr % PAGE_SIZE;
          const run = Math.min(v.iov_len - skip, PAGE_SIZE - offset);
          return { kind: 'page', page: virt_to_page(kaddr), offset, run };
        };
        return iov_iter_kvec(this.direction, kv, kv.length, count);
      }
      case 'BVEC':
      case 'BVECQ': {
        const bv = SEG_LEN.map((len, k) => ({
          bv_page: alloc_page(),
          bv_offset: (SEG_OFF[k] ?? 0) * UNIT,
          bv_len: len * UNIT,
        }));
        this.placeOf = (pos) => {
          const { k, skip } = segmentAt(pos);
          const b = bv[k]!;
          // Every segment of the layout lies within its one page (SegOff + SegLen <= PAGE).
          return {
            kind: 'page',
            page: b.bv_page,
            offset: b.bv_offset + skip,
            run: b.bv_len - skip,
          };
        };
        if (type === 'BVEC') return iov_iter_bvec(this.direction, bv, bv.length, count);
        // The same bio_vecs in a chain of two bvecq segments (slots 0..2, then 3..4), linked
        // by next/prev as netfs_alloc_bvecq() links them: walks cross from the first
        // segment's last slot to the second's slot 0 (bvecq RFC, iov_iter_bvec_queue()).
        const q0 = netfs_alloc_one_bvecq(3);
        const q1 = netfs_alloc_one_bvecq(2);
        for (const [k, b] of bv.entries()) bvecq_append(k < 3 ? q0 : q1, b);
        if (this.bvecqEmptySeg) {
          // BvecqEmptySeg: an empty segment (nr_slots 0) linked between the two.
          const empty = netfs_alloc_one_bvecq(1);
          q0.next = empty;
          empty.prev = q0;
          empty.next = q1;
          q1.prev = empty;
        } else {
          q0.next = q1;
          q1.prev = q0;
        }
        if (bvecqLayoutFor(this.scenarioId, this.profile, this.revertGuard) === 'head')
          return iov_iter_bvec_queue(this.direction, q0, 0, 0, count);
        // 'after_spent': a consumed segment before q0, the iterator at its end (bvecqLayoutFor).
        const spent = netfs_alloc_one_bvecq(1);
        bvecq_append(spent, { bv_page: alloc_page(), bv_offset: 0, bv_len: PAGE_SIZE });
        spent.next = q0;
        q0.prev = spent;
        return iov_iter_bvec_queue(this.direction, spent, spent.nr_slots, 0, count);
      }
      case 'UBUF': {
        const ubuf = (this.userHole ? this.userHoleRange() : this.userPages(2)) + FLAT_START * UNIT;
        this.placeOf = (pos) => ({ kind: 'user', uaddr: ubuf + pos, run: count - pos });
        return iov_iter_ubuf(this.direction, ubuf, count);
      }
      case 'FOLIOQ': {
        const { q, first, pages } = buildFolioQueue(
          this.folioqGetPagesBug || this.folioqCopy
            ? 'head'
            : folioqLayoutFor(this.scenarioId, this.profile, this.folioqSegEnd),
        );
        // The spec's StartOf("FOLIOQ"): a folio's first byte after a spent segment.
        const start = (this.folioqSegEnd ? 0 : FLAT_START) * UNIT;
        this.placeOf = (pos) => {
          const x = start + pos;
          const page = pages[Math.floor(x / PAGE_SIZE)];
          if (page === undefined) throw new AdapterError(`IterCursor: no folio page at ${x}`);
          const offset = x % PAGE_SIZE;
          return { kind: 'page', page, offset, run: PAGE_SIZE - offset };
        };
        return iov_iter_folio_queue(this.direction, q, first, start, count);
      }
      case 'DISCARD':
        // A sink without memory (no layout: nothing is read back from it).
        this.placeOf = null;
        return iov_iter_discard(ITER_DEST, count);
      case 'XARRAY': {
        const xa = new XArray();
        const folios = [folio_alloc(0), folio_alloc(0)];
        // XarrayHole: the second page is missing from the range, per scenario and profile
        // either never read in (not stored) or punched out after it was (xa_erase, as
        // truncate_inode_pages_range / a hole punch removes a folio from i_pages).
        const punched = fnv1a(`${this.scenarioId}|${this.profile}|hole`) % 2 === 0;
        for (const [index, f] of folios.entries())
          if (index === 0 || !this.xarrayHole || punched) xa.xa_store_folio(index, f);
        if (this.xarrayHole && punched) xa.xa_erase(1);
        this.placeOf = (pos) => {
          const x = FLAT_START * UNIT + pos;
          const folio = folios[Math.floor(x / PAGE_SIZE)];
          if (folio === undefined || (this.xarrayHole && x >= PAGE_SIZE))
            throw new AdapterError(`IterCursor: no folio at ${x}`);
          const offset = x % PAGE_SIZE;
          return { kind: 'page', page: folio.page(0), offset, run: PAGE_SIZE - offset };
        };
        return iov_iter_xarray(this.direction, xa, FLAT_START * UNIT, count);
      }
      default:
        throw new AdapterError(`IterCursor: unknown iterator type ${type}`);
    }
  }

  private iter(): iov_iter {
    if (this.i === null) throw new AdapterError('IterCursor: no iterator yet (IterInit first)');
    return this.i;
  }

  private step(action: ScenarioAction): void {
    this.warned = false;
    switch (action.name) {
      case 'IterInit':
        this.type = param(action, 'type', 'string');
        this.i = this.init(this.type);
        return;
      case 'Advance':
        try {
          this.advance(param(action, 'bytes', 'number') * UNIT);
        } catch (e) {
          // RFC v1 (fault bvecq_empty_seg_v1): iov_iter_bvecq_advance or iterate_bvecq read a
          // bio_vec of an empty bvecq segment; the reference stops there (the model's "SLOT").
          if (!(e instanceof IovIterOutOfBounds)) throw e;
          this.oops = 'SLOT';
        }
        return;
      case 'Revert':
        try {
          iov_iter_revert(this.iter(), param(action, 'bytes', 'number') * UNIT);
        } catch (e) {
          // RFC v1 (fault bvecq_empty_seg_v1): iov_iter_bvecq_revert walks back into an empty
          // bvecq segment and reads its bv[-1] (the model's "SLOT").
          if (e instanceof IovIterOutOfBounds) {
            this.oops = 'SLOT';
            return;
          }
          if (!(e instanceof IovIterBug)) throw e;
          this.oops = this.oopsKind();
          this.revertBug = { invariant: 'no_over_reversion', message: e.message };
          return;
        }
        // Without the guard (fault over_revert) the walk back does not stop: the iterator is
        // left before its start, which the kernel would BUG() on (UBUF/XARRAY) or read before
        // the segment array with (the vector types). no_over_reversion sees it.
        if (no_over_reversion(this.iter()).length > 0) this.oops = this.oopsKind();
        return;
      case 'RevertWrapped':
        this.revertWrapped(param(action, 'bytes', 'number') * UNIT);
        return;
      case 'Extract': {
        const i = this.iter();
        const pages = { value: null as PageSlot[] | null };
        const offset0 = { value: 0 };
        const will_pin = iov_iter_extract_will_pin(i);
        const before = iov_iter_clone(i);
        const n = iov_iter_extract_pages(
          i,
          pages,
          param(action, 'maxsize', 'number') * UNIT,
          64,
          0,
          offset0,
        );
        this.extractViolations = [
          ...extract_result_consistent(n, pages.value, offset0.value, 64, before.count, i.count),
          ...extract_matches_iterator(before, n, pages.value, offset0.value),
        ];
        // -EFAULT: a type iov_iter_extract_pages() has no case for (ITER_DISCARD).
        if (n < 0 && n !== -EFAULT)
          throw new AdapterError(`IterCursor: iov_iter_extract_pages failed (${n})`);
        if (n > 0 && (n % UNIT !== 0 || offset0.value % UNIT !== 0)) {
          throw new AdapterError(
            `IterCursor: extraction of ${n} bytes at offset ${offset0.value} is not in model units`,
          );
        }
        this.lastBytes = n < 0 ? n : n / UNIT;
        this.lastOffset0 = n <= 0 ? 0 : offset0.value / UNIT;
        this.lastUnbacked = unbackedBytes(n, pages.value, offset0.value) / UNIT;
        this.lastMisplaced =
          this.misplacedBytes(before.count, n, pages.value, offset0.value) / UNIT;
        // Extraction takes no references (the pages are pinned or merely listed), so a slot
        // past its bytes costs the caller nothing: stray pages are GetPages's concern (the
        // RFC's BVECQ extraction lists an empty slot's page for 0 bytes).
        this.lastStray = 0;
        // The caller's cleanup: unpin what was pinned (user-backed), free the array.
        if (pages.value !== null) {
          const got = n <= 0 ? 0 : Math.ceil((offset0.value + n) / PAGE_SIZE);
          if (will_pin) unpin_user_pages(pages.value.slice(0, got) as Page[], got);
          kvfree(pages.value);
        }
        return;
      }
      case 'GetPages':
        this.getPages(param(action, 'maxsize', 'number') * UNIT);
        return;
      // iov_iter_get_pages2 into a caller's array of one page (maxpages 1, as fs/fuse/dev.c
      // fuse_copy_fill calls it): the spec's OnePageArray config on every type (the fixed
      // code's want_pages_array() clamp), and its XarrayGetPagesBug config, where the 5.18
      // iter_xarray_get_pages maths returned the unclamped tail (faults.ts
      // xarray_get_pages_maths).
      case 'GetPagesOne':
        this.getPages(param(action, 'maxsize', 'number') * UNIT, 1);
        return;
      case 'Copy':
        this.copy(param(action, 'bytes', 'number') * UNIT);
        return;
      // _copy_mc_to_iter (the spec's SourcePoison config: dax_copy_to_iter of a DAX read) out
      // of a source poisoned from model byte PoisonAt on.
      case 'CopyMc':
        this.copyMc(param(action, 'bytes', 'number') * UNIT);
        return;
      // fault_in_iov_iter_writeable(i, bytes) (the spec's FaultInCaller config: btrfs_direct_read
      // before retrying a short direct read, on whatever iterator it was given): the bytes not
      // faulted in; the iterator does not move. lastBytes is the return; the result lists no
      // pages (the other last* observations are 0).
      case 'FaultIn': {
        const left = fault_in_iov_iter_writeable(
          this.iter(),
          param(action, 'bytes', 'number') * UNIT,
        );
        if (left % UNIT !== 0)
          throw new AdapterError(`IterCursor: fault-in left ${left} bytes, not in model units`);
        this.lastBytes = left / UNIT;
        this.lastOffset0 = 0;
        this.lastUnbacked = 0;
        this.lastMisplaced = 0;
        this.lastStray = 0;
        this.extractViolations = [];
        return;
      }
      default:
        throw new AdapterError(`IterCursor: unknown action ${action.name}`);
    }
  }

  /**
   * The wrong-sign caller (4.11-rc generic_file_read_iter: iov_iter_revert(iter,
   * iov_iter_count(iter) - count) after a short read of `bytes`): the size_t it passes is
   * 2^64 - bytes (as the nearest double: any value above MAX_RW_COUNT takes the same path).
   * The WARN must come from iov_iter_revert's sanity check and leave the iterator as it was;
   * anything else is thrown.
   */
  private revertWrapped(bytes: number): void {
    const i = this.iter();
    const wrapped = Number(BigInt.asUintN(64, BigInt(-bytes)));
    try {
      iov_iter_revert(i, wrapped);
    } catch (e) {
      if (!(e instanceof IovIterWarning) || e.site !== 'iov_iter_revert') throw e;
      this.warned = true;
      return;
    }
    throw new AdapterError(
      `IterCursor: iov_iter_revert of ${wrapped} (a wrapped -${bytes}) returned without a WARN`,
    );
  }

  /**
   * iov_iter_get_pages_alloc2 as a FOLL_GET caller uses it (6.1 block/bio.c
   * __bio_iov_iter_get_pages): take page references on what the iterator holds at the cursor,
   * then drop them with put_page and free the array. The result is checked against an
   * independent walk of the iterator from before the call (extract_matches_iterator) and must
   * have moved the cursor by exactly what it returned (extract_result_consistent).
   */
  private getPages(maxsize: number, callerSlots?: number): void {
    const i = this.iter();
    const before = iov_iter_clone(i);
    // Every folio's reference count before the call: after the caller's cleanup, the
    // references still held are pages the call listed past its bytes (lastStray), seen
    // whether or not the array survives (iov_iter_get_pages_alloc2 frees it on a return <= 0).
    const refsBefore = new Map<Folio, number>();
    for (const f of this.k.live_folios) refsBefore.set(f, f._refcount);
    // A caller with an array of callerSlots pages always goes through iov_iter_get_pages2
    // (GetPagesOne); GetPages alternates the two interfaces (getPagesPathFor).
    const callerArray: GetPagesPath =
      callerSlots === undefined
        ? getPagesPathFor(this.scenarioId, this.profile, this.getPagesCalls++)
        : 'iov_iter_get_pages2';
    const slots = callerSlots ?? GET_PAGES_MAX;
    // iov_iter_get_pages2 fills the caller's array (slots); the alloc2 variant
    // allocates one (want_pages_array) that the caller kvfree()s.
    const pages = {
      value:
        callerArray === 'iov_iter_get_pages2'
          ? new Array<PageSlot>(slots).fill(undefined)
          : (null as PageSlot[] | null),
    };
    const maxpages = callerArray === 'iov_iter_get_pages2' ? slots : 0xffffffff;
    const start = { value: 0 };
    let n: number;
    try {
      n =
        callerArray === 'iov_iter_get_pages2'
          ? iov_iter_get_pages2(i, pages.value as PageSlot[], maxsize, slots, start)
          : iov_iter_get_pages_alloc2(i, pages, maxsize, start);
    } catch (e) {
      // want_pages_array: WARN_ON(!count) "caller should've prevented that", then 0 slots,
      // so __iov_iter_get_pages_alloc returns -ENOMEM (a BVEC cursor on an empty bvec).
      if (!(e instanceof IovIterWarning) || e.site !== 'want_pages_array') throw e;
      n = -ENOMEM;
    }
    this.extractViolations = [
      ...extract_result_consistent(n, pages.value, start.value, maxpages, before.count, i.count),
      ...extract_matches_iterator(before, n, pages.value, start.value),
      ...get_pages_no_stray_pages(n, pages.value, start.value),
      ...get_pages_progress(before, maxsize, n),
    ];
    if (n < 0 && n !== -ENOMEM && n !== -EFAULT)
      throw new AdapterError(`IterCursor: iov_iter_get_pages_alloc2 failed (${n})`);
    if (n > 0 && (n % UNIT !== 0 || start.value % UNIT !== 0)) {
      throw new AdapterError(
        `IterCursor: get_pages of ${n} bytes at offset ${start.value} is not in model units`,
      );
    }
    this.lastBytes = n > 0 ? n / UNIT : n;
    this.lastOffset0 = n > 0 ? start.value / UNIT : 0;
    this.lastUnbacked = unbackedBytes(n, pages.value, start.value) / UNIT;
    this.lastMisplaced = this.misplacedBytes(before.count, n, pages.value, start.value) / UNIT;
    // The caller's cleanup: put_page on every page it got a reference on, kvfree the array
    // iov_iter_get_pages_alloc2 allocated (it already freed it on failure); the caller's own
    // array of iov_iter_get_pages2 is not the extraction's to free.
    if (pages.value !== null) {
      const got = n > 0 ? Math.ceil((start.value + n) / PAGE_SIZE) : 0;
      for (const p of pages.value.slice(0, got)) {
        // An empty slot is a claimed byte with no page (lastUnbacked); nothing to put.
        if (p !== undefined) put_page(p);
      }
      if (callerArray === 'iov_iter_get_pages_alloc2') kvfree(pages.value);
    }
    let stray = 0;
    for (const [f, refs] of refsBefore) if (!f.freed) stray += f._refcount - refs;
    this.lastStray = stray;
  }

  /**
   * Bytes of a result (`n` bytes listed from in-page offset `start` of pages[0], taken when
   * `countBefore` bytes were left) that a listed page holds at another place than the layout
   * the driver built puts them (placeOf: independent of the reference's own walks). A byte
   * with an empty slot is unbacked, not misplaced. 0 for a failure.
   */
  private misplacedBytes(
    countBefore: number,
    n: number,
    pages: readonly PageSlot[] | null,
    start: number,
  ): number {
    if (n <= 0 || this.placeOf === null) return 0;
    const pos = this.initBytes - countBefore;
    let misplaced = 0;
    for (let at = 0; at < n; ) {
      const inListedPage = Math.min(PAGE_SIZE - ((start + at) % PAGE_SIZE), n - at);
      const listed = pages?.[Math.floor((start + at) / PAGE_SIZE)];
      if (listed === undefined) {
        at += inListedPage; // unbacked (unbackedBytes), and the layout may have no byte there
        continue;
      }
      // Within a run of the layout and a page of the list, both sides move byte by byte.
      const place = this.placeOf(pos + at);
      const len = Math.min(place.run, inListedPage);
      const home =
        place.kind === 'page'
          ? { page: place.page, offset: place.offset }
          : {
              page: this.mm.ptes.get(Math.floor(place.uaddr / PAGE_SIZE))?.page,
              offset: place.uaddr % PAGE_SIZE,
            };
      if (home.page !== listed || home.offset !== (start + at) % PAGE_SIZE) misplaced += len;
      at += len;
    }
    return misplaced;
  }

  /** The path the next Advance takes: rotates with the Advance ordinal from the salt. */
  private advancePath(): AdvancePath {
    // A reverted-before-start iterator (over_revert) points before its segment array: only
    // iov_iter_advance's arithmetic is defined on it, a copy would touch memory that is not
    // the buffer's (the kernel would read before the array).
    if (this.oops !== 'NONE') return 'iov_iter_advance';
    // iov_iter_discard() takes READ only: a discard sink is a destination whatever the
    // scenario's direction, so it rotates over the destination paths; so does every iterator
    // of the SourcePoison config (all ITER_DEST, for _copy_mc_to_iter).
    if (this.type === 'DISCARD' || this.sourcePoison) {
      // Before 5.14's 3b3fc051cd2c (faults.ts discard_advance_underflow) only
      // iov_iter_advance's ITER_DISCARD arm went past the end: the copies into a sink clamped
      // (iterate_and_advance), so the spec's DiscardAdvanceBug Advance is that call.
      if (this.type === 'DISCARD' && this.k.hasFault('discard_advance_underflow'))
        return 'iov_iter_advance';
      const salt = fnv1a(`${this.scenarioId}|${this.profile}`);
      return DEST_ADVANCE_PATHS[(salt + this.advances++) % DEST_ADVANCE_PATHS.length]!;
    }
    return advancePathFor(this.scenarioId, this.profile, this.advances++);
  }

  private advance(bytes: number): void {
    const i = this.iter();
    // A copy walks an xarray with xas_for_each (iterate_xarray), which steps over a hole and
    // writes the bytes after it into the next present folio: not the spec's Advance, so a
    // holed XARRAY advances by iov_iter_advance only.
    // Likewise a copy over the UserHole layout stops at the unmapped page (the spec's Copy);
    // the spec's Advance is iov_iter_advance, which touches no memory.
    const path =
      !(this.type === 'XARRAY' && this.xarrayHole) &&
      !(this.type === 'UBUF' && this.userHole) &&
      !(this.type === 'IOVEC' && this.iovecHole) &&
      !this.folioqCopy &&
      copyLandsAsAdvance(this.type, this.initBytes - i.count, Math.min(bytes, i.count))
        ? this.advancePath()
        : 'iov_iter_advance';
    if (path === 'iov_iter_advance') {
      iov_iter_advance(i, bytes);
      return;
    }
    if (this.type === 'DISCARD') {
      // iterate_discard(): the copy lands nowhere and only counts (no memory to check).
      const expected = Math.min(bytes, i.count);
      const done =
        path === 'copy_to_iter'
          ? copy_to_iter(freshBytes(bytes), bytes, i)
          : iov_iter_zero(bytes, i);
      this.checkDone(path, bytes, expected, done);
      return;
    }
    // Both copies clamp to what is left (iterate_and_advance2) and cannot fault here: every
    // byte of the layout is present memory.
    const pos = this.initBytes - i.count;
    const expected = Math.min(bytes, i.count);
    let want: Uint8Array;
    let done: number;
    if (path === 'copy_from_iter') {
      // The buffer holds known bytes at the cursor; the copy must read exactly those.
      want = freshBytes(bytes);
      want.set(patternBytes(expected, this.advances * 53 + 7, 13));
      this.writeData(pos, want.subarray(0, expected));
      const into = freshBytes(bytes);
      done = copy_from_iter(into, bytes, i);
      this.checkBytes(path, pos, into.subarray(0, done), want);
      this.checkDone(path, bytes, expected, done);
      return;
    }
    if (path === 'copy_to_iter') {
      want = patternBytes(bytes, this.advances * 37 + 1, 11);
      done = copy_to_iter(want, bytes, i);
    } else {
      // Dirty the range first, so that zeros found afterwards were written by iov_iter_zero.
      this.writeData(pos, filledBytes(expected, 0xa5));
      want = freshBytes(bytes);
      done = iov_iter_zero(bytes, i);
    }
    this.checkDone(path, bytes, expected, done);
    this.checkBytes(path, pos, this.readData(pos, done), want);
  }

  /**
   * The spec's Copy (UserHole and XarrayHole layouts): _copy_to_iter or iov_iter_zero into an
   * ITER_DEST iterator, _copy_from_iter out of an ITER_SOURCE one (rotating, as the Advance
   * paths do). Their walk (iterate_ubuf, iterate_xarray) stops where the user copy faults or
   * where no folio follows (the hole is the range's last page) and advances by what was done;
   * the result is the spec's last.bytes. The bytes the copy reports as done must be exactly
   * the ones at the cursor (read back through the layout, not the iterator); nothing is
   * listed in pages, so offset0, unbacked and misplaced are 0.
   */
  private copy(bytes: number): void {
    const i = this.iter();
    const paths = i.data_source ? SOURCE_ADVANCE_PATHS : DEST_ADVANCE_PATHS;
    const copyPaths = paths.filter((p) => p !== 'iov_iter_advance');
    const path =
      copyPaths[
        (fnv1a(`${this.scenarioId}|${this.profile}|copy`) + this.copies++) % copyPaths.length
      ]!;
    const pos = this.initBytes - i.count;
    const countBefore = i.count;
    // FOLIOQ (FolioqCopy): the bytes before the iterator's position, walked from where it
    // started (the reference's folioq_consumed), to tell how far the copy moved the position.
    const posBefore = this.type === 'FOLIOQ' ? folioq_consumed(i) : null;
    let done: number;
    if (path === 'copy_from_iter') {
      // Known bytes at the cursor, as far as the mapped memory goes; the copy must read those.
      const mapped = Math.min(bytes, i.count, this.mappedFrom(pos, i.count));
      const want = patternBytes(mapped, this.copies * 41 + 3, 17);
      this.writeData(pos, want);
      const into = freshBytes(bytes);
      done = copy_from_iter(into, bytes, i);
      this.checkBytes(
        path,
        pos,
        into.subarray(0, Math.min(done, mapped)),
        want.subarray(0, Math.min(done, mapped)),
      );
    } else if (path === 'copy_to_iter') {
      const want = patternBytes(bytes, this.copies * 29 + 5, 19);
      done = copy_to_iter(want, bytes, i);
      this.checkBytes(path, pos, this.readData(pos, done), want);
    } else {
      this.writeData(
        pos,
        filledBytes(Math.min(bytes, i.count, this.mappedFrom(pos, i.count)), 0xa5),
      );
      done = iov_iter_zero(bytes, i);
      this.checkBytes(path, pos, this.readData(pos, done), freshBytes(bytes));
    }
    // The bytes the copy counts that its position did not pass (the spec's last.misplaced for
    // a Copy): the pre-808471ddb0fa iterate_folioq from a folio's end copies them at the page
    // after the folio and steps to the next slot at offset 0.
    const posAfter = this.type === 'FOLIOQ' ? folioq_consumed(i) : null;
    const moved = posBefore === null || posAfter === null ? done : posAfter - posBefore;
    if ((done - moved) % UNIT !== 0)
      throw new AdapterError(
        `IterCursor: ${path} moved the position by ${moved}, not in model units`,
      );
    this.recordCopy(path, bytes, done, countBefore - i.count, (done - moved) / UNIT);
  }

  /**
   * A copy's results (Copy, CopyMc): it advanced the iterator by exactly what it returned, in
   * model units; `misplaced` of those bytes its position did not pass; nothing is listed.
   */
  private recordCopy(
    fn: string,
    bytes: number,
    done: number,
    advanced: number,
    misplaced: number,
  ): void {
    if (advanced !== done)
      throw new AdapterError(
        `IterCursor: ${fn} of ${bytes} bytes returned ${done} but advanced the iterator by ${advanced}`,
      );
    if (done % UNIT !== 0)
      throw new AdapterError(`IterCursor: ${fn} did ${done} bytes, not in model units`);
    this.lastBytes = done / UNIT;
    this.lastOffset0 = 0;
    this.lastUnbacked = 0;
    this.lastMisplaced = misplaced;
    this.lastStray = 0;
    this.extractViolations = [];
  }

  /**
   * The spec's CopyMc (SourcePoison): _copy_mc_to_iter into the ITER_DEST iterator from a
   * source whose bytes from model byte POISON_AT on are poisoned (copy_mc_to_kernel /
   * copy_mc_to_user stop at the machine check, at a model byte here: whole cache lines). The
   * walk stops there and advances by what it copied; the return is the spec's last.bytes. The
   * bytes copied must be exactly the ones at the cursor (read back through the layout; a
   * DISCARD sink has none); nothing is listed in pages.
   */
  private copyMc(bytes: number): void {
    const i = this.iter();
    const pos = this.initBytes - i.count;
    const countBefore = i.count;
    const want = patternBytes(bytes, this.copies++ * 31 + 9, 23);
    const done = copy_mc_to_iter(want, bytes, i, POISON_AT * UNIT);
    if (this.type !== 'DISCARD') {
      const got = this.readData(pos, done);
      const b = firstMismatch(got, want);
      if (b >= 0)
        throw new AdapterError(
          `IterCursor: copy_mc_to_iter at data byte ${pos}: byte ${b} is ${got[b]}, expected ${want[b]} (the copy did not move the bytes where the cursor was)`,
        );
    }
    this.recordCopy('copy_mc_to_iter', bytes, done, countBefore - i.count, 0);
  }

  /**
   * The bytes from data byte `pos` that lie in mapped (or present) memory before the hole of
   * the layout (`count` left): the spec's BeforeHole. The one-range holes (UBUF, XARRAY) start
   * PAGE - FlatStart model bytes in and run to the end; the IOVEC hole is segment 4's bytes.
   */
  private mappedFrom(pos: number, count: number): number {
    // No hole: every byte left is present (FolioqCopy's FOLIOQ).
    if (!(this.xarrayHole || this.userHole || this.iovecHole)) return count;
    if (this.type === 'IOVEC' && this.iovecHole) {
      const from = SEG_LEN.slice(0, IOVEC_HOLE_SEG - 1).reduce((a, b) => a + b, 0) * UNIT;
      const to = from + (SEG_LEN[IOVEC_HOLE_SEG - 1] ?? 0) * UNIT;
      return pos < from ? from - pos : pos < to ? 0 : count;
    }
    return Math.max(0, (MODEL_PAGE - FLAT_START) * UNIT - pos);
  }

  private checkDone(path: AdvancePath, bytes: number, expected: number, done: number): void {
    if (done !== expected) {
      throw new AdapterError(
        `IterCursor: ${path} of ${bytes} bytes with ${expected} left did ${done} bytes`,
      );
    }
  }

  /** `got` (the bytes the copy moved, read at data byte pos) must start `want`. */
  private checkBytes(path: AdvancePath, pos: number, got: Uint8Array, want: Uint8Array): void {
    const b = firstMismatch(got, want);
    if (b >= 0) {
      throw new AdapterError(
        `IterCursor: ${path} at data byte ${pos}: byte ${b} is ${got[b]}, expected ${want[b]} (the copy did not move the bytes where the cursor was)`,
      );
    }
  }

  private layout(): (pos: number) => Place {
    if (this.placeOf === null) throw new AdapterError('IterCursor: no layout yet (IterInit first)');
    return this.placeOf;
  }

  /** Reads data bytes [pos, pos+n) straight from the memory of the layout. */
  private readData(pos: number, n: number): Uint8Array {
    const out = freshBytes(n);
    const placeOf = this.layout();
    for (let done = 0; done < n; ) {
      const p = placeOf(pos + done);
      const len = Math.min(p.run, n - done);
      if (p.kind === 'user') {
        if (copy_from_user(this.mm, out, p.uaddr, len, done) !== 0)
          throw new AdapterError(`IterCursor: user address ${p.uaddr} faulted on read-back`);
      } else memcpy_from_page_into(out, done, p.page, p.offset, len);
      done += len;
    }
    return out;
  }

  /** Writes data bytes at pos straight into the memory of the layout. */
  private writeData(pos: number, src: Uint8Array): void {
    const placeOf = this.layout();
    for (let done = 0; done < src.length; ) {
      const p = placeOf(pos + done);
      const len = Math.min(p.run, src.length - done);
      const part = src.subarray(done, done + len);
      if (p.kind === 'user') {
        if (copy_to_user(this.mm, p.uaddr, part) !== 0)
          throw new AdapterError(`IterCursor: user address ${p.uaddr} faulted on write`);
      } else memcpy_to_page(p.page, p.offset, part);
      done += len;
    }
  }

  /** UBUF/XARRAY BUG() in iov_iter_revert; the others go before their start (FOLIOQ too). */
  private oopsKind(): string {
    return this.type === 'UBUF' || this.type === 'XARRAY' ? 'BUG' : 'OOB';
  }

  /** iov_iter_npages of the reference's iterator, in the observation's model units. */
  private npages(maxpages: number): number | null {
    if (this.oops !== 'NONE' || (this.i !== null && strandedIter(this.i))) return null;
    return this.i === null ? 0 : iov_iter_npages(this.i, maxpages);
  }

  /**
   * Kernel-wide invariants, the iterator's own, a Revert's BUG() (revertBug), and those of the
   * last extraction.
   */
  violations(): Violation[] {
    return with_kernel(this.k, () => [
      ...kernelViolations(this.k),
      ...(this.i === null ? [] : iov_iter_violations(this.i)),
      ...(this.revertBug === null ? [] : [this.revertBug]),
      ...this.extractViolations,
    ]);
  }

  observe(): StepObservation {
    return {
      type: this.type,
      oops: this.oops,
      count: this.oops === 'NONE' ? (this.i === null ? 0 : this.i.count / UNIT) : null,
      lastBytes: this.lastBytes,
      lastOffset0: this.lastOffset0,
      lastUnbacked: this.lastUnbacked,
      lastMisplaced: this.lastMisplaced,
      lastStray: this.lastStray,
      warned: this.warned,
      npages: this.npages(NPAGES_MAX),
      npagesMax1: this.npages(NPAGES_MAX_SMALL),
    };
  }
}

export const iterCursorAdapter: SpecAdapter = {
  spec: 'IterCursor',
  observeModel,
  supports: (action) =>
    [
      'IterInit',
      'Advance',
      'Revert',
      'RevertWrapped',
      'Extract',
      'GetPages',
      'GetPagesOne',
      'Copy',
      'CopyMc',
      'FaultIn',
    ].includes(action.name),
  // iov_iter_revert without the guard (faults.ts over_revert). BvecKvecMixup (bvec_reads_kvec)
  // gets a design in its LP64 config only: the ILP32 config's ABI is no profile's.
  // XarrayHoleBug: the 6.12-era iov_iter_extract_xarray_pages underflow over a hole
  // (faults.ts xarray_hole_underflow).
  faultKnobs: [
    { constant: 'RevertGuard', value: false, fault: 'over_revert' },
    { constant: 'XarrayHoleBug', value: true, fault: 'xarray_hole_underflow' },
    { constant: 'KvecOffset0Bug', value: true, fault: 'kvec_offset0' },
    // v9's i->kvec++ in the bvec skip loop (faults.ts bvec_reads_kvec): on LP64 (the
    // IterCursor_bvec_kvec_mixup_lp64 config) the stride equals sizeof(struct bio_vec), so
    // the v9 extraction runs and must give what the fixed one gives.
    { constant: 'BvecKvecMixup', value: true, fault: 'bvec_reads_kvec' },
    // The 6.3-6.5 kvec extraction that zeroed maxsize in its skip loop (faults.ts
    // extract_zero_skip): it leaves the iterator stranded past its array.
    { constant: 'ExtractZeroSkipBug', value: true, fault: 'extract_zero_skip' },
    // 6.12-rc1's iter_folioq_get_pages (faults.ts folioq_get_pages_slot): the page after a
    // folio listed for 0 bytes, a cursor parked at a folio end that never moves on.
    { constant: 'FolioqGetPagesBug', value: true, fault: 'folioq_get_pages_slot' },
    // iter_xarray_get_pages before 5.19's "iov_iter: Fix iter_xarray_get_pages{,_alloc}()"
    // (faults.ts xarray_get_pages_maths): a maxpages-clamped call returns the unclamped tail.
    { constant: 'XarrayGetPagesBug', value: true, fault: 'xarray_get_pages_maths' },
    // The bvecq RFC v1 walks over an empty segment (faults.ts bvecq_empty_seg_v1): a read of
    // its bv[0] past the slots in use (IovIterOutOfBounds, the model's oops "SLOT").
    { constant: 'BvecqEmptySegBug', value: true, fault: 'bvecq_empty_seg_v1' },
    // iov_iter_advance before 5.14's "iov_iter_advance(): use consistent semantics for move
    // past the end" (faults.ts discard_advance_underflow): a sink advanced past its end.
    { constant: 'DiscardAdvanceBug', value: true, fault: 'discard_advance_underflow' },
    // iov_iter_extract_bvec_pages as e4e535bff2bc merged it (faults.ts extract_bvec_skip_size):
    // bi_size = maxsize + skip, bytes past a truncated iterator's count.
    { constant: 'ExtractBvecSkipBug', value: true, fault: 'extract_bvec_skip_size' },
    // iterate_folioq before 808471ddb0fa "iov_iter: iterate_folioq: fix handling of offset >=
    // folio size" (faults.ts iterate_folioq_offset_at_end): a copy from a cursor parked at a
    // folio end copies at the page after the folio and does not pass the bytes it counts.
    { constant: 'FolioqIterateBug', value: true, fault: 'iterate_folioq_offset_at_end' },
  ],
  // An iterator reverted before its start (the model's oops) breaks the iterator invariants;
  // a result claiming bytes in no listed page (lastUnbacked) breaks the extraction ones.
  predictedViolations: (prev, now) => [
    ...(now.oops !== 'NONE' ? ['no_over_reversion', 'iter_count_consistent'] : []),
    // A stranded KVEC or BVEC (the model's page counts are null with no oops and bytes left): its
    // count no longer matches the bytes before its pointer.
    ...(now.oops === 'NONE' && now.npages === null ? ['iter_count_consistent'] : []),
    // A sink whose count wrapped (DiscardAdvanceBug: below 0 in the model and the reference).
    ...(typeof now.count === 'number' && now.count < 0 ? ['iter_count_consistent'] : []),
    // A result of more bytes than the iterator held (ExtractBvecSkipBug: the model's last.over;
    // the advance that follows stops at count 0): bytes the iterator does not hold are listed,
    // and it moved by less than the call returned.
    ...(typeof prev?.count === 'number' &&
    now.count === 0 &&
    typeof now.lastBytes === 'number' &&
    now.lastBytes > prev.count
      ? ['extract_result_consistent', 'extract_matches_iterator']
      : []),
    ...(typeof now.lastUnbacked === 'number' && now.lastUnbacked > 0
      ? ['extract_result_consistent', 'extract_matches_iterator']
      : []),
    ...(typeof now.lastMisplaced === 'number' && now.lastMisplaced > 0
      ? ['extract_matches_iterator']
      : []),
    // A page listed past the result's bytes (the model's last.stray): its reference is never
    // dropped by the caller.
    ...(typeof now.lastStray === 'number' && now.lastStray > 0 ? ['get_pages_no_stray_pages'] : []),
    // A get_pages result of 0 bytes with bytes left (the model's GetPagesProgress; a hole at
    // the cursor, which the reference does not report, also returns 0).
    ...(getPagesStalled(prev, now) ? ['get_pages_progress'] : []),
  ],
  createDriver: (profile, scenario) => new IterCursorDriver(profile, scenario),
};

/**
 * Whether a GetPages step returned 0 bytes with bytes left before it: lastBytes 0 and the
 * count unchanged and above 0 (a call that lists nothing moves nothing). Of a hole at the
 * cursor too (the model's exception), which the caller tells apart.
 */
export function getPagesStalled(prev: StepObservation | undefined, now: StepObservation): boolean {
  return (
    typeof prev?.count === 'number' &&
    prev.count > 0 &&
    now.count === prev.count &&
    now.lastBytes === 0
  );
}
