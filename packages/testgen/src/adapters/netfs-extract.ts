// NetfsExtract (specs/NetfsExtract.tla): extracting a caller's iterator for a network
// filesystem's direct I/O, in the three forms netfs and cifs use, and releasing what was
// extracted. The reference driver builds the spec's iterator layouts (PAGE = 4 model bytes) at
// 1024 bytes per model byte, so model pages are real 4 KiB pages, and drives the reference's
// real netfs code:
//   Open         the caller's iterator: iov_iter_ubuf (ITER_SOURCE) / iov_iter_init (IOVEC,
//                ITER_DEST) over the process's pages, iov_iter_kvec over a two-page kmalloc
//                buffer (one piece across its pages or one per page: KvecShape),
//                iov_iter_bvec, iov_iter_xarray (page cache), iov_iter_folio_queue (the last
//                two slots of a full segment, per scenario with or without a next),
//                iov_iter_bvec_queue (bvecq RFC, a two-segment chain), iov_iter_discard, a
//                UBUF running past the process's mapping into an unmapped page, and an
//                iov_iter_xarray whose second index holds no folio (XARRAY_HOLE); FOLIOQ_SHORT
//                and BVECQ_SHORT: a folio queue and the BVECQ chain under an iterator whose
//                count runs 2 model bytes past their end (ShortChain configs); FOLIOQ_SHORT's
//                iterator is first moved by iov_iter_extract_pages over the folio before F0.
//   ExtractBvec  netfs_extract_user_iter (fs/netfs/iterator.c) for min(len, count) bytes; its
//                error (-EFAULT from the hole of UBUF_HOLE) when it can pin nothing, as fixed in
//                2026 (ExtractEmptyBug: the fault netfs_extract_user_iter_empty, an empty BVEC).
//   ExtractSg    extract_iter_to_sg (lib/scatterlist.c) into an empty sg_table, sg_max = limit
//                (0: the caller's table is full; it holds nothing from that call).
//   ExtractRdma  smb_extract_iter_to_rdma (fs/smb/client/smbdirect.c) into an empty SGE list,
//                max_sge = limit, the fail-th ib_dma_map_page of the call failing.
//   Release      what the caller does at completion: netfs_release_extracted /
//                sg_table_release_extracted (unpin iff iov_iter_extract_will_pin() said so at
//                extraction), ib_dma_unmap_single for each SGE; for a gaps buffer
//                netfs_read_gaps_done (the sink's folio_put, then netfs_free_request's release of
//                direct_bv with the request's direct_bv_unpin).
//   ReadGaps     netfs_read_gaps_setup (6.12 fs/netfs/buffered_read.c netfs_read_gaps): the bio_vec
//                buffer over page-cache folio P0 whose bytes [from, to) a streaming write wrote,
//                those bytes routed to a fresh sink folio S0; held in a slot like an extraction,
//                with pinned = the request's direct_bv_unpin.
//
// Observations (same keys from model and reference, model units):
//   iter          the caller's iterator type (NONE before Open)
//   pos           bytes the caller's iterator has been advanced by (count at Open - count)
//   ret           the last extraction's result: bytes (for ExtractBvec the new ITER_BVEC's
//                 count), -5 (-EIO) when refused or a mapping failed, -14 (-EFAULT) when
//                 extract_user_to_sg or netfs_extract_user_iter hit the unmapped page
//   pins          nonzero FOLL_PIN pins per frame, "U0=1,U1=1" in frame order
//   mapped        DMA mappings outstanding on the RDMA device
//   slot<s>.form  NONE | BVEC | SG | RDMA: the extraction the caller holds in slot s
//   slot<s>.elems its elements "frame+offset:length,..." (bio_vecs, sg elements, SGEs) in order
//   slot<s>.bytes what the extraction returned; slot<s>.pinned whether release unpins
//   warned        the step WARNed (the spec's warned): the model says so for the walkers'
//                 WARN_ON_ONCE()s at a short chain's end (lib/scatterlist.c extract_folioq_to_sg,
//                 fs/smb/client/smbdirect.c smb_extract_folioq_to_rdma, the RFC's bvecq RDMA
//                 walk), FALSE after every other step; the reference reports whether the step
//                 added a record to the kernel's WARN log (Kernel.warnings)
//
// Frames: U0..U3 the process's pages, K0/K1 the kmalloc pages behind the kvec, B0/B1 the
// bio_vec pages, X0/X1 the page cache's folios, F0/F1 the folio_queue's folios, Q0/Q1 the pages
// of the bvecq's bio_vecs, P0 the partly written page-cache folio of ReadGaps and S0 its sink.

import {
  alloc_page,
  type bio_vec,
  type bvecq,
  extract_describes_exactly,
  extract_iter_to_sg,
  extraction_not_empty,
  FAULT_FLAG_WRITE,
  type Folio,
  folio_alloc,
  folioq_chain_from,
  handle_mm_fault,
  ITER_DEST,
  ITER_SOURCE,
  ib_device,
  type ib_sge,
  type iov_iter,
  iov_iter_bvec,
  iov_iter_bvec_queue,
  iov_iter_clone,
  iov_iter_discard,
  iov_iter_extract_pages,
  iov_iter_extract_will_pin,
  iov_iter_folio_queue,
  iov_iter_init,
  iov_iter_kvec,
  iov_iter_ubuf,
  iov_iter_xarray,
  type Kernel,
  kmalloc_page_aligned,
  type MmStruct,
  mm_alloc,
  netfs_alloc_one_bvecq,
  netfs_extract_user_iter,
  netfs_read_gaps_done,
  netfs_read_gaps_setup,
  netfs_release_extracted,
  PAGE_SIZE,
  PAGEVEC_SIZE,
  type Page,
  type PageSlot,
  pin_balance_at_quiescence,
  rdma_mappings_owned,
  sg_alloc_table,
  sg_element_within_folio,
  sg_elements_match_iterator,
  sg_table_release_extracted,
  smb_extract_iter_to_rdma,
  type smb_extract_to_rdma,
  type Violation,
  virt_to_page,
  vm_mmap,
  with_kernel,
  with_mm,
  XArray,
} from '@pinlab/reference';
import {
  apply,
  asBool,
  asInt,
  asSeq,
  asString,
  type ModelState,
  type ModelValue,
  stateVar,
} from '../model/value.ts';
import type { Scenario, ScenarioAction, StepObservation } from '../target.ts';
import {
  AdapterError,
  nonzeroCounts,
  param,
  type ReferenceDriver,
  type SpecAdapter,
} from './adapter.ts';
import { kernelFor } from './design.ts';
import { kernelViolations } from './invariants.ts';

/**
 * The folio queue under the FOLIOQ iterator. netfs fills a segment to PAGEVEC_SIZE folios and
 * adds the next when it needs room (fs/netfs/rolling_buffer.c rolling_buffer_make_space), and
 * the kernel's walks (lib/scatterlist.c extract_folioq_to_sg, fs/smb/client/smbdirect.c
 * smb_extract_folioq_to_rdma) step to folioq->next only at slot folioq_nr_slots() ==
 * PAGEVEC_SIZE, so F0 and F1 are the last two slots of a full segment (order-0 folios outside
 * the spec before them). Both shapes give the spec's one stream of bytes (the observations
 * cannot tell them apart); the walk steps F0 -> F1 within the segment, then past F1:
 * - 'last': the segment ends the queue: the walk stops there (no folioq->next);
 * - 'more': a segment follows (one folio outside the spec): the walk moves on to it, where the
 *   iterator is left;
 * - 'boundary': F0 and F1 open the second segment and the iterator starts at slot
 *   folioq_nr_slots() of the full first one (its folios all outside the spec), at offset 1: a
 *   position taken at the end of a segment before the next was appended (fs/netfs/
 *   rolling_buffer.c rolling_buffer_make_space moves only the master iterator off such a
 *   position; a copy taken earlier stays there). The walkers step to folioq->next on entry and
 *   keep iov_offset (lib/scatterlist.c extract_folioq_to_sg, fs/smb/client/smbdirect.c
 *   smb_extract_folioq_to_rdma: "if (slot >= folioq_nr_slots(folioq)) { folioq =
 *   folioq->next; ... slot = 0; }"), so the first element is F0 at offset 1 as in the others.
 */
type FolioqShape = 'last' | 'more' | 'boundary';

const FOLIOQ_SHAPES: readonly FolioqShape[] = ['last', 'more', 'boundary'];

/** The shape for a scenario under a profile: a stable choice (FNV-1a of the two names). */
function folioqShapeFor(scenarioId: string, profile: string): FolioqShape {
  let h = 0x811c9dc5;
  for (const ch of `${scenarioId}|${profile}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return FOLIOQ_SHAPES[(h >>> 0) % FOLIOQ_SHAPES.length] as FolioqShape;
}

/**
 * The kvec array under the KVEC iterator. The spec's KVEC is two page parts over a two-page
 * kmalloc buffer, K0 from offset 2 (2 bytes) then K1 from 0 (3 bytes); the kernel's walkers
 * (lib/scatterlist.c extract_kvec_to_sg, fs/smb/client/smbdirect.c smb_extract_kvec_to_rdma)
 * cut every kvec into one element per page, so two kvec arrays give those parts:
 * - 'crossing': <<(K0+2,0), (K0+2,5)>>, an empty kvec the walkers skip, then one piece across
 *   the page boundary (the shape KvecSgLenBug gets wrong: always used under that fault);
 * - 'pieces': <<(K0+2,0), (K0+2,2), (K1+0,3)>>, the empty kvec, then a header ending at the page
 *   boundary and a payload after it in the same kmalloc buffer (an RPC message sent as a kvec
 *   per part). An extraction that spans both takes the walkers from one kvec to the next
 *   (extract_kvec_to_sg: "if (maxsize <= 0 || sg_max == 0) break; start = 0;"), or stops at
 *   the first when sg_max runs out there.
 * In the fixed code both give the same elements, returns and advances (the observations cannot
 * tell them apart).
 */
export type KvecShape = 'crossing' | 'pieces';

const KVEC_SHAPES: readonly KvecShape[] = ['crossing', 'pieces'];

/** The shape for a scenario under a profile: a stable choice (FNV-1a of the two names). */
export function kvecShapeFor(scenarioId: string, profile: string): KvecShape {
  let h = 0x811c9dc5;
  for (const ch of `kvec|${scenarioId}|${profile}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return KVEC_SHAPES[(h >>> 0) % KVEC_SHAPES.length] as KvecShape;
}

/** Reference bytes per model byte: the spec's PAGE (4) becomes PAGE_SIZE. */
const UNIT = PAGE_SIZE / 4;

/** The spec's Frames, in the order observations list them. */
const FRAMES = [
  'U0',
  'U1',
  'U2',
  'U3',
  'K0',
  'K1',
  'B0',
  'B1',
  'X0',
  'X1',
  'F0',
  'F1',
  'Q0',
  'Q1',
  'P0',
  'S0',
] as const;
type Frame = (typeof FRAMES)[number];
export const SLOTS = [1, 2] as const;
const ITER_TYPES = new Set([
  'UBUF',
  'IOVEC',
  'KVEC',
  'BVEC',
  'XARRAY',
  'XARRAY_HOLE',
  'FOLIOQ',
  'FOLIOQ_SHORT',
  'BVECQ',
  'BVECQ_SHORT',
  'DISCARD',
  'UBUF_HOLE',
]);
const ACTIONS = new Set(['Open', 'ExtractBvec', 'ExtractSg', 'ExtractRdma', 'Release', 'ReadGaps']);

/** "U0=1,U1=1": the nonzero counts, in frame order. */
const countList = (count: (f: Frame) => number): string => nonzeroCounts(FRAMES, count);

interface Element {
  frame: string;
  off: number;
  len: number;
}

function elemList(es: readonly Element[]): string {
  return es.map((e) => `${e.frame}+${e.off}:${e.len}`).join(',');
}

interface SlotObservation {
  form: string;
  elems: string;
  bytes: number;
  pinned: boolean;
}

/** Each slot's observation keys, built once per slot rather than per key and step. */
const SLOT_KEYS = {
  1: { form: 'slot1.form', elems: 'slot1.elems', bytes: 'slot1.bytes', pinned: 'slot1.pinned' },
  2: { form: 'slot2.form', elems: 'slot2.elems', bytes: 'slot2.bytes', pinned: 'slot2.pinned' },
} as const;

/**
 * Adds slot s's keys to obs, in the order `slot<s>.form, .elems, .bytes, .pinned`. Set one by
 * one with keys built once: an object literal with computed keys merged by Object.assign cost
 * about ten times more per observation (a replay hot spot), for the same keys in the same order.
 */
function setSlotKeys(
  obs: Record<string, StepObservation[string]>,
  s: (typeof SLOTS)[number],
  o: SlotObservation,
): void {
  const k = SLOT_KEYS[s];
  obs[k.form] = o.form;
  obs[k.elems] = o.elems;
  obs[k.bytes] = o.bytes;
  obs[k.pinned] = o.pinned;
}

function observeModel(_prev: ModelState | undefined, state: ModelState): StepObservation {
  const pins = stateVar(state, 'pins');
  const held = stateVar(state, 'held');
  const obs: Record<string, StepObservation[string]> = {
    iter: asString(stateVar(state, 'iter'), 'iter'),
    pos: asInt(stateVar(state, 'pos'), 'pos'),
    ret: asInt(stateVar(state, 'ret'), 'ret'),
    pins: countList((f) => asInt(apply(pins, f, 'pins'), `pins[${f}]`)),
    mapped: asInt(stateVar(state, 'mapped'), 'mapped'),
    warned: asBool(stateVar(state, 'warned'), 'warned'),
  };
  for (const s of SLOTS) {
    const r: ModelValue = apply(held, s, 'held');
    const field = (k: string) => apply(r, k, `held[${s}]`);
    const elems = asSeq(field('elems'), 'elems').map((e) => ({
      frame: asString(apply(e, 'f', 'elem'), 'f'),
      off: asInt(apply(e, 'off', 'elem'), 'off'),
      len: asInt(apply(e, 'len', 'elem'), 'len'),
    }));
    setSlotKeys(obs, s, {
      form: asString(field('form'), 'form'),
      elems: elemList(elems),
      bytes: asInt(field('bytes'), 'bytes'),
      pinned: asBool(field('pinned'), 'pinned'),
    });
  }
  return obs;
}

/** An extraction the caller holds: its form, how to read its elements, how to release it. */
interface Held {
  form: 'BVEC' | 'SG' | 'RDMA';
  /** Reference bytes the extraction returned (for BVEC: the new iterator's count). */
  bytes: number;
  pinned: boolean;
  /** The elements as (page, offset in that page, length), read from the live structures. */
  elements(): { page: Page; offset: number; length: number }[];
  /** The SGEs, for an RDMA extraction. */
  sges: readonly ib_sge[];
  release(): void;
}

/** Model bytes from reference bytes; a length that is no whole model byte is a driver bug. */
function model(bytes: number, what: string): number {
  if (bytes % UNIT !== 0)
    throw new AdapterError(`NetfsExtract: ${what} ${bytes} is not a multiple of ${UNIT}`);
  return bytes / UNIT;
}

class NetfsExtractDriver implements ReferenceDriver {
  private readonly k: Kernel;
  private readonly mm: MmStruct;
  private readonly base: number;
  private readonly kvecBase: number;
  private readonly bvecPages: readonly [Page, Page];
  private readonly xarray = new XArray();
  /** XARRAY_HOLE's xarray: X0 only, no folio at the second index. */
  private readonly xarrayHole = new XArray();
  private readonly xFolios: readonly [Folio, Folio];
  private readonly fqFolios: readonly [Folio, Folio];
  private readonly bqPages: readonly [Page, Page];
  /** ReadGaps' page-cache folio (P0) and the sink of the gaps read in progress (S0). */
  private readonly gapsFolio: Folio;
  private sinkFolio: Folio | null = null;
  private readonly device = new ib_device();
  private readonly byFolio = new Map<Folio, Frame>();
  private readonly held = new Map<number, Held>();
  private iterType = 'NONE';
  private iter: iov_iter | null = null;
  /** The iterator's count when the caller got it (FOLIOQ_SHORT's was moved before). */
  private openCount = 0;
  private ret = 0;
  /** Whether the last step added a record to the kernel's WARN log (k.warnings). */
  private warned = false;
  /** Violations an extraction showed when it ran (checked once, at its step). */
  private stepViolations: Violation[] = [];

  /** The folio queue the FOLIOQ iterator is built on (folioqShapeFor). */
  private readonly folioqShape: FolioqShape;
  /** The kvec array the KVEC iterator is built on (kvecShapeFor; 'crossing' under KvecSgLenBug). */
  private readonly kvecShape: KvecShape;

  constructor(profile: string, scenarioId: string) {
    this.folioqShape = folioqShapeFor(scenarioId, profile);
    this.k = kernelFor(profile);
    this.kvecShape = this.k.hasFault('kvec_sg_length')
      ? 'crossing'
      : kvecShapeFor(scenarioId, profile);
    const set = with_kernel(this.k, () => {
      const mm = mm_alloc();
      const base = vm_mmap(mm, 0, 4 * PAGE_SIZE);
      if (base < 0) throw new AdapterError(`NetfsExtract: vm_mmap failed (${base})`);
      // The process has written its buffer: private anonymous pages, no zero page.
      for (let v = 0; v < 4; v++) {
        if (handle_mm_fault(mm, base + v * PAGE_SIZE, FAULT_FLAG_WRITE) !== 0)
          throw new AdapterError(`NetfsExtract: cannot fault in user page ${v}`);
      }
      return {
        mm,
        base,
        kvecBase: kmalloc_page_aligned(2 * PAGE_SIZE),
        bvecPages: [alloc_page(), alloc_page()] as [Page, Page],
        xFolios: [folio_alloc(0), folio_alloc(0)] as [Folio, Folio],
        fqFolios: [folio_alloc(0), folio_alloc(0)] as [Folio, Folio],
        bqPages: [alloc_page(), alloc_page()] as [Page, Page],
        gapsFolio: folio_alloc(0),
      };
    });
    this.mm = set.mm;
    this.base = set.base;
    this.kvecBase = set.kvecBase;
    this.bvecPages = set.bvecPages;
    this.xFolios = set.xFolios;
    this.fqFolios = set.fqFolios;
    this.bqPages = set.bqPages;
    this.gapsFolio = set.gapsFolio;
    this.xarray.xa_store_folio(0, this.xFolios[0]);
    this.xarray.xa_store_folio(1, this.xFolios[1]);
    this.xarrayHole.xa_store_folio(0, this.xFolios[0]);
    for (let v = 0; v < 4; v++) this.byFolio.set(this.userPage(v).folio, `U${v}` as Frame);
    with_kernel(this.k, () => {
      this.byFolio.set(virt_to_page(this.kvecBase).folio, 'K0');
      this.byFolio.set(virt_to_page(this.kvecBase + PAGE_SIZE).folio, 'K1');
    });
    this.byFolio.set(this.bvecPages[0].folio, 'B0');
    this.byFolio.set(this.bvecPages[1].folio, 'B1');
    this.byFolio.set(this.xFolios[0], 'X0');
    this.byFolio.set(this.xFolios[1], 'X1');
    this.byFolio.set(this.fqFolios[0], 'F0');
    this.byFolio.set(this.fqFolios[1], 'F1');
    this.byFolio.set(this.bqPages[0].folio, 'Q0');
    this.byFolio.set(this.bqPages[1].folio, 'Q1');
    this.byFolio.set(this.gapsFolio, 'P0');
  }

  /** The page user page v maps. */
  private userPage(v: number): Page {
    const pte = this.mm.ptes.get(Math.floor((this.base + v * PAGE_SIZE) / PAGE_SIZE));
    if (pte === undefined) throw new AdapterError(`NetfsExtract: user page ${v} is not mapped`);
    return pte.page;
  }

  private frameOf(page: Page): Frame {
    const f = this.byFolio.get(page.folio);
    if (f === undefined)
      throw new AdapterError(`NetfsExtract: pfn ${page.pfn} is no frame of the spec`);
    return f;
  }

  apply(action: ScenarioAction): void {
    this.stepViolations = [];
    const warningsBefore = this.k.warnings.length;
    with_kernel(this.k, () => this.step(action));
    this.warned = this.k.warnings.length > warningsBefore;
  }

  private openIter(): iov_iter {
    if (this.iter === null)
      throw new AdapterError('NetfsExtract: an extraction before Open (no iterator)');
    return this.iter;
  }

  /** min(len, what is left): the bytes the caller asks for. */
  private budget(action: ScenarioAction): number {
    const len = param(action, 'len', 'number');
    const it = this.openIter();
    if (it.count === 0)
      throw new AdapterError('NetfsExtract: extraction from an exhausted iterator');
    return Math.min(len * UNIT, it.count);
  }

  private freeSlot(): number {
    const s = SLOTS.find((n) => !this.held.has(n));
    if (s === undefined) throw new AdapterError('NetfsExtract: both slots are held');
    return s;
  }

  /**
   * Records a held extraction and checks that it describes exactly what it returned. before: a
   * copy of the caller's iterator from before the call (iov_iter_clone), against which an SG
   * extraction's elements are checked (sg_elements_match_iterator).
   */
  private hold(where: string, h: Held, advanced: number, before?: iov_iter): void {
    this.held.set(this.freeSlot(), h);
    this.ret = h.bytes;
    const elements = h.elements();
    this.stepViolations.push(...extraction_not_empty(where, h.bytes));
    this.stepViolations.push(
      ...extract_describes_exactly(
        where,
        h.bytes,
        elements.map((e) => e.length),
        advanced,
      ),
    );
    if (h.form === 'SG') {
      const sg = elements.map((e) => ({ page: e.page, offset: e.offset, length: e.length }));
      this.stepViolations.push(...sg_element_within_folio(sg));
      if (before !== undefined) this.stepViolations.push(...sg_elements_match_iterator(before, sg));
    }
  }

  private step(action: ScenarioAction): void {
    switch (action.name) {
      case 'Open': {
        const t = param(action, 'iter', 'string');
        if (this.iter !== null) throw new AdapterError('NetfsExtract: Open twice');
        this.iter = this.buildIter(t);
        this.openCount = this.iter.count;
        this.iterType = t;
        return;
      }
      case 'ExtractBvec': {
        const it = this.openIter();
        const n = this.budget(action);
        const before = it.count;
        const pinned = iov_iter_extract_will_pin(it);
        const r = netfs_extract_user_iter(it, n);
        if (r.npages < 0 || r.new_iter === null) {
          this.ret = r.npages;
          return;
        }
        const bv: readonly bio_vec[] = r.bv;
        this.hold(
          'netfs_extract_user_iter',
          {
            form: 'BVEC',
            bytes: r.new_iter.count,
            pinned,
            elements: () =>
              bv.map((b) => ({ page: b.bv_page, offset: b.bv_offset, length: b.bv_len })),
            sges: [],
            release: () => netfs_release_extracted(bv, pinned),
          },
          before - it.count,
        );
        return;
      }
      case 'ExtractSg': {
        const it = this.openIter();
        const n = this.budget(action);
        const limit = param(action, 'limit', 'number');
        const before = it.count;
        const pinned = iov_iter_extract_will_pin(it);
        const start = iov_iter_clone(it);
        const t = sg_alloc_table();
        const ret = extract_iter_to_sg(it, n, t, limit);
        if (ret < 0) {
          this.ret = ret;
          return;
        }
        if (ret === 0) {
          // A full table (sg_max 0), an xarray walk that starts at a hole (xas_for_each()
          // finds no folio: XARRAY_HOLE), or a queue walk that starts at the end of a short
          // chain (FOLIOQ_SHORT, BVECQ_SHORT): the caller holds nothing. What the call did must
          // still be nothing: no element, no advance (checked as for a held extraction).
          this.ret = ret;
          this.stepViolations.push(
            ...extract_describes_exactly(
              'extract_iter_to_sg',
              ret,
              t.sgl.slice(t.orig_nents, t.nents).map((e) => e.length),
              before - it.count,
            ),
          );
          return;
        }
        this.hold(
          'extract_iter_to_sg',
          {
            form: 'SG',
            bytes: ret,
            pinned,
            elements: () =>
              t.sgl
                .slice(t.orig_nents, t.nents)
                .map((e) => ({ page: e.page, offset: e.offset, length: e.length })),
            sges: [],
            release: () => sg_table_release_extracted(t, pinned),
          },
          before - it.count,
          start,
        );
        return;
      }
      case 'ExtractRdma': {
        const it = this.openIter();
        const n = this.budget(action);
        const limit = param(action, 'limit', 'number');
        const fail = param(action, 'fail', 'number');
        const before = it.count;
        const rdma: smb_extract_to_rdma = {
          sge: [],
          nr_sge: 0,
          max_sge: limit,
          device: this.device,
          local_dma_lkey: 0,
        };
        this.device.fail_map_at = fail === 0 ? 0 : this.device.map_calls + fail;
        const ret = smb_extract_iter_to_rdma(it, n, rdma);
        this.device.fail_map_at = 0;
        if (ret < 0) {
          this.ret = ret;
          return;
        }
        const sges = rdma.sge.slice(0, rdma.nr_sge);
        this.hold(
          'smb_extract_iter_to_rdma',
          {
            form: 'RDMA',
            bytes: ret,
            pinned: false,
            elements: () =>
              sges.map((sge) => {
                const m = this.device.mappings.get(sge.addr);
                if (m === undefined)
                  throw new AdapterError(`NetfsExtract: SGE ${sge.addr} is not mapped`);
                return { page: m.page, offset: m.offset, length: sge.length };
              }),
            sges,
            // The send completion: ib_dma_unmap_single for each SGE (fs/smb/client/smbdirect.c).
            release: () => {
              for (const sge of sges) this.device.ib_dma_unmap_single(sge.addr, sge.length);
            },
          },
          before - it.count,
        );
        return;
      }
      case 'ReadGaps': {
        const from = param(action, 'from', 'number');
        const to = param(action, 'to', 'number');
        const buf = netfs_read_gaps_setup(this.gapsFolio, from * UNIT, to * UNIT);
        // S0 is the sink of this read (each gaps read allocates its own).
        if (this.sinkFolio !== null) this.byFolio.delete(this.sinkFolio);
        this.sinkFolio = buf.sink;
        this.byFolio.set(buf.sink, 'S0');
        this.folioOfFrame = null;
        const bv: readonly bio_vec[] = buf.bv;
        this.held.set(this.freeSlot(), {
          form: 'BVEC',
          bytes: bv.reduce((n, b) => n + b.bv_len, 0),
          pinned: buf.unpin,
          elements: () =>
            bv.map((b) => ({ page: b.bv_page, offset: b.bv_offset, length: b.bv_len })),
          sges: [],
          release: () => netfs_read_gaps_done(buf),
        });
        return;
      }
      case 'Release': {
        const s = param(action, 'slot', 'number');
        const h = this.held.get(s);
        if (h === undefined) throw new AdapterError(`NetfsExtract: Release of empty slot ${s}`);
        h.release();
        this.held.delete(s);
        return;
      }
      default:
        throw new AdapterError(`NetfsExtract: unknown action ${action.name}`);
    }
  }

  /** The spec's iterator layouts (specs/NetfsExtract.tla, Layout), scaled by UNIT. */
  private buildIter(t: string): iov_iter {
    if (!ITER_TYPES.has(t)) throw new AdapterError(`NetfsExtract: unknown iterator type ${t}`);
    const u = (modelAddr: number) => this.base + modelAddr * UNIT;
    switch (t) {
      case 'UBUF': // user address 1, 6 bytes; a source (a DIO write)
        return with_mm(this.mm, () => iov_iter_ubuf(ITER_SOURCE, u(1), 6 * UNIT));
      case 'IOVEC': {
        // <<(9,2), (12,4)>>: user page 2 at offset 1, then user page 3.
        const iov = [
          { iov_base: u(9), iov_len: 2 * UNIT },
          { iov_base: u(12), iov_len: 4 * UNIT },
        ];
        return with_mm(this.mm, () => iov_iter_init(ITER_DEST, iov, iov.length, 6 * UNIT));
      }
      case 'KVEC': {
        // An empty kvec, then 'crossing': <<(K0+2,5)>>, a piece across the two kmalloc pages;
        // 'pieces': <<(K0+2,2), (K1+0,3)>>, a piece up to the page boundary and one after it.
        const kv =
          this.kvecShape === 'crossing'
            ? [
                { iov_base: this.kvecBase + 2 * UNIT, iov_len: 0 },
                { iov_base: this.kvecBase + 2 * UNIT, iov_len: 5 * UNIT },
              ]
            : [
                { iov_base: this.kvecBase + 2 * UNIT, iov_len: 0 },
                { iov_base: this.kvecBase + 2 * UNIT, iov_len: 2 * UNIT },
                { iov_base: this.kvecBase + PAGE_SIZE, iov_len: 3 * UNIT },
              ];
        return iov_iter_kvec(ITER_DEST, kv, kv.length, 5 * UNIT);
      }
      case 'BVEC': {
        // <<(B0,0,0), (B0,0,4), (B1,0,2)>>: an empty bio_vec first
        const bv = [
          { bv_page: this.bvecPages[0], bv_offset: 0, bv_len: 0 },
          { bv_page: this.bvecPages[0], bv_offset: 0, bv_len: 4 * UNIT },
          { bv_page: this.bvecPages[1], bv_offset: 0, bv_len: 2 * UNIT },
        ];
        return iov_iter_bvec(ITER_DEST, bv, bv.length, 6 * UNIT);
      }
      case 'XARRAY': // file position 2, 6 bytes
        return iov_iter_xarray(ITER_DEST, this.xarray, 2 * UNIT, 6 * UNIT);
      case 'XARRAY_HOLE': // as XARRAY, no folio at index 1: a hole at the end of the range
        return iov_iter_xarray(ITER_DEST, this.xarrayHole, 2 * UNIT, 6 * UNIT);
      case 'FOLIOQ_SHORT':
        return this.folioqShortIter();
      case 'BVECQ_SHORT':
        // The BVECQ chain (6 bytes) under a count of 8: 2 past the chain's end.
        return iov_iter_bvec_queue(ITER_DEST, this.bvecqChain(), 0, 0, 8 * UNIT);
      case 'FOLIOQ': {
        // F0 offset 1, 7 bytes: F0 then F1, the last two slots of a full segment (see
        // FolioqShape), with or without a segment after it, or the first two of the second
        // segment with the iterator at the first one's end.
        if (this.folioqShape === 'boundary') {
          const full = Array.from({ length: PAGEVEC_SIZE }, () => folio_alloc(0));
          const chain = folioq_chain_from([...full, ...this.fqFolios]);
          return iov_iter_folio_queue(ITER_DEST, chain, PAGEVEC_SIZE, UNIT, 7 * UNIT);
        }
        const before = Array.from({ length: PAGEVEC_SIZE - 2 }, () => folio_alloc(0));
        const after = this.folioqShape === 'more' ? [folio_alloc(0)] : [];
        const chain = folioq_chain_from([...before, ...this.fqFolios, ...after]);
        return iov_iter_folio_queue(ITER_DEST, chain, PAGEVEC_SIZE - 2, UNIT, 7 * UNIT);
      }
      case 'UBUF_HOLE':
        // user page 3 offset 1, 6 bytes: the page after the mapping's last is not mapped
        return with_mm(this.mm, () =>
          iov_iter_ubuf(ITER_DEST, this.base + 3 * PAGE_SIZE + UNIT, 6 * UNIT),
        );
      case 'DISCARD':
        return iov_iter_discard(ITER_DEST, 6 * UNIT);
      default:
        // BVECQ: the chain's 6 bytes
        return iov_iter_bvec_queue(ITER_DEST, this.bvecqChain(), 0, 0, 6 * UNIT);
    }
  }

  /**
   * FOLIOQ_SHORT: F0, F1 from offset 0 (8 bytes), the last two slots of the queue's only, full,
   * segment (a partly filled last segment would send the kernel's walkers into its empty
   * slots), under a count of 10: 2 past the queue's end. The iterator first covers the folio
   * before F0 too, and a previous consumer took that folio's page with iov_iter_extract_pages()
   * (maxpages 1), which leaves it at that folio's end, iov_offset == its size: lib/iov_iter.c
   * iov_iter_extract_folioq_pages breaks on maxpages before stepping to the next slot. The
   * walkers step over the spent folio on entry (lib/scatterlist.c extract_folioq_to_sg,
   * fs/smb/client/smbdirect.c smb_extract_folioq_to_rdma: "if (offset >= fsize) { offset = 0;
   * slot++; ... }").
   */
  private folioqShortIter(): iov_iter {
    const before = Array.from({ length: PAGEVEC_SIZE - 3 }, () => folio_alloc(0));
    const spent = folio_alloc(0);
    const chain = folioq_chain_from([...before, spent, ...this.fqFolios]);
    const it = iov_iter_folio_queue(ITER_DEST, chain, PAGEVEC_SIZE - 3, 0, PAGE_SIZE + 10 * UNIT);
    const pages = { value: new Array<PageSlot>(1) as PageSlot[] | null };
    const got = iov_iter_extract_pages(it, pages, PAGE_SIZE, 1, 0, { value: 0 });
    if (
      got !== PAGE_SIZE ||
      pages.value?.[0] !== spent.page(0) ||
      it.folioq_slot !== PAGEVEC_SIZE - 3 ||
      it.iov_offset !== PAGE_SIZE
    ) {
      throw new AdapterError(
        `NetfsExtract: iov_iter_extract_pages over the folio before F0 gave ${got} bytes and left slot ${it.folioq_slot} offset ${it.iov_offset}`,
      );
    }
    return it;
  }

  /** BVECQ's chain: two one-slot segments <<(Q0,0,4)>>, <<(Q1,1,2)>> (discontiguous in the file). */
  private bvecqChain(): bvecq {
    const head: bvecq = netfs_alloc_one_bvecq(1);
    const tail: bvecq = netfs_alloc_one_bvecq(1);
    head.bv.push({ bv_page: this.bqPages[0], bv_offset: 0, bv_len: 4 * UNIT });
    tail.bv.push({ bv_page: this.bqPages[1], bv_offset: UNIT, bv_len: 2 * UNIT });
    head.nr_slots = 1;
    tail.nr_slots = 1;
    tail.discontig = true;
    head.next = tail;
    tail.prev = head;
    return head;
  }

  /**
   * Kernel-wide invariants; pin balance whenever nothing is held (quiescence); every DMA
   * mapping owned by a held SGE; and what the last extraction showed when it ran.
   */
  violations(): Violation[] {
    const quiescent = this.held.size === 0;
    return [
      ...kernelViolations(this.k),
      ...(quiescent ? pin_balance_at_quiescence(this.k) : []),
      ...rdma_mappings_owned(
        this.device,
        [...this.held.values()].map((h) => h.sges),
      ),
      ...this.stepViolations,
    ];
  }

  /** byFolio reversed, built at the first observation (and again after ReadGaps registers its sink). */
  private folioOfFrame: Map<Frame, Folio> | null = null;

  observe(): StepObservation {
    let folioOf = this.folioOfFrame;
    if (folioOf === null) {
      folioOf = new Map<Frame, Folio>();
      for (const [folio, f] of this.byFolio) folioOf.set(f, folio);
      this.folioOfFrame = folioOf;
    }
    const it = this.iter;
    const obs: Record<string, StepObservation[string]> = {
      iter: this.iterType,
      pos: it === null ? 0 : model(this.openCount - it.count, 'advance'),
      ret: this.ret < 0 ? this.ret : model(this.ret, 'ret'),
      pins: countList((f) => folioOf.get(f)?.gup_pins ?? 0),
      mapped: this.device.mappings.size,
      warned: this.warned,
    };
    for (const s of SLOTS) {
      const h = this.held.get(s);
      setSlotKeys(
        obs,
        s,
        h === undefined
          ? { form: 'NONE', elems: '', bytes: 0, pinned: false }
          : {
              form: h.form,
              elems: elemList(
                h.elements().map((e) => ({
                  frame: this.frameOf(e.page),
                  off: model(e.offset, 'element offset'),
                  len: model(e.length, 'element length'),
                })),
              ),
              bytes: model(h.bytes, 'bytes'),
              pinned: h.pinned,
            },
      );
    }
    return obs;
  }
}

/**
 * The spec's Layout(t) (specs/NetfsExtract.tla) as [frame, offset, length] of its two page parts,
 * for the types an SG extraction can hold.
 */
const LAYOUT_PARTS: Readonly<Record<string, readonly (readonly [string, number, number])[]>> = {
  UBUF: [
    ['U0', 1, 3],
    ['U1', 0, 3],
  ],
  IOVEC: [
    ['U2', 1, 2],
    ['U3', 0, 4],
  ],
  KVEC: [
    ['K0', 2, 2],
    ['K1', 0, 3],
  ],
  BVEC: [
    ['B0', 0, 4],
    ['B1', 0, 2],
  ],
  XARRAY: [
    ['X0', 2, 2],
    ['X1', 0, 4],
  ],
  FOLIOQ: [
    ['F0', 1, 3],
    ['F1', 0, 4],
  ],
  FOLIOQ_SHORT: [
    ['F0', 0, 4],
    ['F1', 0, 4],
  ],
  BVECQ: [
    ['Q0', 0, 4],
    ['Q1', 1, 2],
  ],
  BVECQ_SHORT: [
    ['Q0', 0, 4],
    ['Q1', 1, 2],
  ],
  UBUF_HOLE: [['U3', 1, 3]],
  XARRAY_HOLE: [['X0', 2, 2]],
};

/**
 * Whether a slot's elements ("X0+2:2,X1+0:4") describe consecutive bytes of its iterator type's
 * layout: each within one page part, from the offset of its stream position, the next element
 * starting where the previous one ended (the model's ElementsMatchIterator).
 */
export function elemsFollowLayout(iter: unknown, elems: unknown): boolean {
  const parts = typeof iter === 'string' ? LAYOUT_PARTS[iter] : undefined;
  if (parts === undefined || typeof elems !== 'string' || elems === '') return true;
  let next: number | null = null;
  for (const { frame: f, off, len } of observedElems(elems)) {
    let at = 0;
    let found: number | null = null;
    for (const [pf, po, pl] of parts) {
      if (pf === f && off >= po && off + len <= po + pl) found = at + (off - po);
      at += pl;
    }
    if (found === null || (next !== null && found !== next)) return false;
    next = found + len;
  }
  return true;
}

/** Whether a slot's elements are netfs_read_gaps' buffer (frames P0, S0), not an extraction. */
export function isGapsBuffer(elems: unknown): boolean {
  return observedElems(elems).some((e) => e.frame === 'P0' || e.frame === 'S0');
}

/** The model's elements of one slot, parsed back from an observation ("U0+1:3,U1+0:3"). */
export function observedElems(elems: unknown): { frame: string; off: number; len: number }[] {
  if (typeof elems !== 'string' || elems === '') return [];
  return elems.split(',').map((e) => {
    const m = /^([^+]*)\+(\d+):(\d+)$/.exec(e);
    if (m === null) throw new AdapterError(`NetfsExtract: bad element "${e}"`);
    return { frame: m[1] as string, off: Number(m[2]), len: Number(m[3]) };
  });
}

export const netfsExtractAdapter: SpecAdapter = {
  spec: 'NetfsExtract',
  observeModel,
  supports: (action) => ACTIONS.has(action.name),
  // The historical bugs the spec's legacy configs select, re-created by reference faults.
  faultKnobs: [
    { constant: 'ExtractEmptyBug', value: true, fault: 'netfs_extract_user_iter_empty' },
    { constant: 'KvecSgLenBug', value: true, fault: 'kvec_sg_length' },
    { constant: 'RdmaUnwindBug', value: true, fault: 'rdma_unwind_post_decrement' },
    { constant: 'XarraySgOffsetBug', value: true, fault: 'xarray_sg_offset' },
  ],
  // Read from the observations the model predicts: an element running past its page
  // (ElementsWithinPages), elements describing other than what was returned
  // (DescribedEqualsExtracted), a DMA mapping no held extraction owns (MappingsOwned), a held
  // extraction of 0 bytes (HeldExtractionsNotEmpty), SG elements other than the iterator's bytes
  // (ElementsMatchIterator).
  predictedViolations: (_prev, now) => {
    const out = new Set<string>();
    let owned = 0;
    for (const s of SLOTS) {
      const es = observedElems(now[`slot${s}.elems`]);
      if (now[`slot${s}.form`] === 'SG' && !elemsFollowLayout(now.iter, now[`slot${s}.elems`]))
        out.add('sg_elements_match_iterator');
      if (es.some((e) => e.off + e.len > 4)) out.add('sg_element_within_folio');
      if (es.reduce((a, e) => a + e.len, 0) !== now[`slot${s}.bytes`])
        out.add('extract_describes_exactly');
      if (now[`slot${s}.form`] !== 'NONE' && now[`slot${s}.bytes`] === 0)
        out.add('extraction_not_empty');
      if (now[`slot${s}.form`] === 'RDMA') owned += es.length;
    }
    if (typeof now.mapped === 'number' && now.mapped > owned) out.add('rdma_mappings_owned');
    return [...out];
  },
  createDriver: (profile: string, scenario: Scenario) =>
    new NetfsExtractDriver(profile, scenario.id),
};
