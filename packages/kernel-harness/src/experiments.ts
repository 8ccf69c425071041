// The headline kernel experiments, independent of generated scenarios: the DIO-read vs fork race
// (timed, through dm-delay, the recipe of kernel-facts.md; and gated, exact), pin counter
// deltas, vectored reads/writes (IterCursor) and splice (SplicePipe). What each profile must
// show is stated in `expectedFor`; a departure is reported with both sides.
import type { KernelSession } from './session.ts';

export interface ForkRaceRuns {
  engine: 'aio' | 'uring' | 'uring_fixed';
  /** Guest runs made, retries included. */
  runs: number;
  /** Raced runs aimed for: the first round runs this many, retries top it up. */
  wanted: number;
  /** Raced runs below this fail the check (a timed race that never happens proves nothing). */
  minRaced: number;
  /** Runs where the read was still in flight after fork (the only ones that count). */
  raced: number;
  /**
   * Runs that did not race: the guest reaped the completion without waiting right after fork
   * returned (agent.c op_fork_race done_early), so the read finished first. Retried, not counted.
   */
  notRaced: number;
  parentLost: number;
}

/** Retry budget for the timed race: at most this many times the raced runs wanted. */
export const FORK_RACE_MAX_ATTEMPTS_FACTOR = 3;

export interface PinCase {
  case: string;
  op: string;
  params: Record<string, string | number | boolean>;
  /** Pages the user buffer spans (one pin each when the path pins). */
  pages: number;
  /** Whether the path pins on the profile: block DIO since 6.5; io_uring registration always. */
  pins: (profile: string) => boolean;
}

const dioPins = (profile: string) => profile !== 'linux-6.1';

export const PIN_CASES: PinCase[] = [
  {
    case: 'O_DIRECT read 512 B',
    op: 'dio',
    params: { dir: 'read', size: 512 },
    pages: 1,
    pins: dioPins,
  },
  {
    case: 'O_DIRECT read 4 KiB',
    op: 'dio',
    params: { dir: 'read', size: 4096 },
    pages: 1,
    pins: dioPins,
  },
  {
    case: 'O_DIRECT read 4 KiB at in-page offset 512',
    op: 'dio',
    params: { dir: 'read', size: 4096, bufOffset: 512 },
    pages: 2,
    pins: dioPins,
  },
  {
    case: 'O_DIRECT read 64 KiB',
    op: 'dio',
    params: { dir: 'read', size: 65536 },
    pages: 16,
    pins: dioPins,
  },
  {
    case: 'O_DIRECT write 8 KiB',
    op: 'dio',
    params: { dir: 'write', size: 8192, diskOffset: 3 << 20 },
    pages: 2,
    pins: dioPins,
  },
  {
    case: 'AIO O_DIRECT read 8 KiB',
    op: 'dio',
    params: { dir: 'read', size: 8192, engine: 'aio' },
    pages: 2,
    pins: dioPins,
  },
  {
    case: 'io_uring O_DIRECT read 8 KiB',
    op: 'dio',
    params: { dir: 'read', size: 8192, engine: 'uring' },
    pages: 2,
    pins: dioPins,
  },
];

export interface PinResult {
  case: string;
  acquired: number;
  released: number;
  expected: number;
}

export interface ExtraResult {
  case: string;
  observed: Record<string, unknown>;
  expected: Record<string, unknown>;
  ok: boolean;
}

/** Checks whose expectation is the same on both kernels, or stated per profile. */
export interface ExtraCase {
  case: string;
  spec: 'PinUnpin' | 'IterCursor' | 'SplicePipe';
  op: string;
  params: Record<string, string | number | boolean>;
  exclusive?: boolean;
  expected: (profile: string) => Record<string, unknown>;
}

export const EXTRA_CASES: ExtraCase[] = [
  {
    // io_uring/rsrc.c io_sqe_buffer_register -> pin_user_pages(FOLL_LONGTERM): one pin per page,
    // released at unregistration, on both kernels.
    case: 'io_uring register/unregister 4 pages',
    spec: 'PinUnpin',
    op: 'uring_register',
    params: { pages: 4 },
    exclusive: true,
    expected: () => ({
      registerPinAcquired: 4,
      registerPinReleased: 0,
      unregisterPinAcquired: 0,
      unregisterPinReleased: 4,
    }),
  },
  {
    // fs/splice.c vmsplice_to_pipe -> iov_iter_get_pages2: references, no pins; the pipe buffer
    // is the user page itself.
    case: 'vmsplice 8 KiB',
    spec: 'PinUnpin',
    op: 'vmsplice',
    params: { size: 8192 },
    exclusive: true,
    expected: () => ({
      res: 8192,
      splicePinAcquired: 0,
      drainPinReleased: 0,
      pipeSharesPage: true,
    }),
  },
  {
    // lib/iov_iter.c copy_page_to_iter over an IOVEC: zero-length segments are skipped, a short
    // read at EOF fills the segments in order and stops.
    case: 'preadv tmpfs segs 0,3,4096,1,2000 at 0 of a 5000-byte file',
    spec: 'IterCursor',
    op: 'rwv',
    params: { dir: 'read', file: 'tmpfs', segs: '0,3,4096,1,2000', offset: 0, fileSize: 5000 },
    expected: () => ({ res: 5000, perSegment: '0,3,4096,1,900' }),
  },
  {
    case: 'preadv tmpfs at EOF returns 0',
    spec: 'IterCursor',
    op: 'rwv',
    params: { dir: 'read', file: 'tmpfs', segs: '7,0,9', offset: 4096, fileSize: 4096 },
    expected: () => ({ res: 0, perSegment: '0,0,0' }),
  },
  {
    case: 'pwritev tmpfs segs 0,7,0,13 at 100',
    spec: 'IterCursor',
    op: 'rwv',
    params: { dir: 'write', file: 'tmpfs', segs: '0,7,0,13', offset: 100, fileSize: 0 },
    expected: () => ({ res: 20, perSegment: '0,7,0,13', fileSizeAfter: 120 }),
  },
  {
    // O_DIRECT on the block device: every segment must be logical-block aligned; a zero-length
    // segment is allowed (iov_iter_is_aligned skips it).
    case: 'preadv O_DIRECT bdev segs 512,0,1024',
    spec: 'IterCursor',
    op: 'rwv',
    params: { dir: 'read', file: 'bdev', segs: '512,0,1024', offset: 4096 },
    expected: () => ({ res: 1536, perSegment: '512,0,1024' }),
  },
  {
    case: 'preadv O_DIRECT bdev odd segment 3 is refused',
    spec: 'IterCursor',
    op: 'rwv',
    params: { dir: 'read', file: 'bdev', segs: '512,3', offset: 0 },
    expected: () => ({ res: -22 }),
  },
  {
    // 6.1 generic_file_splice_read (ITER_PIPE) and 6.12 filemap_splice_read both stop at i_size.
    case: 'splice tmpfs truncated to 3000, ask 8192',
    spec: 'SplicePipe',
    op: 'splice_read',
    params: { file: 'tmpfs', fileSize: 8192, truncateTo: 3000, offset: 0, len: 8192 },
    expected: () => ({ res: 3000, pipeBytes: 3000, dataOk: true, posAfter: 3000 }),
  },
  {
    case: 'splice tmpfs at EOF returns 0',
    spec: 'SplicePipe',
    op: 'splice_read',
    params: { file: 'tmpfs', fileSize: 4096, truncateTo: 4096, offset: 4096, len: 4096 },
    expected: () => ({ res: 0, pipeBytes: 0 }),
  },
  {
    // 6.1: ITER_PIPE + blkdev DIO into pipe pages; 6.12: vfs_splice_read -> copy_splice_read.
    case: 'splice O_DIRECT bdev 8 KiB',
    spec: 'SplicePipe',
    op: 'splice_read',
    params: { file: 'bdev', offset: 8192, len: 8192 },
    expected: () => ({ res: 8192, pipeBytes: 8192, dataOk: true }),
  },
  {
    case: 'splice O_DIRECT bdev past the device end is limited to it',
    spec: 'SplicePipe',
    op: 'splice_read',
    params: { file: 'bdev', offset: (4 << 20) - 4096, len: 16384 },
    expected: () => ({ res: 4096, pipeBytes: 4096, dataOk: true }),
  },
];

/**
 * The timed DIO-read vs fork race (kernel-facts.md recipe: dm-delay holds the bio 500 ms). Under
 * a heavily loaded host a run can miss the window (fork returns after the read completed); such
 * a run proves nothing either way, so it is retried, in rounds of concurrent runs, until `wanted`
 * runs raced or `wanted * FORK_RACE_MAX_ATTEMPTS_FACTOR` runs were made. The misses are reported.
 */
export async function runForkRace(
  session: Pick<KernelSession, 'request'>,
  engine: ForkRaceRuns['engine'],
  wanted: number,
  minRaced = wanted,
): Promise<ForkRaceRuns> {
  const maxRuns = wanted * FORK_RACE_MAX_ATTEMPTS_FACTOR;
  let runs = 0;
  let raced = 0;
  let lost = 0;
  while (raced < wanted && runs < maxRuns) {
    const round = Math.min(wanted - raced, maxRuns - runs);
    const results = await Promise.all(
      Array.from({ length: round }, (_, k) =>
        session.request(
          'fork_race',
          { engine, writer: 'parent', size: 512, diskOffset: 512 * ((runs + k) % 64) },
          30,
        ),
      ),
    );
    runs += round;
    for (const r of results) {
      if (r.inFlightAtFork !== true) continue;
      raced++;
      if (r.parentSeesData !== true) lost++;
    }
  }
  return { engine, runs, wanted, minRaced, raced, notRaced: runs - raced, parentLost: lost };
}

/**
 * The fork-race check: at least `minRaced` runs raced, and every raced run loses the parent's
 * data where the profile says FOLL_GET-held DIO does (6.1 aio and uring), none elsewhere.
 */
export function forkRaceOk(r: ForkRaceRuns, profile: string): boolean {
  const expectLoss = expectedParentLoses(profile, r.engine);
  return r.raced >= r.minRaced && r.parentLost === (expectLoss ? r.raced : 0);
}

export async function runPinCases(session: KernelSession, profile: string): Promise<PinResult[]> {
  const out: PinResult[] = [];
  for (const c of PIN_CASES) {
    const r = await session.exclusive(c.op, c.params, 30);
    out.push({
      case: c.case,
      acquired: Number(r.PinAcquired),
      released: Number(r.PinReleased),
      expected: c.pins(profile) ? c.pages : 0,
    });
  }
  return out;
}

export async function runExtraCases(
  session: KernelSession,
  profile: string,
): Promise<(ExtraResult & { spec: string })[]> {
  return Promise.all(
    EXTRA_CASES.map(async (c) => {
      const r = c.exclusive
        ? await session.exclusive(c.op, c.params, 30)
        : await session.request(c.op, c.params, 30);
      const expected = c.expected(profile);
      const ok = Object.entries(expected).every(([k, v]) => r[k] === v);
      return { case: c.case, spec: c.spec, observed: r, expected, ok };
    }),
  );
}

/** The fork-race outcome a profile must show for FOLL_GET-held DIO (block DIO before 6.5). */
export function expectedParentLoses(profile: string, engine: ForkRaceRuns['engine']): boolean {
  return profile === 'linux-6.1' && engine !== 'uring_fixed';
}
