// PinUnpin (specs/PinUnpin.tla) on a real kernel: each action becomes a step of the guest's
// pinunpin_script operation (guest/pinunpin.c), and the guest reports after every step what
// user space can see of the model's state, mapped here to the keys of @pinlab/testgen's
// PinUnpin adapter (adapters/pin-unpin.ts), in model units (1024 real bytes per model byte).
//
// Realised (what a user process can drive, specs/README.md "kernel / user operation"):
//   Submit(b, UBUF|IOVEC, DEST|SOURCE)  Linux AIO O_DIRECT read/write (IOCB_CMD_PREAD/PWRITE)
//                or preadv/pwritev (IOCB_CMD_PREADV/PWRITEV) with the spec's layout, through a
//                suspended dm gate: block/fops.c __blkdev_direct_IO_async builds the bio inside
//                io_submit (bio_iov_iter_get_pages), dm_submit_bio queues it until Complete.
//   SubmitFault(b, UBUF|IOVEC)  the same read into an address with no vma: -EFAULT.
//   Complete(b)  resume the gate, reap the completion (blkdev_bio_end_io_async ->
//                bio_release_pages).
//   PunchHole(x) fallocate(FALLOC_FL_PUNCH_HOLE) of page x of a 2-page tmpfs file; `cached` is
//                read with mincore(). The spec's precondition (no bio lists x) always holds for
//                user iterators.
//   SubmitSync(b, UBUF|IOVEC|FILEMAP, dir)  the same request as a synchronous preadv/pwritev
//                on loop0 opened O_DIRECT (no gate): block/fops.c blkdev_direct_IO ->
//                __blkdev_direct_IO_simple (submit_bio_wait, then bio_release_pages) takes
//                and releases the pages within the call.
//   CompleteError(b)  gate b's table is switched (DM_TABLE_LOAD + resume) to a dm-linear
//                mapping onto the slot's dm "error" device while the bio is held: the resumed
//                gate resubmits it there, io_err_map kills it (BLK_STS_IOERR) and
//                blkdev_bio_end_io_async completes the request with -EIO after releasing the
//                pages as on success. The -EIO replaces dio->size, so the bio's size comes
//                from the gate's own I/O accounting (/sys/dev/block/M:m/stat sectors: dm.c
//                dm_io_acct counts the bio it remapped), the agent's "sect".
//   FilePrivate (request field file = 1): user page 5 is a one-page tmpfs file mapped
//                MAP_PRIVATE and read once (mm/memory.c do_read_fault: the page-cache page,
//                read-only). Submit/SubmitSync FILEMAP are the whole page as one buffer (a DEST
//                reads a page of the adapter's DMA_PATTERN), StoreFile stores the adapter's
//                STORE_PATTERN over model byte 2 (do_wp_page -> wp_page_copy). Observed: p5
//                (FILE while user page 5's PFN in /proc/self/pagemap is the page-cache page's,
//                the PFN of a MAP_SHARED mapping of the same page; else COPY), u5.byte (the
//                process's byte at the store offset), f0.byte (pread of the file there) and
//                wrote (per FILEMAP write completed without error, the byte its device region
//                holds there, read from loop0's backing file with a plain pread: an O_DIRECT
//                read would pin its buffer on 6.12 and show in the pin counters), bytes named
//                by pattern as the adapter names them (FILE, STORE, DMA).
//   FileLazy (request field file = 2): the same file mapping left untouched after mmap, so user
//                page 5 has no PFN (p5 NONE, u5.byte the file's byte, read without touching the
//                page) while the tmpfs page is in the page cache; the first access faults it in
//                (mm/memory.c do_fault): a write's R/O GUP through do_read_fault (the page-cache
//                page, pinned), a read's FOLL_WRITE GUP or StoreFile through do_cow_fault (a
//                private copy).
//   FileEof (request field file = 3): the file mapping two pages long over the one-page file,
//                user page 6 wholly past i_size (mm/filemap.c filemap_fault / tmpfs shmem_fault:
//                VM_FAULT_SIGBUS, -EFAULT from GUP's faultin_page). SubmitPastEof(b, dir, from):
//                an AIO O_DIRECT request over user page 6 alone (from EOF: -EFAULT as the
//                completion inside io_submit, no bio) or over user pages 5 and 6 through gate b
//                (from IN: the bio holds user page 5's page and is queued short, 4096 of 8192).
//   SubmitPartial(b)  a 6 KiB AIO read at user address +13 KiB through gate b: user page 3 from
//                1 KiB, then user page 4, unmapped at set-up; GUP takes page 3 only, the next
//                extraction's -EFAULT is dropped by bio_iov_iter_get_pages (the bio has pages),
//                so the request goes in flight short (3 KiB).
//   ReadCrossEnd(b)  (DeviceEnd) Submit's async UBUF read (6 KiB at user address +1 KiB) through
//                gate b, placed 3 KiB (3 model bytes) before the gate's end (its table maps the
//                whole 4 MiB disk): block/fops.c blkdev_read_iter truncates the iterator to the
//                3 KiB that fit before blkdev_direct_IO (6.1 and 6.12), so the bio holds user
//                page 0 from +1 KiB only (pinned on 6.12, a ref on 6.1) and is queued short:
//                its completion reports 3072 bytes (3 model bytes). The model's scale maps
//                exactly: 3 model bytes = 3 KiB, 512-byte aligned in position and length.
//   WriteAtEnd(b)  (DeviceEnd) Submit's async UBUF write at the gate's end: blkdev_write_iter
//                returns -ENOSPC before any extraction; aio_rw_done posts it as the completion
//                inside io_submit: FAILED, no bio, no pin.
//   SubmitShortBlock(b)  (LargeBlock) an AIO O_DIRECT read of one 4 KiB block from the worker
//                slot's own loop device with 4 KiB logical blocks (LOOP_CTL_ADD, LOOP_SET_FD on a
//                64 KiB tmpfs file, LOOP_SET_BLOCK_SIZE 4096) into user address +13 KiB (user
//                page 3 from 1 KiB, then the unmapped page 4): GUP takes page 3 only, 3 KiB,
//                which __bio_iov_iter_get_pages trims to nothing and releases; the -EFAULT comes
//                back as the completion inside io_submit: FAILED, pinAcquired and pinReleased +1
//                on 6.12, user page 3 off the zero page. The agent requires -EFAULT.
//   SubmitMisalignedAddr(b, dir)  (MisalignedAddr) the AIO request on loop0 as iovecs of 1024 bytes
//                at user address +9 KiB and 2048 bytes one byte past +12 KiB (lengths on the
//                block, the second address off the 511 DMA alignment): -EINVAL
//                (iov_iter_aligned_iovec's address check) as the completion inside io_submit.
//   SubmitSyncPartial(b)  (SyncPartial) SubmitPartial's buffer as a synchronous preadv on loop0
//                opened O_DIRECT: the direct read gets 3 KiB, blkdev_read_iter's buffered rest
//                (filemap_read) faults at once and the call returns the 3 KiB (DONE, 3 model
//                bytes; 6.12 pinAcquired/pinReleased +1 within the call).
//   SubmitSyncSecret(b)  (SecretRest) a synchronous preadv of 10 KiB on loop0 opened O_DIRECT into
//                user page 3 from 1 KiB, a memfd_secret page the agent maps MAP_SHARED over the
//                unmapped user page 4 (request secret: 1, which also leaves user page 5
//                unmapped; memfd_secret is syscall 447; 6.1 needs
//                secretmem.enable=1, src/vm.ts) and user page 5 (no vma): GUP refuses the secret
//                page, the direct read gets 3 KiB, blkdev_read_iter's filemap_read copies 4 KiB
//                into the secret page and faults at user page 5. The agent requires 7168 and the
//                secret page to hold loop0's bytes 3 to 7 KiB into the range; observed as
//                SubmitSyncPartial (DONE, 3 model bytes; 6.12 pinAcquired/pinReleased +1).
//   SubmitMany(b, dir, fault)  (ManyIovecs) Submit's AIO request through gate b as 257 iovecs of
//                1024 bytes in user page 2, alternately at +9 KiB and +11 KiB: more than
//                BIO_MAX_VECS pages, so block/fops.c __blkdev_direct_IO queues two bios (257
//                model bytes; 6.12 pinAcquired +257); fault LAST (writes) the last iovec
//                unmapped: the first bio alone is queued and the request completes -EIO (its
//                bytes from the gate's sectors); fault FIRST the first iovec unmapped: -EIO
//                inside io_submit (FAILED).
//   SubmitContiguous(b, dir)  (ContiguousIovec) Submit's AIO request through gate b as two
//                iovecs of 1024 bytes at user addresses +9 KiB and +10 KiB: the bio merges the
//                second into the first bvec (block/bio.c same_page) and drops its hold at once:
//                INFLIGHT with 2 model bytes, pinAcquired +2 and pinReleased +1 on 6.12.
// Not realised: PunchPartial (fallocate(PUNCH_HOLE) of half of
// X1: the guest punches whole pages only, and what it changes, X1's bytes in `data`, is
// unobservable; its config submits XARRAY alone, kernel-only anyway), named by pinUnpinWhyNot.
// Not realisable: Submit/SubmitSync with KVEC, BVEC, XARRAY or QUEUE (ITER_FOLIOQ on 6.12, which only
// netfs/cachefiles build; iterators built inside the kernel; no system call hands block DIO
// one), so those scenarios are not applicable (pinUnpinWhyNot: "kernel-only iterator"); so is
// SubmitContiguousKvec (ContiguousKvec: a read from two contiguous kvecs in kernel page K0).
//
// Observed: pinAcquired/pinReleased (/proc/vmstat after stat_refresh, scenario run alone),
// zeroMapped (user page 3's PFN in /proc/self/pagemap equals the zero page's), cached,
// bio<b>.st (IDLE / INFLIGHT / DONE / FAILED from io_submit and the completion events) and
// bio<b>.bytes (the completion's result: dio->size = bi_size, fixed at submission, so it is the
// bio's size from the step it went in flight) and bio<b>.err (EIO when that result is -EIO).
// Unobservable from user space: per-frame pins/refs (no counter per page is exported; FOLL_GET
// refs are counted nowhere), bio<b>.cleanup (BIO_PAGE_PINNED / BIO_NO_PAGE_REF are bio flags),
// bio<b>.pages and bio<b>.offset0 (the bio_vec array), bio<b>.array (visible to kmemleak only),
// u0.refcount and u0.dmaPinned (a folio's _refcount and folio_maybe_dma_pinned(): no interface
// exports them; /proc/kpagecount is the map count), and `data` (the frames holding the bytes a
// read DMA'd: most of them are kernel frames the guest cannot read; for the user pages the guest
// reads no buffer bytes back yet; FilePrivate's u5.byte shows a read's data in user page 5).
// Not realised as a whole: the LargeFolio config (user pages 0-1 in one 16 KiB anonymous mTHP):
// it needs an mTHP order enabled in /sys/kernel/mm/transparent_hugepage/hugepages-16kB (6.8+;
// the 6.1 guest has only PMD THP) and a check through /proc/self/pagemap and /proc/kpageflags
// that the buffer really got one folio; the guest has no such set-up yet, and every observation
// that differs from the small-folio scenarios (pins, refs, u0.*) is unobservable anyway
// (pinUnpinScenarioSupport).
// Not realisable: SubmitHole (FileHole: an AIO O_DIRECT read of a sparse file wholly in its hole,
// completed inside io_submit): the reads go through an iomap filesystem's ->read_iter
// (ext4/xfs: iomap_dio_rw -> iomap_dio_hole_iter); the guest's initramfs has no such file system,
// only tmpfs (no iomap direct I/O) and the loop device (pinUnpinWhyNot).
// Not realised as a whole: the WriteOverCache config (SubmitWriteOverCache: an O_DIRECT write over
// the range whose first page SubmitSyncPartial's buffered rest left in loop0's page cache, and
// its devCached key): the guest could issue the write (pwrite / io_submit on loop0 opened
// O_DIRECT) but does not yet observe the block device's page cache (mincore() of a PROT_READ
// MAP_SHARED mapping of loop0, or a buffered read of the range compared with the bytes written),
// and the real filemap_read's readahead may cache more of loop0 than the one page the reference
// reads, which that observation must allow for (pinUnpinWhyNot, pinUnpinScenarioSupport).
// Not realised as a whole: the MapDevice config (PinUnpin_map_device: ReadDevMap, a read through
// a MAP_PRIVATE mapping of the block device, before and after the O_DIRECT write over the range,
// and its devMap key): a variant of WriteOverCache, whose devCached the guest does not observe; a
// guest realisation would mmap each range's first two pages of loop0 (MAP_PRIVATE, one mapping per
// range, so that do_fault_around cannot map the other range's page; MADV_RANDOM, so that
// filemap_fault reads no more than the page) beside its O_DIRECT fd, read one byte at the range's
// first page (the page-cache folio mapped), report whether the pte is present without faulting
// (/proc/self/pagemap) and the byte it maps, and, for devCached, mincore() of a second MAP_SHARED
// mapping (pinUnpinWhyNot, pinUnpinScenarioSupport).
// Not realised as a whole: the Nofault config (i->nofault on every direct I/O): gfs2 and btrfs
// set it inside their direct I/O paths around iomap_dio_rw; no system call sets it on the block
// device the guest drives, and the initramfs has neither file system (pinUnpinScenarioSupport).
import type { Scenario, ScenarioAction, StepObservation } from '@pinlab/testgen';
import type { RequestParams } from '../protocol.ts';

/** Real bytes per model byte: the reference adapter's UNIT (PAGE = 4 model bytes = 4 KiB). */
export const PINUNPIN_UNIT = 1024;

const BIOS = [1, 2] as const;
const USER_ITERS = new Set(['UBUF', 'IOVEC']);
/** What Submit and SubmitSync can take in the guest: the user iterators and the file mapping. */
const GUEST_ITERS = new Set(['UBUF', 'IOVEC', 'FILEMAP']);
const DIRS = new Set(['DEST', 'SOURCE']);
const PAGES = new Set(['X0', 'X1']);
/** SubmitPastEof's buffers: from user page 5 over both pages, or user page 6 alone. */
const FROMS = new Set(['IN', 'EOF']);
/** SubmitMany's fault parameter (ManyIovecs). */
const MANY_FAULTS = new Set(['NONE', 'LAST', 'FIRST']);

export const PINUNPIN_UNOBSERVABLE: readonly string[] = [
  'pins',
  'refs',
  ...BIOS.flatMap((b) => ['cleanup', 'pages', 'offset0', 'array'].map((k) => `bio${b}.${k}`)),
  'u0.refcount',
  'u0.dmaPinned',
  'data',
];

/** Why the guest cannot run a PinUnpin scenario although it can run each of its actions. */
export function pinUnpinScenarioSupport(scenario: Scenario): string | undefined {
  if (scenario.constants?.LargeFolio === true)
    return 'LargeFolio: the guest does not set up a buffer in one large anonymous folio (mTHP)';
  // i->nofault is set only inside the kernel, by gfs2 and btrfs around iomap_dio_rw; no system
  // call sets it on a block device's O_DIRECT request, and the guest has neither file system.
  if (scenario.constants?.Nofault === true)
    return 'Nofault: i->nofault is set only by gfs2/btrfs direct I/O; the guest drives a block device';
  // The guest maps no block device (ReadDevMap) and reports no devMap: the whole config.
  if (scenario.constants?.MapDevice === true) return MAP_DEVICE_WHY;
  // The guest reports no devCached (loop0's page cache over the I/O ranges): the whole config,
  // its scenarios without the write too.
  if (scenario.constants?.WriteOverCache === true) return WRITE_OVER_CACHE_WHY;
  return undefined;
}

const isBio = (v: unknown) => v === 1 || v === 2;
/** Why the WriteOverCache config and its SubmitWriteOverCache action are not realised. */
const WRITE_OVER_CACHE_WHY =
  'WriteOverCache: the guest does not observe the block device page cache (devCached) yet';
/** Why the MapDevice config and its ReadDevMap action are not realised. */
const MAP_DEVICE_WHY =
  'MapDevice: the guest does not map the block device nor observe devMap and devCached yet';
/** EIO (include/uapi/asm-generic/errno-base.h). */
const EIO_ERRNO = 5;

/** Whether the guest can realise this PinUnpin action (parameters checked too). */
export function supportsPinUnpin(action: ScenarioAction): boolean {
  switch (action.name) {
    case 'Init':
      return true;
    case 'Submit':
    case 'SubmitSync':
      return (
        isBio(action.bio) && GUEST_ITERS.has(String(action.iter)) && DIRS.has(String(action.dir))
      );
    case 'SubmitFault':
      return isBio(action.bio) && USER_ITERS.has(String(action.iter));
    case 'SubmitMisalignedAddr':
    case 'SubmitContiguous':
      return isBio(action.bio) && DIRS.has(String(action.dir));
    case 'SubmitPastEof':
      return isBio(action.bio) && DIRS.has(String(action.dir)) && FROMS.has(String(action.from));
    case 'SubmitMany':
      return (
        isBio(action.bio) && DIRS.has(String(action.dir)) && MANY_FAULTS.has(String(action.fault))
      );
    case 'SubmitMisaligned':
      return (
        isBio(action.bio) && USER_ITERS.has(String(action.iter)) && DIRS.has(String(action.dir))
      );
    case 'Complete':
    case 'CompleteError':
    case 'SubmitPartial':
    case 'ReadCrossEnd':
    case 'ReadCrossEndOdd':
    case 'WriteAtEnd':
    case 'SubmitShortBlock':
    case 'SubmitSyncPartial':
    case 'SubmitSyncSecret':
      return isBio(action.bio);
    case 'PunchHole':
      return PAGES.has(String(action.page));
    case 'StoreFile':
      return true;
    default:
      return false;
  }
}

/**
 * Why the guest refuses a PinUnpin action it knows (stable text: the runner counts by reason).
 * KVEC, BVEC and XARRAY iov_iters are built only inside the kernel (kernel_read/kernel_write,
 * bio and splice internals, netfs), never from a syscall's user buffer, so no guest program
 * can Submit one.
 */
export function pinUnpinWhyNot(action: ScenarioAction): string | undefined {
  if (supportsPinUnpin(action)) return undefined;
  // Only gfs2/btrfs fault a buffer in between the nofault attempts of one direct I/O (the
  // Nofault config, not applicable as a whole; pinUnpinScenarioSupport).
  if (action.name === 'FaultIn')
    return 'FaultIn: only gfs2/btrfs fault a buffer in between nofault direct I/O attempts';
  // The guest's PunchHole step punches whole pages of its tmpfs file only.
  if (action.name === 'PunchPartial')
    return 'PunchPartial: a partial hole punch is not realised by the guest';
  if (
    (action.name === 'Submit' || action.name === 'SubmitSync' || action.name === 'SubmitFault') &&
    isBio(action.bio) &&
    !GUEST_ITERS.has(String(action.iter))
  )
    return `${action.name} ${String(action.iter)}: kernel-only iterator`;
  // ContiguousKvec: the read's two kvecs are a kernel caller's iterator (no iter parameter).
  if (action.name === 'SubmitContiguousKvec' && isBio(action.bio))
    return 'SubmitContiguousKvec KVEC: kernel-only iterator';
  // WriteOverCache: the write itself is a pwrite/io_submit; what it changes (devCached) is not
  // observed by the guest (pinUnpinScenarioSupport names the config).
  if (action.name === 'SubmitWriteOverCache' && isBio(action.bio) && isBio(action.over))
    return WRITE_OVER_CACHE_WHY;
  // MapDevice: the read through a mapping of loop0 (and devMap) is not realised.
  if (action.name === 'ReadDevMap' && isBio(action.over)) return MAP_DEVICE_WHY;
  // FileHole: a sparse file read through iomap direct I/O needs ext4/xfs in the guest.
  if (action.name === 'SubmitHole' && isBio(action.bio))
    return 'SubmitHole: the guest has no iomap file system for O_DIRECT (ext4/xfs), only tmpfs and loop';
  return undefined;
}

const PARAMS: Record<string, readonly string[]> = {
  Submit: ['bio', 'iter', 'dir'],
  SubmitSync: ['bio', 'iter', 'dir'],
  SubmitFault: ['bio', 'iter'],
  Complete: ['bio'],
  CompleteError: ['bio'],
  SubmitPartial: ['bio'],
  ReadCrossEnd: ['bio'],
  ReadCrossEndOdd: ['bio'],
  WriteAtEnd: ['bio'],
  SubmitShortBlock: ['bio'],
  SubmitMisalignedAddr: ['bio', 'dir'],
  SubmitContiguous: ['bio', 'dir'],
  SubmitMany: ['bio', 'dir', 'fault'],
  SubmitSyncPartial: ['bio'],
  SubmitSyncSecret: ['bio'],
  SubmitPastEof: ['bio', 'dir', 'from'],
  SubmitMisaligned: ['bio', 'iter', 'dir'],
  PunchHole: ['page'],
};

/** The agent's step script: "Submit:bio=1:iter=UBUF:dir=DEST;Complete:bio=1;..." */
export function pinUnpinScript(actions: readonly ScenarioAction[]): string {
  return actions
    .map((a) => {
      if (!supportsPinUnpin(a)) {
        const params = (PARAMS[a.name] ?? []).map((p) => `${p}=${String(a[p])}`).join(', ');
        throw new Error(`PinUnpin action ${a.name}(${params}) cannot run in the guest`);
      }
      return [a.name, ...(PARAMS[a.name] ?? []).map((p) => `${p}=${String(a[p])}`)].join(':');
    })
    .join(';');
}

/**
 * The agent request for a scenario: its step script, and `file: 1` when the config maps the
 * private file (FilePrivate), so the guest sets up user page 5 and reports p5, u5.byte,
 * f0.byte and wrote after every step; `file: 2` when it leaves that mapping untouched
 * (FileLazy: no PTE until the first access); `file: 3` when the mapping is two pages long over
 * the one-page file (FileEof: user page 6 past the end, SubmitPastEof's buffers).
 */
export function pinUnpinRequest(scenario: Scenario): RequestParams {
  const steps = pinUnpinScript(scenario.actions);
  // SecretRest: the agent leaves user page 5 without a vma too (SubmitSyncSecret's buffer).
  if (scenario.constants?.SecretRest === true) return { steps, secret: 1 };
  if (scenario.constants?.FilePrivate !== true) return { steps };
  if (scenario.constants?.FileEof === true) return { steps, file: 3 };
  return { steps, file: scenario.constants?.FileLazy === true ? 2 : 1 };
}

const STATES = new Set(['IDLE', 'INFLIGHT', 'DONE', 'FAILED']);
/** What the guest names the bytes it reads back (the adapter's patternName, or 0x..). */
const isByteName = (v: unknown): v is string =>
  typeof v === 'string' && /^(FILE|STORE|DMA|0x[0-9a-f]+)$/.test(v);
const isWrote = (v: unknown): v is string =>
  typeof v === 'string' && /^([12]=(FILE|STORE|DMA|0x[0-9a-f]+|UNREADABLE)(,|$))*$/.test(v);

function field<T>(o: Record<string, unknown>, k: string, ok: (v: unknown) => v is T, i: number): T {
  const v = o[k];
  if (!ok(v)) throw new Error(`step ${i}: the agent reported ${k} = ${JSON.stringify(v)}`);
  return v;
}
const isNum = (v: unknown): v is number => typeof v === 'number';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStr = (v: unknown): v is string => typeof v === 'string';

/**
 * The agent's result -> one observation per step in the adapter's keys. `res` holds each bio's
 * completion result (bytes or -errno; null if it never went in flight): a bio's bytes from the
 * step it is INFLIGHT on, since the completion reports the size fixed at submission.
 */
export function pinUnpinObservations(
  result: Record<string, unknown>,
  steps: number,
): StepObservation[] {
  const obs = result.obs;
  if (!Array.isArray(obs) || obs.length !== steps) {
    throw new Error(
      `pinunpin_script returned ${Array.isArray(obs) ? obs.length : 'no'} observations for ${steps} steps`,
    );
  }
  const res = result.res;
  if (!Array.isArray(res) || res.length !== 2 || !res.every((r) => r === null || isNum(r)))
    throw new Error(`pinunpin_script returned no per-bio results (res = ${JSON.stringify(res)})`);
  // Each bio's sectors as its gate accounted them at Complete/CompleteError (null: none).
  const sect = result.sect ?? [null, null];
  if (!Array.isArray(sect) || sect.length !== 2 || !sect.every((r) => r === null || isNum(r)))
    throw new Error(
      `pinunpin_script returned malformed per-bio sectors (sect = ${JSON.stringify(sect)})`,
    );
  return obs.map((o: Record<string, unknown>, i) => {
    const out: Record<string, string | number | boolean | null> = {
      pinAcquired: field(o, 'acq', isNum, i),
      pinReleased: field(o, 'rel', isNum, i),
      zeroMapped: field(o, 'zero', isBool, i),
      cached: field(o, 'cached', isStr, i),
    };
    // FilePrivate's keys, reported by the agent only for a request with file = 1.
    if ('p5' in o) {
      const p5 = field(o, 'p5', isStr, i);
      // NONE: no PFN yet (FileLazy's untouched mapping; the agent says UNMAPPED otherwise).
      if (p5 !== 'FILE' && p5 !== 'COPY' && p5 !== 'NONE')
        throw new Error(`step ${i}: user page 5 maps ${p5} (neither the page cache nor a copy)`);
      out.p5 = p5;
      out['u5.byte'] = field(o, 'u5', isByteName, i);
      out['f0.byte'] = field(o, 'f0', isByteName, i);
      out.wrote = field(o, 'wrote', isWrote, i);
    }
    for (const b of BIOS) {
      const st = field(o, `st${b}`, isStr, i);
      if (!STATES.has(st)) throw new Error(`step ${i}: bio ${b} in unknown state ${st}`);
      out[`bio${b}.st`] = st;
      let bytes = 0;
      if (st === 'INFLIGHT' || st === 'DONE') {
        const r = res[b - 1] as number | null;
        if (r === null) throw new Error(`step ${i}: bio ${b} went in flight but never completed`);
        if (r >= 0) bytes = r / PINUNPIN_UNIT;
        else {
          // An error at completion replaces dio->size: the bio's size is what its gate
          // accounted (sectors); without that figure the -errno is shown as is, not scaled.
          const sectors = sect[b - 1] as number | null;
          bytes = sectors === null ? r : (sectors * 512) / PINUNPIN_UNIT;
        }
      }
      out[`bio${b}.bytes`] = bytes;
      // -EIO is what blkdev_bio_end_io_async reports for a bio ended with BLK_STS_IOERR.
      out[`bio${b}.err`] = st === 'DONE' && res[b - 1] === -EIO_ERRNO ? 'EIO' : 'NONE';
    }
    return out;
  });
}
