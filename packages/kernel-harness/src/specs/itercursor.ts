// IterCursor (specs/IterCursor.tla) on a real kernel. The iov_iter cursor lives inside one
// syscall, so the guest cannot hold an iterator across steps. What user space can see is where a
// transfer lands: after each step the guest (guest/itercursor.c op_itercursor_script) does a
// transfer through the spec's segment layout (lengths <<0,2,0,3,1>> at in-page offsets
// <<0,2,0,0,0>>; UBUF one range of 6 at offset 2) that is cut short exactly where the cursor
// should stand, and the kernel's own iovec walk (6.12 include/linux/iov_iter.h iterate_iovec /
// iterate_ubuf, 6.1 the iterate_iovec / iterate_buf macros in lib/iov_iter.c, under
// copy_page_to_iter and copy_page_from_iter_atomic) decides how many bytes land and where:
//   Init        preadv with no segments (no iterator yet): returns 0, count 0
//   IterInit    a full transfer (file longer than the layout): returns the iterator's count
//   Advance(n)  a transfer cut at the kernel's previous position + n (reads: the file ends
//               there, a short read at EOF; writes: RLIMIT_FSIZE, generic_write_check_limits);
//               past the end the kernel clamps to count as iov_iter_advance does
//   Revert(n)   a transfer cut at the previous position - n: the "position after the step"
//               check. User space cannot call iov_iter_revert; the kernel reverts internally
//               after short copies. Reverting past the start is not realisable (it BUG()s or
//               walks off the array; the fixed design's RevertGuard never asks for it).
//   Copy(n)     (UserHole: a UBUF range whose second page is not mapped) a pread and a pwrite of
//               the range from the cursor on (its count), cut n bytes on (EOF, RLIMIT_FSIZE),
//               through a buffer whose second page the guest munmap()ed: copy_to_user /
//               copy_from_user fault there, iterate_ubuf advances by what was copied and the
//               syscall returns it, or -EFAULT when nothing was (the cursor stays). The guest
//               checks the copied bytes and that no other byte of the mapped page changed.
//               IovecHole (an IOVEC whose segment 4 is not mapped): a preadv and a pwritev of
//               the five iovecs with the consumed bytes cut off the front (ITER_IOVEC), through
//               the layout's buffer with segment 4's page munmap()ed: iterate_iovec stops at
//               that iovec (segment 5 after it untouched), the syscall returns what was copied
//               or -EFAULT; a cursor advanced past the hole copies from segment 5 again.
// Every cut is done four ways, which must agree: read and write, at 1024 bytes per model byte
// (model pages = real pages) and at 1021 (odd segment sizes and odd EOF positions). The guest
// also checks that each segment received exactly the bytes the iovec walk assigns it (file
// data at its array position, zero-length segments nothing) and that no other byte of the
// buffer pages changed; a misplaced byte fails the scenario with the guest's description.
//
// What this checks: count after every step (the adapter's `count`), taken from the kernel's
// return values: the previous step's kernel result is the base of the next cut, never the
// model's. What it cannot check: the segment pointer and iov_offset themselves (a copy that
// ends on a segment end leaves iterate_iovec at the next segment, empty or not, while
// iov_iter_iovec_advance skips to the next non-empty one; both place every later byte the same,
// so user space cannot tell them apart), `type` (the
// syscall picks ITER_IOVEC for preadv of five segments and ITER_UBUF for pread, fs/read_write.c,
// but user space cannot see the type), `oops` (a BUG() would kill the worker or the VM: that
// fails the scenario as an error, it is never reported as an observation), and Extract: one
// iov_iter_extract_pages call's [bytes, offset0] under a caller-chosen maxsize is internal to
// its caller (block/bio.c bio_iov_iter_get_pages loops until the bio is full, and an O_DIRECT
// transfer returns the sum of all extractions), so scenarios whose run includes Extract are
// not applicable here, and lastBytes/lastOffset0 are unobservable; the same holds for GetPages
// (iov_iter_get_pages_alloc2, the FOLL_GET interface 6.1's block DIO loops over). KVEC, BVEC,
// XARRAY, DISCARD, FOLIOQ (6.12) and BVECQ (bvecq RFC) iterators exist only inside the kernel:
// reference only.
import type { Scenario, ScenarioAction, StepObservation } from '@pinlab/testgen';

/** specs/IterCursor.tla Total: bytes in the layout, in model bytes. */
export const ITERCURSOR_TOTAL = 6;
/** Real bytes per model byte for the main transfers (PAGE = 4 model bytes = 4096). */
export const ITERCURSOR_UNIT = 1024;
/** The odd scale every cut is repeated at: odd segment sizes, odd EOF positions. */
export const ITERCURSOR_ODD_UNIT = 1021;

/** Iterator types user space drives: preadv/pwritev (IOVEC), pread/pwrite (UBUF). */
export const ITERCURSOR_USER_TYPES = ['IOVEC', 'UBUF'] as const;

/**
 * Keys the guest cannot see (see the header); npages/npagesMax1 (iov_iter_npages of the
 * iterator after each step) are internal to the callers that size their page arrays with it
 * (block/bio.c bio_iov_vecs_to_alloc, fs/iomap/direct-io.c): no syscall returns them.
 */
export const ITERCURSOR_UNOBSERVABLE = [
  'type',
  'oops',
  'lastBytes',
  'lastOffset0',
  // Bytes of an Extract/GetPages result that no listed page holds, or listed elsewhere than
  // the iterator holds them: internal to the call too.
  'lastUnbacked',
  'lastMisplaced',
  // Pages a GetPages result lists past the ones its bytes need (a reference the caller never
  // drops): internal to the call as well.
  'lastStray',
  // The step WARNed (RevertWrapped: iov_iter_revert's MAX_RW_COUNT sanity check): a kernel
  // log splat, no syscall result.
  'warned',
  'npages',
  'npagesMax1',
] as const;

const MAX_BYTES = 2 * ITERCURSOR_TOTAL;

function smallCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_BYTES;
}

export function supportsIterCursor(action: ScenarioAction): boolean {
  switch (action.name) {
    case 'Init':
      return true;
    case 'IterInit':
      return (ITERCURSOR_USER_TYPES as readonly unknown[]).includes(action.type);
    case 'Advance':
    case 'Revert':
    case 'Copy':
      return smallCount(action.bytes);
    default:
      return false; // Extract, GetPages, RevertWrapped, FaultIn, CopyMc: see the header and iterCursorWhyNot
  }
}

/**
 * Why the guest refuses an IterCursor action it knows (stable texts: the runner counts by
 * reason). See the header: one extraction's result is internal to its caller, and KVEC, BVEC
 * and XARRAY iterators exist only inside the kernel.
 */
export function iterCursorWhyNot(action: ScenarioAction): string | undefined {
  if (supportsIterCursor(action)) return undefined;
  if (action.name === 'Extract')
    return 'Extract: one iov_iter_extract_pages result is not visible from user space (block/bio.c bio_iov_iter_get_pages loops until the bio is full; the syscall returns the sum)';
  if (action.name === 'GetPages')
    return 'GetPages: one iov_iter_get_pages_alloc2 result is not visible from user space (6.1 block/bio.c __bio_iov_iter_get_pages loops until the bio is full; the syscall returns the sum)';
  if (action.name === 'GetPagesOne')
    return "GetPagesOne: one iov_iter_get_pages2 result into a one-page array is not visible from user space (fs/fuse/dev.c fuse_copy_fill loops over a request's arguments; the /dev/fuse read()/write() returns the sum)";
  if (action.name === 'RevertWrapped')
    return 'RevertWrapped: a wrong-sign iov_iter_revert comes from an in-kernel caller (4.11-rc generic_file_read_iter); user space cannot call iov_iter_revert';
  if (action.name === 'FaultIn')
    return 'FaultIn: fault_in_iov_iter_writeable is an in-kernel call (fs/btrfs/direct-io.c btrfs_direct_read between two direct read attempts); its return is not visible from user space';
  if (action.name === 'CopyMc')
    return 'CopyMc: _copy_mc_to_iter stops short only at a machine check on poisoned persistent memory (a DAX read through dax_copy_to_iter); the guest has no pmem/DAX device and no way to poison memory';
  if (action.name === 'IterInit' && typeof action.type === 'string')
    return `IterInit ${action.type}: kernel-only iterator`;
  return undefined;
}

/**
 * Why a whole IterCursor scenario cannot run although each action can: none now. The
 * UserHole configs run (since the eleventh session): their Copy steps go through a UBUF range
 * whose second page the guest munmap()s (guest/itercursor.c ic_hole_read / ic_hole_write),
 * and again (seventeenth session) through a UBUF range whose second page lies past the end of
 * a MAP_PRIVATE-mapped tmpfs file (a VMA whose fault is VM_FAULT_SIGBUS: the reference
 * driver's 'file_eof' hole), which must answer the same,
 * the IovecHole configs' (twelfth session) through the IOVEC layout with segment 4's page
 * munmap()ed, their Advance and Revert steps through the mapped layout as everywhere (iov_iter_advance and
 * iov_iter_revert touch no byte, so the hole cannot change where they leave the cursor).
 */
export function iterCursorScenarioSupport(_scenario: Scenario): string | undefined {
  return undefined;
}

/** The iterator type a scenario drives (its IterInit), IOVEC when it has none. */
export function iterCursorType(actions: readonly ScenarioAction[]): string {
  const init = actions.find((a) => a.name === 'IterInit');
  return init === undefined ? 'IOVEC' : String(init.type);
}

/** The agent's step script: `0;I;A3;R1;C2` (Init, IterInit, Advance 3, Revert 1, Copy 2). */
export function iterCursorScript(actions: readonly ScenarioAction[]): string {
  return actions
    .map((a, i) => {
      if (!supportsIterCursor(a))
        throw new Error(`IterCursor step ${i} ${a.name} cannot run in the guest`);
      switch (a.name) {
        case 'Init':
          return '0';
        case 'IterInit':
          return 'I';
        default:
          return `${a.name === 'Advance' ? 'A' : a.name === 'Copy' ? 'C' : 'R'}${String(a.bytes)}`;
      }
    })
    .join(';');
}

/**
 * Request parameters for op `itercursor_script`. `hole` (1 when the run has a Copy: only the
 * UserHole, IovecHole and XarrayHole configs have one, and of those UserHole's UBUF and
 * IovecHole's IOVEC runs here): the guest maps the hole layout of the run's type for the Copy
 * steps, UBUF's range with its second page munmap()ed (and, for each Copy, the same range in
 * a MAP_PRIVATE mapping of a half-page file, its second page past EOF: both must answer
 * alike), IOVEC's five pages with segment 4's page munmap()ed.
 */
export function iterCursorRequest(
  actions: readonly ScenarioAction[],
): Record<string, string | number> {
  return {
    type: iterCursorType(actions),
    steps: iterCursorScript(actions),
    unit: ITERCURSOR_UNIT,
    oddUnit: ITERCURSOR_ODD_UNIT,
    hole: actions.some((a) => a.name === 'Copy') ? 1 : 0,
  };
}

/** -EFAULT as the guest reports it (include/uapi/asm-generic/errno-base.h). */
const EFAULT = 14;

function label(a: ScenarioAction | undefined, i: number): string {
  if (a === undefined) return `step ${i}`;
  const p =
    a.name === 'IterInit' ? `(${String(a.type)})` : 'bytes' in a ? `(${String(a.bytes)})` : '';
  return `step ${i} ${a.name}${p}`;
}

/**
 * Observations from the guest's answer: per step `count` (model bytes left in the iterator),
 * derived from the kernel's return values. Throws when the guest saw a misplaced byte or when
 * the four transfers of a step disagree: those are kernel departures no model key expresses.
 */
export function iterCursorObservations(
  result: Record<string, unknown>,
  actions: readonly ScenarioAction[],
): StepObservation[] {
  if (typeof result.errors === 'string' && result.errors !== '')
    throw new Error(
      `itercursor_script: bytes landed where the iovec walk does not put them: ${result.errors}`,
    );
  const unit = result.unit;
  const odd = result.oddUnit;
  if (typeof unit !== 'number' || typeof odd !== 'number' || unit <= 0 || odd <= 0)
    throw new Error('itercursor_script returned no unit/oddUnit');
  const steps =
    typeof result.steps === 'string' && result.steps !== '' ? result.steps.split(';') : [];
  if (steps.length !== actions.length)
    throw new Error(
      `itercursor_script returned ${steps.length} steps for ${actions.length} actions`,
    );
  let count = 0;
  return steps.map((s, i) => {
    const a = actions[i];
    const v = s.split(',').map(Number);
    if (a?.name === 'Copy') {
      // Copy(n): the read and the write of min(n, count) bytes from the cursor through the
      // UserHole range or the IovecHole iovecs, which return what they copied before the
      // unmapped page, or -EFAULT when that is nothing (shmem_file_read_iter /
      // generic_perform_write: "return retval ? retval : error"). The cursor moves by what was
      // copied.
      const [read, write] = v;
      if (v.length !== 2 || v.some((x) => !Number.isInteger(x)) || read === undefined)
        throw new Error(`${label(a, i)}: malformed guest answer "${s}"`);
      if (write !== read)
        throw new Error(`${label(a, i)}: the copy read returned ${read} but the write ${write}`);
      if (read < 0 && read !== -EFAULT)
        throw new Error(`${label(a, i)}: the copy failed (${read}), not with -EFAULT`);
      count -= read < 0 ? 0 : read / unit;
      return { count };
    }
    const [read, write, oddRead, oddWrite] = v;
    if (v.length !== 4 || v.some((x) => !Number.isInteger(x)) || read === undefined)
      throw new Error(`${label(a, i)}: malformed guest answer "${s}"`);
    if (read < 0) throw new Error(`${label(a, i)}: the read failed (${read})`);
    const units = read / unit;
    const disagree: string[] = [];
    if (write !== read) disagree.push(`the write moved ${write} bytes`);
    if (oddRead !== units * odd)
      disagree.push(`the read at ${odd} bytes per model byte moved ${oddRead}`);
    if (oddWrite !== units * odd) disagree.push(`the write at ${odd} moved ${oddWrite}`);
    if (disagree.length > 0)
      throw new Error(
        `${label(a, i)}: the read moved ${read} bytes (${units} model bytes) but ${disagree.join(', ')}`,
      );
    // Init and IterInit transfer the whole iterator: the return is its count. Advance and
    // Revert transfer up to the cursor: what is left is the rest of the layout.
    const whole = a?.name === 'Init' || a?.name === 'IterInit';
    count = whole ? units : ITERCURSOR_TOTAL - units;
    return { count };
  });
}
