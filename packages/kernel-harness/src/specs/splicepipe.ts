// SplicePipe (specs/SplicePipe.tla) on a real kernel: a scenario becomes the guest's
// splicepipe_script operation (guest/splicepipe.c). Processes p1 and p2 splice() O_DIRECT ext4
// files into their own pipes: the spec's one file is two files of the same size, truncated
// together, one per process (under linux-6.1 and linux-6.12 the processes meet only in i_size,
// which the host checks is the same for both, and in the model's frame pool, checked below).
// Each file has its own dm gate, which holds that process's bios so that "p is inside
// splice()" is a state the guest really is in while the model's steps of that call are taken.
//
// Realisation, per action:
//   SpliceSubmit(p)    suspend the gate, fork a child that calls splice(fd, &0, pipe_p,
//                      ReadLen pages); wait until it returns (at EOF: no bio) or sleeps in D
//                      state (its bios queued at the gate, after __iomap_dio_rw's EOF revert)
//   DioRevert(p)       nothing to do: fs/iomap/direct-io.c __iomap_dio_rw reverts the iterator
//                      to i_size after submitting and before waiting, i.e. already during the
//                      SpliceSubmit step; the guest checks p is still inside splice()
//   BioComplete(p, i)  nothing to do: all of p's bios complete when SpliceReturn opens the gate
//                      (see "commutation" below); the guest checks p is still inside splice()
//   SpliceReturn(p)    resume the gate, collect splice()'s return value
//   Truncate(size)     ftruncate(fd, size pages), only between splice() calls
//   TruncateMid(size, sectors) ftruncate(fd, (size - 1) pages + sectors * 512): an i_size inside a
//                      cached page of the hole (SplicePipe_trunc_mid), only between splice() calls
//   PipeRead(p)        read() of what p's oldest pipe buffer holds (its len, found without
//                      consuming it: tee() into a scratch pipe, splice() of its oldest buffer alone
//                      into a one-slot pipe): fs/pipe.c pipe_read empties and releases it
//   SpliceFullNonblock(p) splice(fd, &0, pipe_p, ReadLen pages, SPLICE_F_NONBLOCK) after p's
//                      splice() returned, into its full pipe: -EAGAIN from wait_for_space, checked
//                      as nonblock (nbRetBytes)
//   VmspliceEmpty(p)   vmsplice(pipe_p, {NULL, 0}, 1, 0) after p's splice() returned, into its full
//                      pipe (blocking write end, flags 0): 0 at once from sys_vmsplice's empty-iovec
//                      check, before wait_for_space; checked as vmsplice (vmRetBytes)
//   PipeReadPart(p)    read() of PartReadSectors * 512 bytes (request partReadBytes) from p's
//                      pipe; the guest first checks the kernel's oldest buffer holds more, then
//                      that read() returned them all: pipe_read moves buf->offset/len, keeps it
//   Finished           nothing
//   SpliceMisaligned(p) splice(fd, &1, pipe_p, ReadLen pages): the guest's SpliceSubmit(p) with
//                      pos=1, which returns at once (-EINVAL from iomap_dio_bio_iter's alignment
//                      check, or 0 at EOF): no bio reaches the gate
//   SpliceBufferedOffset(p) splice(fd, &off, pipe_p, ReadLen pages) on the buffered process's
//                      file with off = the action's off * 512: the guest's SpliceSubmit(p) at
//                      that position (a buffered splice: one call, the gate open); it stops when
//                      the pipe is full or at i_size, short of the length by the offset
//   SpliceSync(p)      the model's whole splice() call in one step: the guest steps
//                      SpliceSubmit(p) then SpliceReturn(p) (the gate opened right after the
//                      submission), and the observation is the one after SpliceReturn (the
//                      one in between, p inside splice(), is checked by the guest and dropped)
//
// Commutation (why moving DioRevert(p) to the submission and every BioComplete(p, i) to
// SpliceReturn(p) cannot change an observation on the scenarios the target accepts):
//   - every observable key of p (pipe_p, pipeLen_p, ret_p) is null from SpliceSubmit(p) to
//     SpliceReturn(p) in the model (p holds pipe_lock), and null in the guest (p's child is in
//     the kernel, checked at every step);
//   - the other actions accepted in between are the other process's steps (its own pipe, file
//     and gate); a Truncate in between is not accepted (the race window of the spec);
//   - under linux-6.1 (ITER_PIPE + GET) and linux-6.12 (COPY + NONE) a frame that p's bio or
//     revert touches is held by p (pipe, bio ref or copy_splice_read's array) until the bio
//     completes: no other process can see it, so the time of DioRevert/BioComplete only moves
//     refs and framesInUse, which the guest cannot see anyway (declared unobservable).
//   - the model's frame pool (Frames, 3 pages) can give a splice fewer pages than it asks
//     (SpliceRead's n = Min(want, free frames)); a real kernel never runs short on this scale,
//     so such scenarios are not applicable.
//
// Observation keys (those of @pinlab/testgen's SplicePipe adapter, adapters/splice-pipe.ts):
//   isize, ret_p1/ret_p2, pipe_p1/pipe_p2 (D<i> file page i, Z zeroes, J anything else; :<len>
//   after a buffer of less than a page, read one buffer at a time), pipeLen_p1/pipeLen_p2. isize and ret are bytes / 4096:
//   a file whose i_size ends mid-page (TailSectors, SplicePipe_partial_tail) shows the fraction. Not observable: phase_<p> (idle and done show in ret_<p> and
//   pipe_<p>; submitted vs trimmed is whether __iomap_dio_rw's revert ran, inside the call),
//   framesInUse, refs (page refcounts are not exported), bioFreed and cached (page-cache
//   residency: the guest's files are written through the page cache, so it starts warm where
//   the model's starts empty; no other key depends on it), allocPastEof (a splice's page
//   allocations; 0 under every profile), failFull (splices that failed after their read met a
//   full pipe: 0 under every profile, whose splice(2) clips the length to the pipe's room).
// BufferedProc: that process's file is opened without O_DIRECT (vfs_splice_read ->
// filemap_splice_read on 6.12, generic_file_splice_read over ITER_PIPE on 6.1); its
// SpliceSubmit is the whole splice() call, with the gate open (page-cache reads must not wait). X<i> (the other
//   process's data) is told from D<i> by the files' different bytes.
import type { Scenario, ScenarioAction, StepObservation } from '@pinlab/testgen';

const PAGE = 4096;
/** Where a splice held at the gate sleeps: fs/iomap/direct-io.c, the wait after submission. */
export const DIO_WAIT = '__iomap_dio_rw';
const PROCS = ['p1', 'p2'] as const;
/** SpliceMisaligned's file offset (the testgen adapter's): one byte. */
const MISALIGNED_POS = 1;
/** The model's sector (SpliceBufferedOffset's off, TailSectors, PartReadSectors): 512 bytes. */
const SECTOR = 512;
type Proc = (typeof PROCS)[number];
/** Size of Frames in every SplicePipe config ({1, 2, 3}) when the constants do not say. */
const DEFAULT_FRAMES = 3;

export const SPLICEPIPE_ACTIONS = [
  'Init',
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
  'SpliceFullNonblock',
  'VmspliceEmpty',
  'SpliceBufferedOffset',
  'Finished',
] as const;

export const SPLICEPIPE_UNOBSERVABLE = [
  'phase_p1',
  'phase_p2',
  'framesInUse',
  'refs',
  'bioFreed',
  'cached',
  // Pages a splice allocated past EOF under seed 002 ver #20's promise: no shipped kernel has
  // that design (0 under every profile) and the guest cannot count a splice's allocations.
  'allocPastEof',
  // Splices that failed after their read met a full pipe: only without do_splice's clip to the
  // pipe's room (before 3253d9d09337, 5.4), so 0 on 6.1 and 6.12; the guest sees -EAGAIN only.
  'failFull',
  // Pages a buffered splice returned past the i_size at its return: only under
  // __generic_file_splice_read before 620a324b744a (2007), so 0 on 6.1 and 6.12; the guest sees
  // ret_<p> and pipe_<p>, which a truncate after the return may also leave past i_size.
  'pastEof',
] as const;

/** Reasons a scenario is not applicable (stable texts: the runner counts by reason). */
export const SPLICEPIPE_NA = {
  truncateInSplice:
    'SplicePipe Truncate inside a splice() call (between SpliceSubmit and SpliceReturn of one process): the model race window (truncate before the EOF revert) is reachable only statistically, and ftruncate waits for the in-flight O_DIRECT read (ext4 holds i_rwsem shared across iomap_dio_rw)',
  framePool:
    'SplicePipe the model frame pool gives a splice fewer pages than it asks (SpliceRead n = Min(want, free frames)); a real kernel allocates them all',
  holeOnly:
    'SplicePipe a split splice() that reads only a hole (no mapped block: the sparse file of ExtendSize): it issues no bio, so the real call returns within SpliceSubmit and cannot be held at the gate for its DioRevert / SpliceReturn steps (its SpliceSync form runs)',
  constants: 'SplicePipe constants unknown or outside what the guest realises',
  appendWrite:
    "SplicePipe AppendWrite (pwrite of one page at i_size with O_DIRECT, SplicePipe_append): not realised by the guest: its -ENOSPC outcome needs the file's extent (the model's ExtentPages) to be all the space the filesystem has left, which the guest's 4 MiB ext4 does not bound; the reference runs it (block/dio.ts dio_submit / dio_complete)",
  bufferedRace:
    'SplicePipe BufferedGetPages / BufferedFinish (a truncate while the buffered splice holds the folios filemap_get_pages returned, SplicePipe_buffered_race): the guest holds a read only by suspending its dm gate, and a suspended dm device fails readahead bios (drivers/md/dm.c dm_submit_bio: REQ_RAHEAD -> bio_io_error), so filemap_update_page reads the folio again synchronously (filemap_read_folio) under filemap_invalidate_lock_shared, which ext4_setattr takes exclusively before its i_size_write: ftruncate cannot lower i_size while the guest holds the splice, and once the gate opens the two race; the reference runs it (splice/filemap_splice.ts, iter_pipe.ts)',
} as const;

/** Why the guest cannot realise an action supportsSplicePipe refuses (Realisation.whyNot). */
export function splicePipeWhyNot(action: ScenarioAction): string | undefined {
  if (action.name === 'AppendWrite') return SPLICEPIPE_NA.appendWrite;
  if (action.name === 'BufferedGetPages' || action.name === 'BufferedFinish')
    return SPLICEPIPE_NA.bufferedRace;
  return undefined;
}

const isProc = (v: unknown): v is Proc => v === 'p1' || v === 'p2';

/**
 * The guest's steps for the model's: SpliceSync(p) is SpliceSubmit(p) then SpliceReturn(p)
 * (the whole splice() call, its bios released at once), every other action itself. `model` is
 * the index of the model step each guest step belongs to; `observed` is false for the guest
 * step whose observation is not the model step's (the one between SpliceSync's two).
 */
export interface SplicePipeGuestStep {
  action: ScenarioAction;
  /** Index of the model step it belongs to. */
  model: number;
  /** Its observation is the model step's (false: between SpliceSync's two guest steps). */
  observed: boolean;
}

export function splicePipeGuestSteps(actions: readonly ScenarioAction[]): SplicePipeGuestStep[] {
  return actions.flatMap((a, model): SplicePipeGuestStep[] => {
    if (a.name === 'SpliceSync')
      return [
        { action: { ...a, name: 'SpliceSubmit' }, model, observed: false },
        { action: { ...a, name: 'SpliceReturn' }, model, observed: true },
      ];
    // The splice() from offset 1: the guest's SpliceSubmit at that position (it returns at
    // once, no bio to hold).
    if (a.name === 'SpliceMisaligned')
      return [
        { action: { ...a, name: 'SpliceSubmit', pos: MISALIGNED_POS }, model, observed: true },
      ];
    // The buffered splice from off sectors into page 1: the guest's SpliceSubmit at that byte.
    if (a.name === 'SpliceBufferedOffset')
      return [
        {
          action: { ...a, name: 'SpliceSubmit', pos: (a.off as number) * SECTOR },
          model,
          observed: true,
        },
      ];
    return [{ action: a, model, observed: true }];
  });
}

export function supportsSplicePipe(action: ScenarioAction): boolean {
  if (!(SPLICEPIPE_ACTIONS as readonly string[]).includes(action.name)) return false;
  switch (action.name) {
    case 'Truncate':
      return Number.isInteger(action.size) && (action.size as number) >= 0;
    case 'TruncateMid':
      return (
        Number.isInteger(action.size) &&
        (action.size as number) >= 1 &&
        Number.isInteger(action.sectors) &&
        (action.sectors as number) >= 1 &&
        (action.sectors as number) < PAGE / SECTOR
      );
    case 'BioComplete':
      return isProc(action.proc) && Number.isInteger(action.page) && (action.page as number) >= 1;
    case 'SpliceSubmit':
    case 'SpliceSync':
    case 'SpliceMisaligned':
    case 'DioRevert':
    case 'SpliceReturn':
    case 'PipeRead':
    case 'PipeReadPart':
    case 'SpliceFullNonblock':
    case 'VmspliceEmpty':
      return isProc(action.proc);
    case 'SpliceBufferedOffset':
      return (
        isProc(action.proc) &&
        Number.isInteger(action.off) &&
        (action.off as number) >= 1 &&
        (action.off as number) < PAGE / SECTOR
      );
    default:
      return true;
  }
}

interface SpliceConstants {
  fileSize: number;
  readLen: number;
  pipeSlots: number;
  frames: number;
  copy: boolean; // SpliceImpl = "COPY"
  bioRef: boolean; // BioPageRef = "GET"
  limitToEof: boolean;
  buffered: Proc | null; // BufferedProc: whose file is opened without O_DIRECT
  cachePages: number; // the spec's CachePages: max(FileSize, ExtendSize), a sparse file's hole too
  tailBytes: number; // TailSectors * 512: bytes of the file's last page (0: a whole page)
  partReadBytes: number; // PartReadSectors * 512: a PipeReadPart read()'s size (0: none)
}

/** The constants the guest needs, or null when the scenario does not carry usable ones. */
export function splicePipeConstants(scenario: Scenario): SpliceConstants | null {
  const c = scenario.constants;
  if (c === undefined) return null;
  const int = (k: string, lo: number, hi: number): number | null => {
    const v = c[k];
    return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : null;
  };
  const fileSize = int('FileSize', 0, 5);
  const readLen = int('ReadLen', 1, 5);
  const pipeSlots = int('PipeSlots', 1, 16);
  const frames = c.Frames === undefined ? DEFAULT_FRAMES : int('Frames', 1, 100);
  const extendSize = c.ExtendSize === undefined ? 0 : int('ExtendSize', 0, 5);
  // TailSectors: the file's last page holds that many 512-byte sectors (i_size ends mid-page).
  const tailSectors = c.TailSectors === undefined ? 0 : int('TailSectors', 0, 7);
  // PartReadSectors: a PipeReadPart read() takes that many 512-byte sectors (0: no such step).
  const partSectors = c.PartReadSectors === undefined ? 0 : int('PartReadSectors', 0, 7);
  if (
    tailSectors === null ||
    partSectors === null ||
    fileSize === null ||
    readLen === null ||
    pipeSlots === null ||
    frames === null ||
    extendSize === null
  )
    return null;
  // F_SETPIPE_SZ rounds the ring to a power of two and sets max_usage to it (fs/pipe.c
  // pipe_set_size), so only power-of-two PipeSlots can be realised exactly.
  if ((pipeSlots & (pipeSlots - 1)) !== 0) return null;
  if (c.SpliceImpl !== 'COPY' && c.SpliceImpl !== 'ITER_PIPE') return null;
  if (c.BioPageRef !== 'GET' && c.BioPageRef !== 'NONE') return null;
  // EofClip = FALSE is the ver #19 direct_splice_read under the ver #20 promise (a design, not a
  // shipped kernel): a kernel target runs only the profiles' constants, where it is TRUE.
  if (c.EofClip === false) return null;
  // PipeRoomClip = FALSE is do_splice before 3253d9d09337 (5.4): 6.1 and 6.12 clip the length to
  // the pipe's room, so no guest kernel can run it.
  if (c.PipeRoomClip === false) return null;
  // IsizeRecheck = FALSE is __generic_file_splice_read before 620a324b744a (2007): 6.1 and 6.12
  // read i_size again once the folios are uptodate, so no guest kernel can run it.
  if (c.IsizeRecheck === false) return null;
  if (tailSectors > 0 && fileSize === 0) return null;
  const buffered = c.BufferedProc ?? 'none';
  if (buffered !== 'none' && !isProc(buffered)) return null;
  return {
    fileSize,
    readLen,
    pipeSlots,
    frames,
    copy: c.SpliceImpl === 'COPY',
    bioRef: c.BioPageRef === 'GET',
    limitToEof: c.LimitToEof === true,
    buffered: buffered === 'none' ? null : buffered,
    cachePages: Math.max(fileSize, extendSize),
    tailBytes: tailSectors * 512,
    partReadBytes: partSectors * 512,
  };
}

interface ProcState {
  inSplice: boolean;
  nread: number;
  buf: number[]; // frame of file page i (index i - 1)
  bio: Set<number>;
  pipe: number[]; // frames, oldest first
  ret: number;
}

/**
 * Why the guest cannot run this scenario, or undefined when it can. Follows the spec's frame
 * accounting (SpliceRead, DioRevert, BioComplete, SpliceReturn, PipeRead) only to find the
 * steps where the model's pool of Frames runs short; the observations come from the guest.
 */
export function splicePipeScenarioSupport(scenario: Scenario): string | undefined {
  const k = splicePipeConstants(scenario);
  if (k === null) return SPLICEPIPE_NA.constants;
  // The page cache of the buffered process's file: frame of file page i (index i - 1), or -1.
  const cache = new Array<number>(k.cachePages).fill(-1);
  const ref = new Array<number>(k.frames).fill(0);
  let isize = k.fileSize;
  const st = new Map<Proc, ProcState>(
    PROCS.map((p) => [p, { inSplice: false, nread: 0, buf: [], bio: new Set(), pipe: [], ret: 0 }]),
  );
  const drop = (f: number | undefined) => {
    if (f !== undefined && (ref[f] ?? 0) > 0) ref[f] = (ref[f] ?? 0) - 1;
  };
  for (const { action: a, observed } of splicePipeGuestSteps(scenario.actions)) {
    const inFlight = PROCS.filter((p) => st.get(p)?.inSplice);
    if (a.name === 'Truncate' || a.name === 'TruncateMid') {
      if (inFlight.length > 0) return SPLICEPIPE_NA.truncateInSplice;
      // (TruncateMid: i_size inside page `size`, which stays cached)
      isize = a.size as number;
      // truncate_inode_pages: the cache's refs on pages past the new size go.
      for (let i = isize; i < cache.length; i++) {
        const f = cache[i] ?? -1;
        if (f >= 0) drop(f);
        cache[i] = -1;
      }
      continue;
    }
    if (!isProc(a.proc)) continue;
    const p = a.proc;
    const s = st.get(p) as ProcState;
    switch (a.name) {
      case 'SpliceSubmit': {
        if (a.pos === MISALIGNED_POS) {
          // SpliceMisaligned: nothing is read or kept; copy_splice_read allocates first, so the
          // model's pool with no free frame gives -ENOMEM (except the ver #20 design at EOF,
          // which allocates nothing) where a real kernel has the page.
          const none = ref.every((r) => r > 0);
          if (k.copy && none && !(k.limitToEof && isize === 0)) return SPLICEPIPE_NA.framePool;
          s.ret = 0;
          break;
        }
        if (p === k.buffered && typeof a.pos === 'number' && a.pos > 0) {
          // SpliceBufferedOffset: the length clipped to the pipe's room, the pages filemap_get_pages
          // covers (one more than the length from inside page 1, below i_size) read into the
          // cache, as many into the pipe as it takes.
          const room = k.pipeSlots - s.pipe.length;
          const fetch = Math.min(Math.min(k.readLen, room) + 1, isize);
          const n = Math.min(fetch, room);
          if (!cacheThenPipe(cache, ref, s.pipe, fetch, n)) return SPLICEPIPE_NA.framePool;
          s.ret = n;
          break;
        }
        if (isize === 0) {
          // SpliceAtEof: returns 0 at once, except that upstream copy_splice_read allocates
          // before it reads, so the model's pool with no free frame gives -ENOMEM there.
          const none = ref.every((r) => r > 0);
          if (k.copy && !k.limitToEof && none) return SPLICEPIPE_NA.framePool;
          break;
        }
        if (p === k.buffered) {
          // BufferedRead: pages 1..n from the page cache, missing ones read in (lowest free
          // frames, in file order), each put in the pipe by reference. One step, no bio.
          const n = Math.min(k.readLen, k.pipeSlots - s.pipe.length, isize);
          if (!cacheThenPipe(cache, ref, s.pipe, n, n)) return SPLICEPIPE_NA.framePool;
          s.ret = n;
          break;
        }
        const free = ref.flatMap((r, f) => (r === 0 ? [f] : []));
        let want = Math.min(k.readLen, k.pipeSlots - s.pipe.length);
        if (k.copy && k.limitToEof) want = Math.min(want, isize);
        if (free.length < want) return SPLICEPIPE_NA.framePool;
        s.inSplice = true;
        s.nread = want;
        s.buf = free.slice(0, want);
        // Bios for the pages whose blocks the model keeps mapped (MappedPages == FileSize);
        // ret is dio->i_size's clip, sampled here.
        const mapped = Math.min(want, k.fileSize);
        // Only a hole to read (a sparse file): no bio, the call returns at once. Its SpliceSync
        // form (the guest's SpliceSubmit not observed, then SpliceReturn) is what the guest does.
        if (mapped === 0 && observed) return SPLICEPIPE_NA.holeOnly;
        s.ret = Math.min(want, isize);
        s.bio = new Set(Array.from({ length: mapped }, (_, i) => i + 1));
        s.buf.forEach((f, i) => {
          ref[f] = k.bioRef && i + 1 <= mapped ? 2 : 1;
        });
        if (!k.copy) s.pipe.push(...s.buf);
        break;
      }
      case 'DioRevert':
        if (!k.copy) for (const f of s.pipe.splice(s.pipe.length - (s.nread - s.ret))) drop(f);
        break;
      case 'BioComplete':
        if (s.bio.delete(a.page as number) && k.bioRef) drop(s.buf[(a.page as number) - 1]);
        break;
      case 'SpliceReturn':
        if (k.copy) {
          s.pipe.push(...s.buf.slice(0, s.ret));
          for (const f of s.buf.slice(s.ret, s.nread)) drop(f);
        }
        s.inSplice = false;
        s.nread = 0;
        s.buf = [];
        break;
      case 'PipeRead':
        drop(s.pipe.shift());
        break;
    }
  }
  return undefined;
}

/**
 * A buffered splice on the guest: file pages 0..fetch-1 read into the page cache where missing
 * (the lowest free frames, in file order; the cache holds a ref on each), then pages 0..n-1 put
 * in the pipe by reference. false when the model's frame pool has too few free frames.
 */
function cacheThenPipe(
  cache: number[],
  ref: number[],
  pipe: number[],
  fetch: number,
  n: number,
): boolean {
  const free = ref.flatMap((r, f) => (r === 0 ? [f] : []));
  const misses = Array.from({ length: fetch }, (_, i) => i).filter((i) => cache[i] === -1);
  if (free.length < misses.length) return false;
  misses.forEach((i, j) => {
    cache[i] = free[j] as number;
    ref[free[j] as number] = 1;
  });
  for (let i = 0; i < n; i++) {
    const f = cache[i] as number;
    ref[f] = (ref[f] ?? 0) + 1;
    pipe.push(f);
  }
  return true;
}

function step(a: ScenarioAction): string {
  if (!supportsSplicePipe(a))
    throw new Error(`SplicePipe action ${a.name} cannot run in the guest`);
  const params = ['proc', 'size', 'sectors', 'page', 'pos'].filter((p) => a[p] !== undefined);
  return [a.name, ...params.map((p) => `${p}=${String(a[p])}`)].join(':');
}

/** The agent's step script: "SpliceSubmit:proc=p1;Truncate:size=0;BioComplete:proc=p1:page=2". */
export function splicePipeScript(actions: readonly ScenarioAction[]): string {
  return splicePipeGuestSteps(actions)
    .map((g) => step(g.action))
    .join(';');
}

/** The request for a scenario the target accepted. */
export function splicePipeRequest(scenario: Scenario): Record<string, string | number> {
  const k = splicePipeConstants(scenario);
  if (k === null) throw new Error(`${scenario.id}: ${SPLICEPIPE_NA.constants}`);
  return {
    steps: splicePipeScript(scenario.actions),
    fileSize: k.fileSize,
    readLen: k.readLen,
    pipeSlots: k.pipeSlots,
    heldIn: DIO_WAIT,
    // 0: every file O_DIRECT; 1/2: p1's/p2's file opened without it (BufferedProc).
    buffered: k.buffered === null ? 0 : PROCS.indexOf(k.buffered) + 1,
    // Bytes of the files' last page (0: whole pages): i_size = (fileSize - 1) pages + tailBytes.
    tailBytes: k.tailBytes,
    // Bytes of each PipeReadPart read() (PartReadSectors * 512; 0: the scenario has none).
    partReadBytes: k.partReadBytes,
  };
}

/** Bytes as the model's page unit; a byte count that is not whole pages stays visible. */
function pages(bytes: number): number {
  return bytes / PAGE;
}

function num(o: Record<string, unknown>, key: string, i: number): number {
  const v = o[key];
  if (typeof v !== 'number') throw new Error(`step ${i}: the agent reported no ${key}`);
  return v;
}

/**
 * A syscall's return as the guest reports it: null where none was made, "error <errno>" for a
 * negative one, else its bytes as the model counts them (shown).
 */
function syscallResult(
  bytes: unknown,
  shown: (bytes: number) => string | number,
): string | number | null {
  if (bytes === null || bytes === undefined) return null;
  return (bytes as number) < 0 ? `error ${-(bytes as number)}` : shown(bytes as number);
}

/**
 * The model steps' observations from the guest's answer to splicePipeScript(actions): one per
 * guest step, the ones between SpliceSync's two guest steps checked and dropped. A number is
 * the count of guest steps of a scenario without SpliceSync.
 */
export function splicePipeObservations(
  result: Record<string, unknown>,
  actions: readonly ScenarioAction[] | number,
): StepObservation[] {
  const guest =
    typeof actions === 'number'
      ? Array.from({ length: actions }, () => ({ observed: true }))
      : splicePipeGuestSteps(actions);
  const steps = guest.length;
  const obs = result.obs;
  if (!Array.isArray(obs) || obs.length !== steps) {
    throw new Error(
      `splicepipe_script returned ${Array.isArray(obs) ? obs.length : 'no'} observations for ${steps} steps`,
    );
  }
  const all = obs.map((o: Record<string, unknown>, i) => {
    const isize = num(o, 'isizeBytes', i);
    if (num(o, 'isizeBytesOther', i) !== isize)
      throw new Error(
        `step ${i}: the processes' files differ in size (${isize} vs ${String(o.isizeBytesOther)})`,
      );
    // write: no scenario the guest runs has an AppendWrite (splicePipeWhyNot), so none was made.
    const out: Record<string, string | number | null> = { isize: pages(isize), write: null };
    // The last SpliceFullNonblock's splice(SPLICE_F_NONBLOCK): -EAGAIN from wait_for_space.
    out.nonblock = syscallResult(o.nbRetBytes, pages);
    // The last VmspliceEmpty's vmsplice() of an empty iovec: bytes (0), as the model's vmret.
    out.vmsplice = syscallResult(o.vmRetBytes, (b) => b);
    for (const p of PROCS) {
      // splice() failing is an observation too: it shows as "error <errno>" against a number.
      out[`ret_${p}`] = syscallResult(o[`retBytes_${p}`], pages);
      const pipe = o[`pipe_${p}`];
      if (pipe === null && o[`inSplice_${p}`] !== true)
        throw new Error(`step ${i}: ${p}'s splice returned before its SpliceReturn (gate failed)`);
      // Held where the model says: in __iomap_dio_rw's wait for its bios, i.e. after the
      // submission and the EOF revert (/proc/<pid>/wchan of the splicing child; 6.1 and 6.12).
      if (pipe === null && o[`wchan_${p}`] !== DIO_WAIT)
        throw new Error(
          `step ${i}: ${p}'s splice sleeps in ${JSON.stringify(o[`wchan_${p}`])}, not in ${DIO_WAIT} waiting for its bios`,
        );
      out[`pipe_${p}`] = pipe === null || pipe === undefined ? null : String(pipe);
      out[`pipeLen_${p}`] = pipe === null ? null : num(o, `pipeLen_${p}`, i);
    }
    return out;
  });
  return all.filter((_, i) => guest[i]?.observed === true);
}
