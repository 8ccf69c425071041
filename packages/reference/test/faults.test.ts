// Each opt-in fault of part A (mm, block, splice) is caught by the invariant FAULTS names, and
// the same scenario without the fault keeps that invariant: the checks can fail, and do not
// fail spuriously. Part B's faults (iov_iter, bvecq) are tested in test/iov_iter and test/bvecq.
import { describe, expect, it } from 'vitest';
import {
  bdev_alloc,
  bdev_complete_all,
  bdev_inode,
  create_file,
  dio_fork_race,
  direct_IO,
  do_truncate,
  filp_open,
  init_async_kiocb,
  init_sync_kiocb,
  O_DIRECT,
} from '../src/block/index.ts';
import { FAULT_NAMES, FAULTS, type FaultName } from '../src/faults.ts';
import type { Violation } from '../src/invariants/index.ts';
import * as invariants from '../src/invariants/index.ts';
import { ITER_DEST, ITER_SOURCE } from '../src/iov_iter/constants.ts';
import { iov_iter_kvec, iov_iter_ubuf } from '../src/iov_iter/init.ts';
import { createKernel, type Kernel, with_kernel, with_mm } from '../src/kernel.ts';
import {
  exit_mmap,
  handle_mm_fault,
  kmalloc_page_aligned,
  mm_alloc,
  PAGE_SIZE,
  vm_mmap,
  write_user,
} from '../src/mm/index.ts';
import { getProfile, type KernelProfile } from '../src/profile.ts';
import {
  alloc_pipe_info,
  filemap_splice_read_finish,
  filemap_splice_read_start,
  free_pipe_info,
  splice_dio_read_revert,
  splice_dio_read_submit,
  splice_dio_read_wait,
  vfs_splice_read,
} from '../src/splice/index.ts';

/** Runs a scenario in a kernel with or without the fault and returns the violations seen. */
type Scenario = (k: Kernel) => Violation[];

const dioRace: Scenario = (k) => [...dio_fork_race(k).violations];

const dioWriteRelease: Scenario = (k) =>
  with_kernel(k, () => {
    const bdev = bdev_alloc(4 * PAGE_SIZE);
    const mm = mm_alloc();
    const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
    write_user(mm, buf, new Uint8Array(2 * PAGE_SIZE).fill(3));
    with_mm(mm, () => {
      const iter = iov_iter_ubuf(ITER_SOURCE, buf, 2 * PAGE_SIZE);
      expect(direct_IO(init_sync_kiocb(filp_open(bdev_inode(bdev), O_DIRECT), 0), iter)).toBe(
        2 * PAGE_SIZE,
      );
    });
    exit_mmap(mm);
    return [
      ...invariants.release_matches_acquisition(k),
      ...invariants.pin_balance_at_quiescence(k),
    ];
  });

/** A DIO read into a kmalloc'd buffer (ITER_KVEC: listed, never pinned), completed. */
const dioKvecRelease: Scenario = (k) =>
  with_kernel(k, () => {
    const bdev = bdev_alloc(4 * PAGE_SIZE);
    const buf = kmalloc_page_aligned(2 * PAGE_SIZE);
    const iter = iov_iter_kvec(
      ITER_DEST,
      [{ iov_base: buf, iov_len: 2 * PAGE_SIZE }],
      1,
      2 * PAGE_SIZE,
    );
    expect(direct_IO(init_sync_kiocb(filp_open(bdev_inode(bdev), O_DIRECT), 0), iter)).toBe(
      2 * PAGE_SIZE,
    );
    return [...invariants.no_pin_underflow(k), ...invariants.pin_balance_at_quiescence(k)];
  });

/** A DIO write from a page that maps the zero page (read-faulted), checked while in flight. */
const dioWriteFromZeroPage: Scenario = (k) =>
  with_kernel(k, () => {
    const bdev = bdev_alloc(4 * PAGE_SIZE);
    const mm = mm_alloc();
    const buf = vm_mmap(mm, 0, PAGE_SIZE);
    expect(handle_mm_fault(mm, buf, 0)).toBe(0);
    const iocb = init_async_kiocb(filp_open(bdev_inode(bdev), O_DIRECT), 0, () => {});
    with_mm(mm, () => direct_IO(iocb, iov_iter_ubuf(ITER_SOURCE, buf, PAGE_SIZE)));
    const inFlight = invariants.zero_page_never_pinned(k);
    bdev_complete_all(bdev);
    return [...inFlight, ...invariants.pin_balance_at_quiescence(k)];
  });

const spliceTruncate: Scenario = (k) =>
  with_kernel(k, () => {
    const bdev = bdev_alloc(16 * PAGE_SIZE);
    const ino = create_file(bdev, 0, 8 * PAGE_SIZE, 4 * PAGE_SIZE);
    const pipe = alloc_pipe_info();
    // truncate_setsize lands before the DIO samples i_size; the blocks past it are still mapped.
    do_truncate(ino, PAGE_SIZE);
    const r = splice_dio_read_submit(filp_open(ino, O_DIRECT), 0, pipe, 4 * PAGE_SIZE);
    splice_dio_read_revert(r);
    bdev_complete_all(bdev);
    splice_dio_read_wait(r);
    free_pipe_info(pipe);
    return invariants.no_dma_into_freed_page(k);
  });

const spliceEof: Scenario = (k) =>
  with_kernel(k, () => {
    const bdev = bdev_alloc(16 * PAGE_SIZE);
    const ino = create_file(bdev, 0, 8 * PAGE_SIZE, 2 * PAGE_SIZE);
    const pipe = alloc_pipe_info();
    const r = vfs_splice_read(filp_open(ino, O_DIRECT), 0, pipe, 8 * PAGE_SIZE);
    free_pipe_info(pipe);
    return invariants.splice_within_eof(r);
  });

// A 6.1 O_DIRECT splice (ITER_PIPE) of 2 pages after a truncate to 1 page, the blocks past it
// still mapped: with the EOF revert the pipe holds the page splice() returns; without it
// (iomap_dio_no_eof_revert) the pipe also keeps the page past i_size.
const spliceTail: Scenario = (k) =>
  with_kernel(k, () => {
    const bdev = bdev_alloc(16 * PAGE_SIZE);
    const ino = create_file(bdev, 0, 8 * PAGE_SIZE, 2 * PAGE_SIZE);
    const pipe = alloc_pipe_info();
    do_truncate(ino, PAGE_SIZE);
    const r = vfs_splice_read(filp_open(ino, O_DIRECT), 0, pipe, 2 * PAGE_SIZE);
    expect(r.ret).toBe(PAGE_SIZE);
    free_pipe_info(pipe);
    return invariants.splice_pipe_matches_ret(r);
  });

// A 6.1 O_DIRECT splice of 2 pages of a 2-page file into a pipe with one free slot: clipped to
// the room it returns the first page; without the clip (splice_no_pipe_room_clip, before
// 3253d9d09337) the read fills the pipe, meets it full and fails -EAGAIN.
const spliceRoom: Scenario = (k) =>
  with_kernel(k, () => {
    const bdev = bdev_alloc(16 * PAGE_SIZE);
    const ino = create_file(bdev, 0, 8 * PAGE_SIZE, 2 * PAGE_SIZE);
    const pipe = alloc_pipe_info(1);
    const r = vfs_splice_read(filp_open(ino, O_DIRECT), 0, pipe, 2 * PAGE_SIZE);
    expect(r.ret === PAGE_SIZE || r.ret === -11).toBe(true);
    free_pipe_info(pipe);
    return invariants.splice_fill_not_failed(r);
  });

// A 6.12 buffered splice of a 2-page file held after filemap_get_pages (its folios uptodate), a
// truncate to 0, then the rest: i_size read again, nothing spliced; with the i_size sampled at the
// start (splice_isize_before_uptodate, before 620a324b744a) both pages, past the new EOF.
const spliceIsizeRace: Scenario = (k) =>
  with_kernel(k, () => {
    const bdev = bdev_alloc(16 * PAGE_SIZE);
    const ino = create_file(bdev, 0, 8 * PAGE_SIZE, 2 * PAGE_SIZE);
    const pipe = alloc_pipe_info();
    const s = filemap_splice_read_start(filp_open(ino, 0), 0, pipe, 2 * PAGE_SIZE);
    do_truncate(ino, 0);
    const r = filemap_splice_read_finish(s);
    expect(r.ret === 0 || r.ret === 2 * PAGE_SIZE).toBe(true);
    free_pipe_info(pipe);
    return invariants.splice_within_eof(r);
  });

/** The seed 002 ver #20 design: 6.12 plus the EOF clip that never merged (profile.ts). */
const V20_EOF_LIMIT: KernelProfile = { ...getProfile('linux-6.12'), direct_splice_eof_limit: true };

const partA: {
  fault: FaultName;
  profile: 'linux-6.1' | 'linux-6.12' | KernelProfile;
  run: Scenario;
}[] = [
  { fault: 'legacy_foll_get_dio', profile: 'linux-6.12', run: dioRace },
  { fault: 'fork_share_pinned', profile: 'linux-6.12', run: dioRace },
  { fault: 'bio_release_wrong_mode', profile: 'linux-6.12', run: dioWriteRelease },
  { fault: 'bio_release_unpin_all', profile: 'linux-6.12', run: dioKvecRelease },
  { fault: 'gup_pin_zero_page', profile: 'linux-6.12', run: dioWriteFromZeroPage },
  { fault: 'iter_pipe_truncate_revert', profile: 'linux-6.1', run: spliceTruncate },
  { fault: 'direct_splice_no_eof_limit', profile: V20_EOF_LIMIT, run: spliceEof },
  { fault: 'iomap_dio_no_eof_revert', profile: 'linux-6.1', run: spliceTail },
  { fault: 'splice_no_pipe_room_clip', profile: 'linux-6.1', run: spliceRoom },
  { fault: 'splice_isize_before_uptodate', profile: 'linux-6.12', run: spliceIsizeRace },
];

describe('part A faults are caught by their invariants', () => {
  for (const { fault, profile, run } of partA) {
    it(`${fault} on ${typeof profile === 'string' ? profile : `${profile.name}+ver20-eof-limit`}: caught by ${FAULTS[fault].caught_by.join(', ')}`, () => {
      expect(run(createKernel(profile))).toEqual([]);
      const caught = run(createKernel(profile, { faults: [fault] }));
      expect(caught.length).toBeGreaterThan(0);
      for (const v of caught) expect(FAULTS[fault].caught_by).toContain(v.invariant);
    });
  }

  it('every fault names invariants that exist as exported checks', () => {
    const exported = new Set(Object.keys(invariants));
    for (const f of FAULT_NAMES) {
      expect(FAULTS[f].caught_by.length).toBeGreaterThan(0);
      for (const inv of FAULTS[f].caught_by) expect(exported, `${f} -> ${inv}`).toContain(inv);
    }
  });

  it('unknown fault names are rejected with the list of known ones', () => {
    expect(() => createKernel('linux-6.12', { faults: ['no_such_bug'] })).toThrow(
      /unknown fault "no_such_bug".*legacy_foll_get_dio/,
    );
  });
});
