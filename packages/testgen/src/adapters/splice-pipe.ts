// SplicePipe (specs/SplicePipe.tla): an O_DIRECT splice read racing with truncate, ITER_PIPE
// (6.1 generic_file_splice_read) against copy_splice_read (6.5+). The reference driver performs
// each step through the reference kernel's step-by-step splice read (splice/splice_dio.ts):
//   SpliceSubmit  splice_dio_read_submit (fs/splice.c copy_splice_read | 6.1 lib/iov_iter.c
//                 ITER_PIPE append_pipe + pipe_get_pages, fs/iomap/direct-io.c __iomap_dio_rw
//                 up to the bios issued), one bio per page (bio_max_pages 1) so each page's bio
//                 completes on its own. A splice at EOF (the model's SpliceAtEof) and the
//                 BufferedProc's splice (its file is opened without O_DIRECT) are one step in
//                 the model: the whole splice() is one vfs_splice_read call (6.12
//                 copy_splice_read / filemap_splice_read, 6.1 generic_file_splice_read)
//   SpliceMisaligned  a whole splice() from file offset 1 on the O_DIRECT file: one
//                 splice_dio_read_submit at that position, which submits nothing (-EINVAL from
//                 the alignment check, 0 at EOF, -ENOMEM from copy_splice_read's allocation),
//                 and its return
//   SpliceSync    a whole splice() with nothing racing: one vfs_splice_read call on the
//                 O_DIRECT file (6.12 copy_splice_read, 6.1 generic_file_splice_read), its
//                 bios as large as they come (splice_dio_read_wait completes them)
//   Truncate      do_truncate (truncate_setsize)
//   TruncateMid   do_truncate to (size - 1) pages and sectors * 512 bytes: an i_size inside a
//                 cached page of the hole, whose folio truncate_inode_pages_range keeps and zeroes
//                 past i_size (mm/truncate.c truncate_inode_partial_folio)
//   DioRevert     splice_dio_read_revert (__iomap_dio_rw's iov_iter_revert to i_size)
//   BioComplete   bdev_complete_bio of that page's bio (the DMA, then bio_release_pages)
//   SpliceReturn  splice_dio_read_wait (every bio has completed: the wait finds none left)
//   PipeRead      pipe_read of the oldest buffer (pipe_buf_release)
//   PipeReadPart  pipe_read of PartReadSectors * 512 bytes, less than the oldest buffer holds
//                 (the buffer stays, its offset and len moved: fs/pipe.c pipe_read)
//   BufferedGetPages  the buffered process's splice up to its filemap_get_pages (BufferedRace):
//                 filemap_splice_read_start (6.12) / generic_file_splice_read_start (6.1: ITER_PIPE,
//                 filemap_read), which hold the batch's folios (a reference each)
//   BufferedFinish  filemap_splice_read_finish / generic_file_splice_read_finish: i_size read
//                 again, the folios below it into the pipe, the batch released
//   SpliceFullNonblock  splice_file_to_pipe with SPLICE_F_NONBLOCK into p's full pipe (fs/splice.c
//                 wait_for_space: -EAGAIN before any read)
//   VmspliceEmpty  vmsplice_to_pipe (splice/vmsplice.ts) of one zero-length iovec at address 0 into
//                 p's full pipe, flags 0, as p's task (an mm with nothing mapped): sys_vmsplice's
//                 "if (!iov_iter_count(&iter)) error = 0;" comes before wait_for_space
//   SpliceBufferedOffset  the buffered process's whole splice() from file offset off * 512:
//                 splice_file_to_pipe at that position (6.12 filemap_splice_read, 6.1
//                 generic_file_splice_read over ITER_PIPE), which stops short when the pipe is full
//   AppendWrite   direct_IO of one page at i_size on each process's O_DIRECT file (the spec's
//                 one file), a synchronous kiocb: block/dio.ts dio_submit (the extent full:
//                 -ENOSPC) and dio_complete (i_size and the mapped blocks extended). The data
//                 come from a page handed as ITER_BVEC (the writer's buffer: allocated for the
//                 step and freed after it, so it is no frame of the model's pool afterwards)
// The spec's frame pool (Frames) is the kernel's physical memory: createKernel's
// max_page_frames, so alloc_pages_bulk_array / push_anon get fewer pages exactly when the
// model's SpliceRead finds fewer free frames, and (mm/folio.ts folio_alloc) a freed frame is
// handed out again lowest first, as the model does: a DMA into a frame freed under its bio
// lands in the frame's new owner (mm/folio.ts memcpy_to_page).
// The spec's one file is one file per process (same size, truncated together, as in the QEMU
// guest) whose bytes differ, so that the other process's data in a pipe shows as X<i>.
//
// Observations (same keys from model and reference; frame numbers never appear):
//   isize           i_size in pages (bytes / PAGE_SIZE: 1.25 for a file whose second page holds
//                   1024 bytes, TailSectors = 2; the model: isize less the missing part of the
//                   last page, from its tail variable)
//   phase_<p>       idle | submitted | trimmed | done | reading (a buffered splice holding its
//                   batch of folios)
//   ret_<p>         pages splice() returned (bytes / PAGE_SIZE, so a read that stops at a mid-page
//                   i_size shows the fraction: the model's ret less the rest of the last page,
//                   retTail, and less the retOff sectors before a SpliceBufferedOffset's start in
//                   its first page), "error <errno>" when it failed (-ENOMEM from copy_splice_read,
//                   -EAGAIN from 6.1's ITER_PIPE read), null until it returned
//   pipe_<p>        what a reader would get from each pipe buffer, oldest first, comma-separated:
//                   D<i> = file page i read by this process, X<i> = file page i read by the other
//                   process (a frame freed under its bio and reused), Z = zero-filled hole,
//                   J = never written, each followed by :<len> when the buffer holds less than a
//                   page (the last page of a read that stopped at a mid-page i_size: D2:1024);
//                   null while p's splice holds pipe_lock (submitted/trimmed/reading)
//   pipeLen_<p>     buffers in p's pipe, null while p's splice holds pipe_lock
//   framesInUse     frames with a reference (live folios)
//   refs            page references summed over all frames (pipe buffers, bio refs on 6.1,
//                   copy_splice_read's page array)
//   cached          pages of the file in the page cache (the buffered splice reads them in,
//                   truncate drops those past i_size)
//   allocPastEof    pages the returned O_DIRECT splices allocated past EOF (beyond
//                   DIV_ROUND_UP(i_size - pos), i_size sampled at submission) under the design that
//                   promises none (LimitToEof: seed 002 ver #20; reference: r.eof_limited); 0 in
//                   every other design. The model's overAlloc; the ver #19 code (EofClip = FALSE,
//                   fault direct_splice_no_eof_limit) raises it, and splice_within_eof fires then
//   failFull        O_DIRECT splices that failed because their read met a full pipe (6.1
//                   ITER_PIPE: append_pipe found no slot for a mapped page, rather than no free
//                   page), counted when the failure is decided (a split read: at its SpliceSubmit,
//                   where the dio's error is set). 0 unless the length is not clipped to the pipe's
//                   room: the model's fullFail, PipeRoomClip = FALSE (fault splice_no_pipe_room_clip,
//                   do_splice before 3253d9d09337); splice_fill_not_failed fires at the return
//   pastEof         pages the returned buffered splices put in the pipe past the i_size at their
//                   return (a BufferedFinish whose read was bounded by an i_size sampled before a
//                   truncate). 0 unless the splice does not read i_size again once its folios are
//                   uptodate: the model's pastEof, IsizeRecheck = FALSE (fault
//                   splice_isize_before_uptodate, __generic_file_splice_read before 620a324b744a);
//                   splice_within_eof fires then
//   nonblock        the last SpliceFullNonblock's result ("error 11": -EAGAIN), null before any
//   vmsplice        the last VmspliceEmpty's result in bytes (0), null before any
//   write           the last AppendWrite's result: 1 (page written), 0 (an empty write) or
//                   "error 28" (-ENOSPC), null before any
//   bioFreed        in-flight bio pages whose frame was freed since the bio was submitted (the
//                   DMA will land in freed or reused memory). In the model: its frame has
//                   refcount 0, or it has been handed to another holder (the other process's
//                   pipe, the page cache): once its frame is reused, "refcount 0 now" would
//                   stop counting a bio page whose old folio the reference still sees freed

import {
  alloc_pipe_info,
  bdev_alloc,
  bdev_complete_bio,
  create_file,
  direct_IO,
  do_truncate,
  type file,
  filemap_lookup,
  filemap_splice_read_finish,
  filemap_splice_read_start,
  type filemap_splice_state,
  filp_open,
  generic_file_splice_read_finish,
  generic_file_splice_read_start,
  type generic_splice_state,
  ITER_SOURCE,
  init_sync_kiocb,
  iov_iter_bvec,
  iter_pipe_splice_result,
  type Kernel,
  type MmStruct,
  memcpy_to_page,
  mm_alloc,
  O_DIRECT,
  PAGE_SIZE,
  type Page,
  pipe_bytes_since,
  type pipe_inode_info,
  pipe_read,
  put_page,
  SPLICE_F_NONBLOCK,
  type splice_dio_read,
  splice_dio_read_result,
  splice_dio_read_revert,
  splice_dio_read_submit,
  splice_dio_read_wait,
  splice_file_to_pipe,
  splice_fill_not_failed,
  splice_pages_past_eof,
  splice_pipe_matches_ret,
  type splice_read_result,
  splice_within_eof,
  try_alloc_page,
  type Violation,
  vmsplice_to_pipe,
  with_kernel,
} from '@pinlab/reference';
import {
  apply,
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
  filledBytes,
  param,
  type ReferenceDriver,
  type SpecAdapter,
} from './adapter.ts';
import { kernelFor } from './design.ts';
import { kernelViolations } from './invariants.ts';

/** Procs of every SplicePipe config (a set constant, so not in Scenario.constants). */
export const PROCS = ['p1', 'p2'] as const;
/**
 * Each process's observation keys, built once: `phase_${p}` per key and step built and
 * internalized a string each time (a replay hot spot).
 */
export const PROC_KEYS = {
  p1: { phase: 'phase_p1', ret: 'ret_p1', pipe: 'pipe_p1', pipeLen: 'pipeLen_p1' },
  p2: { phase: 'phase_p2', ret: 'ret_p2', pipe: 'pipe_p2', pipeLen: 'pipeLen_p2' },
} as const;
/**
 * SpliceMisaligned's file offset: one byte, a multiple of no logical block size (the O_DIRECT
 * read's alignment check, fs/iomap/direct-io.c iomap_dio_bio_iter, fails below EOF).
 */
const MISALIGNED_POS = 1;
/** Frames when a scenario's constants do not say (the configs set it: 3, or 2 in _short_memory). */
const DEFAULT_FRAMES = 3;

const ACTIONS = new Set([
  'SpliceSubmit',
  'SpliceSync',
  'SpliceMisaligned',
  'Truncate',
  'TruncateMid',
  'DioRevert',
  'BioComplete',
  'SpliceReturn',
  'PipeRead',
  'PipeReadPart',
  'BufferedGetPages',
  'BufferedFinish',
  'SpliceFullNonblock',
  'VmspliceEmpty',
  'SpliceBufferedOffset',
  'AppendWrite',
  'Finished',
]);

/**
 * Byte held in every byte of file page i (1-based) of process p's file: tells D<i> (its own
 * read) from X<i> (the other process's read landing in its page), Z and J. The spec's one file
 * is one file per process, of the same size and truncated together (as in the QEMU guest), so
 * that a DMA into a frame another process now owns shows.
 */
const dataByte = (p: string, i: number): number => (p === 'p1' ? 0xa0 : 0xb0) + i;
/** Bytes of the device blocks past a file's FileSize pages: stale data no read may return. */
const STALE_BYTE = 0xee;
/** The model's NoProc: BufferedProc when every process opens the file O_DIRECT. */
const NO_PROC = 'none';

/** Bytes in a 512-byte sector: the model's unit for the part of i_size's last page (TailSectors). */
const SECTOR = 512;
/** Sectors in a page. */
const PAGE_SECTORS = PAGE_SIZE / SECTOR;

/**
 * Pages as a fraction when the last page holds only tailSectors sectors (0: a whole page): the
 * model's pages for what the reference and the guest count in bytes / PAGE_SIZE.
 */
function pagesWithTail(pages: number, tailSectors: number): number {
  return tailSectors > 0 ? pages - (PAGE_SECTORS - tailSectors) / PAGE_SECTORS : pages;
}

/** ret_<p> of a returned splice(): pages, or "error <errno>" as the QEMU guest reports it. */
function retObservation(bytes: number): number | string {
  return bytes < 0 ? `error ${-bytes}` : bytes / PAGE_SIZE;
}

function observeModel(_prev: ModelState | undefined, state: ModelState): StepObservation {
  const phase = stateVar(state, 'phase');
  const pipe = stateVar(state, 'pipe');
  const ref = stateVar(state, 'ref');
  const content = stateVar(state, 'content');
  const ret = stateVar(state, 'ret');
  const err = stateVar(state, 'err');
  const bio = stateVar(state, 'bio');
  const buf = stateVar(state, 'buf');
  const cache = stateVar(state, 'cache');
  const retTail = stateVar(state, 'retTail');
  const retOff = stateVar(state, 'retOff');
  const frames = domain(ref, 'ref');
  const refOf = (f: ModelValue): number => asInt(apply(ref, f, 'ref'), 'ref[f]');
  const obs: Record<string, string | number | null> = {
    isize: pagesWithTail(
      asInt(stateVar(state, 'isize'), 'isize'),
      asInt(stateVar(state, 'tail'), 'tail'),
    ),
  };
  for (const p of PROCS) {
    const ph = asString(apply(phase, p, 'phase'), 'phase');
    const locked = ph === 'submitted' || ph === 'trimmed' || ph === 'reading';
    const bufs = asSeq(apply(pipe, p, 'pipe'), `pipe[${p}]`);
    obs[`phase_${p}`] = ph;
    const e = asInt(apply(err, p, 'err'), 'err');
    const retPages = asInt(apply(ret, p, 'ret'), 'ret');
    const tailSectors = asInt(apply(retTail, p, 'retTail'), 'retTail');
    // A splice from offSectors into page 1 (SpliceBufferedOffset) returned that much less.
    const offSectors = asInt(apply(retOff, p, 'retOff'), 'retOff');
    obs[`ret_${p}`] =
      ph !== 'done'
        ? null
        : e !== 0
          ? `error ${-e}`
          : pagesWithTail(retPages, tailSectors) - offSectors / PAGE_SECTORS;
    // The buffer of the read's last page holds only the tail when the read stopped at a
    // mid-page i_size or, after SpliceBufferedOffset, at off + len inside a page (each process
    // splices once, so that page is ret's); a partial read() (PipeReadPart) has taken off
    // sectors from the buffer's start, and SpliceBufferedOffset's first buffer starts off sectors
    // into its page.
    const lenSuffix = (page: number, off: number): string => {
      const sectors = (tailSectors > 0 && page === retPages ? tailSectors : PAGE_SECTORS) - off;
      return sectors < PAGE_SECTORS ? `:${sectors * SECTOR}` : '';
    };
    obs[`pipe_${p}`] = locked
      ? null
      : bufs
          .map((b) => {
            const c = apply(content, apply(b, 'frame', 'pipe buffer'), 'content');
            const suffix = lenSuffix(
              asInt(apply(b, 'page', 'pipe buffer'), 'pipe page'),
              asInt(apply(b, 'off', 'pipe buffer'), 'pipe off'),
            );
            const kind = asString(apply(c, 'kind'), 'content.kind');
            if (kind === 'zero') return `Z${suffix}`;
            if (kind === 'junk') return `J${suffix}`;
            const idx = asInt(apply(c, 'idx'), 'content.idx');
            // "file": the page-cache copy of file page idx, what a buffered splice hands over.
            if (kind === 'file') return `D${idx}${suffix}`;
            return `${asString(apply(c, 'by'), 'content.by') === p ? 'D' : 'X'}${idx}${suffix}`;
          })
          .join(',');
    obs[`pipeLen_${p}`] = locked ? null : bufs.length;
  }
  obs.framesInUse = frames.filter((f) => refOf(f) > 0).length;
  obs.refs = frames.reduce<number>((n, f) => n + refOf(f), 0);
  obs.cached = domain(cache, 'cache').filter(
    (i) => asInt(apply(cache, i, 'cache'), 'cache[i]') !== 0,
  ).length;
  // A frame that another process's pipe or the page cache holds was freed under this bio and
  // reused. Only ITER_PIPE without a bio ref frees a frame under its bio, and its reads put
  // new frames straight into the pipe; a bio's own frame is never in another pipe otherwise.
  // (Not the other process's in-flight bios: after a reuse both bios list the frame, and the
  // stale one is the bio whose own pipe no longer holds it.)
  const frameNo = (v: ModelValue, what: string): number => asInt(v, what);
  const heldElsewhere = (f: number, p: string): boolean =>
    PROCS.some(
      (q) =>
        q !== p &&
        asSeq(apply(pipe, q, 'pipe'), `pipe[${q}]`).some(
          (b) => frameNo(apply(b, 'frame', 'pipe buffer'), 'frame') === f,
        ),
    ) || domain(cache, 'cache').some((i) => frameNo(apply(cache, i, 'cache'), 'cache') === f);
  let freed = 0;
  for (const p of PROCS) {
    for (const i of asSet(apply(bio, p, 'bio'))) {
      const f = apply(apply(buf, p, 'buf'), i, `buf[${p}]`);
      if (refOf(f) === 0 || heldElsewhere(frameNo(f, 'buf'), p)) freed++;
    }
  }
  obs.bioFreed = freed;
  obs.allocPastEof = asInt(stateVar(state, 'overAlloc'), 'overAlloc');
  obs.failFull = asInt(stateVar(state, 'fullFail'), 'fullFail');
  obs.pastEof = asInt(stateVar(state, 'pastEof'), 'pastEof');
  // wret = -1: no AppendWrite yet.
  const w = asInt(stateVar(state, 'wret'), 'wret');
  obs.write = w === -1 ? null : w < 0 ? `error ${-w}` : w;
  // nbret = 0: no SpliceFullNonblock yet.
  const nb = asInt(stateVar(state, 'nbret'), 'nbret');
  obs.nonblock = nb === 0 ? null : `error ${-nb}`;
  // vmret = -1: no VmspliceEmpty yet; else the bytes it returned.
  const vm = asInt(stateVar(state, 'vmret'), 'vmret');
  obs.vmsplice = vm === -1 ? null : vm;
  return obs;
}

/** A buffer's bytes (read without a KASAN-style access check, as Folio.peek does). */
const pageBytes = Buffer.alloc(PAGE_SIZE);
/** A page filled with one byte value, per value met: what a uniform buffer compares equal to. */
const uniformPages = new Map<number, Buffer>();

/**
 * D<i>, X<i>, Z, J read from the bytes of a buffer in p's pipe, what a reader gets: len bytes
 * at offset in its page (J: anything but one file page's data or zeroes), with :<len> when the
 * buffer holds less than a page.
 */
function bufTag(page: Page, offset: number, len: number, p: string): string {
  const suffix = len < PAGE_SIZE ? `:${len}` : '';
  if (len === 0) return `J${suffix}`;
  // Every observation tags every pipe buffer: a native compare (Buffer.equals) with a page of
  // the first byte, not a per-byte callback, keeps that cheap.
  page.folio.readInto(pageBytes, 0, page.index_in_folio * PAGE_SIZE + offset, len);
  const first = pageBytes[0] ?? 0;
  let uniform = uniformPages.get(first);
  if (uniform === undefined) {
    uniform = Buffer.alloc(PAGE_SIZE, first);
    uniformPages.set(first, uniform);
  }
  const bytes = len === PAGE_SIZE ? pageBytes : pageBytes.subarray(0, len);
  if (!bytes.equals(len === PAGE_SIZE ? uniform : uniform.subarray(0, len))) return `J${suffix}`;
  if (first === 0) return `Z${suffix}`;
  for (const q of PROCS) {
    const idx = first - dataByte(q, 0);
    if (idx >= 1 && idx <= 5) return `${q === p ? 'D' : 'X'}${idx}${suffix}`;
  }
  return `J${suffix}`;
}

function intConstant(scenario: Scenario, name: string, fallback?: number): number {
  const v = scenario.constants?.[name] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new AdapterError(
      `SplicePipe: constant ${name} must be a natural number, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** BufferedProc: the process whose file is opened without O_DIRECT, or undefined for none. */
function bufferedProc(scenario: Scenario): string | undefined {
  const v = scenario.constants?.BufferedProc ?? NO_PROC;
  if (v === NO_PROC) return undefined;
  if (typeof v !== 'string' || !(PROCS as readonly string[]).includes(v)) {
    throw new AdapterError(
      `SplicePipe: constant BufferedProc must be one of ${[...PROCS, NO_PROC].join(', ')}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

class SplicePipeDriver implements ReferenceDriver {
  private readonly k: Kernel;
  /** Each process's file, opened O_DIRECT or, for BufferedProc, without it. */
  private readonly files = new Map<string, file>();
  private readonly bufferedProc: string | undefined;
  private readonly readLen: number;
  /** PartReadSectors: sectors a partial pipe read() takes (PipeReadPart), 0 when none. */
  private readonly partReadSectors: number;
  /** Pages the file's extent holds: every page the file can reach, so the page cache's too. */
  private readonly extentPages: number;
  private readonly pipes = new Map<string, pipe_inode_info>();
  private readonly reads = new Map<string, splice_dio_read>();
  /**
   * The buffered process's splice between BufferedGetPages and BufferedFinish: 6.12
   * filemap_splice_read's state, or 6.1 generic_file_splice_read's with the pipe head and i_size
   * at its start (for its splice_read_result, as vfs_splice_read builds it).
   */
  private readonly bufferedReads = new Map<
    string,
    | { kind: 'FILEMAP'; s: filemap_splice_state }
    | { kind: 'ITER_PIPE'; s: generic_splice_state; head0: number; i_size: number }
  >();
  private readonly rets = new Map<string, number>();
  /** Each returned splice's result, for the EOF invariant (splice_within_eof). */
  private readonly results: splice_read_result[] = [];
  /** Pages those splices allocated past EOF under a design that promises none (allocPastEof). */
  private allocPastEof = 0;
  /** Splices failed after their read met a full pipe (failFull), and the split reads counted. */
  private failFull = 0;
  /** Pages buffered splices returned past the i_size at their return (pastEof). */
  private pastEof = 0;
  private readonly failFullCounted = new Set<splice_dio_read>();
  /** The last AppendWrite's result (bytes or -errno), null before any. */
  private lastWrite: number | null = null;
  /** The last SpliceFullNonblock's result (bytes or -errno), null before any. */
  private lastNonblock: number | null = null;
  /** The last VmspliceEmpty's result (bytes or -errno), null before any. */
  private lastVmsplice: number | null = null;
  /** The processes' address space for vmsplice (nothing mapped: the iovec's address is 0). */
  private readonly mm: MmStruct;

  constructor(profile: string, scenario: Scenario) {
    const fileSize = intConstant(scenario, 'FileSize', 2);
    // TailSectors > 0: the file's last page holds only that many 512-byte sectors (i_size ends
    // mid-page, SplicePipe_partial_tail).
    const tailSectors = intConstant(scenario, 'TailSectors', 0);
    if (tailSectors >= PAGE_SECTORS || (tailSectors > 0 && fileSize === 0))
      throw new AdapterError(
        `SplicePipe: TailSectors ${tailSectors} must be below ${PAGE_SECTORS}, and 0 for an empty file`,
      );
    const tailBytes = tailSectors * SECTOR;
    const i_size = tailBytes > 0 ? (fileSize - 1) * PAGE_SIZE + tailBytes : fileSize * PAGE_SIZE;
    // ExtendSize > FileSize: an ftruncate may grow the file into a hole (SplicePipe_sparse).
    const extentPages = Math.max(fileSize, intConstant(scenario, 'ExtendSize', 0), 1);
    this.extentPages = extentPages;
    this.readLen = intConstant(scenario, 'ReadLen', 2);
    this.partReadSectors = intConstant(scenario, 'PartReadSectors', 0);
    const slots = intConstant(scenario, 'PipeSlots', 2);
    const frames = intConstant(scenario, 'Frames', DEFAULT_FRAMES);
    if (slots < 1) throw new AdapterError('SplicePipe: PipeSlots must be at least 1');
    this.bufferedProc = bufferedProc(scenario);
    this.k = kernelFor(profile, { max_page_frames: frames });
    this.mm = with_kernel(this.k, () => mm_alloc());
    with_kernel(this.k, () => {
      // One device holding both files: p's file is FileSize pages whose page i is filled with
      // dataByte(p, i), in an extent with room for ExtendSize pages. The extent's blocks past
      // FileSize belong to no file page (a sparse file's hole) and hold stale bytes, which a
      // read of the hole must never return (they would show as J, not Z). With a tail, the
      // bytes of the last page past i_size are stale too.
      const bdev = bdev_alloc(PROCS.length * extentPages * PAGE_SIZE);
      PROCS.forEach((p, n) => {
        const start = n * extentPages * PAGE_SIZE;
        for (let i = 1; i <= extentPages; i++) {
          const byte = i <= fileSize ? dataByte(p, i) : STALE_BYTE;
          bdev.write(start + (i - 1) * PAGE_SIZE, filledBytes(PAGE_SIZE, byte));
        }
        if (tailBytes > 0)
          bdev.write(start + i_size, filledBytes(PAGE_SIZE - tailBytes, STALE_BYTE));
        const ino = create_file(bdev, start, extentPages * PAGE_SIZE, i_size);
        this.files.set(p, filp_open(ino, p === this.bufferedProc ? 0 : O_DIRECT));
        // pipe->max_usage = PipeSlots in a ring of the next power of two (fcntl F_SETPIPE_SZ).
        const pipe = alloc_pipe_info(2 ** Math.ceil(Math.log2(slots)));
        pipe.max_usage = slots;
        this.pipes.set(p, pipe);
      });
    });
  }

  private fileOf(p: string): file {
    const f = this.files.get(p);
    if (f === undefined) throw new AdapterError(`SplicePipe: unknown process ${p}`);
    return f;
  }

  private pipeOf(p: string): pipe_inode_info {
    const pipe = this.pipes.get(p);
    if (pipe === undefined) throw new AdapterError(`SplicePipe: unknown process ${p}`);
    return pipe;
  }

  /** What p's returned splice() gave: bytes or -errno. */
  private retOf(p: string): number {
    const ret = this.rets.get(p);
    if (ret === undefined) throw new AdapterError(`SplicePipe: ${p}'s splice has not returned`);
    return ret;
  }

  private readOf(p: string): splice_dio_read {
    const r = this.reads.get(p);
    if (r === undefined) throw new AdapterError(`SplicePipe: ${p} has no splice in progress`);
    return r;
  }

  apply(action: ScenarioAction): void {
    with_kernel(this.k, () => this.step(action));
  }

  private finish(p: string, r: splice_dio_read): void {
    // The model returns only once every bio of the read has completed (SpliceReturn needs
    // bio[p] = {}): the splicing task then wakes in the dio's wait (fs/iomap/direct-io.c
    // __iomap_dio_rw: "if (!READ_ONCE(dio->submit.waiter)) break") and returns, i.e.
    // splice_dio_read_wait, whose wait finds no bio left to complete.
    const inFlight = r.dio?.bios.filter((b) => !b.done).length ?? 0;
    if (inFlight > 0)
      throw new AdapterError(`SplicePipe: ${p}'s splice returns with ${inFlight} bio(s) in flight`);
    // Bytes, or -errno: a failed read (ENOMEM, EAGAIN) is an outcome the model states.
    const ret = splice_dio_read_wait(r);
    this.rets.set(p, ret);
    this.record(splice_dio_read_result(r, ret), this.failFullCounted.has(r));
  }

  /**
   * A returned splice's result, kept for the EOF invariants; the pages it allocated past EOF
   * count when its design promises none (r.eof_limited: copy_splice_read with seed 002 ver #20's
   * clip), as splice_within_eof judges them.
   */
  private record(r: splice_read_result, failFullCounted = false): void {
    this.results.push(r);
    if (r.ret < 0 && r.full_pipe_failed && !failFullCounted) this.failFull++;
    const over = splice_pages_past_eof(r);
    // The other direction of the cross-check (reference-target.ts fails an unpredicted
    // violation): pages past EOF under the promise must make splice_within_eof fire.
    if (over > 0 && !splice_within_eof(r).some((v) => v.invariant === 'splice_within_eof'))
      throw new AdapterError(
        `SplicePipe: a splice allocated ${over} page(s) past EOF and splice_within_eof is silent`,
      );
    this.allocPastEof += over;
  }

  /**
   * A splice() the model takes in one step, as one vfs_splice_read call (fs/splice.c): the
   * buffered process's (filemap_splice_read on 6.12, generic_file_splice_read over ITER_PIPE on
   * 6.1), and any splice at EOF (the model's SpliceAtEof: copy_splice_read on 6.12, which
   * submits nothing and returns 0; generic_file_splice_read's O_DIRECT read on 6.1, where
   * __iomap_dio_rw returns 0 for pos >= dio->i_size), and the model's SpliceSync.
   */
  private spliceWhole(p: string): void {
    // splice(2) without flags: do_splice -> splice_file_to_pipe, whose wait_for_space finds a
    // free slot (the model splices only into a pipe with room), then vfs_splice_read.
    const r = splice_file_to_pipe(this.fileOf(p), 0, this.pipeOf(p), this.readLen * PAGE_SIZE, 0);
    this.rets.set(p, r.ret);
    this.record(r);
  }

  private step(action: ScenarioAction): void {
    switch (action.name) {
      case 'SpliceSubmit': {
        const p = param(action, 'proc', 'string');
        if (this.reads.has(p) || this.rets.has(p))
          throw new AdapterError(`SplicePipe: ${p} has already spliced`);
        if (p === this.bufferedProc || this.fileOf(p).f_inode.i_size === 0) {
          this.spliceWhole(p);
          return;
        }
        const r = splice_dio_read_submit(
          this.fileOf(p),
          0,
          this.pipeOf(p),
          this.readLen * PAGE_SIZE,
          {
            bio_max_pages: 1,
          },
        );
        this.reads.set(p, r);
        // A read whose bios are in flight but whose dio has already failed after meeting the full
        // pipe (pipe_get_pages: no slot, -EFAULT): the model decides the failure here.
        if (r.dio !== null && r.dio.error < 0 && r.piter !== null && r.piter.met_full) {
          this.failFull++;
          this.failFullCounted.add(r);
        }
        // A read that submits nothing returns at once, in the same splice() call.
        if (r.dio === null) this.finish(p, r);
        return;
      }
      case 'SpliceSync': {
        // The whole O_DIRECT splice() call at once: vfs_splice_read waits for its bios.
        const p = param(action, 'proc', 'string');
        if (this.reads.has(p) || this.rets.has(p))
          throw new AdapterError(`SplicePipe: ${p} has already spliced`);
        this.spliceWhole(p);
        return;
      }
      case 'SpliceMisaligned': {
        // splice(fd, &1, pipe, ReadLen pages) on the O_DIRECT file, one step: vfs_splice_read
        // at a misaligned position, through the same splice read as SpliceSubmit (6.12
        // copy_splice_read allocates, its dio fails the alignment check or reads nothing at
        // EOF, and it frees the pages; 6.1 generic_file_splice_read's ITER_PIPE read fails
        // before appending anything). Nothing is submitted, so it returns at once.
        const p = param(action, 'proc', 'string');
        if (this.reads.has(p) || this.rets.has(p))
          throw new AdapterError(`SplicePipe: ${p} has already spliced`);
        if (p === this.bufferedProc)
          throw new AdapterError(`SplicePipe: ${p}'s file is not opened O_DIRECT`);
        const r = splice_dio_read_submit(
          this.fileOf(p),
          MISALIGNED_POS,
          this.pipeOf(p),
          this.readLen * PAGE_SIZE,
        );
        this.reads.set(p, r);
        this.finish(p, r);
        return;
      }
      case 'Truncate':
        // Both processes' files: the spec's one file.
        for (const f of this.files.values())
          do_truncate(f.f_inode, param(action, 'size', 'number') * PAGE_SIZE);
        return;
      case 'TruncateMid': {
        // ftruncate to sectors * 512 bytes into file page `size` (1-based), on both files.
        const sectors = param(action, 'sectors', 'number');
        if (!Number.isInteger(sectors) || sectors < 1 || sectors >= PAGE_SECTORS)
          throw new AdapterError(`SplicePipe: TruncateMid sectors ${sectors} is not 1..7`);
        const bytes = (param(action, 'size', 'number') - 1) * PAGE_SIZE + sectors * SECTOR;
        for (const f of this.files.values()) do_truncate(f.f_inode, bytes);
        return;
      }
      case 'DioRevert':
        splice_dio_read_revert(this.readOf(param(action, 'proc', 'string')));
        return;
      case 'BioComplete': {
        const p = param(action, 'proc', 'string');
        const i = param(action, 'page', 'number');
        const b = this.readOf(p).dio?.bios[i - 1];
        if (b === undefined || b.done)
          throw new AdapterError(`SplicePipe: ${p} has no bio in flight for page ${i}`);
        bdev_complete_bio(b);
        return;
      }
      case 'SpliceReturn': {
        const p = param(action, 'proc', 'string');
        this.finish(p, this.readOf(p));
        return;
      }
      case 'BufferedGetPages': {
        // splice() on the file opened without O_DIRECT, up to the return of filemap_get_pages.
        const p = param(action, 'proc', 'string');
        if (p !== this.bufferedProc)
          throw new AdapterError(`SplicePipe: ${p}'s file is opened O_DIRECT`);
        if (this.reads.has(p) || this.rets.has(p) || this.bufferedReads.has(p))
          throw new AdapterError(`SplicePipe: ${p} has already spliced`);
        const f = this.fileOf(p);
        const pipe = this.pipeOf(p);
        const len = this.readLen * PAGE_SIZE;
        if (this.k.profile.splice_read === 'ITER_PIPE') {
          const head0 = pipe.head;
          const i_size = f.f_inode.i_size;
          const s = generic_file_splice_read_start(f, 0, pipe, len);
          this.bufferedReads.set(p, { kind: 'ITER_PIPE', s, head0, i_size });
        } else {
          this.bufferedReads.set(p, {
            kind: 'FILEMAP',
            s: filemap_splice_read_start(f, 0, pipe, len),
          });
        }
        return;
      }
      case 'BufferedFinish': {
        const p = param(action, 'proc', 'string');
        const b = this.bufferedReads.get(p);
        if (b === undefined)
          throw new AdapterError(`SplicePipe: ${p} has no buffered splice holding its folios`);
        this.bufferedReads.delete(p);
        let r: splice_read_result;
        if (b.kind === 'FILEMAP') {
          r = filemap_splice_read_finish(b.s);
        } else {
          const g = generic_file_splice_read_finish(b.s);
          r = iter_pipe_splice_result(g, 0, b.i_size, pipe_bytes_since(b.s.pipe, b.head0));
        }
        this.rets.set(p, r.ret);
        this.record(r);
        // Pages returned past the i_size at the return (the fault's stale i_size bound the read).
        const pages = Math.ceil(Math.max(r.ret, 0) / PAGE_SIZE);
        const past = Math.max(0, pages - Math.ceil(Math.max(r.i_size - r.pos, 0) / PAGE_SIZE));
        // As for allocPastEof: pages past EOF must make splice_within_eof fire.
        if (past > 0 && !splice_within_eof(r).some((v) => v.invariant === 'splice_within_eof'))
          throw new AdapterError(
            `SplicePipe: a splice returned ${past} page(s) past EOF and splice_within_eof is silent`,
          );
        this.pastEof += past;
        return;
      }
      case 'SpliceFullNonblock': {
        // splice(fd, NULL, pipe, ReadLen pages, SPLICE_F_NONBLOCK) again, after p's splice returned.
        const p = param(action, 'proc', 'string');
        if (!this.rets.has(p)) throw new AdapterError(`SplicePipe: ${p}'s splice has not returned`);
        const r = splice_file_to_pipe(
          this.fileOf(p),
          0,
          this.pipeOf(p),
          this.readLen * PAGE_SIZE,
          SPLICE_F_NONBLOCK,
        );
        this.lastNonblock = r.ret;
        return;
      }
      case 'VmspliceEmpty': {
        // vmsplice(pipe, {NULL, 0}, 1, 0) into p's full pipe, after p's splice returned.
        const p = param(action, 'proc', 'string');
        if (!this.rets.has(p)) throw new AdapterError(`SplicePipe: ${p}'s splice has not returned`);
        this.lastVmsplice = vmsplice_to_pipe(
          this.mm,
          [{ iov_base: 0, iov_len: 0 }],
          this.pipeOf(p),
          0,
        );
        return;
      }
      case 'SpliceBufferedOffset': {
        // splice(fd, &off, pipe, ReadLen pages, 0) on the file opened without O_DIRECT, from off
        // sectors into page 1: one splice_file_to_pipe (wait_for_space finds the empty pipe, then
        // vfs_splice_read at that position), which stops when the pipe is full or at i_size.
        const p = param(action, 'proc', 'string');
        if (p !== this.bufferedProc)
          throw new AdapterError(`SplicePipe: ${p}'s file is opened O_DIRECT`);
        if (this.reads.has(p) || this.rets.has(p) || this.bufferedReads.has(p))
          throw new AdapterError(`SplicePipe: ${p} has already spliced`);
        const off = param(action, 'off', 'number');
        if (!Number.isInteger(off) || off < 1 || off >= PAGE_SECTORS)
          throw new AdapterError(`SplicePipe: SpliceBufferedOffset off ${off} is not 1..7 sectors`);
        const r = splice_file_to_pipe(
          this.fileOf(p),
          off * SECTOR,
          this.pipeOf(p),
          this.readLen * PAGE_SIZE,
          0,
        );
        this.rets.set(p, r.ret);
        this.record(r);
        return;
      }
      case 'AppendWrite':
        this.appendWrite(param(action, 'proc', 'string'), param(action, 'pages', 'number'));
        return;
      case 'PipeRead': {
        const pipe = this.pipeOf(param(action, 'proc', 'string'));
        const oldest = pipe.bufs[pipe.tail & (pipe.ring_size - 1)];
        if (pipe.head === pipe.tail || oldest === undefined)
          throw new AdapterError('SplicePipe: read from an empty pipe');
        pipe_read(pipe, oldest.len);
        return;
      }
      case 'PipeReadPart': {
        // read(fd, buf, PartReadSectors * 512) of less than the oldest buffer holds: pipe_read
        // moves the buffer's offset and len and keeps it (fs/pipe.c pipe_read).
        const pipe = this.pipeOf(param(action, 'proc', 'string'));
        const oldest = pipe.bufs[pipe.tail & (pipe.ring_size - 1)];
        const n = this.partReadSectors * SECTOR;
        if (pipe.head === pipe.tail || oldest === undefined || n === 0 || oldest.len <= n)
          throw new AdapterError(`SplicePipe: no pipe buffer holding more than ${n} bytes to read`);
        pipe_read(pipe, n);
        return;
      }
      case 'Finished':
        return;
      default:
        throw new AdapterError(`SplicePipe: unknown action ${action.name}`);
    }
  }

  /**
   * pwrite(fd, buf, pages * PAGE_SIZE, i_size) with O_DIRECT (pages 1, or 0: an empty write),
   * synchronous: on each process's file (the spec's one file), its own bytes for that page, p's
   * file first. The writer's buffer is a page of ITER_BVEC allocated for the call and freed after.
   */
  private appendWrite(p: string, pages: number): void {
    if (pages !== 0 && pages !== 1)
      throw new AdapterError(`SplicePipe: AppendWrite of ${pages} pages (0 or 1)`);
    const len = pages * PAGE_SIZE;
    if (p === this.bufferedProc)
      throw new AdapterError(`SplicePipe: ${p}'s file is not opened O_DIRECT`);
    const page = try_alloc_page();
    if (page === null)
      throw new AdapterError(`SplicePipe: no free page for ${p}'s write buffer (Frames too small)`);
    const order = [p, ...PROCS.filter((q) => q !== p)];
    const results = order.map((q) => {
      const f = this.fileOf(q);
      const pos = f.f_inode.i_size;
      memcpy_to_page(page, 0, filledBytes(PAGE_SIZE, dataByte(q, pos / PAGE_SIZE + 1)));
      const bv = [{ bv_page: page, bv_offset: 0, bv_len: len }];
      return direct_IO(init_sync_kiocb(f, pos), iov_iter_bvec(ITER_SOURCE, bv, 1, len));
    });
    put_page(page);
    if (results.some((r) => r !== results[0]))
      throw new AdapterError(
        `SplicePipe: ${p}'s write gave ${results.join(' / ')} on the two files`,
      );
    this.lastWrite = results[0] ?? null;
  }

  private phaseOf(p: string): string {
    if (this.bufferedReads.has(p)) return 'reading';
    const r = this.reads.get(p);
    if (r === undefined) return this.rets.has(p) ? 'done' : 'idle';
    if (r.returned) return 'done';
    return r.reverted ? 'trimmed' : 'submitted';
  }

  violations(): Violation[] {
    return [
      ...kernelViolations(this.k),
      ...this.results.flatMap(splice_within_eof),
      ...this.results.flatMap(splice_pipe_matches_ret),
      ...this.results.flatMap(splice_fill_not_failed),
    ];
  }

  observe(): StepObservation {
    const obs: Record<string, string | number | null> = {
      isize: this.fileOf('p1').f_inode.i_size / PAGE_SIZE,
    };
    for (const p of PROCS) {
      const ph = this.phaseOf(p);
      const locked = ph === 'submitted' || ph === 'trimmed' || ph === 'reading';
      const pipe = this.pipeOf(p);
      const tags: string[] = [];
      for (let s = pipe.tail; s !== pipe.head; s++) {
        const b = pipe.bufs[s & (pipe.ring_size - 1)];
        if (b !== undefined) tags.push(bufTag(b.page, b.offset, b.len, p));
      }
      const keys = PROC_KEYS[p];
      obs[keys.phase] = ph;
      obs[keys.ret] = ph === 'done' ? retObservation(this.retOf(p)) : null;
      obs[keys.pipe] = locked ? null : tags.join(',');
      obs[keys.pipeLen] = locked ? null : tags.length;
    }
    let refs = 0;
    for (const f of this.k.live_folios) refs += f._refcount;
    obs.framesInUse = this.k.live_folios.size;
    obs.refs = refs;
    let cached = 0;
    // The spec's CachePages: a sparse file's hole pages are cached by a buffered read too.
    for (const f of this.files.values())
      for (let i = 0; i < this.extentPages; i++)
        if (filemap_lookup(f.f_inode.i_mapping, i) !== undefined) cached++;
    obs.cached = cached;
    let freed = 0;
    for (const r of this.reads.values()) {
      for (const b of r.dio?.bios ?? []) {
        if (!b.done) for (const bv of b.bi_io_vec) if (bv.bv_page.folio.freed) freed++;
      }
    }
    obs.bioFreed = freed;
    obs.allocPastEof = this.allocPastEof;
    obs.failFull = this.failFull;
    obs.pastEof = this.pastEof;
    obs.write = this.lastWrite === null ? null : retObservation(this.lastWrite);
    obs.nonblock = this.lastNonblock === null ? null : retObservation(this.lastNonblock);
    obs.vmsplice = this.lastVmsplice;
    return obs;
  }
}

export const splicePipeAdapter: SpecAdapter = {
  spec: 'SplicePipe',
  observeModel,
  supports: (action) => ACTIONS.has(action.name),
  // ITER_PIPE with BioPageRef = NONE is linux-6.1 with pipe_get_pages taking no ref, as the
  // early iov_iter_extract_pages series did (920756a3306a): iter_pipe_truncate_revert.
  // LimitToEof = TRUE is the ver #20 copy splice of seed 002 (never merged) on linux-6.12.
  faultKnobs: [
    { constant: 'BioPageRef', value: 'NONE', fault: 'iter_pipe_truncate_revert' },
    { constant: 'LimitToEof', value: true, fault: 'direct_splice_eof_limit_v20' },
    // EofRevert = FALSE is iomap_dio_rw before 419e9c38aa07 (no revert to i_size).
    { constant: 'EofRevert', value: false, fault: 'iomap_dio_no_eof_revert' },
    // EofClip = FALSE (with LimitToEof) is the ver #19 direct_splice_read under the ver #20
    // promise: eof_limited without the clip (faults.ts direct_splice_no_eof_limit).
    { constant: 'EofClip', value: false, fault: 'direct_splice_no_eof_limit' },
    // PipeRoomClip = FALSE is do_splice before 3253d9d09337: no clip to the pipe's room.
    { constant: 'PipeRoomClip', value: false, fault: 'splice_no_pipe_room_clip' },
    // IsizeRecheck = FALSE is __generic_file_splice_read before 620a324b744a: the buffered read
    // bounded by the i_size sampled before its folios were found uptodate.
    { constant: 'IsizeRecheck', value: false, fault: 'splice_isize_before_uptodate' },
  ],
  // A bio listing a freed frame (the model's NoBufferFreedUnderBio) makes its DMA land in a
  // freed page, which the reference WARNs about when the bio completes.
  // A splice that returns with more (or fewer) pipe buffers than the pages it returned (the
  // model's ReadLimitedToEof broken by a missing EOF revert) breaks splice_pipe_matches_ret at
  // that step: each process splices once, into a pipe empty until then.
  predictedViolations: (prev, now) => [
    ...(Number(prev?.bioFreed ?? 0) > 0 || Number(now.bioFreed) > 0
      ? ['no_dma_into_freed_page']
      : []),
    ...(PROCS.some((p) => {
      const k = PROC_KEYS[p];
      const ret = now[k.ret];
      if (prev?.[k.ret] !== null || ret === null || ret === undefined) return false;
      return now[k.pipeLen] !== (typeof ret === 'number' ? ret : 0);
    })
      ? ['splice_pipe_matches_ret']
      : []),
    // Pages allocated past EOF under the ver #20 promise (the model's AllocationWithinEof broken
    // by the missing clip): splice_within_eof judges the splice that returned at this step.
    ...(Number(now.allocPastEof) > Number(prev?.allocPastEof ?? 0) ? ['splice_within_eof'] : []),
    // A buffered splice that returned pages past the i_size at its return (the model's
    // SpliceWithinEof broken by the stale i_size): splice_within_eof judges it at this step.
    ...(Number(now.pastEof) > Number(prev?.pastEof ?? 0) ? ['splice_within_eof'] : []),
    // A splice that failed after its read met the full pipe (the model's FillNotFailed broken by
    // the missing room clip): splice_fill_not_failed judges it when it returns -EAGAIN, at this
    // step or, for a split read, at its SpliceReturn after the failure was counted.
    ...(Number(now.failFull) > 0 &&
    PROCS.some((p) => {
      const k = PROC_KEYS[p];
      return prev?.[k.ret] === null && now[k.ret] === 'error 11';
    })
      ? ['splice_fill_not_failed']
      : []),
  ],
  createDriver: (profile, scenario) => new SplicePipeDriver(profile, scenario),
};
