// The model's invariants and the reference checks that must report them. A generated suite
// stores the observations the model predicts at every step, not the model's invariant results;
// each spec's observations carry what its broken invariants look like (an oops, a negative pin
// count, a result listing bytes in no page...). For every invariant of the spec (the INVARIANT
// lists of its configs), the table below says either how a step's observations show the model
// breaking it and which reference checks (ReferenceDriver.violations) report it, or why no
// reference check can be held to it (`unchecked`, with the reason). The reference target fails
// a step at which the model breaks a checked invariant and none of its reference checks reports
// a violation (reference-target.ts), as it fails one where a check reports a violation the
// model does not predict (SpecAdapter.predictedViolations): a disabled checker or fault arm
// fails the generated suite.
//
// Kept here, not in the adapters, for the six specs alike (the ForkRace and PinUnpin adapters
// are edited elsewhere); a unit test (test/adapters/model-invariants.test.ts) checks that every
// invariant of every spec's configs is listed exactly once, and that each `broken` predicate
// agrees with the model on the counterexample of the configs expected to break it.

import type { ActionParam, ScenarioAction, StepObservation } from '../target.ts';
import { hasWriteHole, parseSubreqs, subreqsTile } from './bvecq-cursors.ts';
import { forkSharesPinned } from './fork-race.ts';
import { getPagesStalled } from './iter-cursor.ts';
import { elemsFollowLayout, isGapsBuffer, observedElems, SLOTS } from './netfs-extract.ts';
import { PROC_KEYS, PROCS } from './splice-pipe.ts';

export interface CheckedInvariant {
  /** The model invariant, as the spec's INVARIANT lists name it. */
  readonly invariant: string;
  /**
   * Whether the model's observations before and after a step (with the step's action and the
   * scenario's constants) say the invariant is broken after it, at a step where the reference's
   * checks can see it (see `reportedAs`).
   */
  broken(
    prev: StepObservation | undefined,
    now: StepObservation,
    action: ScenarioAction,
    constants: Readonly<Record<string, ActionParam>>,
  ): boolean;
  /** Reference checks (Violation.invariant names), any of which reporting it is enough. */
  readonly reportedAs: readonly string[];
}

export interface ModelInvariantTable {
  readonly spec: string;
  readonly checked: readonly CheckedInvariant[];
  /** Invariants no reference check is held to, each with why. */
  readonly unchecked: Readonly<Record<string, string>>;
}

/**
 * No config is expected to break it: specs/manifest.json expects it of none, and `pinlab check`
 * holds every ok config to it under its own constants. No observation is read as its break, so
 * a profile's constants that broke it would go unchecked here (the observations still compare).
 */
const FIXED_DESIGN =
  "no config of specs/manifest.json is expected to break it (pinlab check holds every ok config to it under the config's constants): no observation of the spec is read as its break";
/** TypeOK: the model's own typing, with no kernel counterpart. */
const TYPE_OK = "the model's typing of its own variables: no kernel state to check";

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The steps that set the model's `last` record (a call's result): Extract and GetPages. */
const EXTRACTING = new Set(['Extract', 'GetPages', 'GetPagesOne']);

// IterCursor: the iterator invariants (invariants/iov_iter.ts iov_iter_violations) the driver
// checks on its iterator after every step, and those of the call a step makes (Extract,
// GetPages: the driver's extractViolations). A call's result invariants are held at the step
// of the call (the model's `last` and the driver's results are both replaced by the next call).
const iterCursor: ModelInvariantTable = {
  spec: 'IterCursor',
  checked: [
    {
      // oops "BUG" / "OOB": a revert before the iterator's start. Without the guard (fault
      // over_revert) the walk back leaves the reference iterator before its start
      // (no_over_reversion, iter_count_consistent); where iov_iter_revert's BUG() stops it first
      // (the reference's IovIterBug: UBUF/XARRAY, or a vector type the kernel's own check
      // catches) the driver reports that BUG() as a no_over_reversion violation (revertBug).
      invariant: 'NeverBeforeStart',
      broken: (_p, now) => now.oops === 'BUG' || now.oops === 'OOB',
      reportedAs: ['no_over_reversion', 'iter_count_consistent'],
    },
    {
      // A count that wrapped below 0 (DiscardAdvanceBug), or a stranded pointer (above:
      // ExtractZeroSkipBug leaves the iterator past its array).
      invariant: 'CountOffsetConsistent',
      broken: (_p, now) =>
        (now.oops === 'NONE' && now.npages === null) || (num(now.count) ?? 0) < 0,
      reportedAs: ['iter_count_consistent'],
    },
    {
      // Bytes of the call's result with an empty page slot (last.unbacked).
      invariant: 'ExtractedBytesBacked',
      broken: (_p, now, action) => EXTRACTING.has(action.name) && (num(now.lastUnbacked) ?? 0) > 0,
      reportedAs: ['extract_result_consistent', 'extract_matches_iterator'],
    },
    {
      // Bytes listed at another page or offset than the iterator holds them (last.misplaced).
      invariant: 'ExtractedBytesPlaced',
      broken: (_p, now, action) => EXTRACTING.has(action.name) && (num(now.lastMisplaced) ?? 0) > 0,
      reportedAs: ['extract_matches_iterator'],
    },
    {
      // A page listed past the result's bytes (last.stray), for a result of some bytes: a
      // GetPages that returns 0 or an error through iov_iter_get_pages_alloc2 frees its array
      // (__iov_iter_get_pages_alloc: kvfree(*pages), *pages = NULL), so the leaked reference
      // is in no array a check can read; the driver counts it from the folios' reference
      // counts (lastStray), which the observations compare.
      invariant: 'NoStrayPages',
      broken: (_p, now, action) =>
        EXTRACTING.has(action.name) &&
        (num(now.lastStray) ?? 0) > 0 &&
        (num(now.lastBytes) ?? 0) > 0,
      reportedAs: ['get_pages_no_stray_pages'],
    },
    {
      // An Extract of more bytes than the iterator held (the model's last.over): the advance
      // that follows stops at count 0.
      invariant: 'ExtractWithinCount',
      broken: (prev, now, action) => {
        if (action.name !== 'Extract') return false;
        const before = num(prev?.count);
        const bytes = num(now.lastBytes);
        return before !== undefined && now.count === 0 && bytes !== undefined && bytes > before;
      },
      reportedAs: ['extract_result_consistent', 'extract_matches_iterator'],
    },
    {
      // A Copy counting bytes its position did not pass (last.misplaced of a Copy; the driver's
      // lastMisplaced from the reference's folioq_consumed before and after): the
      // pre-808471ddb0fa iterate_folioq from a cursor parked at a folio end (FolioqIterateBug)
      // copies at the page after the folio and steps to the next slot at offset 0.
      invariant: 'CopyAtCursor',
      broken: (_p, now, action) => action.name === 'Copy' && (num(now.lastMisplaced) ?? 0) > 0,
      reportedAs: ['iter_count_consistent'],
    },
    {
      // A GetPages returning 0 with bytes left (a caller's endless loop; 6.12-rc1's folio_queue
      // get_pages parked at a folio end, FolioqGetPagesBug). The model's exception, a hole at
      // the cursor, returns 0 only on an XARRAY with a hole (a user hole fails -EFAULT): such a
      // stalled step is left to the observations.
      invariant: 'GetPagesProgress',
      broken: (prev, now, action, constants) =>
        (action.name === 'GetPages' || action.name === 'GetPagesOne') &&
        getPagesStalled(prev, now) &&
        !(now.type === 'XARRAY' && constants.XarrayHole === true),
      reportedAs: ['get_pages_progress'],
    },
  ],
  unchecked: {
    TypeOK: TYPE_OK,
    SegmentPointerValid:
      'the segment pointer is no observation (count and the page counts pin the position down): a pointer off a whole segment shows through the count it leaves inconsistent, which CountOffsetConsistent holds iter_count_consistent to; the config that breaks it (IterCursor_bvec_kvec_mixup, the ILP32 stride) runs under no profile (no kernel profile has that ABI), so no suite steps break it',
    SlotsInUse:
      "RFC v1's read (broken under bvecq-rfc+bvecq_empty_seg_v1) of an empty bvecq segment's bio_vec past its slots in use is the reference's IovIterOutOfBounds, raised by the read itself (no check runs after it): the driver reports it as oops \"SLOT\", which the observations compare",
  },
};

/** Bytes per page of the SplicePipe observations (ret_<p> is in pages). */
const PAGE = 4096;

/** The bytes a SplicePipe pipe_<p> observation lists ("D1,D2:1024": a page, then 1024 bytes). */
function pipeBytes(pipe: StepObservation[string] | undefined): number | undefined {
  if (typeof pipe !== 'string') return undefined;
  if (pipe === '') return 0;
  let n = 0;
  for (const b of pipe.split(',')) {
    const len = b.split(':')[1];
    n += len === undefined ? PAGE : Number(len);
  }
  return n;
}

// SplicePipe: the WARN log (no_dma_into_freed_page) and each returned splice's result checks
// (invariants/splice.ts), which the driver runs on a splice when it returns.
const splicePipe: ModelInvariantTable = {
  spec: 'SplicePipe',
  checked: [
    {
      // A bio page whose frame was freed under it (bioFreed) completes: its DMA lands in a freed
      // (or reused) page, which the reference WARNs about at the completion (bdev_complete_bio).
      // The model's invariant breaks at the free; the reference can tell only when the DMA lands.
      invariant: 'NoBufferFreedUnderBio',
      broken: (prev, now) => (num(prev?.bioFreed) ?? 0) > (num(now.bioFreed) ?? 0),
      reportedAs: ['no_dma_into_freed_page'],
    },
    {
      // A splice returning with more bytes in its pipe than it returned (no revert to i_size:
      // a pipe buffer past ret, the model's pipe[p][k].page > ret[p]): splice_pipe_matches_ret
      // judges the splice at its return (each process splices once, into a pipe empty until
      // then; a failed splice returns 0 bytes).
      invariant: 'ReadLimitedToEof',
      broken: (prev, now) =>
        PROCS.some((p) => {
          const k = PROC_KEYS[p];
          const ret = now[k.ret];
          if (prev?.[k.ret] !== null || ret === null || ret === undefined) return false;
          const bytes = pipeBytes(now[k.pipe]);
          return bytes !== undefined && bytes > Math.round(Math.max(num(ret) ?? 0, 0) * PAGE);
        }),
      reportedAs: ['splice_pipe_matches_ret'],
    },
    {
      // Pages allocated past EOF under the ver #20 promise (overAlloc grew): splice_within_eof
      // judges the splice that returned at this step.
      invariant: 'AllocationWithinEof',
      broken: (prev, now) => (num(now.allocPastEof) ?? 0) > (num(prev?.allocPastEof) ?? 0),
      reportedAs: ['splice_within_eof'],
    },
    {
      // A buffered splice that returned pages past the i_size a truncate left (pastEof grew: the
      // i_size sampled before its pages were uptodate, splice_isize_before_uptodate):
      // splice_within_eof judges the splice that returned at this step.
      invariant: 'SpliceWithinEof',
      broken: (prev, now) => (num(now.pastEof) ?? 0) > (num(prev?.pastEof) ?? 0),
      reportedAs: ['splice_within_eof'],
    },
    {
      // A splice that failed after its read met the full pipe (fullFail), judged by
      // splice_fill_not_failed when it returns -EAGAIN.
      invariant: 'FillNotFailed',
      broken: (prev, now) =>
        (num(now.failFull) ?? 0) > 0 &&
        PROCS.some((p) => {
          const k = PROC_KEYS[p];
          return prev?.[k.ret] === null && now[k.ret] === 'error 11';
        }),
      reportedAs: ['splice_fill_not_failed'],
    },
  ],
  unchecked: {
    TypeOK: TYPE_OK,
    NoForeignDataInPipe:
      "the reference has no check of whose data a pipe buffer holds (broken under linux-6.1+iter_pipe_truncate_revert in SplicePipe_iter_pipe and SplicePipe_iter_pipe_reuse): the other process's data read through a reused frame is the observation pipe_<p> itself (X<i>), compared step by step",
    BufferedSpliceByReference: FIXED_DESIGN,
    PipeBuffersLive: FIXED_DESIGN,
    RefcountMatchesHolders: FIXED_DESIGN,
  },
};

// BvecqCursors: the chain and cursor checks of invariants/bvecq.ts on the request, after every
// step, and the kernel-wide ones (a freed segment's pages: no_dma_into_freed_page, underflow).
const bvecqCursors: ModelInvariantTable = {
  spec: 'BvecqCursors',
  checked: [
    {
      // A position on a freed segment (or a freed segment with refs): segUseAfterFree.
      invariant: 'NoPositionOnFreedSegment',
      broken: (_p, now) => now.segUseAfterFree === true,
      reportedAs: ['bvecq_no_free_while_referenced', 'no_dma_into_freed_page', 'no_pin_underflow'],
    },
    {
      // A subrequest that accounts more than it asked for (the collection runs past it).
      invariant: 'ReadWithinAsked',
      broken: (_p, now) => parseSubreqs(now.subreqs).some((sr) => sr.xfer > sr.len),
      reportedAs: ['bvecq_read_cursor_order'],
    },
    {
      invariant: 'CursorOrder',
      broken: (_p, now) =>
        Number(now.collect) > Number(now.dispatch) || Number(now.collect) > Number(now.load),
      reportedAs: ['bvecq_read_cursor_order'],
    },
    {
      // A DIO write that wrote a page past one given up unwritten (Op = "DIO_WRITE": a read's
      // failed folio before an uptodate one is no hole).
      invariant: 'NoWriteHole',
      broken: (_p, now, _a, constants) =>
        constants.Op === 'DIO_WRITE' && hasWriteHole(String(now.fstate ?? '')),
      reportedAs: ['bvecq_no_write_hole'],
    },
    {
      // The dispatch cursor left short of what was dispatched (RFC v1's bvecq_pos_advance).
      invariant: 'DispatchCursorAtDispatch',
      broken: (_p, now) => now.dispLag === true,
      reportedAs: ['bvecq_write_cursor_order'],
    },
    {
      // A WARN of bvecq_pos_advance at a slot in use (v3's bvecq_pos_advance, at the collection
      // of a short DIO write): the WARN arm of the write cursor check.
      invariant: 'NoAdvanceWarn',
      broken: (_p, now) => now.advWarn === true,
      reportedAs: ['bvecq_write_cursor_order'],
    },
    {
      // A folio still locked or filled below the collect cursor (a too-much collection ran
      // past it): while a subrequest is outstanding the reference reports the collection past
      // the subrequest's end (bvecq_read_cursor_order), once none is the folio still locked
      // below the collection (bvecq_unlock_after_collection).
      invariant: 'UnlockOnlyAfterCollect',
      broken: (_p, now) =>
        String(now.fstate ?? '')
          .split(',')
          .some((f, x) => (f === 'locked' || f === 'filled') && x < Number(now.collect)),
      reportedAs: ['bvecq_unlock_after_collection', 'bvecq_read_cursor_order'],
    },
    {
      // The outstanding subrequests leave a gap or an overlap between the collector and the
      // dispatch cursor (a too-much collection moves the collector past the next one's start).
      invariant: 'SubreqsTileDispatched',
      broken: (_p, now) => !subreqsTile(now),
      reportedAs: ['bvecq_read_cursor_order'],
    },
  ],
  unchecked: {
    TypeOK: TYPE_OK,
    SegFreedOnlyWhenUnreferenced: FIXED_DESIGN,
    SegRefsMatchHolders: FIXED_DESIGN,
  },
};

/**
 * NetfsExtract slots an extraction filled at this step (the driver checks a result then). A
 * netfs_read_gaps buffer (ReadGaps) is no extraction of the caller's iterator: not counted.
 */
function filledSlots(prev: StepObservation | undefined, now: StepObservation): number[] {
  return SLOTS.filter(
    (s) =>
      now[`slot${s}.form`] !== 'NONE' &&
      (prev === undefined || prev[`slot${s}.form`] === 'NONE') &&
      !isGapsBuffer(now[`slot${s}.elems`]),
  );
}

// NetfsExtract: the checks of the extraction a step makes (the driver's stepViolations, of that
// step's result: held at the step that fills a slot) and the RDMA device's mappings
// (rdma_mappings_owned), after every step.
const netfsExtract: ModelInvariantTable = {
  spec: 'NetfsExtract',
  checked: [
    {
      invariant: 'ElementsWithinPages',
      broken: (prev, now) =>
        filledSlots(prev, now).some((s) =>
          observedElems(now[`slot${s}.elems`]).some((e) => e.off + e.len > 4),
        ),
      reportedAs: ['sg_element_within_folio'],
    },
    {
      invariant: 'DescribedEqualsExtracted',
      broken: (prev, now) =>
        filledSlots(prev, now).some(
          (s) =>
            observedElems(now[`slot${s}.elems`]).reduce((a, e) => a + e.len, 0) !==
            now[`slot${s}.bytes`],
        ),
      reportedAs: ['extract_describes_exactly'],
    },
    {
      // The iterator moved by other than the elements describe (the model's pos = described):
      // at the extraction, the filled slot's elements against the move of pos. KvecSgLenBug
      // breaks it with DescribedEqualsExtracted (sg lengths of the whole kvec segment).
      invariant: 'AdvancedByDescribed',
      broken: (prev, now) =>
        filledSlots(prev, now).some(
          (s) =>
            observedElems(now[`slot${s}.elems`]).reduce((a, e) => a + e.len, 0) !==
            (num(now.pos) ?? 0) - (num(prev?.pos) ?? 0),
        ),
      reportedAs: ['extract_describes_exactly'],
    },
    {
      // Nothing held, yet a pin or a DMA mapping left (the RDMA unwind that skips an element,
      // RdmaUnwindBug, leaves a mapping): pin balance, which the driver checks at quiescence,
      // or the mapping no held SGE owns.
      invariant: 'BalancedAtQuiescence',
      broken: (_p, now) =>
        SLOTS.every((s) => now[`slot${s}.form`] === 'NONE') &&
        ((now.pins ?? '') !== '' || (num(now.mapped) ?? 0) > 0),
      reportedAs: ['pin_balance_at_quiescence', 'rdma_mappings_owned'],
    },
    {
      invariant: 'ElementsMatchIterator',
      broken: (prev, now) =>
        filledSlots(prev, now).some(
          (s) =>
            now[`slot${s}.form`] === 'SG' && !elemsFollowLayout(now.iter, now[`slot${s}.elems`]),
        ),
      // An element that runs past its page part (KvecSgLenBug) breaks it as well as
      // ElementsWithinPages: the reference's match follows physically contiguous pages as
      // sg_set_page's DMA does, and reports the element running past its folio instead.
      reportedAs: ['sg_elements_match_iterator', 'sg_element_within_folio'],
    },
    {
      invariant: 'HeldExtractionsNotEmpty',
      broken: (prev, now) => filledSlots(prev, now).some((s) => now[`slot${s}.bytes`] === 0),
      reportedAs: ['extraction_not_empty'],
    },
    {
      // More DMA mappings than the held RDMA extractions' elements.
      invariant: 'MappingsOwned',
      broken: (_p, now) => {
        let owned = 0;
        for (const s of SLOTS)
          if (now[`slot${s}.form`] === 'RDMA') owned += observedElems(now[`slot${s}.elems`]).length;
        return typeof now.mapped === 'number' && now.mapped !== owned;
      },
      reportedAs: ['rdma_mappings_owned'],
    },
  ],
  unchecked: {
    TypeOK: TYPE_OK,
    KernelPagesNeverPinned: FIXED_DESIGN,
    PinsMatchExtractions: FIXED_DESIGN,
  },
};

// ForkRace: the adapter (adapters/fork-race.ts) checks the kernel-wide invariants and, after
// the tear-down, pin balance (QuiescentAfterExit).
const forkRace: ModelInvariantTable = {
  spec: 'ForkRace',
  checked: [
    {
      // The fork that COW-shares a pinned page (ForkCopiesPinned FALSE: the pre-5.9
      // copy_present_pte, fault fork_share_pinned) clears its PageAnonExclusive; the child then
      // maps it. Held where every page the parent maps goes to the child (no ForkAdvice) and is
      // anonymous (not FileBacked): a pin held at the fork is then on a shared page.
      invariant: 'PinnedPagesExclusive',
      broken: (prev, now, action, constants) =>
        action.name === 'Fork' &&
        constants.ForkCopiesPinned === false &&
        constants.ForkAdvice === 'NONE' &&
        constants.FileBacked !== true &&
        forkSharesPinned(prev, now),
      reportedAs: ['pinned_pages_exclusive'],
    },
  ],
  unchecked: {
    TypeOK: TYPE_OK,
    ParentSeesDioData:
      "the reference's checker (invariants/mm.ts parent_sees_dio_data) is what the driver's observation `lost` reads per completed read (ForkRaceDriver.lostReads): the model's broken ParentSeesDioData is a `lost` the comparison holds the checker's answer to, step by step",
    QuiescentAfterExit: FIXED_DESIGN,
    HoldsBalanced: FIXED_DESIGN,
    ForkIsolation: FIXED_DESIGN,
    FixedBufferStaysWithParent: FIXED_DESIGN,
    LongtermPinStaysWithParent:
      "no reference checker: the driver's observation `dmaSeen` (the tags of the page the VFIO mapping pinned, read from that page) beside P1 (the parent's page) is what the model's broken invariant predicts on 6.1 (a write of the parent in P1, not in dmaSeen), compared step by step",
  },
};

/** PinUnpin's bios (adapters/pin-unpin.ts BIOS), as its observation keys name them. */
const PIN_UNPIN_BIOS = [1, 2] as const;

// PinUnpin: the adapter (adapters/pin-unpin.ts) checks the kernel-wide invariants
// (adapters/invariants.ts) and, whenever no I/O is in flight, pin balance.
const pinUnpin: ModelInvariantTable = {
  spec: 'PinUnpin',
  checked: [
    {
      // A page array left allocated by a failed extraction while its bio is not in flight.
      invariant: 'PageArrayNotLeaked',
      broken: (_p, now) =>
        PIN_UNPIN_BIOS.some(
          (b) => now[`bio${b}.array`] === 'ALLOCATED' && now[`bio${b}.st`] !== 'INFLIGHT',
        ),
      reportedAs: ['no_leaked_page_arrays'],
    },
    {
      // A negative pin count (an unpin of an unpinned folio: gup_put_folio's WARN and the
      // refcount it takes GUP_PIN_COUNTING_BIAS off) or reference count (a put_page of a pinned
      // page: the release-mode WARN).
      invariant: 'NoReleaseUnderflow',
      broken: (_p, now) => /=-/.test(String(now.pins)) || /=-/.test(String(now.refs)),
      reportedAs: ['no_pin_underflow', 'release_matches_acquisition'],
    },
    {
      // A pinned zero page on a kernel that skips it (before 6.5's pin of the zero page fix).
      invariant: 'ZeroPageNeverPinned',
      broken: (_p, now) => /(^|,)ZP=/.test(String(now.pins)),
      reportedAs: ['zero_page_never_pinned'],
    },
    {
      // Nothing in flight, yet a pin or reference held or pins acquired and not released.
      invariant: 'BalancedAtQuiescence',
      broken: (_p, now) =>
        PIN_UNPIN_BIOS.every((b) => now[`bio${b}.st`] !== 'INFLIGHT') &&
        ((now.pins ?? '') !== '' || (now.refs ?? '') !== '' || now.pinAcquired !== now.pinReleased),
      reportedAs: ['pin_balance_at_quiescence'],
    },
  ],
  unchecked: {
    TypeOK: TYPE_OK,
    Offset0IsPageOffset:
      "the reference's check of an extraction's *offset0 against its iterator is extract_matches_iterator (faults.ts kvec_offset0 is caught by it in IterCursor, from a clone of the iterator before the call and the call's page list), but PinUnpin's extractions run inside the reference's block DIO (block/dio.ts dio_submit -> bio_iov_iter_get_pages, from several submit paths of the driver) with no such clone or list kept: a wrong *offset0 (the design linux-6.12+kvec_offset0) is the observation bio<b>.offset0 (the first bvec's bv_offset), and the DMA it misplaces shows in data",
    UserPagesPinnedInFlight:
      "6.1's FOLL_GET block DIO (PinUnpin_legacy_get_refs; every PinUnpin config breaks it under linux-6.1) is a kernel's own design, no check the reference runs: the references it takes instead of pins are the observations pins and refs",
    BytesBackedByPages:
      'broken only by XarrayHoleBug, which no PinUnpin design re-creates (no fault knob: the bio would list an empty page slot that the driver cannot name), so no PinUnpin suite runs it; IterCursor_xarray_hole_bug holds its checks to it (ExtractedBytesBacked)',
    KernelPagesNeverPinned: FIXED_DESIGN,
    FileWriteSendsFileData: FIXED_DESIGN,
    MappedDeviceNotStale:
      "the reference has no record of which ranges a write went over to check a mapping against; a stale pte (the page-cache folio dropped but still mapped: no unmap_mapping_pages) is the observation devMap itself, OLD where the model has no pte or NEW, and the driver's ReadDevMap requires the byte read through the mapping to be the device's",
  },
};

export const modelInvariantTables: readonly ModelInvariantTable[] = [
  forkRace,
  iterCursor,
  splicePipe,
  pinUnpin,
  bvecqCursors,
  netfsExtract,
];

const bySpec = new Map(modelInvariantTables.map((t) => [t.spec, t]));

export function modelInvariantTable(spec: string): ModelInvariantTable | undefined {
  return bySpec.get(spec);
}

const NO_CONSTANTS: Readonly<Record<string, ActionParam>> = {};

/** The checked invariants the model's observations say a step breaks. */
export function brokenModelInvariants(
  spec: string,
  prev: StepObservation | undefined,
  now: StepObservation,
  action: ScenarioAction,
  constants: Readonly<Record<string, ActionParam>> = NO_CONSTANTS,
): CheckedInvariant[] {
  const t = bySpec.get(spec);
  if (t === undefined) return [];
  const out: CheckedInvariant[] = [];
  for (const c of t.checked) if (c.broken(prev, now, action, constants)) out.push(c);
  return out;
}

type BrokenMemo = WeakMap<
  StepObservation,
  WeakMap<object, WeakMap<ScenarioAction, CheckedInvariant[]>>
>;
/** Per spec and constants (as JSON): the answers for (current, previous, action) objects. */
const memos = new Map<string, BrokenMemo>();
/** Stands for "no previous observation" (step 0) as a WeakMap key. */
const NO_PREV = {};

/**
 * brokenModelInvariants for the model's expected observations of a suite, remembered: a suite's
 * expected observations and actions are shared objects (its file's tables: e.g. NetfsExtract's
 * 38,545 expected steps are 709 objects), so most (current, previous, action) triples recur
 * across its scenarios and the table's predicates, which parse the observations, run once per
 * triple. Only for objects nothing mutates (the loaded suite's); the answer depends on the
 * scenario's constants too, which the memo is chosen by.
 */
export function brokenModelInvariantsOfSuite(
  spec: string,
  constants: Readonly<Record<string, ActionParam>> = NO_CONSTANTS,
): (
  prev: StepObservation | undefined,
  now: StepObservation,
  action: ScenarioAction,
) => CheckedInvariant[] {
  const key = `${spec} ${JSON.stringify(constants)}`;
  let memo = memos.get(key);
  if (memo === undefined) {
    memo = new WeakMap();
    memos.set(key, memo);
  }
  const byNow = memo;
  return (prev, now, action) => {
    let byPrev = byNow.get(now);
    if (byPrev === undefined) {
      byPrev = new WeakMap();
      byNow.set(now, byPrev);
    }
    const p = prev ?? NO_PREV;
    let byAction = byPrev.get(p);
    if (byAction === undefined) {
      byAction = new WeakMap();
      byPrev.set(p, byAction);
    }
    let out = byAction.get(action);
    if (out === undefined) {
      out = brokenModelInvariants(spec, prev, now, action, constants);
      byAction.set(action, out);
    }
    return out;
  };
}
