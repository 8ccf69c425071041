import { describe, expect, it } from 'vitest';
import {
  bdev_alloc,
  bdev_complete_all,
  bdev_inode,
  create_file,
  direct_IO,
  filp_open,
  init_async_kiocb,
  O_DIRECT,
} from '../../src/block/index.ts';
import { mm_invariants_at_quiescence, parent_sees_dio_data } from '../../src/invariants/index.ts';
import { ITER_DEST } from '../../src/iov_iter/constants.ts';
import type { iov_iter } from '../../src/iov_iter/types.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import {
  dup_mmap,
  exit_mmap,
  IoMappedUbufCorrupt,
  io_import_fixed,
  io_sqe_buffers_register,
  io_sqe_buffers_unregister,
  io_uring_setup,
  mm_alloc,
  PAGE_SIZE,
  read_user,
  vm_mmap,
  vm_mmap_file_private,
  write_user,
} from '../../src/mm/index.ts';

describe('io_uring fixed buffers across fork (kernel-facts: lost nothing on either kernel)', () => {
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: READ_FIXED in flight, fork, parent writes the page: the parent keeps the data`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const bdev = bdev_alloc(PAGE_SIZE);
        const data = new Uint8Array(512).fill(0x5a);
        bdev.write(0, data);
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, PAGE_SIZE);
        write_user(mm, buf, new Uint8Array(PAGE_SIZE).fill(1));
        const ctx = io_uring_setup(mm);
        expect(io_sqe_buffers_register(ctx, [{ iov_base: buf, iov_len: PAGE_SIZE }])).toBe(0);
        expect(k.vmstat.nr_foll_pin_acquired).toBe(1); // FOLL_PIN | FOLL_LONGTERM
        expect(mm.has_pinned).toBe(true);
        const iter = io_import_fixed(ctx, ITER_DEST, 0, buf, 512) as iov_iter;
        let res = 0;
        const iocb = init_async_kiocb(filp_open(bdev_inode(bdev), O_DIRECT), 0, (_i, r) => {
          res = r;
        });
        expect(direct_IO(iocb, iter)).toBe(-529); // -EIOCBQUEUED
        const child = dup_mmap(mm);
        write_user(mm, buf + 1024, new Uint8Array([9]));
        bdev_complete_all(bdev);
        expect(res).toBe(512);
        expect(parent_sees_dio_data(mm, buf, data)).toEqual([]);
        expect(read_user(child, buf, 1)).toEqual(new Uint8Array([1])); // child: pre-read copy
        expect(io_sqe_buffers_unregister(ctx)).toBe(0);
        exit_mmap(child);
        exit_mmap(mm);
        expect(k.vmstat.nr_foll_pin_released).toBe(1);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  it('registration of an unmapped range fails with nothing left pinned', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, PAGE_SIZE);
      const ctx = io_uring_setup(mm);
      expect(io_sqe_buffers_register(ctx, [{ iov_base: buf, iov_len: 2 * PAGE_SIZE }])).toBe(-14);
      expect(k.vmstat.nr_foll_pin_acquired).toBe(k.vmstat.nr_foll_pin_released);
      exit_mmap(mm);
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  });

  it('a NULL iovec of length 0 is a sparse slot: registered, nothing pinned, imports -EFAULT', () => {
    // io_uring/rsrc.c io_buffer_validate (6.1, 6.12): "if (!iov->iov_base) return iov->iov_len ?
    // -EFAULT : 0;"; io_sqe_buffer_register installs ctx->dummy_ubuf for it (ubuf -1UL).
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, PAGE_SIZE);
      const ctx = io_uring_setup(mm);
      const iovs = [
        { iov_base: 0, iov_len: 0 },
        { iov_base: buf, iov_len: PAGE_SIZE },
      ];
      expect(io_sqe_buffers_register(ctx, iovs)).toBe(0);
      expect(k.vmstat.nr_foll_pin_acquired - k.vmstat.nr_foll_pin_released).toBe(1);
      expect(io_import_fixed(ctx, ITER_DEST, 0, buf, 512)).toBe(-14); // the sparse slot
      expect((io_import_fixed(ctx, ITER_DEST, 1, buf, 512) as iov_iter).count).toBe(512);
      expect(io_sqe_buffers_unregister(ctx)).toBe(0);
      // A NULL base with a length, a base with none, more than 1 GiB: -EFAULT, nothing left.
      for (const iov of [
        { iov_base: 0, iov_len: PAGE_SIZE },
        { iov_base: buf, iov_len: 0 },
        { iov_base: buf, iov_len: 2 ** 30 + PAGE_SIZE },
      ]) {
        expect(io_sqe_buffers_register(ctx, [{ iov_base: buf, iov_len: PAGE_SIZE }, iov])).toBe(
          -14,
        );
        expect(ctx.user_bufs).toEqual([]);
      }
      expect(k.vmstat.nr_foll_pin_acquired).toBe(k.vmstat.nr_foll_pin_released);
      exit_mmap(mm);
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  });

  it('io_import_fixed fails only -EFAULT, and a buffer whose bvecs miss bytes is a named error, not an errno', () => {
    // io_uring/rsrc.c io_import_fixed (6.1, 6.12): -EFAULT for no buffer or a range outside it;
    // nothing else, so the reference has no -ENOMEM either.
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, PAGE_SIZE);
      const ctx = io_uring_setup(mm);
      expect(io_import_fixed(ctx, ITER_DEST, 0, buf, 512)).toBe(-14); // nothing registered
      expect(io_sqe_buffers_register(ctx, [{ iov_base: buf, iov_len: PAGE_SIZE }])).toBe(0);
      expect(io_import_fixed(ctx, ITER_DEST, 0, buf + PAGE_SIZE, 512)).toBe(-14); // outside
      expect((io_import_fixed(ctx, ITER_DEST, 0, buf + 512, 512) as iov_iter).count).toBe(512);
      // A zero length inside the buffer, at its end too, is an empty iterator; past it -EFAULT.
      expect((io_import_fixed(ctx, ITER_DEST, 0, buf, 0) as iov_iter).count).toBe(0);
      expect((io_import_fixed(ctx, ITER_DEST, 0, buf + PAGE_SIZE, 0) as iov_iter).count).toBe(0);
      expect(io_import_fixed(ctx, ITER_DEST, 0, buf + PAGE_SIZE + 1, 0)).toBe(-14);
      expect(() => io_import_fixed(ctx, ITER_DEST, 0, buf, -1)).toThrow(RangeError);
      // A registration that built its bvecs short (never io_sqe_buffer_register's): stop.
      const imu = ctx.user_bufs[0];
      if (imu === undefined || imu === null) throw new Error('no registered buffer');
      const first = imu.bvec[0];
      if (first === undefined) throw new Error('no bvec');
      ctx.user_bufs[0] = { ...imu, bvec: [{ ...first, bv_len: 1024 }] };
      expect(() => io_import_fixed(ctx, ITER_DEST, 0, buf + 512, 1024)).toThrow(
        IoMappedUbufCorrupt,
      );
      ctx.user_bufs[0] = imu;
      expect(io_sqe_buffers_unregister(ctx)).toBe(0);
      exit_mmap(mm);
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  });
});

// 6.1's io_pin_pages refuses file-backed memory once everything is pinned: a buffer across
// vmas of different files (or a file and anonymous memory) -EINVAL, a file other than shmem or
// hugetlbfs -EOPNOTSUPP, the pages unpinned. 6.12's (after 6.5's "io_uring: rsrc: delegate VMA
// file-backed check to GUP") checks no vma; GUP pins a MAP_PRIVATE file mapping (Debian 6.1.192,
// 6.12.117 io_uring/rsrc.c).
describe('io_uring fixed buffers over a MAP_PRIVATE file mapping (io_pin_pages)', () => {
  for (const [profile, alone, mixed] of [
    ['linux-6.1', -95, -22],
    ['linux-6.12', 0, 0],
  ] as const) {
    it(`${profile}: a file page alone ${alone}, an anonymous and a file page ${mixed}`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const mm = mm_alloc();
        const bytes = new Uint8Array(PAGE_SIZE).fill(0x46);
        const bdev = bdev_alloc(bytes.length);
        bdev.write(0, bytes);
        const file = vm_mmap_file_private(
          mm,
          create_file(bdev, 0, PAGE_SIZE, PAGE_SIZE).i_mapping,
          PAGE_SIZE,
        );
        // An anonymous page right below it: the mixed buffer starts there (vmas[0] has no file).
        expect(vm_mmap(mm, file - PAGE_SIZE, PAGE_SIZE)).toBe(file - PAGE_SIZE);
        for (const [base, len, want] of [
          [file, PAGE_SIZE, alone],
          [file - PAGE_SIZE, 2 * PAGE_SIZE, mixed],
        ] as const) {
          const ctx = io_uring_setup(mm);
          expect(io_sqe_buffers_register(ctx, [{ iov_base: base, iov_len: len }])).toBe(want);
          if (want === 0) expect(io_sqe_buffers_unregister(ctx)).toBe(0);
          // Every pin taken is dropped again, whether the registration failed or not.
          expect(k.vmstat.nr_foll_pin_acquired).toBe(k.vmstat.nr_foll_pin_released);
        }
        // The FOLL_WRITE pin broke COW: the file page is now a private anonymous copy.
        expect(read_user(mm, file, 1)).toEqual(Uint8Array.of(0x46));
        expect(k.warnings).toEqual([]);
      });
    });
  }
});
