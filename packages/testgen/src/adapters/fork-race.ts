// ForkRace (specs/ForkRace.tla): O_DIRECT read vs fork vs the parent's write, io_uring fixed
// buffers and vmsplice. The reference driver performs each step with the reference kernel's
// real paths: the race's own steps through @pinlab/reference's DioForkRace (block/dio_fork_race.ts,
// the code the reference bench composes): block O_DIRECT (dio_submit -> bio_iov_iter_get_pages,
// FOLL_GET refs on 6.1 and FOLL_PIN pins on 6.12), fork (kernel/fork.c dup_mmap ->
// copy_present_pte, VM_DONTCOPY / VM_WIPEONFORK after the ForkAdvice madvise), user writes
// (copy_to_user -> do_wp_page / do_anonymous_page); io_uring through mm/io_uring.ts
// (io_uring/rsrc.c io_uring_setup, io_sqe_buffers_register -> io_pin_pages, io_import_fixed,
// io_sqe_buffers_unregister -> io_buffer_unmap); vmsplice through splice/vmsplice.ts
// (fs/splice.c vmsplice_to_pipe -> iter_to_pipe -> iov_iter_get_pages2, a FOLL_GET ref per
// buffer) and the pipe reader through splice/pipe.ts (fs/pipe.c pipe_read); the parent's
// munmap through DioForkRace.munmap (mm/mmap.c do_vmi_munmap -> zap_pte_range).
//
// Observations (same keys from model and reference):
//   P0, P1, C0, C1  tags the page mapped by parent/child at vpage 0/1 holds ("D1,PW"), null
//                   for the child before fork, after it exited and where it maps no page
//                   (ForkAdvice), and for the parent's page after its Munmap; "" (no tags)
//                   where it maps the zero page (the child's Read of a wiped page). D1/D2 =
//                   data of read 1/2, PW/CW = the byte the parent/child wrote. "Parent sees
//                   the DIO data" is D<i> in P<vpage>.
//   pinsHeld        FOLL_PIN pins outstanding (nr_foll_pin_acquired - nr_foll_pin_released)
//   pinDelta        change of pinsHeld in this step
//   gupRefs         FOLL_GET references outstanding (block DIO on 6.1, vmsplice buffers)
//   pipeSeen        tags the pipe reader saw (in the bytes pipe_read returned), null until PipeRead
//   parentHasPinned MMF_HAS_PINNED on the parent's mm
//   err             how the step failed ("SIGSEGV" for a user store without a vma, "EFAULT"
//                   for a syscall), null when it succeeded: the model's action field err
//   lost            the completed reads whose data the parent does not read back in the page
//                   it still maps ("1", "1,2", "" for none): the model's ParentSeesDioData read
//                   per I/O; the reference's answer is its own invariant checker
//                   (invariants/mm.ts parent_sees_dio_data, the bench's check of the race),
//                   so that checker fires exactly where the model says the invariant fails
//   written         the tags each completed O_DIRECT write (DioWriteSubmit) took to the device,
//                   "<io>:<tags>" joined by ";" ("1:PW"), null before any write completed:
//                   the model's written[i]; the reference's is read back from the device
//   livePages       pages in use (ForkRace.tla: frames some pte maps or a pin or reference
//                   holds; the reference: its live folios, the zero page aside), so every free
//                   the model makes (a COW copy's old page, the child's or both processes' exit,
//                   the last unpin) is checked to happen in the reference at the same step. A
//                   page-cache page that only its page cache holds (FileBacked: file page 0,
//                   which do_cow_fault copied, or page 1 once nobody maps or holds it) is not
//                   counted on either side: the model keeps those frames (PageCache) out of the
//                   allocator's reach but no step frees them
//   dmaSeen         UseVfio: the tags of the page the read-only VFIO DMA mapping pinned, what the
//                   device reads through the IOMMU (the model's data[vfio]); null once unmapped,
//                   absent before any mapping (so no other config's observations change). Its
//                   P1 beside it shows LongtermPinStaysWithParent: on 6.1 a write the parent
//                   made after the mapping is in P1 and not in dmaSeen
//
// HugeBuffer: the parent's page is page 0 of an anonymous THP (DioForkRace's huge_order 9: a
// 2 MiB folio, mapped by one PTE per page in the reference). livePages leaves out, on the
// reference's side, what the model does not track (ForkRace.tla HugeFrames): the THP while no
// modelled pte maps it and no GUP ref or pin holds it (its other 511 pages are still mapped), and
// the child's copies of those 511 pages (a fork of a maybe-pinned THP copies them all); the model's
// liveFrames leaves frame 1 out alike, counting mapped or held frames only.
//
// FileBacked: the parent's buffer is a MAP_PRIVATE mapping of a two-page file (DioForkRace's
// file_bytes, FILE_BYTE throughout: no tag), page 0 faulted in by a store (do_cow_fault), page 1
// by a load (LastPageLoadedOnly: do_read_fault maps the page-cache page); the file's page reads
// as no tags (""). MadviseWipeFile: madvise(MADV_WIPEONFORK) of that buffer, which the kernel
// refuses (-EINVAL: anonymous memory only). RegisterBuffer of a page of it: the reference's
// io_sqe_buffers_register pins it (page 1: the FOLL_WRITE fault copies the page-cache page) and,
// on 6.1 (profile io_uring_vma_file_check), refuses the file vma and unpins (err EOPNOTSUPP, the
// model's regErr); 6.12 registers the copy. MmapFileExists: the file mapped again, one page
// from its start, over page v with MAP_FIXED_NOREPLACE (vm_mmap_file_private: -EEXIST).
//
// VfioMapDma: VFIO_IOMMU_MAP_DMA of page 1 of the file buffer for a device that only reads it
// (IOMMU_READ): the reference's vfio_pin_map_dma (mm/vfio.ts, drivers/vfio/vfio_iommu_type1.c
// vaddr_get_pfns: a read-only FOLL_LONGTERM pin_user_pages_remote), which unshares the page-cache
// page on 6.12 (profile longterm_ro_pin_unshares) and pins it as mapped on 6.1. VfioUnmapDma:
// VFIO_IOMMU_UNMAP_DMA (vfio_unmap_unpin -> put_pfn: unpin_user_pages_dirty_lock, not dirtied).
// VfioWrite: the mapping is writable too (IOMMU_READ | IOMMU_WRITE): the pin takes FOLL_WRITE,
// whose write fault copies the page-cache page on both kernels, and the unmap dirties the page.
//
// LastPageFile: the parent's page 1 is a populated MAP_PRIVATE mapping of a one-page file of
// zeroes right after its anonymous page 0 (mapFileTail). RegisterBuffer of the whole buffer: the
// reference pins both pages and, on 6.1 (io_uring_vma_file_check), finds page 1's vma a file's
// after page 0's anonymous one and unpins (err EINVAL, the model's regErr); 6.12 registers both.

import {
  access_remote_vm,
  alloc_pipe_info,
  bdev_alloc,
  type bio,
  copy_from_user,
  create_file,
  DioForkRace,
  DioForkRaceError,
  EAGAIN,
  EBUSY,
  EEXIST,
  EFAULT,
  EINVAL,
  ENOMEM,
  ENXIO,
  EOPNOTSUPP,
  FAULT_FLAG_WRITE,
  type Folio,
  handle_mm_fault,
  IOMMU_READ,
  IOMMU_WRITE,
  ITER_DEST,
  io_import_fixed,
  type io_ring_ctx,
  io_sqe_buffers_register,
  io_sqe_buffers_unregister,
  io_uring_setup,
  type Kernel,
  MADV_DONTFORK,
  MADV_WIPEONFORK,
  type MmStruct,
  memcpy_from_page_into,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  parent_sees_dio_data,
  pin_balance_at_quiescence,
  pinned_pages_exclusive,
  pipe_empty,
  type pipe_inode_info,
  pipe_read,
  pte_lookup,
  type Violation,
  type vfio_dma,
  vfio_pin_map_dma,
  vfio_unmap_unpin,
  vm_mmap_file_private,
  vma_is_accessible,
  vma_lookup,
  vmsplice_to_pipe,
  with_kernel,
} from '@pinlab/reference';
import {
  apply,
  asBool,
  asInt,
  asSeq,
  asSet,
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
  filledWith,
  holdsByte,
  param,
  type ReferenceDriver,
  type SpecAdapter,
} from './adapter.ts';
import { kernelFor } from './design.ts';
import { kernelViolations } from './invariants.ts';

const SECTOR = 512;
/** include/linux/sizes.h SZ_1G: io_buffer_validate's limit on a registered buffer's length. */
const SZ_1G = 1 << 30;
/** An madvise advice no kernel defines (mm/madvise.c madvise_behavior_valid: -EINVAL). */
const MADV_INVALID = 999;
/** Where each content tag lives in a page, and the byte value that marks it. */
const TAG_LAYOUT = [
  { tag: 'D1', offset: 0, len: SECTOR, byte: 0xd1 },
  { tag: 'D2', offset: SECTOR, len: SECTOR, byte: 0xd2 },
  { tag: 'PW', offset: 2048, len: 1, byte: 0x50 },
  { tag: 'CW', offset: 3072, len: 1, byte: 0x43 },
] as const;

/** End of the last tag region: how much of a page an observation reads. */
const TAGS_END = Math.max(...TAG_LAYOUT.map((t) => t.offset + t.len));

const ACTIONS = new Set([
  'DioSubmit',
  'FixedRead',
  'IoComplete',
  'Fork',
  'ChildExit',
  'Write',
  'RegisterBuffer',
  'UnregisterBuffer',
  'Vmsplice',
  'PipeRead',
  'Munmap',
  'Read',
  'WriteUnmapped',
  'RegisterUnmapped',
  'VmspliceUnmapped',
  'RegisterBusy',
  'UnregisterNone',
  'FixedReadUnregistered',
  'VmspliceFull',
  'VmspliceWhole',
  'DioWriteSubmit',
  'ReadNoVma',
  'Exit',
  'Protect',
  'WriteReadOnly',
  'DioSubmitReadOnly',
  'RegisterReadOnly',
  'MmapExists',
  'Unprotect',
  'ProtectHole',
  'MadviseHole',
  'FixedReadOutside',
  'ProtectNone',
  'DioWriteNoAccess',
  'MmapPopulate',
  'MmapLazy',
  'RegisterOversized',
  'RegisterEmpty',
  'RegisterSparse',
  'RegisterNullBase',
  'MunmapMisaligned',
  'ProtectMisaligned',
  'MadviseMisaligned',
  'MmapMisaligned',
  'MadviseInvalid',
  'MmapEmpty',
  'MmapTooLong',
  'MadviseWipeFile',
  'MmapFileExists',
  'VfioMapDma',
  'VfioUnmapDma',
]);

/** The errors a failed step reports (ForkRace.tla action field err), by the reference's -errno. */
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  [-EFAULT]: 'EFAULT',
  [-EBUSY]: 'EBUSY',
  [-ENXIO]: 'ENXIO',
  [-EAGAIN]: 'EAGAIN',
  [-EEXIST]: 'EEXIST',
  [-ENOMEM]: 'ENOMEM',
  [-EINVAL]: 'EINVAL',
  [-EOPNOTSUPP]: 'EOPNOTSUPP',
};

function errName(ret: number): string {
  const name = ERRNO_NAMES[ret];
  if (name === undefined) throw new AdapterError(`ForkRace: unexpected error ${ret}`);
  return name;
}

/** FileBacked: the byte the mapped file holds everywhere ('F', no tag's byte). */
const FILE_BYTE = 0x46;

/** ForkRace.tla vfio's value where VFIO_IOMMU_MAP_DMA failed -ENOMEM (VfioMapDmaNoMem). */
const VFIO_NOMEM = -2;

/** ForkRace.tla ZeroFrame: a pte that maps the shared zero page (a read fault's). */
const ZERO_FRAME = -1;

const tagList = (tags: readonly string[]): string =>
  // Nearly every list has at most one tag: no copy and sort for those (a replay hot spot).
  tags.length < 2 ? (tags[0] ?? '') : [...tags].sort().join(',');

function observeModel(prev: ModelState | undefined, state: ModelState): StepObservation {
  const pte = stateVar(state, 'pte');
  const data = stateVar(state, 'data');
  const forked = asBool(stateVar(state, 'forked'), 'forked');
  const pages = domain(apply(pte, 'P', 'pte'), 'pte[P]').length;
  const tagsAt = (p: string, v: number): string | null => {
    if (v >= pages) return null; // NumPages = 1: there is no vpage 1
    const frame = asInt(apply(apply(apply(pte, p, 'pte'), v, `pte[${p}]`), 'frame'), 'frame');
    if (frame === 0) return null;
    if (frame === ZERO_FRAME) return ''; // the shared zero page holds no tags
    return tagList(asSet(apply(data, frame, 'data')).map((t) => asString(t, 'tag')));
  };
  const sumOf = (s: ModelState, v: string) =>
    asSeq(stateVar(s, v), v).reduce<number>((n, x) => n + asInt(x, v), 0);
  const pins = sumOf(state, 'pins');
  const pipe = stateVar(state, 'pipe');
  const refs = asSeq(stateVar(state, 'refs'), 'refs');
  const pinsOf = asSeq(stateVar(state, 'pins'), 'pins');
  return {
    P0: tagsAt('P', 0),
    P1: tagsAt('P', 1),
    C0: forked ? tagsAt('C', 0) : null,
    C1: forked ? tagsAt('C', 1) : null,
    pinsHeld: pins,
    pinDelta: prev === undefined ? 0 : pins - sumOf(prev, 'pins'),
    gupRefs: sumOf(state, 'refs'),
    livePages: liveFrames(pte, refs, pinsOf),
    pipeSeen:
      asString(apply(pipe, 'st'), 'pipe.st') === 'READ'
        ? tagList(asSet(apply(pipe, 'seen')).map((t) => asString(t, 'tag')))
        : null,
    parentHasPinned: asBool(apply(stateVar(state, 'hasPinned'), 'P'), 'hasPinned'),
    err: modelErr(state),
    ...modelIoOutcomes(state, tagsAt),
    ...modelDmaSeen(state, data),
  };
}

/**
 * ForkRace.tla's vfio (UseVfio): dmaSeen, the tags of the frame the VFIO mapping pinned; null
 * once unmapped (-1) or where the mapping failed (-2); no key while nothing was mapped (0), as in
 * every config without UseVfio.
 */
function modelDmaSeen(state: ModelState, data: ModelValue): { dmaSeen?: string | null } {
  const frame = asInt(stateVar(state, 'vfio'), 'vfio');
  if (frame === 0) return {};
  if (frame < 0) return { dmaSeen: null };
  return { dmaSeen: tagList(asSet(apply(data, frame, 'data')).map((t) => asString(t, 'tag'))) };
}

/**
 * ForkRace.tla's frames in use (InUse: mapped by a pte of either process, or held by a GUP
 * reference or a pin): the pages the reference has not freed. The zero page (ZeroFrame) is no
 * frame of the allocator, as the reference's ZERO_PAGE is no live folio.
 */
function liveFrames(
  pte: ModelValue,
  refs: readonly ModelValue[],
  pins: readonly ModelValue[],
): number {
  const used = new Set<number>();
  for (const p of domain(pte, 'pte')) {
    const row = apply(pte, p, 'pte');
    for (const v of domain(row, `pte[${String(p)}]`)) {
      const frame = asInt(apply(apply(row, v, 'pte[p]'), 'frame'), 'frame');
      if (frame > 0) used.add(frame);
    }
  }
  // refs and pins are functions over Frames = 1..MaxFrames: sequences, frame f at index f - 1.
  for (let i = 0; i < refs.length; i++) {
    if (asInt(refs[i], 'refs') > 0 || asInt(pins[i], 'pins') > 0) used.add(i + 1);
  }
  return used.size;
}

/** ForkRace.tla's I/O outcomes: the reads ParentSeesDioData fails for, and written[i]. */
function modelIoOutcomes(
  state: ModelState,
  tagsAt: (p: string, v: number) => string | null,
): { lost: string; written: string | null } {
  const io = stateVar(state, 'io');
  const written = stateVar(state, 'written');
  const lost: number[] = [];
  const out: string[] = [];
  for (const key of domain(io, 'io')) {
    const i = asInt(key, 'io index');
    const rec = apply(io, i, 'io');
    if (asString(apply(rec, 'st'), 'io.st') !== 'DONE') continue;
    if (asString(apply(rec, 'kind'), 'io.kind') === 'DIOW') {
      const tags = asSet(apply(written, i, 'written')).map((t) => asString(t, 'tag'));
      out.push(`${i}:${tagList(tags)}`);
      continue;
    }
    // ParentSeesDioData for read i: the parent maps its page (not NoFrame) and lacks Di there.
    const tags = tagsAt('P', asInt(apply(rec, 'vpage'), 'io.vpage'));
    if (tags !== null && !tags.split(',').includes(`D${i}`)) lost.push(i);
  }
  return { lost: lost.join(','), written: out.length === 0 ? null : out.join(';') };
}

/**
 * The failure the model gives the step that led to state, null if none: the action's field err,
 * or for a RegisterBuffer step the variable regErr, where the kernel profile decides the outcome
 * of the same action (IoUringFileCheck: 6.1 refuses a file-backed buffer, -EOPNOTSUPP, and a
 * buffer from an anonymous vma into a file's, -EINVAL); for a VfioMapDma step the variable
 * vfio's -2 (VfioMapDmaNoMem: 6.12's unshare found no page, -ENOMEM; 6.1 needs none).
 */
function modelErr(state: ModelState): string | null {
  const action = stateVar(state, 'action');
  if (domain(action, 'action').includes('err')) return asString(apply(action, 'err'), 'action.err');
  const name = asString(apply(action, 'name'), 'action.name');
  if (name === 'VfioMapDma')
    return asInt(stateVar(state, 'vfio'), 'vfio') === VFIO_NOMEM ? 'ENOMEM' : null;
  if (name !== 'RegisterBuffer') return null;
  const e = asString(stateVar(state, 'regErr'), 'regErr');
  return e === 'NONE' ? null : e;
}

/** The tags a page's first TAGS_END bytes hold; a partly written region reads as `<tag>~partial`. */
function bytesTags(bytes: Uint8Array): string {
  // A region counts only when all its bytes match (filledWith over the range: one native
  // compare); one that holds its byte somewhere (holdsByte, bounded by the region) is partial.
  const tags: string[] = [];
  for (const { tag, offset, len, byte } of TAG_LAYOUT) {
    const end = Math.min(offset + len, bytes.length);
    if (end - offset === len && filledWith(bytes, byte, offset, end)) tags.push(tag);
    else if (holdsByte(bytes, byte, offset, end)) tags.push(`${tag}~partial`);
  }
  return tagList(tags);
}

/** Where a process's one-byte load goes (ReadNoVma; reused). */
const LOAD_BYTE = new Uint8Array(1);

/** What a process reads of its page for an observation (reused: observations are synchronous). */
const USER_VIEW = new Uint8Array(TAGS_END);
/** Scratch for lostReads' /proc/self/mem read of a PROT_NONE sector. */
const LOST_VIEW = new Uint8Array(SECTOR);

/** madvise(2) advice for the model's ForkAdvice constant (absent: the configs before it). */
const FORK_ADVICE: Readonly<Record<string, number | undefined>> = {
  NONE: undefined,
  DONTFORK: MADV_DONTFORK,
  WIPEONFORK: MADV_WIPEONFORK,
};

function forkAdviceOf(scenario: Scenario): number | undefined {
  const advice = scenario.constants?.ForkAdvice ?? 'NONE';
  if (typeof advice !== 'string' || !Object.hasOwn(FORK_ADVICE, advice))
    throw new AdapterError(
      `ForkRace: ForkAdvice must be one of ${Object.keys(FORK_ADVICE).join(', ')}, got ${JSON.stringify(advice)}`,
    );
  return FORK_ADVICE[advice];
}

/** HugeBuffer: a PMD-sized THP, 2 MiB of 4 KiB pages (HPAGE_PMD_ORDER on x86-64). */
const HUGE_ORDER = 9;

/** ForkRace.tla's IOs: at most two I/Os (NumIOs). */
const MAX_IOS = 2;

/**
 * The device O_DIRECT reads and writes ("dm-delay" = caller-completed bios): sector i-1 holds
 * read i's data; page i (PAGE_SIZE * i) is where write i puts the parent's page (zeroed before).
 */
function deviceData(): Uint8Array {
  const device = new Uint8Array((1 + MAX_IOS) * PAGE_SIZE);
  device.fill(0xd1, 0, SECTOR);
  device.fill(0xd2, SECTOR, 2 * SECTOR);
  return device;
}

/** Device offset of write io's region. */
const writeRegion = (io: number): number => io * PAGE_SIZE;

/** Built once and never written: DioForkRace copies it into its block device (bdev.write). */
const DEVICE_DATA = deviceData();

/** include/uapi/asm-generic/mman-common.h: no access at all (mprotect(2) ProtectNone). */
const PROT_NONE = 0x0;

class ForkRaceDriver implements ReferenceDriver {
  private readonly k: Kernel;
  /** The race's steps (block O_DIRECT, fork, writes): the reference's own composition. */
  private readonly race: DioForkRace;
  /**
   * io_uring instances by the page that names them: one per page (IORING_REGISTER_BUFFERS of
   * that page on its own ring) or, with the model's RegisterWholeBuffer, one for the whole
   * buffer (one iovec over every page), named by page 0.
   */
  private readonly rings = new Map<number, io_ring_ctx>();
  /** The buffer-table slot of each ring's page (its ring page's key): 1 after RegisterSparse. */
  private readonly bufIndex = new Map<number, number>();
  /** ForkRace.tla RegisterWholeBuffer (absent: the configs before it, one ring per page). */
  private readonly wholeBuffer: boolean;
  private pipe: pipe_inode_info | null = null;
  private pipeSeen: string | null = null;
  private lastPins = 0;
  /** How the last step failed (observation err), null when it succeeded. */
  private lastErr: string | null = null;
  /** I/Os submitted, by number: a read into vpage, or an O_DIRECT write (DioWriteSubmit). */
  private readonly ios = new Map<number, { readonly write: boolean; readonly vpage: number }>();
  /** I/Os completed. */
  private readonly completed = new Set<number>();
  /** Both processes have exited (Exit): the tear-down ran. */
  private gone = false;
  /** UseVfio: the VFIO DMA mapping (VfioMapDma), 'unmapped' after VfioUnmapDma, null before. */
  private vfio: vfio_dma | 'unmapped' | null = null;

  /** ForkRace.tla VfioWrite: the VFIO DMA mapping's protection, IOMMU_WRITE too when set. */
  private readonly vfioProt: number;

  /** ForkRace.tla BufferedRead: the device is opened without O_DIRECT. */
  private readonly buffered: boolean;

  /**
   * ForkRace.tla BufferedUring: the buffered reads are io_uring's, each in flight on its
   * page-cache folio's read bio (by I/O number) until IoComplete.
   */
  private readonly uringBios: Map<number, bio> | null;

  /** NumPages of the model: the parent maps this many anonymous pages. */
  private readonly numPages: number;

  /** HugeBuffer: the THP the parent's page 0 lies in; null for order-0 pages. */
  private readonly thp: Folio | null;

  constructor(profile: string, scenario: Scenario) {
    // UseAllocFail: the processes' memory cgroup is the model's MaxFrames pages, the frames its
    // pages take (page-cache pages included, as memcg charges them): the reference's allocations
    // that may fail (wp_page_copy's) fail once that many folios are live.
    const frames = scenario.constants?.MaxFrames;
    this.k = booleanConstant('ForkRace', scenario, 'UseAllocFail')
      ? kernelFor(profile, { max_page_frames: typeof frames === 'number' ? frames : 0 })
      : kernelFor(profile);
    const n = scenario.constants?.NumPages ?? 2;
    if (n !== 1 && n !== 2)
      throw new AdapterError(`ForkRace: NumPages must be 1 or 2, got ${JSON.stringify(n)}`);
    this.numPages = n;
    this.wholeBuffer = booleanConstant('ForkRace', scenario, 'RegisterWholeBuffer');
    // AdviseFirstPageOnly: the ForkAdvice madvise covers page 0 alone (the vma is split).
    const firstOnly = booleanConstant('ForkRace', scenario, 'AdviseFirstPageOnly');
    // LastPageLoadedOnly: the last page was faulted in by a load (the zero page), not a store.
    const loadedOnly = booleanConstant('ForkRace', scenario, 'LastPageLoadedOnly');
    // FileBacked: the buffer is a MAP_PRIVATE mapping of a file of NumPages pages.
    const fileBacked = booleanConstant('ForkRace', scenario, 'FileBacked');
    // HugeBuffer: the buffer is page 0 of an anonymous THP.
    const huge = booleanConstant('ForkRace', scenario, 'HugeBuffer');
    // BufferedRead: the device is opened without O_DIRECT (reads through the page cache).
    this.buffered = booleanConstant('ForkRace', scenario, 'BufferedRead');
    this.vfioProt =
      IOMMU_READ | (booleanConstant('ForkRace', scenario, 'VfioWrite') ? IOMMU_WRITE : 0);
    this.uringBios = booleanConstant('ForkRace', scenario, 'BufferedUring') ? new Map() : null;
    // Init: the parent's anonymous pages, faulted in writable (exclusive), advised as the
    // config says, and the device.
    const advice = forkAdviceOf(scenario);
    this.race = new DioForkRace(this.k, {
      nr_pages: n,
      device: DEVICE_DATA,
      ...(advice === undefined ? {} : { advice }),
      ...(firstOnly ? { advice_pages: 1 } : {}),
      ...(loadedOnly ? { loaded_pages: 1 } : {}),
      ...(fileBacked ? { file_bytes: new Uint8Array(n * PAGE_SIZE).fill(FILE_BYTE) } : {}),
      ...(huge ? { huge_order: HUGE_ORDER } : {}),
      ...(this.buffered ? { direct: false } : {}),
    });
    this.thp = huge ? (pte_lookup(this.race.parent, this.race.buf)?.page.folio ?? null) : null;
    if (booleanConstant('ForkRace', scenario, 'LastPageFile')) this.mapFileTail();
  }

  /**
   * LastPageFile: the parent's last page is a MAP_PRIVATE mapping of a one-page file of zeroes
   * right after its anonymous page 0: munmap of the anonymous page DioForkRace faulted in, then
   * mmap(addr, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE |
   * MAP_POPULATE, fd, 0). MAP_POPULATE is populate_vma_page_range, FOLL_WRITE for a private
   * writable vma (6.1 and 6.12 mm/gup.c): the write fault's do_cow_fault maps an anonymous,
   * exclusive, writable copy of the file's page, as the model's Init has page 1 (its bytes,
   * zeroes, hold no tag); the page-cache page stays the file's (not counted in livePages).
   */
  private mapFileTail(): void {
    const at = this.uaddr(this.numPages - 1);
    this.race.munmap(at, PAGE_SIZE);
    with_kernel(this.k, () => {
      const file = create_file(bdev_alloc(PAGE_SIZE), 0, PAGE_SIZE, PAGE_SIZE);
      const r = vm_mmap_file_private(this.race.parent, file.i_mapping, PAGE_SIZE, at);
      if (r !== at) throw new AdapterError(`ForkRace: the file page's mmap at ${at} gave ${r}`);
      if (handle_mm_fault(this.race.parent, at, FAULT_FLAG_WRITE) !== 0)
        throw new AdapterError(`ForkRace: MAP_POPULATE of the file page at ${at} failed`);
    });
  }

  /** I/O io completed with res, which must be its whole length (a sector read, a page written). */
  private completeWith(io: number, res: number): void {
    const want = this.ios.get(io)?.write ? PAGE_SIZE : SECTOR;
    if (res !== want) throw new AdapterError(`ForkRace: I/O ${io} returned ${res}`);
    this.completed.add(io);
  }

  /** User address of vpage v of the buffer, plus off. */
  private uaddr(v: number, off = 0): number {
    return this.race.buf + v * PAGE_SIZE + off;
  }

  /**
   * The tags process mm sees in its page v, read as the guest's view_of reads its own mapping:
   * a load first (copy_from_user through its page table); where that faults (a PROT_NONE page:
   * access_error), through /proc/self/mem (access_remote_vm, FOLL_FORCE). null where it maps no
   * page (no pte: a read would fault one in, an observation must not).
   */
  private tagsOf(mm: MmStruct, v: number): string | null {
    const addr = this.uaddr(v);
    if (pte_lookup(mm, addr) === undefined) return null;
    const read = with_kernel(
      this.k,
      () =>
        copy_from_user(mm, USER_VIEW, addr, TAGS_END) === 0 ||
        access_remote_vm(mm, addr, USER_VIEW, TAGS_END) === TAGS_END,
    );
    if (!read) throw new AdapterError(`ForkRace: mm ${mm.id} cannot read its vpage ${v}`);
    return bytesTags(USER_VIEW);
  }

  /** The page that names the ring holding page v's registered buffer. */
  private ringPage(v: number): number {
    return this.wholeBuffer ? 0 : v;
  }

  private ring(v: number): io_ring_ctx {
    const ctx = this.rings.get(this.ringPage(v));
    if (ctx === undefined) throw new AdapterError(`ForkRace: vpage ${v} has no io_uring`);
    return ctx;
  }

  apply(action: ScenarioAction): void {
    try {
      with_kernel(this.k, () => this.step(action));
    } catch (e) {
      // A step the reference refuses is a mismatch with the model, named as the adapter's.
      if (e instanceof DioForkRaceError) throw new AdapterError(`ForkRace: ${e.message}`);
      throw e;
    }
  }

  private step(action: ScenarioAction): void {
    this.lastErr = null;
    switch (action.name) {
      case 'DioSubmit': {
        // io_submit / IORING_OP_READ of one sector into page v: an async O_DIRECT read (a
        // buffered one with BufferedRead: Linux AIO's, or io_uring's with BufferedUring).
        const io = param(action, 'io', 'number');
        const v = param(action, 'vpage', 'number');
        const pos = (io - 1) * SECTOR;
        this.ios.set(io, { write: false, vpage: v });
        if (this.uringBios !== null) {
          // BufferedUring: IORING_OP_READ, in flight on the page-cache folio's read (no result
          // yet, as the model has it INFLIGHT: a read that completed fails the step).
          this.uringBios.set(io, this.race.uring_read(io, pos, this.uaddr(v, pos), SECTOR));
          if (this.race.result(io) !== undefined)
            throw new AdapterError(`ForkRace: io_uring read ${io} completed at submission`);
          return;
        }
        this.race.read(io, pos, this.uaddr(v, pos), SECTOR);
        // BufferedRead: the read copied inside io_submit and ki_complete ran (aio_rw_done); a
        // read still in flight (no result) fails the step, as the model has it DONE.
        if (this.buffered) this.completeWith(io, this.race.result(io) ?? Number.NaN);
        return;
      }
      case 'DioSubmitReadOnly': {
        // The same O_DIRECT read into a page mprotect'ed PROT_READ: GUP with FOLL_WRITE fails
        // (check_vma_flags) and the request completes at once with the error, no I/O started.
        const io = param(action, 'io', 'number');
        const v = param(action, 'vpage', 'number');
        const r = this.race.try_read(
          io,
          (io - 1) * SECTOR,
          this.uaddr(v, (io - 1) * SECTOR),
          SECTOR,
        );
        if (r === 0) throw new AdapterError(`ForkRace: the read into read-only vpage ${v} started`);
        this.lastErr = errName(r);
        return;
      }
      case 'MmapExists': {
        // mmap(MAP_FIXED_NOREPLACE | MAP_POPULATE) of one page over the parent's page v, the call
        // the QEMU guest makes: do_mmap fails -EEXIST and vm_mmap_pgoff populates nothing (it
        // calls mm_populate only after a mapping was made).
        const v = param(action, 'vpage', 'number');
        const r = this.race.mmap_populate(this.uaddr(v), PAGE_SIZE);
        if (r >= 0) throw new AdapterError(`ForkRace: mmap over vpage ${v} mapped at ${r}`);
        this.lastErr = errName(r);
        return;
      }
      case 'Protect': {
        // mprotect(page v, PROT_READ) by the parent (do_mprotect_pkey).
        const v = param(action, 'vpage', 'number');
        const r = this.race.mprotect(this.uaddr(v), PAGE_SIZE, PROT_READ);
        if (r !== 0) throw new AdapterError(`ForkRace: mprotect of vpage ${v} returned ${r}`);
        return;
      }
      case 'ProtectNone': {
        // mprotect(page v, PROT_NONE) by the parent (do_mprotect_pkey: VM_READ and VM_WRITE go).
        const v = param(action, 'vpage', 'number');
        const r = this.race.mprotect(this.uaddr(v), PAGE_SIZE, PROT_NONE);
        if (r !== 0) throw new AdapterError(`ForkRace: mprotect NONE of vpage ${v} returned ${r}`);
        return;
      }
      case 'Unprotect': {
        // mprotect(page v, PROT_READ | PROT_WRITE) by the parent after Protect (do_mprotect_pkey:
        // VM_WRITE back; the pte stays write-protected until a write fault reuses the page).
        const v = param(action, 'vpage', 'number');
        const r = this.race.mprotect(this.uaddr(v), PAGE_SIZE, PROT_READ | PROT_WRITE);
        if (r !== 0) throw new AdapterError(`ForkRace: mprotect RW of vpage ${v} returned ${r}`);
        return;
      }
      case 'MunmapMisaligned':
      case 'ProtectMisaligned':
      case 'MadviseMisaligned':
      case 'MmapMisaligned': {
        // munmap / mprotect(PROT_READ) / madvise(MADV_DONTFORK) / mmap(MAP_FIXED_NOREPLACE |
        // MAP_POPULATE, the guest's call) of one page from page v's address + 1: an address
        // not page aligned is -EINVAL before any vma is looked at (do_vmi_munmap,
        // do_mprotect_pkey, do_madvise, do_mmap -> __get_unmapped_area), nothing changes.
        const at = this.uaddr(param(action, 'vpage', 'number')) + 1;
        const r =
          action.name === 'MunmapMisaligned'
            ? this.race.try_munmap(at, PAGE_SIZE)
            : action.name === 'ProtectMisaligned'
              ? this.race.mprotect(at, PAGE_SIZE, PROT_READ)
              : action.name === 'MadviseMisaligned'
                ? this.race.madvise(at, PAGE_SIZE, MADV_DONTFORK)
                : Math.min(this.race.mmap_populate(at, PAGE_SIZE), 0);
        if (r === 0) throw new AdapterError(`ForkRace: ${action.name} succeeded`);
        this.lastErr = errName(r);
        return;
      }
      case 'MadviseInvalid':
      case 'MmapEmpty':
      case 'MmapTooLong': {
        // madvise(page v, PAGE_SIZE, 999): no such advice (do_madvise -> madvise_behavior_valid,
        // -EINVAL); mmap(MAP_FIXED_NOREPLACE | MAP_POPULATE) at page v of 0 bytes (do_mmap,
        // -EINVAL) or of 2^56 bytes, more than the address space (get_unmapped_area, -ENOMEM).
        // Refused before any vma is looked at: nothing changes.
        const at = this.uaddr(param(action, 'vpage', 'number'));
        const r =
          action.name === 'MadviseInvalid'
            ? this.race.madvise(at, PAGE_SIZE, MADV_INVALID)
            : Math.min(this.race.mmap_populate(at, action.name === 'MmapEmpty' ? 0 : 2 ** 56), 0);
        if (r === 0) throw new AdapterError(`ForkRace: ${action.name} succeeded`);
        this.lastErr = errName(r);
        return;
      }
      case 'MadviseWipeFile': {
        // madvise(MADV_WIPEONFORK) of the whole buffer, a private file mapping (FileBacked):
        // madvise_vma_behavior refuses a file vma, -EINVAL, nothing changes.
        const r = this.race.madvise(this.uaddr(0), this.numPages * PAGE_SIZE, MADV_WIPEONFORK);
        if (r === 0)
          throw new AdapterError('ForkRace: MADV_WIPEONFORK of the file buffer succeeded');
        this.lastErr = errName(r);
        return;
      }
      case 'MmapFileExists': {
        // mmap(page v, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0)
        // of the buffer's own file (FileBacked) while page v is mapped: do_mmap fails -EEXIST
        // before it looks at the file, nothing is mapped or populated.
        const v = param(action, 'vpage', 'number');
        const mapping = vma_lookup(this.race.parent, this.uaddr(v))?.vm_file;
        if (mapping === undefined)
          throw new AdapterError(`ForkRace: vpage ${v} is no file mapping`);
        const r = vm_mmap_file_private(this.race.parent, mapping, PAGE_SIZE, this.uaddr(v));
        if (r >= 0)
          throw new AdapterError(`ForkRace: the file's mmap over vpage ${v} mapped at ${r}`);
        this.lastErr = errName(r);
        return;
      }
      case 'ProtectHole':
      case 'MadviseHole': {
        // mprotect(PROT_READ) / madvise(MADV_DONTFORK) of the whole buffer with a page unmapped:
        // the mapped part before (mprotect) or around (madvise) the hole changes, -ENOMEM.
        const len = this.numPages * PAGE_SIZE;
        const r =
          action.name === 'ProtectHole'
            ? this.race.mprotect(this.uaddr(0), len, PROT_READ)
            : this.race.madvise(this.uaddr(0), len, MADV_DONTFORK);
        if (r === 0) throw new AdapterError(`ForkRace: ${action.name} over the hole succeeded`);
        this.lastErr = errName(r);
        return;
      }
      case 'DioWriteSubmit': {
        // io_submit / IORING_OP_WRITE of the parent's whole page v to the device's page io.
        const io = param(action, 'io', 'number');
        const v = param(action, 'vpage', 'number');
        this.race.dio_write(io, writeRegion(io), this.uaddr(v), PAGE_SIZE);
        this.ios.set(io, { write: true, vpage: v });
        return;
      }
      case 'DioWriteNoAccess': {
        // The same O_DIRECT write from a page mprotect'ed PROT_NONE: GUP without FOLL_WRITE
        // fails on the vma without VM_READ (check_vma_flags) and the request completes at once
        // with the error, no I/O started, nothing held.
        const io = param(action, 'io', 'number');
        const v = param(action, 'vpage', 'number');
        const r = this.race.try_dio_write(io, writeRegion(io), this.uaddr(v), PAGE_SIZE);
        if (r === 0)
          throw new AdapterError(`ForkRace: the write from PROT_NONE vpage ${v} started`);
        this.lastErr = errName(r);
        return;
      }
      case 'FixedRead':
      case 'FixedReadUnregistered':
      case 'FixedReadOutside': {
        // IORING_OP_READ_FIXED: io_import_fixed builds an ITER_BVEC over the registered page
        // (in a whole-buffer registration, skipping the bvecs of the pages before it).
        // FixedReadOutside addresses the page after page v's registered buffer.
        const io = param(action, 'io', 'number');
        const v = param(action, 'vpage', 'number');
        const page = action.name === 'FixedReadOutside' ? v + 1 : v;
        const iter = io_import_fixed(
          this.ring(v),
          ITER_DEST,
          this.bufIndex.get(this.ringPage(v)) ?? 0, // page v's slot (1 after RegisterSparse)
          this.uaddr(page, (io - 1) * SECTOR),
          SECTOR,
        );
        // A failed import fails the request (its CQE): no I/O starts.
        if (typeof iter === 'number') this.lastErr = errName(iter);
        else {
          this.race.read_iter(io, (io - 1) * SECTOR, iter);
          this.ios.set(io, { write: false, vpage: v });
        }
        return;
      }
      case 'IoComplete': {
        const io = param(action, 'io', 'number');
        const b = this.uringBios?.get(io);
        if (b === undefined) {
          this.completeWith(io, this.race.complete(io));
          return;
        }
        // BufferedUring: the device completes the folio's read; the task_work retry copies into
        // the parent and posts the CQE: -EFAULT where the parent unmapped the page (err EFAULT).
        this.race.complete_bio(b);
        const res = this.race.result(io) ?? Number.NaN;
        if (res < 0) this.lastErr = errName(res);
        else this.completeWith(io, res);
        return;
      }
      case 'Fork':
        this.race.fork();
        return;
      case 'ChildExit':
        this.race.exit_child();
        return;
      case 'Write':
      case 'WriteUnmapped':
      case 'WriteReadOnly': {
        const p = param(action, 'proc', 'string');
        const v = param(action, 'vpage', 'number');
        if (p !== 'P' && p !== 'C') throw new AdapterError(`ForkRace: unknown process ${p}`);
        const layout = TAG_LAYOUT.find((t) => t.tag === (p === 'P' ? 'PW' : 'CW'))!;
        const at = this.uaddr(v, layout.offset);
        const byte = Uint8Array.of(layout.byte);
        // A store the model says succeeds must (DioForkRace.write throws otherwise); one that
        // copy_to_user cannot complete is the user's SIGSEGV (no vma, or a read-only one).
        if (action.name === 'Write') this.race.write(p, at, byte);
        else if (this.race.try_write(p, at, byte) !== 0) this.lastErr = 'SIGSEGV';
        return;
      }
      case 'RegisterBuffer':
      case 'RegisterUnmapped':
      case 'RegisterReadOnly':
      case 'RegisterBusy':
      case 'RegisterOversized':
      case 'RegisterEmpty':
      case 'RegisterSparse':
      case 'RegisterNullBase': {
        // io_uring_setup, then IORING_REGISTER_BUFFERS of page v, or of the whole buffer as one
        // iovec (io_pin_pages: FOLL_LONGTERM pins; a hole fails it after pinning up to there).
        // RegisterOversized: page v's iovec, then one of SZ_1G + PAGE_SIZE bytes from the same
        // address, which io_buffer_validate refuses (-EFAULT) after page v was pinned: the
        // registration unwinds (io_sqe_buffers_register -> __io_sqe_buffers_unregister).
        const v = param(action, 'vpage', 'number');
        const key = this.ringPage(v);
        const ctx = this.rings.get(key) ?? io_uring_setup(this.race.parent);
        this.rings.set(key, ctx);
        const len = this.wholeBuffer ? this.numPages * PAGE_SIZE : PAGE_SIZE;
        // RegisterEmpty: no iovec at all (nr_args 0), -EINVAL before anything is read.
        const iovs: { iov_base: number; iov_len: number }[] =
          action.name === 'RegisterEmpty' ? [] : [{ iov_base: this.uaddr(key), iov_len: len }];
        if (action.name === 'RegisterOversized')
          iovs.push({ iov_base: this.uaddr(key), iov_len: SZ_1G + PAGE_SIZE });
        // RegisterSparse: a sparse slot {NULL, 0} (the dummy buffer, nothing pinned, which
        // every unregistration goes past) before page v's iovec, so page v is slot 1.
        // RegisterNullBase: the same, then a NULL base with a length, which io_buffer_validate
        // refuses (-EFAULT): the unwind goes past the sparse slot and unpins page v.
        const sparse = action.name === 'RegisterSparse' || action.name === 'RegisterNullBase';
        if (sparse) iovs.unshift({ iov_base: 0, iov_len: 0 });
        if (action.name === 'RegisterNullBase') iovs.push({ iov_base: 0, iov_len: PAGE_SIZE });
        const r = io_sqe_buffers_register(ctx, iovs);
        if (r < 0) this.lastErr = errName(r);
        else if (r !== 0) throw new AdapterError(`ForkRace: IORING_REGISTER_BUFFERS returned ${r}`);
        else this.bufIndex.set(key, sparse ? 1 : 0);
        return;
      }
      case 'UnregisterBuffer':
      case 'UnregisterNone': {
        const v = param(action, 'vpage', 'number');
        const r = io_sqe_buffers_unregister(this.ring(v)); // io_buffer_unmap -> unpin_user_page
        if (r < 0) this.lastErr = errName(r);
        else if (r !== 0)
          throw new AdapterError(`ForkRace: IORING_UNREGISTER_BUFFERS returned ${r}`);
        return;
      }
      case 'Vmsplice':
      case 'VmspliceUnmapped':
      case 'VmspliceFull': {
        const v = param(action, 'vpage', 'number');
        // One pipe per scenario (the model's), of one page (F_SETPIPE_SZ 4096: a single slot),
        // so a vmsplice into it while it holds a page finds it full (-EAGAIN, non-blocking).
        this.pipe ??= alloc_pipe_info(1);
        const n = vmsplice_to_pipe(
          this.race.parent,
          [{ iov_base: this.uaddr(v), iov_len: PAGE_SIZE }],
          this.pipe,
        );
        if (n < 0) this.lastErr = errName(n);
        else if (n !== PAGE_SIZE)
          throw new AdapterError(`ForkRace: vmsplice_to_pipe returned ${n}`);
        return;
      }
      case 'VmspliceWhole': {
        // vmsplice of the whole buffer (one iovec of every page) into the one-slot pipe:
        // iter_to_pipe takes a FOLL_GET reference on each page, add_to_pipe adds page 0 and
        // refuses the next (-EAGAIN, its reference dropped), and the call returns what it added:
        // the model's `spliced` pages.
        const spliced = param(action, 'spliced', 'number');
        this.pipe ??= alloc_pipe_info(1);
        const n = vmsplice_to_pipe(
          this.race.parent,
          [{ iov_base: this.uaddr(0), iov_len: this.numPages * PAGE_SIZE }],
          this.pipe,
        );
        if (n !== spliced * PAGE_SIZE)
          throw new AdapterError(
            `ForkRace: vmsplice_to_pipe of the whole buffer returned ${n}, the model says ${spliced * PAGE_SIZE}`,
          );
        return;
      }
      case 'PipeRead': {
        // read(2) of the whole page: pipe_read copies the buffer's page as it is now and
        // releases the buffer (user_page_pipe_buf_ops: the GUP reference is dropped).
        if (this.pipe === null) throw new AdapterError('ForkRace: the pipe is empty');
        const bytes = pipe_read(this.pipe, PAGE_SIZE);
        if (bytes.length !== PAGE_SIZE)
          throw new AdapterError(`ForkRace: pipe_read returned ${bytes.length} bytes`);
        this.pipeSeen = bytesTags(bytes);
        return;
      }
      case 'Read': {
        // A load of one byte of page v (where the write would go): a read fault maps the zero
        // page where the vma has no page yet (do_anonymous_page without FAULT_FLAG_WRITE).
        const p = param(action, 'proc', 'string');
        const v = param(action, 'vpage', 'number');
        if (p !== 'P' && p !== 'C') throw new AdapterError(`ForkRace: unknown process ${p}`);
        const layout = TAG_LAYOUT.find((t) => t.tag === (p === 'P' ? 'PW' : 'CW'))!;
        this.race.load(p, this.uaddr(v, layout.offset), 1);
        return;
      }
      case 'ReadNoVma': {
        // The child's load where dup_mmap gave it no vma (MADV_DONTFORK): copy_from_user loads
        // nothing, the user's SIGSEGV.
        const p = param(action, 'proc', 'string');
        const v = param(action, 'vpage', 'number');
        if (p !== 'P' && p !== 'C') throw new AdapterError(`ForkRace: unknown process ${p}`);
        const layout = TAG_LAYOUT.find((t) => t.tag === (p === 'P' ? 'PW' : 'CW'))!;
        if (this.race.try_load(p, this.uaddr(v, layout.offset), LOAD_BYTE) !== 0)
          this.lastErr = 'SIGSEGV';
        return;
      }
      case 'Exit': {
        // Both processes exit (ForkRace.tla Exit: the model has completed every I/O first, as
        // exit_aio / io_uring_files_cancel wait for them): do_exit -> exit_mm -> mmput ->
        // exit_mmap of each (DioForkRace.exit), then exit_files drops the last reference to
        // each ring: io_ring_ctx_free -> io_sqe_buffers_unregister, which unpins every
        // registered page (io_uring/io_uring.c). The pipe stays: its reader holds the read end.
        this.race.exit();
        for (const ctx of this.rings.values())
          if (ctx.user_bufs.length > 0 && io_sqe_buffers_unregister(ctx) !== 0)
            throw new AdapterError('ForkRace: io_ring_ctx_free could not unregister the buffers');
        this.gone = true;
        return;
      }
      case 'MmapPopulate': {
        // mmap(MAP_FIXED_NOREPLACE | MAP_POPULATE) of a new page where the parent unmapped its
        // page v: a new zeroed page, faulted in writable; a read in flight keeps the old one.
        const v = param(action, 'vpage', 'number');
        const r = this.race.mmap_populate(this.uaddr(v), PAGE_SIZE);
        if (r !== this.uaddr(v))
          throw new AdapterError(`ForkRace: mmap of vpage ${v} into its hole returned ${r}`);
        return;
      }
      case 'MmapLazy': {
        // mmap(MAP_FIXED_NOREPLACE) of a new page where the parent unmapped its page v, without
        // MAP_POPULATE: do_mmap maps the vma only, no page is faulted in (P<v> observes none);
        // the next O_DIRECT read into it faults one in (do_anonymous_page) with the vma's
        // protection as it is then, an mprotect before that changes the vma alone.
        const v = param(action, 'vpage', 'number');
        const r = this.race.mmap_fixed(this.uaddr(v), PAGE_SIZE);
        if (r !== this.uaddr(v))
          throw new AdapterError(`ForkRace: mmap of vpage ${v} into its hole returned ${r}`);
        if (pte_lookup(this.race.parent, r) !== undefined)
          throw new AdapterError(`ForkRace: mmap without MAP_POPULATE of vpage ${v} mapped a page`);
        return;
      }
      case 'VfioMapDma': {
        // VFIO_IOMMU_MAP_DMA of page v, VFIO_DMA_MAP_FLAG_READ only (IOMMU_READ): vaddr_get_pfns'
        // read-only FOLL_LONGTERM pin (6.12: the page-cache page unshared first); with
        // VfioWrite (IOMMU_WRITE too) a FOLL_WRITE one, which copies it (a write fault).
        const v = param(action, 'vpage', 'number');
        // With no page left for the unshare (UseAllocFail) the ioctl fails, nothing mapped.
        const dma = vfio_pin_map_dma(this.race.parent, this.uaddr(v), PAGE_SIZE, this.vfioProt);
        if (typeof dma === 'number') {
          this.lastErr = errName(dma);
          this.vfio = 'unmapped';
        } else this.vfio = dma;
        return;
      }
      case 'VfioUnmapDma': {
        // VFIO_IOMMU_UNMAP_DMA: vfio_unmap_unpin -> put_pfn (unpinned; dirtied if writable).
        if (this.vfio === null || this.vfio === 'unmapped')
          throw new AdapterError('ForkRace: no VFIO DMA mapping to unmap');
        vfio_unmap_unpin(this.vfio);
        this.vfio = 'unmapped';
        return;
      }
      case 'Munmap': {
        // munmap(2) of the parent's page v (do_vmi_munmap -> zap_pte_range).
        const v = param(action, 'vpage', 'number');
        this.race.munmap(this.uaddr(v), PAGE_SIZE);
        return;
      }
      default:
        throw new AdapterError(`ForkRace: unknown action ${action.name}`);
    }
  }

  violations(): Violation[] {
    const out = kernelViolations(this.k);
    // A FOLL_PIN'd anonymous page stays PageAnonExclusive (mm/gup.c sanity_check_pinned_pages),
    // the model's PinnedPagesExclusive: broken by the pre-5.9 fork (fault fork_share_pinned).
    for (const v of pinned_pages_exclusive(this.k)) out.push(v);
    // After the tear-down with the pipe drained nothing of the scenario holds a page: the
    // quiescence invariants must hold (every pin released, no folio or ZERO_PAGE with a GUP pin
    // or ref, no page array leaked), as the model's QuiescentAfterExit says.
    if (this.gone && (this.pipe === null || pipe_empty(this.pipe.head, this.pipe.tail)))
      for (const v of pin_balance_at_quiescence(this.k)) out.push(v);
    return out;
  }

  observe(): StepObservation {
    const pins = this.k.vmstat.nr_foll_pin_acquired - this.k.vmstat.nr_foll_pin_released;
    let refs = 0;
    let live = 0;
    const untracked = this.thp === null ? null : this.thpUntracked(this.thp);
    for (const f of this.k.live_folios) {
      refs += f.gup_refs;
      if (untracked?.has(f)) continue;
      // Not a page its page cache alone holds (the cache's one reference: FileBacked).
      if (f.mapping === null || f._refcount !== 1) live++;
    }
    const tags = (mm: MmStruct | null, v: number): string | null => {
      if (mm === null || v >= this.numPages) return null;
      return this.tagsOf(mm, v);
    };
    const parent = this.race.parent;
    const child = this.race.child;
    const obs: StepObservation = {
      P0: tags(parent, 0),
      P1: tags(parent, 1),
      C0: tags(child, 0),
      C1: tags(child, 1),
      pinsHeld: pins,
      pinDelta: pins - this.lastPins,
      gupRefs: refs,
      livePages: live,
      pipeSeen: this.pipeSeen,
      parentHasPinned: parent.has_pinned,
      err: this.lastErr,
      lost: this.lostReads(),
      written: this.writtenTags(),
      ...this.dmaSeen(),
    };
    this.lastPins = pins;
    return obs;
  }

  /** dmaSeen: what the device reads through the VFIO mapping, the pinned page's tags. */
  private dmaSeen(): { dmaSeen?: string | null } {
    if (this.vfio === null) return {};
    if (this.vfio === 'unmapped') return { dmaSeen: null };
    const page = this.vfio.pages[0];
    if (page === undefined) throw new AdapterError('ForkRace: the VFIO mapping pinned no page');
    memcpy_from_page_into(USER_VIEW, 0, page, 0, TAGS_END);
    return { dmaSeen: bytesTags(USER_VIEW) };
  }

  /**
   * HugeBuffer: the live folios the model does not track (ForkRace.tla HugeFrames): the THP while
   * neither process maps it at page 0 and no GUP ref or pin holds it, and what the child maps at
   * the THP's other pages that is not the THP: the copies fork made of them (copy_huge_pmd splits a
   * maybe-pinned THP and copy_present_page copies each exclusive page for the child).
   */
  private thpUntracked(thp: Folio): Set<Folio> {
    const out = new Set<Folio>();
    const base = this.race.buf / PAGE_SIZE;
    const child = this.race.child;
    const mapsThp = (mm: MmStruct | null) => mm?.ptes.get(base)?.page.folio === thp;
    if (!mapsThp(this.race.parent) && !mapsThp(child) && thp.gup_refs === 0 && thp.gup_pins === 0)
      out.add(thp);
    if (child !== null)
      for (let v = 1; v < 2 ** HUGE_ORDER; v++) {
        const f = child.ptes.get(base + v)?.page.folio;
        if (f !== undefined && f !== thp) out.add(f);
      }
    return out;
  }

  /**
   * The completed reads whose data the parent does not read back (parent_sees_dio_data, the
   * reference's invariant checker), skipping a page the parent unmapped (no pte: ParentMaps).
   * A page the parent may not load (PROT_NONE: access_error) is read as tagsOf and the guest's
   * view_of read it, through /proc/self/mem (access_remote_vm), and compared with the device's.
   */
  private lostReads(): string {
    let lost = '';
    for (let io = 1; io <= MAX_IOS; io++) {
      const d = this.ios.get(io);
      if (d === undefined || d.write || !this.completed.has(io)) continue;
      const off = (io - 1) * SECTOR;
      const addr = this.uaddr(d.vpage, off);
      if (pte_lookup(this.race.parent, addr) === undefined) continue;
      const expected = DEVICE_DATA.subarray(off, off + SECTOR);
      const seen = with_kernel(this.k, () => this.parentSees(addr, expected));
      if (!seen) lost += lost === '' ? `${io}` : `,${io}`;
    }
    return lost;
  }

  /** Whether the parent's memory at addr holds expected (see lostReads). */
  private parentSees(addr: number, expected: Uint8Array): boolean {
    const parent = this.race.parent;
    const vma = vma_lookup(parent, addr);
    if (vma !== undefined && vma_is_accessible(vma))
      return parent_sees_dio_data(parent, addr, expected).length === 0;
    const got = LOST_VIEW.subarray(0, expected.length);
    if (access_remote_vm(parent, addr, got, got.length) !== got.length)
      throw new AdapterError(
        `ForkRace: the parent cannot read ${addr} even through /proc/self/mem`,
      );
    return got.every((b, i) => b === expected[i]);
  }

  /** What each completed write took to the device, read back from its region. */
  private writtenTags(): string | null {
    const out: string[] = [];
    for (let io = 1; io <= MAX_IOS; io++) {
      if (!this.ios.get(io)?.write || !this.completed.has(io)) continue;
      this.race.bdev.readInto(USER_VIEW, 0, writeRegion(io), TAGS_END);
      out.push(`${io}:${bytesTags(USER_VIEW)}`);
    }
    return out.length === 0 ? null : out.join(';');
  }
}

export const forkRaceAdapter: SpecAdapter = {
  spec: 'ForkRace',
  observeModel,
  supports: (action) => ACTIONS.has(action.name),
  // FOLL_GET block DIO on a kernel that otherwise pins (faults.ts legacy_foll_get_dio); the
  // pre-5.9 fork that COW-shares a pinned page (faults.ts fork_share_pinned).
  faultKnobs: [
    { constant: 'DioHold', value: 'FOLL_GET', fault: 'legacy_foll_get_dio' },
    { constant: 'ForkCopiesPinned', value: false, fault: 'fork_share_pinned' },
  ],
  createDriver: (profile, scenario) => new ForkRaceDriver(profile, scenario),
  // pinned_pages_exclusive first reports at the fork that shares a pinned page.
  predictedViolations: (prev, now) =>
    forkSharesPinned(prev, now) ? ['pinned_pages_exclusive'] : [],
};

/**
 * Whether the step from prev to now is a fork (the child maps a page now and mapped none before)
 * while a pin is held that copied no page for the child (livePages unchanged): the pre-5.9 fork
 * (ForkCopiesPinned FALSE, fault fork_share_pinned) that COW-shares the pinned page, clearing its
 * PageAnonExclusive. A fork that copies the pinned page (copy_present_page) adds a live page.
 * Also true of a fork whose pinned page is not given to the child (MADV_DONTFORK) while another
 * is shared: as a prediction of what the reference may report, that only allows more.
 */
export function forkSharesPinned(prev: StepObservation | undefined, now: StepObservation): boolean {
  return (
    prev !== undefined &&
    prev.C0 === null &&
    prev.C1 === null &&
    (now.C0 !== null || now.C1 !== null) &&
    typeof now.pinsHeld === 'number' &&
    now.pinsHeld > 0 &&
    now.livePages === prev.livePages
  );
}
