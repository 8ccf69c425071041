// The DIO-read vs fork race (kernel-facts.md "Fork, COW and the DIO-read race"; seed 000): a
// process starts an asynchronous O_DIRECT read into a page of its memory, forks while the read
// is in flight, then writes another byte of the same page; the read then completes. With
// FOLL_GET (6.1 block DIO) fork COW-shares the page, the parent's write moves the parent to a
// copy and the DMA lands in the page the child keeps: the parent loses the data. With FOLL_PIN
// (6.5+) fork copies the pinned page for the child and the parent keeps it.
//
// DioForkRace holds the race's actors (the parent's address space and buffer, the block device
// and its O_DIRECT file, the reads in flight, the child) and performs one step per method, each
// through the kernel path it names. dio_fork_race() composes the classic sequence from those
// steps (the reference bench runs it); the testgen ForkRace adapter replays model scenarios
// with the same steps, so both run the same code.

import { parent_sees_dio_data } from '../invariants/mm.ts';
import type { Violation } from '../invariants/violation.ts';
import { ITER_DEST, ITER_SOURCE } from '../iov_iter/constants.ts';
import { iov_iter_ubuf } from '../iov_iter/init.ts';
import type { iov_iter } from '../iov_iter/types.ts';
import type { Kernel } from '../kernel.ts';
import { with_kernel, with_mm } from '../kernel.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import { vm_mmap_file_private } from '../mm/filemap.ts';
import {
  copy_from_user,
  copy_to_user,
  do_anonymous_large_folio,
  dup_mmap,
  FAULT_FLAG_WRITE,
  handle_mm_fault,
  read_user,
} from '../mm/memory.ts';
import type { MmStruct } from '../mm/mmap.ts';
import {
  do_madvise,
  do_mprotect_pkey,
  exit_mmap,
  mm_alloc,
  pte_lookup,
  vm_mmap,
  vm_munmap,
} from '../mm/mmap.ts';
import type { bio } from './bio.ts';
import type { block_device } from './blkdev.ts';
import { bdev_alloc, bdev_complete_bio } from './blkdev.ts';
import { blkdev_buffered_read, type dio, dio_submit } from './dio.ts';
import {
  bdev_inode,
  create_file,
  type file,
  filp_open,
  IOCB_DIRECT,
  init_async_kiocb,
  type inode,
  type kiocb,
  O_DIRECT,
} from './fs.ts';
import { io_read_buffered } from './uring_buffered_read.ts';

export interface DioForkRaceSetup {
  /** Anonymous pages of the parent's buffer (faulted in writable, so exclusive). */
  readonly nr_pages: number;
  /** The block device's content, read by O_DIRECT (a multiple of 512 bytes). */
  readonly device: Uint8Array;
  /** madvise(2) advice applied to the buffer before any step (MADV_DONTFORK...). */
  readonly advice?: number;
  /**
   * Pages the advice covers, from the buffer's start (default: all of them). Fewer splits the
   * buffer's vma (mm/madvise.c madvise_update_vma -> vma_modify_flags).
   */
  readonly advice_pages?: number;
  /**
   * Pages at the buffer's end the parent only loaded before the race, never stored to (default
   * none): a read fault maps the shared zero page there (mm/memory.c do_anonymous_page without
   * FAULT_FLAG_WRITE), and the first store or FOLL_WRITE GUP copies it to a new zeroed page
   * (do_wp_page -> wp_page_copy).
   */
  readonly loaded_pages?: number;
  /**
   * The bytes of a file of nr_pages pages whose MAP_PRIVATE mapping is the buffer (default: the
   * buffer is anonymous memory). A store faults its page in by do_cow_fault, a private anonymous
   * copy of the page-cache page (which stays in the page cache, unmapped); a load (loaded_pages)
   * by do_read_fault, which maps the page-cache page itself read-only (mm/memory.c do_fault).
   */
  readonly file_bytes?: Uint8Array;
  /**
   * The buffer is the first nr_pages pages of an anonymous large folio of 2^huge_order pages (9:
   * a PMD-sized transparent huge page), faulted in by one store (default: order-0 pages, one
   * store each). The mapping is 2^huge_order pages long, naturally aligned, as a THP needs
   * (madvise(MADV_HUGEPAGE) of a 2 MiB-aligned 2 MiB range in the guest; mm/huge_memory.c
   * do_huge_pmd_anonymous_page maps the whole folio at the first store). The reference maps the
   * folio by one PTE per page (do_anonymous_large_folio), where the kernel maps a THP by its pmd
   * until something splits it: the same pages, refcounts and PageAnonExclusive for fork and COW
   * (see do_anonymous_large_folio and copy_present_pte).
   */
  readonly huge_order?: number;
  /**
   * The device is opened with O_DIRECT (default true). false: opened without it, so a read is
   * buffered (blkdev_read_iter -> filemap_read, done inside io_submit: blkdev_buffered_read).
   */
  readonly direct?: boolean;
}

/** A file holding bytes, on a block device of its own (the page cache reads it in). */
function file_of(bytes: Uint8Array): inode {
  const fbdev = bdev_alloc(bytes.length);
  fbdev.write(0, bytes);
  return create_file(fbdev, 0, bytes.length, bytes.length);
}

/** A step the race cannot take: the scenario asked for something the kernel would refuse. */
export class DioForkRaceError extends Error {
  override readonly name = 'DioForkRaceError';
}

export class DioForkRace {
  readonly k: Kernel;
  readonly parent: MmStruct;
  /** fork()'s child, null before the fork. */
  child: MmStruct | null = null;
  /** Start of the parent's buffer (page aligned). */
  readonly buf: number;
  readonly nr_pages: number;
  readonly bdev: block_device;
  readonly filp: file;
  /** Reads by number: the dio of each, submitted and not necessarily completed. */
  private readonly dios = new Map<number, dio>();
  /** Results passed to ki_complete, by I/O number (a buffered read's at submission). */
  private readonly results = new Map<number, number>();

  /**
   * Init: the parent's buffer, faulted in writable (do_anonymous_page) but for its last
   * loaded_pages pages, faulted in by a load (the zero page), and the device.
   */
  constructor(k: Kernel, setup: DioForkRaceSetup) {
    const {
      nr_pages,
      device,
      advice,
      advice_pages = nr_pages,
      loaded_pages = 0,
      file_bytes,
      huge_order,
      direct = true,
    } = setup;
    if (!Number.isInteger(nr_pages) || nr_pages < 1) {
      throw new RangeError(`DioForkRace: nr_pages ${nr_pages} is not a positive integer`);
    }
    if (
      huge_order !== undefined &&
      (file_bytes !== undefined ||
        advice !== undefined ||
        loaded_pages !== 0 ||
        nr_pages > 2 ** huge_order)
    ) {
      throw new RangeError(
        `DioForkRace: a large folio buffer is anonymous, not advised, stored to, and holds its ${nr_pages} pages`,
      );
    }
    this.k = k;
    this.nr_pages = nr_pages;
    const f_flags = direct ? O_DIRECT : 0;
    const init = with_kernel(k, () => {
      const bdev = bdev_alloc(device.length);
      bdev.write(0, device);
      const parent = mm_alloc();
      if (huge_order !== undefined) {
        const size = 2 ** huge_order * PAGE_SIZE;
        const buf = vm_mmap(parent, Math.ceil(parent.mmap_next / size) * size, size);
        if (buf < 0) throw new DioForkRaceError(`DioForkRace: vm_mmap failed (${buf})`);
        const r = do_anonymous_large_folio(parent, buf, huge_order);
        if (r !== 0 || pte_lookup(parent, buf)?.page.folio.order !== huge_order)
          throw new DioForkRaceError(`DioForkRace: no order-${huge_order} folio at the buffer`);
        return { bdev, parent, buf, filp: filp_open(bdev_inode(bdev), f_flags) };
      }
      const buf =
        file_bytes === undefined
          ? vm_mmap(parent, 0, nr_pages * PAGE_SIZE)
          : vm_mmap_file_private(parent, file_of(file_bytes).i_mapping, nr_pages * PAGE_SIZE);
      if (buf < 0) throw new DioForkRaceError(`DioForkRace: vm_mmap failed (${buf})`);
      for (let v = 0; v < nr_pages; v++) {
        const flags = v >= nr_pages - loaded_pages ? 0 : FAULT_FLAG_WRITE;
        if (handle_mm_fault(parent, buf + v * PAGE_SIZE, flags) !== 0)
          throw new DioForkRaceError(`DioForkRace: cannot fault in page ${v} of the buffer`);
      }
      if (advice !== undefined) {
        const r = do_madvise(parent, buf, advice_pages * PAGE_SIZE, advice);
        if (r !== 0) throw new DioForkRaceError(`DioForkRace: madvise(${advice}) failed (${r})`);
      }
      return { bdev, parent, buf, filp: filp_open(bdev_inode(bdev), f_flags) };
    });
    this.bdev = init.bdev;
    this.parent = init.parent;
    this.buf = init.buf;
    this.filp = init.filp;
  }

  /** The mm of process "P" (parent) or "C" (child, which must exist). */
  mm(proc: 'P' | 'C'): MmStruct {
    if (proc === 'P') return this.parent;
    if (this.child === null) throw new DioForkRaceError('DioForkRace: no child before fork');
    return this.child;
  }

  /**
   * Submits read `io` of iter's bytes from device offset pos as an async O_DIRECT read
   * (io_submit / IORING_OP_READ -> blkdev_read_iter -> __blkdev_direct_IO[_async]): the bios
   * hold the destination pages (FOLL_GET on 6.1, FOLL_PIN since 6.5) until completion. An
   * ITER_SOURCE iter makes it a write (blkdev_write_iter): the bios hold the source pages, and
   * the device reads them at completion.
   */
  read_iter(io: number, pos: number, iter: iov_iter): void {
    const r = this.try_read_iter(io, pos, iter);
    if (r !== 0) throw new DioForkRaceError(`DioForkRace: read ${io}: ${r}`);
  }

  /**
   * read_iter where the submission may fail: 0, or the -errno the request completes with at
   * once (no I/O in flight: e.g. -EFAULT when bio_iov_iter_get_pages cannot take the pages, as
   * for a read into memory mprotect'ed PROT_READ: mm/gup.c check_vma_flags refuses FOLL_WRITE).
   */
  try_read_iter(io: number, pos: number, iter: iov_iter): number {
    if (this.dios.has(io)) throw new DioForkRaceError(`DioForkRace: read ${io} was submitted`);
    return with_kernel(this.k, () => {
      const complete = this.complete_cb(io);
      const iocb = init_async_kiocb(this.filp, pos, complete);
      // The device opened without O_DIRECT (aio_prep_rw copies f_iocb_flags: no IOCB_DIRECT):
      // blkdev_read_iter's buffered arm copies inside io_submit and aio_rw_done completes the
      // request at once (blkdev_buffered_read).
      if (!(iocb.ki_flags & IOCB_DIRECT)) {
        const ret = blkdev_buffered_read(iocb, iter);
        complete(iocb, ret);
        return 0;
      }
      const d = dio_submit(iocb, iter);
      if (typeof d === 'number') return d;
      this.dios.set(io, d);
      return 0;
    });
  }

  /** The ki_complete of I/O io: records its result. */
  private complete_cb(io: number): (iocb: kiocb, res: number) => void {
    return (_, res) => this.results.set(io, res);
  }

  /** read_iter into the parent's user memory [uaddr, uaddr+len) (an ITER_UBUF of current->mm). */
  read(io: number, pos: number, uaddr: number, len: number): void {
    this.read_iter(io, pos, this.parent_ubuf(ITER_DEST, uaddr, len));
  }

  /** read that may fail: 0 or -errno (try_read_iter). */
  try_read(io: number, pos: number, uaddr: number, len: number): number {
    return this.try_read_iter(io, pos, this.parent_ubuf(ITER_DEST, uaddr, len));
  }

  /**
   * An async O_DIRECT write `io` of the parent's user memory [uaddr, uaddr+len) to device offset
   * pos (io_submit / IORING_OP_WRITE -> blkdev_write_iter -> __blkdev_direct_IO_async). The
   * ITER_SOURCE iterator's pages are taken without FOLL_WRITE: on 6.5+ iov_iter_extract_pages ->
   * pin_user_pages_fast(FOLL_PIN), whose gup_must_unshare unshares a page still COW-shared with
   * the child (mm/gup.c follow_page_pte -> faultin_page with FAULT_FLAG_UNSHARE); on 6.1
   * iov_iter_get_pages2 -> get_user_pages_fast(FOLL_GET), which takes the shared page as is.
   */
  dio_write(io: number, pos: number, uaddr: number, len: number): void {
    this.read_iter(io, pos, this.parent_ubuf(ITER_SOURCE, uaddr, len));
  }

  /**
   * dio_write where the submission may fail: 0, or the -errno the request completes with at
   * once (no I/O in flight): -EFAULT from a PROT_NONE page, whose vma lacks the VM_READ a GUP
   * without FOLL_WRITE needs (mm/gup.c check_vma_flags).
   */
  try_dio_write(io: number, pos: number, uaddr: number, len: number): number {
    return this.try_read_iter(io, pos, this.parent_ubuf(ITER_SOURCE, uaddr, len));
  }

  private parent_ubuf(direction: number, uaddr: number, len: number): iov_iter {
    return with_kernel(this.k, () =>
      with_mm(this.parent, () => iov_iter_ubuf(direction, uaddr, len)),
    );
  }

  /**
   * io_uring IORING_OP_READ `io` of the parent's user memory [uaddr, uaddr+len) from device offset
   * pos, the device opened without O_DIRECT (setup direct false) and its folio there not cached:
   * in flight on the page-cache folio's read (io_read_buffered), the user memory untouched.
   * Returns the folio's read bio, which complete_bio completes.
   */
  uring_read(io: number, pos: number, uaddr: number, len: number): bio {
    const iter = this.parent_ubuf(ITER_DEST, uaddr, len);
    const complete = this.complete_cb(io);
    return with_kernel(this.k, () =>
      io_read_buffered(init_async_kiocb(this.filp, pos, complete), iter, complete),
    );
  }

  /**
   * The device completes bio b (bdev_complete_bio): for an io_uring buffered read (uring_read),
   * the folio's data, then the submitter's task_work copy into the parent and the CQE (result).
   */
  complete_bio(b: bio): void {
    with_kernel(this.k, () => bdev_complete_bio(b));
  }

  /** What ki_complete got for I/O io, undefined while it is in flight (or was never submitted). */
  result(io: number): number | undefined {
    return this.results.get(io);
  }

  /** The device completes I/O io (bdev_complete_bio per bio): its result, bytes or -errno. */
  complete(io: number): number {
    const d = this.dios.get(io);
    if (d === undefined) throw new DioForkRaceError(`DioForkRace: read ${io} was not submitted`);
    with_kernel(this.k, () => {
      for (const b of d.bios) if (!b.done) bdev_complete_bio(b);
    });
    if (d.result === null) throw new DioForkRaceError(`DioForkRace: read ${io} did not complete`);
    return d.result;
  }

  /** fork(): dup_mmap of the parent (copy_present_pte decides who keeps which page). */
  fork(): MmStruct {
    if (this.child !== null) throw new DioForkRaceError('DioForkRace: already forked');
    const child = with_kernel(this.k, () => dup_mmap(this.parent));
    this.child = child;
    return child;
  }

  /**
   * proc stores bytes at uaddr (copy_to_user: a write fault, do_wp_page, when needed). Returns
   * the bytes not stored: non-zero where the fault fails (no vma: the user's SIGSEGV).
   */
  try_write(proc: 'P' | 'C', uaddr: number, bytes: Uint8Array): number {
    const mm = this.mm(proc);
    return with_kernel(this.k, () => copy_to_user(mm, uaddr, bytes));
  }

  /** try_write that must store every byte. */
  write(proc: 'P' | 'C', uaddr: number, bytes: Uint8Array): void {
    if (this.try_write(proc, uaddr, bytes) !== 0)
      throw new DioForkRaceError(`DioForkRace: write by ${proc} faulted`);
  }

  /**
   * proc loads len bytes at uaddr (copy_from_user: a read fault where no page is mapped yet,
   * which maps the zero page in an anonymous vma, do_anonymous_page).
   */
  load(proc: 'P' | 'C', uaddr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    if (this.try_load(proc, uaddr, out) !== 0)
      throw new DioForkRaceError(`DioForkRace: read by ${proc} faulted`);
    return out;
  }

  /**
   * proc loads out.length bytes at uaddr into out (copy_from_user). Returns the bytes not
   * loaded: non-zero where the fault fails (no vma, or a PROT_NONE one: the user's SIGSEGV).
   */
  try_load(proc: 'P' | 'C', uaddr: number, out: Uint8Array): number {
    const mm = this.mm(proc);
    return with_kernel(this.k, () => copy_from_user(mm, out, uaddr, out.length));
  }

  /**
   * The parent munmaps [uaddr, uaddr+len) of its memory (munmap(2) -> do_vmi_munmap ->
   * zap_pte_range): its ptes there go with their references; a pin or reference held by a read
   * in flight keeps the page, which the DMA still fills, until the read completes.
   */
  munmap(uaddr: number, len: number): void {
    const r = this.try_munmap(uaddr, len);
    if (r !== 0) throw new DioForkRaceError(`DioForkRace: munmap failed (${r})`);
  }

  /** munmap as the user calls it: 0, or the -errno of do_vmi_munmap (-EINVAL: start not aligned). */
  try_munmap(uaddr: number, len: number): number {
    return with_kernel(this.k, () => vm_munmap(this.parent, uaddr, len));
  }

  /**
   * The parent maps len bytes of new anonymous memory at uaddr with MAP_FIXED_NOREPLACE
   * (mmap(2) -> do_mmap -> vm_mmap): the address, or -EEXIST where a mapping is there already.
   */
  mmap_fixed(uaddr: number, len: number): number {
    return with_kernel(this.k, () => vm_mmap(this.parent, uaddr, len));
  }

  /**
   * The parent maps len bytes of new anonymous memory at uaddr with MAP_FIXED_NOREPLACE |
   * MAP_POPULATE (mm/util.c vm_mmap_pgoff -> do_mmap, then mm_populate -> mm/gup.c
   * populate_vma_page_range: FOLL_WRITE for a private writable vma, so each page takes a write
   * fault, do_anonymous_page, and is mapped zeroed, exclusive and writable). Returns the address
   * or the -errno of do_mmap (-EEXIST where a mapping is there already).
   */
  mmap_populate(uaddr: number, len: number): number {
    return with_kernel(this.k, () => {
      const addr = vm_mmap(this.parent, uaddr, len);
      if (addr < 0) return addr;
      for (let a = addr; a < addr + len; a += PAGE_SIZE) {
        // A fresh private anonymous vma always faults in (do_anonymous_page), or the model and
        // the reference disagree about the address space: say so rather than map less.
        if (handle_mm_fault(this.parent, a, FAULT_FLAG_WRITE) !== 0)
          throw new DioForkRaceError(`DioForkRace: MAP_POPULATE could not fault in ${a}`);
      }
      return addr;
    });
  }

  /**
   * The parent mprotects [uaddr, uaddr+len) of its memory (mprotect(2) -> do_mprotect_pkey):
   * without PROT_WRITE its ptes there are write-protected and a later store, O_DIRECT read or
   * io_uring registration into it fails; a fork copies the vma's protection to the child.
   * Returns 0 or -errno.
   */
  mprotect(uaddr: number, len: number, prot: number): number {
    return with_kernel(this.k, () => do_mprotect_pkey(this.parent, uaddr, len, prot));
  }

  /**
   * The parent madvises [uaddr, uaddr+len) of its memory (madvise(2) -> do_madvise, the fork
   * advices MADV_DONTFORK / MADV_WIPEONFORK): every mapped vma of the range gets the advice,
   * and a hole in the range is -ENOMEM (mm/madvise.c madvise_walk_vmas). Returns 0 or -errno.
   */
  madvise(uaddr: number, len: number, advice: number): number {
    return with_kernel(this.k, () => do_madvise(this.parent, uaddr, len, advice));
  }

  /**
   * The child exits (do_exit -> mmput -> exit_mmap -> zap_pte_range): its mappings go; a page
   * only it mapped is freed unless a pin or reference (a read in flight, a pipe buffer) holds it.
   */
  exit_child(): void {
    const child = this.mm('C');
    if (child.dead) throw new DioForkRaceError('DioForkRace: the child has exited already');
    with_kernel(this.k, () => exit_mmap(child));
  }

  /**
   * Both processes exit (do_exit -> exit_mm -> mmput -> exit_mmap; the child's mm only if it
   * has not exited already): every page goes back unless a pin or ref holds it. The I/O is
   * complete by then (the kernel's exit waits for it: exit_aio, io_uring_files_cancel).
   */
  exit(): void {
    with_kernel(this.k, () => {
      if (this.child !== null) exit_mmap(this.child);
      exit_mmap(this.parent);
    });
  }
}

export interface DioForkRaceOptions {
  /** Bytes read by O_DIRECT (a multiple of 512, at most PAGE_SIZE). Default 512. */
  readonly len?: number;
  /** Fork while the read is in flight (the race); false forks after completion. Default true. */
  readonly fork_in_flight?: boolean;
  /** The parent writes one byte of the same page after the fork. Default true. */
  readonly parent_writes?: boolean;
}

export interface DioForkRaceResult {
  readonly parentSeesData: boolean;
  readonly childSeesData: boolean;
  /** The DIO's result (bytes read or -errno). */
  readonly res: number;
  /** vmstat deltas over the scenario (tear-down included). */
  readonly pinsAcquired: number;
  readonly pinsReleased: number;
  /** parent_sees_dio_data for the parent, checked before tear-down. */
  readonly violations: readonly Violation[];
}

const DEVICE_BYTE = 0x5a;
const PARENT_WRITE = new Uint8Array([0x12]);
const DEVICE_DATA = new Uint8Array(PAGE_SIZE).fill(DEVICE_BYTE);

/** true when every byte the read covered holds the device's data. */
function sees(mm: MmStruct, buf: number, len: number): boolean {
  const bytes = read_user(mm, buf, len);
  for (let i = 0; i < len; i++) if (bytes[i] !== DEVICE_BYTE) return false;
  return true;
}

/** Runs the classic scenario in kernel k (its profile and faults decide the outcome). */
export function dio_fork_race(k: Kernel, opts: DioForkRaceOptions = {}): DioForkRaceResult {
  const len = opts.len ?? 512;
  if (len <= 0 || len > PAGE_SIZE || len % 512 !== 0) {
    throw new RangeError(`dio_fork_race: len ${len} is not a multiple of 512 in 512..${PAGE_SIZE}`);
  }
  const fork_in_flight = opts.fork_in_flight ?? true;
  const parent_writes = opts.parent_writes ?? true;
  const a0 = k.vmstat.nr_foll_pin_acquired;
  const r0 = k.vmstat.nr_foll_pin_released;
  const race = new DioForkRace(k, { nr_pages: 1, device: DEVICE_DATA.subarray(0, len) });
  const buf = race.buf;
  race.read(1, 0, buf, len);
  // The race: fork and the parent's write (outside the read's bytes) while the read is in
  // flight; without it, the same steps after completion.
  let res = 0;
  if (!fork_in_flight) res = race.complete(1);
  race.fork();
  if (parent_writes) race.write('P', buf + len, PARENT_WRITE);
  if (fork_in_flight) res = race.complete(1);
  const { parentSeesData, childSeesData, violations } = with_kernel(k, () => ({
    parentSeesData: sees(race.parent, buf, len),
    childSeesData: sees(race.mm('C'), buf, len),
    violations: parent_sees_dio_data(race.parent, buf, DEVICE_DATA.subarray(0, len)),
  }));
  race.exit();
  return {
    parentSeesData,
    childSeesData,
    res,
    pinsAcquired: k.vmstat.nr_foll_pin_acquired - a0,
    pinsReleased: k.vmstat.nr_foll_pin_released - r0,
    violations,
  };
}
