// The DIO-read vs fork race (kernel-facts.md "Fork, COW and the DIO-read race"; seed 000): a
// process starts an asynchronous O_DIRECT read into a page of its memory, forks while the read
// is in flight, then writes another byte of the same page; the read then completes. With
// FOLL_GET (6.1 block DIO) fork COW-shares the page, the parent's write moves the parent to a
// copy and the DMA lands in the page the child keeps: the parent loses the data. With FOLL_PIN
// (6.5+) fork copies the pinned page for the child and the parent keeps it.

import { parent_sees_dio_data } from '../invariants/mm.ts';
import type { Violation } from '../invariants/violation.ts';
import { READ } from '../iov_iter/constants.ts';
import { iov_iter_ubuf } from '../iov_iter/init.ts';
import type { Kernel } from '../kernel.ts';
import { with_kernel, with_mm } from '../kernel.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import { dup_mmap, read_user, write_user } from '../mm/memory.ts';
import type { MmStruct } from '../mm/mmap.ts';
import { exit_mmap, mm_alloc, vm_mmap } from '../mm/mmap.ts';
import { bdev_alloc, bdev_complete_all } from './blkdev.ts';
import { direct_IO } from './dio.ts';
import { bdev_inode, filp_open, init_async_kiocb, O_DIRECT } from './fs.ts';

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
const PARENT_BYTE = 0x11;
const PARENT_MARK = new Uint8Array([PARENT_BYTE]);
const PARENT_WRITE = new Uint8Array([PARENT_BYTE + 1]);
const DEVICE_DATA = new Uint8Array(PAGE_SIZE).fill(DEVICE_BYTE);

/** true when every byte the read covered holds the device's data. */
function sees(mm: MmStruct, buf: number, len: number): boolean {
  const bytes = read_user(mm, buf, len);
  for (let i = 0; i < len; i++) if (bytes[i] !== DEVICE_BYTE) return false;
  return true;
}

/** Runs the scenario in kernel k (its profile and faults decide the outcome). */
export function dio_fork_race(k: Kernel, opts: DioForkRaceOptions = {}): DioForkRaceResult {
  const len = opts.len ?? 512;
  if (len <= 0 || len > PAGE_SIZE || len % 512 !== 0) {
    throw new RangeError(`dio_fork_race: len ${len} is not a multiple of 512 in 512..${PAGE_SIZE}`);
  }
  const fork_in_flight = opts.fork_in_flight ?? true;
  const parent_writes = opts.parent_writes ?? true;
  return with_kernel(k, () => {
    const a0 = k.vmstat.nr_foll_pin_acquired;
    const r0 = k.vmstat.nr_foll_pin_released;
    const bdev = bdev_alloc(PAGE_SIZE);
    bdev.write(0, DEVICE_DATA.subarray(0, len));
    const parent = mm_alloc();
    const buf = vm_mmap(parent, 0, PAGE_SIZE);
    // The buffer is ordinary, already-touched anonymous memory (the write faults it in).
    write_user(parent, buf, PARENT_MARK);
    let res = 0;
    const filp = filp_open(bdev_inode(bdev), O_DIRECT);
    const iocb = init_async_kiocb(filp, 0, (_iocb, r) => {
      res = r;
    });
    with_mm(parent, () => {
      const iter = iov_iter_ubuf(READ, buf, len);
      const q = direct_IO(iocb, iter);
      if (q < 0 && q !== -529) res = q;
    });
    let child = null;
    if (fork_in_flight) child = dup_mmap(parent);
    if (!fork_in_flight) bdev_complete_all(bdev);
    else {
      if (parent_writes) write_user(parent, buf + len, PARENT_WRITE);
      bdev_complete_all(bdev);
    }
    if (child === null) {
      child = dup_mmap(parent);
      if (parent_writes) write_user(parent, buf + len, PARENT_WRITE);
    }
    const parentSeesData = sees(parent, buf, len);
    const childSeesData = sees(child, buf, len);
    const violations = parent_sees_dio_data(parent, buf, DEVICE_DATA.subarray(0, len));
    exit_mmap(child);
    exit_mmap(parent);
    return {
      parentSeesData,
      childSeesData,
      res,
      pinsAcquired: k.vmstat.nr_foll_pin_acquired - a0,
      pinsReleased: k.vmstat.nr_foll_pin_released - r0,
      violations,
    };
  });
}
