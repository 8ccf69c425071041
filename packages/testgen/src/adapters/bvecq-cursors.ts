// BvecqCursors (specs/BvecqCursors.tla): netfs buffer tracking over a bvecq chain (seed 004,
// the netfs bvecq RFC of March 2026). The reference driver performs a buffered read through the
// reference's RFC code paths (src/bvecq/read.ts): readahead adds locked page-cache folios at the
// load cursor (bvecq_load_from_ra -> netfs_read_load_folio), subrequests take a bvecq_pos at the
// dispatch cursor (netfs_read_dispatch), the "server" answers through
// netfs_read_subreq_terminated (data copied through an ITER_BVECQ iterator; too much data fails
// the subrequest with -EIO, RFC 16/17), NEED_RETRY subrequests are reissued
// (netfs_retry_read_subrequest, fs/netfs/read_retry.c), the collector unlocks folios in file
// order and frees spent segments (netfs_read_collection, fs/netfs/read_collect.c), a failed
// request unlocks what is left (netfs_unlock_abandoned_read_pages, fs/netfs/read_retry.c), and
// Finished puts the request (netfs_read_request_put; every segment must then be freed,
// bvecq_no_leaked_segments) except over the one-segment layout, whose refcount is observed.
//
// Observations (same keys from model and reference):
//   load, dispatch, collect  cursor positions in slots (folios): loaded_to, dispatched_to,
//                            collected_to of the request
//   fstate     per slot, comma-separated: absent | locked (folio locked, no data yet) |
//              filled (locked, the server's bytes arrived) | uptodate (unlocked after a good
//              read) | failed (unlocked without uptodate); the reference reads the folio's
//              bytes, so a misplaced copy shows as "garbled"
//   subreqs    outstanding subrequests in file order, `start+len:state/xfer/tries` separated by
//              spaces; state inflight | retry | ok | failed
//   reqError   the request has failed
//   pinned     user pages the request holds pinned: the model's pins (DIO_WRITE: the whole
//              buffer from Load until the request ends); the reference's
//              nr_foll_pin_acquired - nr_foll_pin_released
//   segUseAfterFree  a bvecq segment was freed while referenced (model: freed with a non-zero
//              refcount; reference: a cursor or subrequest position on a freed segment, a freed
//              segment with refs, or a use-after-free / underflow WARN of the chain code)
//   copySegs   SubreqCopy (BvecqCursors_dio_write_copy): the segments of the outstanding
//              subrequests' own copies of their slots (the model's copySegs: bvecq_extract's
//              netfs_alloc_bvecq(nsegs), 29 slots a segment; the reference walks each
//              subrequest's content chain). Present only when non-zero, on both sides alike, so
//              the suites of the configs without copies keep their observations; a copy the
//              model does not have (or lacks) still shows as a difference.
//   bounced    Sealed (BvecqCursors_dio_write_sealed): bounce-buffer pages the sends allocated
//              (netfs_alloc_bvecq_buffer) and gave back to the page allocator (the model's
//              bounced: the pages of every send); the reference counts the pages of its ALLOCED
//              segments whose folio is freed. Present only when non-zero, as copySegs.
//   bounceLive ALLOCED pages not freed (a leaked bounce buffer): the model has none, so it never
//              observes this key, and the reference reports it only when some are live.
//
// Not observed, on purpose: the per-segment refcounts and freed flags (segRef, segFreed). The
// model's chain is a fixed layout (constant Layout, with a zero-length middle segment) allocated
// at Init, and its bvecq_pos "steps over" a zero-length segment onto the next slot's segment
// (SegOf). The RFC's rolling buffer allocates 14-slot segments on demand
// (bvecq_buffer_make_space, netfs_alloc_bvecq(14)) and its bvecq_pos_advance (fs/netfs/bvecq.c
// in the RFC) leaves a position at the end of a segment (slot == nr_slots) or on the next
// segment, zero-length or not; so a segment-by-segment comparison would compare two different
// chains. segUseAfterFree is the layout-independent part of those variables. Layout 4 is the
// rolling buffer itself at this size (the three slots fit in the RFC's first segment): there the
// one segment's refcount (headSegRef: three cursors + one per outstanding subrequest's
// dispatch_pos) is observed on both sides.
//
// Op = "DIO_WRITE" drives the reference's unbuffered write (src/bvecq/dio_write.ts, the RFC's
// fs/netfs/direct_write.c): Load extracts and pins the whole user buffer
// (netfs_unbuffered_write_begin -> netfs_extract_iter_to_bvecq, as
// netfs_unbuffered_write_iter_locked does before its dispatch loop; LoadFault unmaps the user
// buffer first, so the extraction fails with -EFAULT and the request with it; LoadShort(len)
// unmaps the buffer's pages from page len on, so the extraction pins the first len pages and
// stops at the hole, and the request is cut to them), Dispatch issues a
// subrequest at the dispatch cursor (netfs_unbuffered_write_dispatch), Complete is the server's
// answer through netfs_write_subreq_terminated (ok: every byte written into the server's file,
// read out of the chain through ITER_BVECQ; retry: -EAGAIN; error: -ENOSPC; short: the first
// page only), Retry reissues it (netfs_unbuffered_write_retry; after a short write the part
// written is accounted and only the rest reissued), Collect runs netfs_unbuffered_write_collect on the front, and
// Abandon / Finished end the request (netfs_unbuffered_write_end: the chain is put and the pages
// unpinned, after which pin balance is checked). The same observation keys are read from the
// write request: load = bytes extracted; dispatch = dispatched_to; collect = how far the
// collector has dealt with the buffer, written (collected_to, or the end of the part a retry
// accounted after a short write: the collector's log) or given up unwritten (abandon_to), since the model's Collect and Abandon move the cursors over a failed range as
// well (and so does the reference read's netfs_unlock_abandoned_read_pages); fstate per page:
// absent (not extracted), locked (pinned, not on the server), filled (the server holds exactly
// the user's bytes for it, not yet collected), uptodate (collected as written, bytes checked),
// failed (given up unwritten), garbled (the server holds other bytes).

import {
  type bio_vec,
  type bvecq,
  bvecq_no_free_while_referenced,
  bvecq_no_leaked_segments,
  bvecq_no_write_hole,
  type bvecq_pos,
  bvecq_pos_fpos,
  bvecq_read_cursor_order,
  bvecq_stats,
  bvecq_unlock_after_collection,
  bvecq_write_cursor_order,
  EAGAIN,
  EFAULT,
  EIO,
  ENOSPC,
  type Folio,
  folio_alloc,
  ITER_SOURCE,
  type iov_iter,
  iov_iter_bvec,
  iov_iter_ubuf,
  is_bvecq_advance_warning,
  type Kernel,
  type MmStruct,
  mm_alloc,
  type netfs_dio_write_request,
  type netfs_io_subrequest,
  netfs_read_collection,
  netfs_read_dispatch,
  netfs_read_load_folio,
  type netfs_read_request,
  netfs_read_request_alloc,
  netfs_read_request_put,
  netfs_read_subreq_terminated,
  netfs_retry_read_subrequest,
  netfs_unbuffered_write_begin,
  netfs_unbuffered_write_collect,
  netfs_unbuffered_write_dispatch,
  netfs_unbuffered_write_end,
  netfs_unbuffered_write_retry,
  netfs_unlock_abandoned_read_pages,
  netfs_with_subreq_source,
  netfs_write_subreq_terminated,
  PAGE_SIZE,
  pin_balance_at_quiescence,
  smb3_sealed_send,
  type Violation,
  vm_mmap,
  vm_munmap,
  with_kernel,
  with_mm,
  write_user,
} from '@pinlab/reference';
import {
  apply,
  asBool,
  asInt,
  asSeq,
  asString,
  domain,
  type ModelState,
  type ModelValue,
  stateVar,
} from '../model/value.ts';
import type { Scenario, ScenarioAction, StepObservation } from '../target.ts';
import {
  AdapterError,
  booleanConstant,
  filledBytes,
  filledWith,
  folioBytes,
  param,
  type ReferenceDriver,
  type SpecAdapter,
} from './adapter.ts';
import { kernelFor } from './design.ts';
import { kernelViolations } from './invariants.ts';

/** specs/BvecqCursors.tla `Layouts`: SlotSeg per layout; only its length (Total) matters here. */
const LAYOUT_SLOTS: Readonly<Record<number, number>> = { 1: 3, 2: 3, 3: 4, 4: 3, 5: 3, 6: 30 };
/** Layout 4: one segment, the RFC's rolling buffer for a three-slot request. */
const ONE_SEGMENT_LAYOUT = 4;
/**
 * Layout 5 (`<<1, 1, 2>>`): a window of a longer read at the end of the rolling buffer's first
 * segment, which has WINDOW_FIRST_SEGMENT_SLOTS free slots left when the window starts.
 */
const SEGMENT_BOUNDARY_LAYOUT = 5;
const WINDOW_FIRST_SEGMENT_SLOTS = 2;

const ACTIONS = new Set([
  'Load',
  'LoadFault',
  'LoadShort',
  'Dispatch',
  'Complete',
  'Retry',
  'Collect',
  'Abandon',
  'Finished',
]);

// ---------------------------------------------------------------------------------------------
// Model side

function observeModel(_prev: ModelState | undefined, state: ModelState): StepObservation {
  const fstate = stateVar(state, 'fstate');
  const slots = domain(fstate, 'fstate')
    .map((x) => asInt(x, 'slot'))
    .sort((a, b) => a - b);
  const subreqs = asSeq(stateVar(state, 'subreqs'), 'subreqs').map((sr: ModelValue) =>
    formatSubreq(
      asInt(apply(sr, 'start'), 'start'),
      asInt(apply(sr, 'len'), 'len'),
      asString(apply(sr, 'st'), 'st'),
      asInt(apply(sr, 'xfer'), 'xfer'),
      asInt(apply(sr, 'tries'), 'tries'),
    ),
  );
  const segRef = stateVar(state, 'segRef');
  const segFreed = stateVar(state, 'segFreed');
  const segUseAfterFree = domain(segFreed, 'segFreed').some(
    (s) =>
      asBool(apply(segFreed, s, 'segFreed'), 'segFreed') && asInt(apply(segRef, s), 'segRef') !== 0,
  );
  // ... or a bvecq_pos left on a segment that was freed (PosRefs = "COLLECT_ONLY" over the
  // Layout 5 boundary: posOnFreed), which the model does not count in segRef.
  const posOnFreed = asBool(stateVar(state, 'posOnFreed'), 'posOnFreed');
  const segs = domain(segRef, 'segRef');
  const headSegRef: Record<string, number> =
    segs.length === 1 ? { headSegRef: asInt(apply(segRef, segs[0] as ModelValue), 'segRef') } : {};
  return {
    ...headSegRef,
    load: asInt(stateVar(state, 'load'), 'load'),
    dispatch: asInt(stateVar(state, 'dispatch'), 'dispatch'),
    collect: asInt(stateVar(state, 'collect'), 'collect'),
    fstate: slots.map((x) => asString(apply(fstate, x, 'fstate'), 'fstate')).join(','),
    subreqs: subreqs.join(' '),
    reqError: asBool(stateVar(state, 'reqError'), 'reqError'),
    pinned: asInt(stateVar(state, 'pins'), 'pins'),
    segUseAfterFree: segUseAfterFree || posOnFreed,
    ...nonZero('copySegs', asInt(stateVar(state, 'copySegs'), 'copySegs')),
    ...nonZero('bounced', asInt(stateVar(state, 'bounced'), 'bounced')),
    ...lagObservation(asBool(stateVar(state, 'dispLag'), 'dispLag')),
    ...warnObservation(asBool(stateVar(state, 'advWarn'), 'advWarn')),
  };
}

/**
 * advWarn, present only when true: bvecq_pos_advance() WARNed at a slot in use (the model's
 * advWarn; v3's bvecq_pos_advance, AdvanceV3Bug: the collection of a short DIO write). The
 * reference observes it only under the fault bvecq_pos_advance_v3 (the DIO write driver).
 */
function warnObservation(warned: boolean): Record<string, boolean> {
  return warned ? { advWarn: true } : {};
}

/**
 * dispLag, present only when true: the dispatch cursor's bvecq_pos stands short of the file
 * position the dispatched count says (the model's dispLag; RFC v1's bvecq_pos_advance).
 */
function lagObservation(lag: boolean): Record<string, boolean> {
  return lag ? { dispLag: true } : {};
}

/** An observation key present only when its value is non-zero (see the header). */
function nonZero(key: string, value: number): Record<string, number> {
  return value === 0 ? {} : { [key]: value };
}

/** Pages of the netfs's own (ALLOCED) segments: freed back to the allocator, or still live. */
function allocedPages(k: Kernel): { freed: number; live: number } {
  let freed = 0;
  let live = 0;
  for (const bq of with_kernel(k, () => bvecq_stats()).all) {
    if (bq.mem_type !== 'ALLOCED') continue;
    for (let s = 0; s < bq.nr_slots; s++) {
      const bv = bq.bv[s];
      if (bv === undefined) continue; // a slot set aside (the transform header's)
      if (bv.bv_page.folio.freed) freed++;
      else live++;
    }
  }
  return { freed, live };
}

/** Segments of a chain, following ->next. */
function chainLength(bq: bvecq | null | undefined): number {
  let n = 0;
  for (let q = bq; q; q = q.next) n++;
  return n;
}

function formatSubreq(start: number, len: number, st: string, xfer: number, tries: number): string {
  return `${start}+${len}:${st}/${xfer}/${tries}`;
}

// ---------------------------------------------------------------------------------------------
// Reference side

/** The server's copy of the file: every byte of slot x is SERVER_BYTE(x) (never 0). */
const serverByte = (slot: number): number => 0x40 + slot;

/** serverData's buffers, built once per (startSlot, slots). */
const serverDataCache = new Map<number, Uint8Array>();

/**
 * The server's bytes of slots [startSlot, startSlot + slots), shared and never written to: the
 * reference only copies from it (netfs_read_subreq_terminated's copy_to_iter), and building
 * it per terminated subrequest was an allocation per step.
 */
function serverData(startSlot: number, slots: number): Uint8Array {
  const key = startSlot * 65536 + slots;
  let data = serverDataCache.get(key);
  if (data === undefined) {
    data = new Uint8Array(slots * PAGE_SIZE);
    for (let s = 0; s < slots; s++)
      data.fill(serverByte(startSlot + s), s * PAGE_SIZE, (s + 1) * PAGE_SIZE);
    serverDataCache.set(key, data);
  }
  return data;
}

const SUBREQ_STATE: Readonly<Record<netfs_io_subrequest['state'], string>> = {
  IN_PROGRESS: 'inflight',
  NEED_RETRY: 'retry',
  DONE: 'ok',
  FAILED: 'failed',
};

function slotsOf(bytes: number, what: string): number {
  if (bytes % PAGE_SIZE !== 0)
    throw new AdapterError(`BvecqCursors: ${what} ${bytes} is not a whole number of folios`);
  return bytes / PAGE_SIZE;
}

/** Total slots of the scenario's chain (the model's Len(SlotSeg)). */
function totalSlots(scenario: Scenario): number {
  const layout = scenario.constants?.Layout ?? 1;
  const total = typeof layout === 'number' ? LAYOUT_SLOTS[layout] : undefined;
  if (total === undefined)
    throw new AdapterError(`BvecqCursors: unknown Layout ${JSON.stringify(layout)} (1..6)`);
  return total;
}

/** The most slots one subrequest may cover (specs/BvecqCursors.tla constant SubreqMax). */
function subreqMaxOf(scenario: Scenario): number {
  const max = scenario.constants?.SubreqMax ?? 2;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1)
    throw new AdapterError(
      `BvecqCursors: SubreqMax must be a positive integer, got ${JSON.stringify(max)}`,
    );
  return max;
}

/** The scenario's operation (specs/BvecqCursors.tla constant Op). */
function opOf(scenario: Scenario): 'READ' | 'DIO_WRITE' {
  const op = scenario.constants?.Op ?? 'READ';
  if (op !== 'READ' && op !== 'DIO_WRITE')
    throw new AdapterError(`BvecqCursors: unknown Op ${JSON.stringify(op)} (READ or DIO_WRITE)`);
  return op;
}

/** A DIO write's source iterator (specs/BvecqCursors.tla constant WriteSource). */
function writeSourceOf(scenario: Scenario): 'USER' | 'KERNEL' {
  const source = scenario.constants?.WriteSource ?? 'USER';
  if (source !== 'USER' && source !== 'KERNEL') {
    throw new AdapterError(
      `BvecqCursors: unknown WriteSource ${JSON.stringify(source)} (USER or KERNEL)`,
    );
  }
  return source;
}

/**
 * Where a misaligned user buffer (constant Misaligned) starts in its first page: any in-page
 * offset; a sector's worth, so every slot boundary of the chain falls inside a file page.
 */
const MISALIGN_OFFSET = 512;

/** The in-page offset of a DIO write's user buffer (specs/BvecqCursors.tla constant Misaligned). */
function userBufferOffset(scenario: Scenario): number {
  return booleanConstant('BvecqCursors', scenario, 'Misaligned') ? MISALIGN_OFFSET : 0;
}

/** Why the reference cannot run a scenario of this spec, or undefined when it can. */
function scenarioSupport(scenario: Scenario): string | undefined {
  if (opOf(scenario) === 'DIO_WRITE' && scenario.constants?.Layout === ONE_SEGMENT_LAYOUT) {
    return 'BvecqCursors Op=DIO_WRITE with Layout 4: the unbuffered write holds its chain through the request and the dispatch cursor, not the three cursors whose count headSegRef compares';
  }
  if (opOf(scenario) === 'DIO_WRITE' && scenario.constants?.Layout === SEGMENT_BOUNDARY_LAYOUT) {
    return "BvecqCursors Op=DIO_WRITE with Layout 5: Layout 5 is a window at the end of a read's rolling-buffer segment; an unbuffered write extracts its whole buffer into segments sized for it (the RFC's netfs_extract_iter: bvecq_alloc_one(remaining pages)), so a three-page write has one segment";
  }
  return undefined;
}

/**
 * Outstanding subrequests as the model prints them (slots, state, transferred, tries); `base` is
 * the slot the model's slot 0 stands for (the folios read before a Layout 5 window).
 */
function formatSubreqs(subs: readonly netfs_io_subrequest[], base = 0): string {
  return subs
    .map((s) =>
      formatSubreq(
        slotsOf(s.start, 'start') - base,
        slotsOf(s.len, 'len'),
        SUBREQ_STATE[s.state],
        // Transferred bytes in folios; a too-much answer accepted without the check
        // shows as len+1, as in the model.
        Math.ceil(s.transferred / PAGE_SIZE),
        s.retry_count,
      ),
    )
    .join(' ');
}

/**
 * Runs a collector pass so that it consumes the front subrequest only, as the model's Collect
 * does: netfs_read_collection / netfs_unbuffered_write_collect consume every terminated
 * subrequest in a row, so when the next one has terminated too the later ones are held back
 * for the call and put back in order (otherwise the collector stops at the next one itself).
 */
function collectFront(subs: netfs_io_subrequest[], collect: () => void): void {
  const front = subs[0];
  if (front === undefined) throw new AdapterError('BvecqCursors: nothing to collect');
  const next = subs[1];
  const holdBack = next !== undefined && (next.state === 'DONE' || next.state === 'FAILED');
  const later = holdBack ? subs.splice(1) : [];
  collect();
  subs.push(...later);
  if (subs[0] === front)
    throw new AdapterError(
      `BvecqCursors: the collector did not consume subrequest ${front.debug_index}`,
    );
}

/** Pages pinned and not yet unpinned (nr_foll_pin_acquired - nr_foll_pin_released). */
function pinsHeld(k: Kernel): number {
  return k.vmstat.nr_foll_pin_acquired - k.vmstat.nr_foll_pin_released;
}

/** segUseAfterFree: a position on a freed segment, a freed segment with refs, or a chain WARN. */
function chainUseAfterFree(k: Kernel, positions: readonly bvecq_pos[]): boolean {
  const stats = with_kernel(k, () => bvecq_stats());
  return (
    positions.some((p) => p.bvecq?.freed === true) ||
    stats.all.some((bq) => bq.freed && bq.ref !== 0) ||
    k.warnings.some((w) => w.kind === 'use_after_free' || w.kind === 'refcount_underflow')
  );
}

class BvecqReadDriver implements ReferenceDriver {
  private readonly k: Kernel;
  private readonly rreq: netfs_read_request;
  private readonly total: number;
  private readonly oneSegment: boolean;
  /**
   * Folios read and collected before the model's slot 0 (Layout 5: all but two slots of the
   * first segment); model slot x is the request's folio base + x.
   */
  private readonly base: number;
  /** netfs_read_request_put() has run (Finished). */
  private ended = false;

  constructor(profile: string, scenario: Scenario) {
    this.total = totalSlots(scenario);
    this.oneSegment = scenario.constants?.Layout === ONE_SEGMENT_LAYOUT;
    this.k = kernelFor(profile);
    // Init: the request's rolling buffer with its load, dispatch and collect cursors at 0.
    this.rreq = with_kernel(this.k, () => netfs_read_request_alloc(0));
    this.base =
      scenario.constants?.Layout === SEGMENT_BOUNDARY_LAYOUT
        ? with_kernel(this.k, () => readWindowPrelude(this.rreq))
        : 0;
  }

  /** The model's slot for a byte position of the request. */
  private slot(bytes: number, what: string): number {
    return slotsOf(bytes, what) - this.base;
  }

  apply(action: ScenarioAction): void {
    with_kernel(this.k, () => this.step(action));
  }

  /** The outstanding subrequest starting at slot `start` (the model's `sr.start = s`). */
  private subAt(action: ScenarioAction): netfs_io_subrequest {
    const start = param(action, 'start', 'number');
    const sub = this.rreq.subrequests.find((s) => s.start === (this.base + start) * PAGE_SIZE);
    if (sub === undefined)
      throw new AdapterError(`BvecqCursors: no outstanding subrequest starts at slot ${start}`);
    return sub;
  }

  private step(action: ScenarioAction): void {
    const rreq = this.rreq;
    switch (action.name) {
      case 'Load': {
        // Readahead adds the next page-cache folio, locked (bvecq_load_from_ra).
        if (rreq.folios.length - this.base >= this.total)
          throw new AdapterError(`BvecqCursors: all ${this.total} folios are already loaded`);
        netfs_read_load_folio(rreq, folio_alloc(0));
        return;
      }
      case 'Dispatch': {
        const len = param(action, 'len', 'number');
        const sub = netfs_read_dispatch(rreq, len * PAGE_SIZE);
        if (sub === null || sub.len !== len * PAGE_SIZE) {
          throw new AdapterError(
            `BvecqCursors: netfs_read_dispatch gave ${sub === null ? 'nothing' : `${sub.len} bytes`} for ${len} folios`,
          );
        }
        return;
      }
      case 'Complete': {
        const sub = this.subAt(action);
        const outcome = param(action, 'outcome', 'string');
        const first = this.slot(sub.start, 'subrequest start');
        const len = slotsOf(sub.len, 'subrequest length');
        switch (outcome) {
          case 'ok':
            netfs_read_subreq_terminated(rreq, sub, serverData(first, len));
            return;
          case 'retry':
            // Nothing transferred and no error: NETFS_SREQ_NEED_RETRY.
            netfs_read_subreq_terminated(rreq, sub, new Uint8Array(0));
            return;
          case 'error':
            netfs_read_subreq_terminated(rreq, sub, new Uint8Array(0), -EIO);
            return;
          case 'too_much':
            // The server returns one folio more than asked for.
            netfs_read_subreq_terminated(rreq, sub, serverData(first, len + 1));
            return;
          default:
            throw new AdapterError(`BvecqCursors: unknown Complete outcome ${outcome}`);
        }
      }
      case 'Retry':
        netfs_retry_read_subrequest(this.subAt(action));
        return;
      case 'Collect': {
        collectFront(rreq.subrequests, () => netfs_read_collection(rreq));
        return;
      }
      case 'Abandon':
        netfs_unlock_abandoned_read_pages(rreq);
        return;
      case 'Finished':
        // The request is over: netfs_read_request_put() detaches the cursors and the chain is
        // freed (checked by bvecq_no_leaked_segments). Not over the one-segment layout, whose
        // observed refcount (headSegRef) is the model's with the cursors still attached, and
        // not while loaded folios are still to be dispatched (after a too-much collection the
        // model's Finished can come before the last Dispatch).
        if (!this.oneSegment && !this.ended && rreq.dispatched_to === rreq.loaded_to) {
          netfs_read_request_put(rreq);
          this.ended = true;
        }
        return;
      default:
        throw new AdapterError(`BvecqCursors: unknown action ${action.name}`);
    }
  }

  private folioState(x: number): string {
    const f = this.rreq.folios[this.base + x];
    if (f === undefined) return 'absent';
    if (!f.locked) return f.uptodate === true ? 'uptodate' : 'failed';
    return with_kernel(this.k, () => folioContent(f.folio, x));
  }

  private segUseAfterFree(): boolean {
    const rreq = this.rreq;
    const positions = [rreq.load_cursor, rreq.dispatch_cursor, rreq.collect_cursor];
    for (const s of rreq.subrequests) positions.push(s.dispatch_pos);
    return chainUseAfterFree(this.k, positions);
  }

  /** Kernel-wide invariants and the RFC's cursor and chain invariants on the request. */
  violations(): Violation[] {
    const rreq = this.rreq;
    const positions = [rreq.load_cursor, rreq.dispatch_cursor, rreq.collect_cursor];
    for (const s of rreq.subrequests) positions.push(s.dispatch_pos);
    return with_kernel(this.k, () => [
      ...kernelViolations(this.k),
      ...bvecq_read_cursor_order(rreq),
      ...bvecq_unlock_after_collection(rreq),
      ...bvecq_no_free_while_referenced(positions, [rreq.load_cursor.bvecq]),
      ...(this.ended ? bvecq_no_leaked_segments(this.k) : []),
    ]);
  }

  observe(): StepObservation {
    const rreq = this.rreq;
    const fstate: string[] = [];
    for (let x = 0; x < this.total; x++) fstate.push(this.folioState(x));
    const obs: Record<string, StepObservation[string]> = {
      load: this.slot(rreq.loaded_to, 'loaded_to'),
      dispatch: this.slot(rreq.dispatched_to, 'dispatched_to'),
      collect: this.slot(rreq.collected_to, 'collected_to'),
      fstate: fstate.join(','),
      subreqs: formatSubreqs(rreq.subrequests, this.base),
      reqError: rreq.error !== 0,
      pinned: pinsHeld(this.k),
      segUseAfterFree: this.segUseAfterFree(),
    };
    // One segment: its refcount (-1 if the chain has grown past one live segment). Set on the
    // object, not spread into a literal: V8 (Node 20) adds each property after a spread on a
    // slow path of microseconds, which made this observer the replay's costliest line.
    if (this.oneSegment) {
      const live = bvecq_stats(this.k).live;
      obs.headSegRef = live === 1 ? (rreq.collect_cursor.bvecq?.ref ?? -1) : -1;
    }
    return obs;
  }
}

/**
 * Layout 5's prelude: the part of a longer read before the model's window, through the same
 * reference paths (readahead loads, one subrequest, the server's answer, collection), so that the
 * rolling buffer's first segment has WINDOW_FIRST_SEGMENT_SLOTS free slots left. Returns the
 * folios it read. Its outcome is checked here (everything collected, unlocked uptodate, nothing
 * outstanding); what the window does is then compared with the model step by step.
 */
function readWindowPrelude(rreq: netfs_read_request): number {
  const first = rreq.load_cursor.bvecq;
  if (first === null) throw new AdapterError('BvecqCursors: the read request has no buffer');
  const before = first.max_slots - WINDOW_FIRST_SEGMENT_SLOTS;
  for (let x = 0; x < before; x++) netfs_read_load_folio(rreq, folio_alloc(0));
  const sub = netfs_read_dispatch(rreq, before * PAGE_SIZE);
  if (sub === null) throw new AdapterError('BvecqCursors: the window prelude dispatched nothing');
  netfs_read_subreq_terminated(rreq, sub, filledBytes(before * PAGE_SIZE, 0x3f));
  netfs_read_collection(rreq);
  const at = before * PAGE_SIZE;
  const done =
    rreq.collected_to === at &&
    rreq.subrequests.length === 0 &&
    rreq.load_cursor.bvecq === first &&
    first.nr_slots === before &&
    rreq.folios.every((f) => !f.locked && f.uptodate === true);
  if (!done)
    throw new AdapterError(
      `BvecqCursors: the window prelude did not read and collect ${before} folios`,
    );
  return before;
}

/** The user's buffer for a DIO write: every byte of page x is USER_BYTE(x) (never 0). */
const userByte = (slot: number): number => 0x60 + slot;

class BvecqDioWriteDriver implements ReferenceDriver {
  private readonly k: Kernel;
  private readonly total: number;
  private readonly mm: MmStruct;
  /** The user buffer's ITER_UBUF source, extracted into the chain by Load. */
  private readonly iter: iov_iter;
  /** The user mapping holding the buffer (WriteSource "USER"), unmapped by LoadFault. */
  private readonly userMapping: { start: number; len: number } | null;
  /** The server's copy of the file (zero where nothing was written). */
  private readonly file: Uint8Array;
  private wreq: netfs_dio_write_request | null = null;
  /** The filesystem's maximum subrequest size in bytes (constant SubreqMax). */
  private readonly wsize: number;
  /** The filesystem wants its own copy of each subrequest's slots (constant SubreqCopy). */
  private readonly copy: boolean;
  /** Every send goes out of a bounce buffer (constant Sealed: cifs's encrypted transport). */
  private readonly sealed: boolean;
  /** The design is v3's bvecq_pos_advance (fault bvecq_pos_advance_v3): advWarn is observed. */
  private readonly advanceV3: boolean;

  constructor(profile: string, scenario: Scenario) {
    this.total = totalSlots(scenario);
    this.k = kernelFor(profile);
    this.advanceV3 = this.k.hasFault('bvecq_pos_advance_v3');
    this.wsize = subreqMaxOf(scenario) * PAGE_SIZE;
    this.copy = booleanConstant('BvecqCursors', scenario, 'SubreqCopy');
    this.sealed = booleanConstant('BvecqCursors', scenario, 'Sealed');
    this.file = new Uint8Array(this.total * PAGE_SIZE);
    // Init: the writer's buffer, one page per slot, filled with its bytes: an anonymous
    // mapping read through ITER_UBUF (WriteSource "USER"), or kernel pages in an ITER_BVEC
    // (WriteSource "KERNEL", e.g. a loop device writing to a netfs file).
    const kernelSource = writeSourceOf(scenario) === 'KERNEL';
    const { mm, iter, mapping } = with_kernel(this.k, () => {
      const mm = mm_alloc();
      const len = this.total * PAGE_SIZE;
      const src = new Uint8Array(len);
      for (let x = 0; x < this.total; x++)
        src.fill(userByte(x), x * PAGE_SIZE, (x + 1) * PAGE_SIZE);
      if (kernelSource) {
        const bvecs: bio_vec[] = [];
        for (let x = 0; x < this.total; x++) {
          const folio = folio_alloc(0);
          folio.dataForWrite().set(src.subarray(x * PAGE_SIZE, (x + 1) * PAGE_SIZE));
          bvecs.push({ bv_page: folio.page(0), bv_len: PAGE_SIZE, bv_offset: 0 });
        }
        return { mm, iter: iov_iter_bvec(ITER_SOURCE, bvecs, bvecs.length, len), mapping: null };
      }
      // A misaligned buffer starts `off` bytes into its first page, so its data spans one
      // more page than it holds, all of which the extraction pins.
      const off = userBufferOffset(scenario);
      const mapLen = len + (off === 0 ? 0 : PAGE_SIZE);
      const mapped = vm_mmap(mm, 0, mapLen);
      write_user(mm, mapped + off, src);
      return {
        mm,
        iter: with_mm(mm, () => iov_iter_ubuf(ITER_SOURCE, mapped + off, len)),
        mapping: { start: mapped, len: mapLen },
      };
    });
    this.mm = mm;
    this.iter = iter;
    this.userMapping = mapping;
  }

  apply(action: ScenarioAction): void {
    with_kernel(this.k, () => with_mm(this.mm, () => this.step(action)));
  }

  private request(): netfs_dio_write_request {
    if (this.wreq === null) throw new AdapterError('BvecqCursors: the write buffer is not loaded');
    return this.wreq;
  }

  /** The outstanding subrequest starting at slot `start` (the model's `sr.start = s`). */
  private subAt(action: ScenarioAction): netfs_io_subrequest {
    const start = param(action, 'start', 'number');
    const sub = this.request().subrequests.find((s) => s.start === start * PAGE_SIZE);
    if (sub === undefined)
      throw new AdapterError(`BvecqCursors: no outstanding subrequest starts at slot ${start}`);
    return sub;
  }

  private step(action: ScenarioAction): void {
    switch (action.name) {
      case 'Load': {
        // netfs_unbuffered_write_iter_locked: extract (pin) the whole buffer before dispatching.
        if (this.wreq !== null)
          throw new AdapterError('BvecqCursors: the buffer is already loaded');
        this.wreq = netfs_unbuffered_write_begin(this.iter, 0);
        if (this.wreq.error !== 0 || this.wreq.len !== this.total * PAGE_SIZE) {
          throw new AdapterError(
            `BvecqCursors: extraction gave ${this.wreq.len} bytes, error ${this.wreq.error}`,
          );
        }
        return;
      }
      case 'LoadFault': {
        // The user buffer is not mapped any more (munmap by another thread), so
        // iov_iter_extract_pages() -> pin_user_pages_fast() finds no page: -EFAULT before
        // anything is extracted, and the request fails with no chain.
        if (this.wreq !== null || this.userMapping === null)
          throw new AdapterError('BvecqCursors: LoadFault needs an unloaded user buffer');
        if (vm_munmap(this.mm, this.userMapping.start, this.userMapping.len) !== 0)
          throw new AdapterError('BvecqCursors: could not unmap the user buffer');
        this.wreq = netfs_unbuffered_write_begin(this.iter, 0);
        if (this.wreq.error !== -EFAULT || this.wreq.len !== 0) {
          throw new AdapterError(
            `BvecqCursors: extraction from an unmapped buffer gave ${this.wreq.len} bytes, error ${this.wreq.error}`,
          );
        }
        return;
      }
      case 'LoadShort': {
        // The buffer's pages from `len` on are not mapped (constant UnmappedTail): the
        // extraction pins the mapped ones, stops at the hole (-EFAULT from the next
        // iov_iter_extract_pages()) and returns what it got, to which the request is cut
        // (netfs_unbuffered_write_iter_locked: wreq->len = n).
        const len = param(action, 'len', 'number');
        if (
          this.wreq !== null ||
          this.userMapping === null ||
          this.userMapping.len !== this.total * PAGE_SIZE
        )
          throw new AdapterError(
            'BvecqCursors: LoadShort needs an unloaded, page-aligned user buffer',
          );
        if (len <= 0 || len >= this.total)
          throw new AdapterError(`BvecqCursors: LoadShort of ${len} of ${this.total} pages`);
        const hole = this.userMapping.start + len * PAGE_SIZE;
        if (vm_munmap(this.mm, hole, (this.total - len) * PAGE_SIZE) !== 0)
          throw new AdapterError('BvecqCursors: could not unmap the tail of the user buffer');
        this.wreq = netfs_unbuffered_write_begin(this.iter, 0);
        if (this.wreq.error !== 0) {
          throw new AdapterError(
            `BvecqCursors: extraction up to an unmapped tail gave ${this.wreq.len} bytes, error ${this.wreq.error}`,
          );
        }
        return;
      }
      case 'Dispatch': {
        // `len` is the filesystem's maximum subrequest size (stream->sreq_max_len): the last
        // subrequest gets what is left of the buffer (compared through `subreqs`).
        const len = param(action, 'len', 'number');
        const sub = netfs_unbuffered_write_dispatch(this.request(), len * PAGE_SIZE, this.copy);
        if (sub === null) {
          throw new AdapterError(
            `BvecqCursors: netfs_unbuffered_write_dispatch gave nothing for up to ${len} pages`,
          );
        }
        this.issueWrite(sub);
        return;
      }
      case 'Complete': {
        const sub = this.subAt(action);
        const outcome = param(action, 'outcome', 'string');
        switch (outcome) {
          case 'ok':
            netfs_write_subreq_terminated(sub, sub.len - sub.transferred, this.file);
            return;
          case 'retry':
            netfs_write_subreq_terminated(sub, -EAGAIN, this.file);
            return;
          case 'error':
            netfs_write_subreq_terminated(sub, -ENOSPC, this.file);
            return;
          case 'short':
            // The server writes the first page and stops: a short write, NEED_RETRY.
            netfs_write_subreq_terminated(sub, PAGE_SIZE, this.file);
            return;
          default:
            throw new AdapterError(`BvecqCursors: Complete outcome ${outcome} has no DIO write`);
        }
      }
      case 'Retry': {
        const sub = this.subAt(action);
        netfs_unbuffered_write_retry(this.request(), sub);
        this.issueWrite(sub);
        return;
      }
      case 'Collect': {
        const wreq = this.request();
        collectFront(wreq.subrequests, () => netfs_unbuffered_write_collect(wreq));
        return;
      }
      case 'Abandon':
        // After a failure with nothing outstanding: netfs_unbuffered_write()'s loop stops at the
        // error (its next pass dispatches nothing) and the request puts its chain, releasing the
        // rest of the buffer unwritten.
        if (this.request().error === 0)
          throw new AdapterError('BvecqCursors: Abandon of a request that has not failed');
        this.endDispatchLoop(this.request());
        netfs_unbuffered_write_end(this.request());
        return;
      case 'Finished':
        // The request is over: the dispatch loop's last pass finds nothing to send (all of the
        // buffer dispatched, or the request failed), then the chain is put and every pinned
        // page released (a no-op if Abandon already ended it; nothing to end if nothing was
        // loaded).
        if (this.wreq !== null) {
          if (!this.wreq.ended) this.endDispatchLoop(this.wreq);
          netfs_unbuffered_write_end(this.wreq);
        }
        return;
      default:
        throw new AdapterError(`BvecqCursors: unknown action ${action.name}`);
    }
  }

  /**
   * The filesystem's ->issue_write() sending the subrequest: over a sealed cifs transport the
   * data goes out of a bounce buffer (smb3_sealed_send: netfs_alloc_bvecq_buffer, copy, send,
   * netfs_free_bvecq_buffer) and the server keeps what it received; otherwise the server reads
   * the subrequest's buffer when it answers (netfs_write_subreq_terminated).
   */
  private issueWrite(sub: netfs_io_subrequest): void {
    if (!this.sealed) return;
    sub.wire = netfs_with_subreq_source(sub, (it) => smb3_sealed_send(it, sub.len));
  }

  /**
   * The last pass of netfs_unbuffered_write()'s loop: the model says nothing more is dispatched
   * (Abandon and Finished leave `subreqs` empty), so a subrequest the reference still issues
   * here shows in the compared `subreqs` and `dispatch` observations.
   */
  private endDispatchLoop(wreq: netfs_dio_write_request): void {
    netfs_unbuffered_write_dispatch(wreq, this.wsize, this.copy);
  }

  /** absent | locked | filled | uptodate | failed, or garbled when the server has other bytes. */
  private pageState(x: number): string {
    const wreq = this.wreq;
    if (wreq === null || (x + 1) * PAGE_SIZE > wreq.len) return 'absent';
    const at = x * PAGE_SIZE;
    const rec = wreq.collect_log.find((c) => c.start <= at && at < c.end);
    if (rec !== undefined && !rec.ok) return 'failed';
    // filledWith over [at, at + PAGE_SIZE) of the file itself: no subarray view per page.
    const want = userByte(x);
    if (filledWith(this.file, want, at, at + PAGE_SIZE))
      return rec === undefined ? 'filled' : 'uptodate';
    if (rec === undefined && filledWith(this.file, 0, at, at + PAGE_SIZE)) return 'locked';
    return 'garbled';
  }

  /** bounced / bounceLive, only for a sealed transport (the only sender of bounce buffers). */
  private bounceObservation(): Record<string, number> {
    if (!this.sealed) return {};
    const { freed, live } = allocedPages(this.k);
    return { ...nonZero('bounced', freed), ...nonZero('bounceLive', live) };
  }

  violations(): Violation[] {
    const wreq = this.wreq;
    if (wreq === null) return kernelViolations(this.k);
    const positions = [wreq.dispatch_cursor, ...wreq.subrequests.map((s) => s.dispatch_pos)];
    return with_kernel(this.k, () => [
      ...kernelViolations(this.k),
      ...bvecq_write_cursor_order(wreq),
      ...bvecq_no_write_hole(wreq),
      ...bvecq_no_free_while_referenced(positions, [wreq.buffer]),
      // Once the request has ended every page it pinned must have been unpinned and every
      // segment of its chain freed.
      ...(wreq.ended
        ? [...pin_balance_at_quiescence(this.k), ...bvecq_no_leaked_segments(this.k)]
        : []),
    ]);
  }

  observe(): StepObservation {
    const wreq = this.wreq;
    const fstate: string[] = [];
    for (let x = 0; x < this.total; x++) fstate.push(this.pageState(x));
    const positions =
      wreq === null ? [] : [wreq.dispatch_cursor, ...wreq.subrequests.map((s) => s.dispatch_pos)];
    return {
      load: wreq === null ? 0 : slotsOf(wreq.len, 'extracted length'),
      dispatch:
        wreq === null ? 0 : slotsOf(Math.max(wreq.dispatched_to, wreq.abandon_to), 'dispatched_to'),
      collect:
        wreq === null
          ? 0
          : slotsOf(
              Math.max(wreq.collected_to, wreq.abandon_to, ...wreq.collect_log.map((c) => c.end)),
              'collected_to',
            ),
      fstate: fstate.join(','),
      subreqs: wreq === null ? '' : formatSubreqs(wreq.subrequests),
      reqError: wreq !== null && wreq.error !== 0,
      pinned: pinsHeld(this.k),
      segUseAfterFree: chainUseAfterFree(this.k, positions),
      ...nonZero(
        'copySegs',
        wreq === null ? 0 : wreq.subrequests.reduce((n, s) => n + chainLength(s.content), 0),
      ),
      ...this.bounceObservation(),
      ...lagObservation(
        wreq?.dispatch_cursor.bvecq != null &&
          with_kernel(this.k, () => bvecq_pos_fpos(wreq.dispatch_cursor)) !== wreq.dispatched_to,
      ),
      ...warnObservation(this.advanceV3 && this.k.warnings.some(is_bvecq_advance_warning)),
    };
  }
}

/** A locked folio: still waiting for data, or holding exactly the server's bytes for its slot. */
function folioContent(folio: Folio, slot: number): string {
  if (!folio.hasData()) return 'locked';
  return filledWith(folioBytes(folio, 0, PAGE_SIZE), serverByte(slot)) ? 'filled' : 'garbled';
}

export const bvecqCursorsAdapter: SpecAdapter = {
  spec: 'BvecqCursors',
  observeModel,
  supports: (action) => ACTIONS.has(action.name),
  scenarioSupport,
  // StrictDioSequence = FALSE (BvecqCursors_unordered_dio_write) is the netfs code before
  // a0b4c7a49137: the reference's bvecq_unordered_dio_write fault. CheckTooMuch = FALSE
  // (BvecqCursors_read_too_much) is the code before "netfs: Check for too much data being
  // read": the bvecq_read_too_much fault (collected_to = front->start + transferred runs past
  // the subrequest, unlocking the next folio early; docs/FIDELITY.md finding 11).
  faultKnobs: [
    { constant: 'StrictDioSequence', value: false, fault: 'bvecq_unordered_dio_write' },
    { constant: 'CheckTooMuch', value: false, fault: 'bvecq_read_too_much' },
    // PosRefs = "COLLECT_ONLY" (BvecqCursors_collect_only_refs) is the design PATCH 18/26 note
    // (1) floats: only the collector's bvecq_pos holds a segment ref.
    { constant: 'PosRefs', value: 'COLLECT_ONLY', fault: 'bvecq_collect_only_refs' },
    // AdvanceV1Bug = TRUE (BvecqCursors_dio_write_advance_v1) is bvecq_pos_advance() as RFC v1
    // 05/17 posted it: from inside a slot it stops at the slot's end.
    { constant: 'AdvanceV1Bug', value: true, fault: 'bvecq_pos_advance_v1' },
    // AdvanceV3Bug = TRUE (BvecqCursors_dio_write_advance_v3) is bvecq_pos_advance() as v3 09/22
    // posted it: the slot test the wrong way round, a WARN at a slot in use of the last segment.
    { constant: 'AdvanceV3Bug', value: true, fault: 'bvecq_pos_advance_v3' },
  ],
  // The checks mapped to an invariant the model breaks at a step (a position on a freed segment,
  // a collection past a cursor or a subrequest's end, untiled subrequests, a write hole, a
  // lagging dispatch cursor, v3's advance WARN, a folio held below the collection) are predicted
  // by the model-invariant table (model-invariants.ts); left here is what no invariant of the
  // spec names: a subrequest dispatched while another is outstanding, which breaks the strict
  // DIO sequence (StrictDioSequence = FALSE) that bvecq_write_cursor_order checks.
  predictedViolations: (prev, now) => {
    const subs = parseSubreqs(now.subreqs);
    return subs.length > 1 && subs.length > parseSubreqs(prev?.subreqs).length
      ? ['bvecq_write_cursor_order']
      : [];
  },
  createDriver: (profile, scenario) =>
    opOf(scenario) === 'DIO_WRITE'
      ? new BvecqDioWriteDriver(profile, scenario)
      : new BvecqReadDriver(profile, scenario),
};

/** The `subreqs` observation back as start, len and xfer per outstanding subrequest. */
export function parseSubreqs(
  obs: StepObservation[string] | undefined,
): { start: number; len: number; xfer: number }[] {
  const out: { start: number; len: number; xfer: number }[] = [];
  for (const sr of String(obs ?? '').split(' ')) {
    const m = /^(\d+)\+(\d+):\w+\/(\d+)\//.exec(sr);
    if (m !== null) out.push({ start: Number(m[1]), len: Number(m[2]), xfer: Number(m[3]) });
  }
  return out;
}

/** SubreqsTileDispatched: the outstanding subrequests tile [collect, dispatch) in file order. */
export function subreqsTile(now: StepObservation): boolean {
  let at = Number(now.collect);
  for (const sr of parseSubreqs(now.subreqs)) {
    if (sr.start !== at) return false;
    at = sr.start + sr.len;
  }
  return at === Number(now.dispatch);
}

/** A page failed (given up unwritten) before a page that reached the server (NoWriteHole). */
export function hasWriteHole(fstate: string): boolean {
  const pages = fstate.split(',');
  const failed = pages.indexOf('failed');
  return failed >= 0 && pages.slice(failed + 1).some((p) => p === 'filled' || p === 'uptodate');
}
