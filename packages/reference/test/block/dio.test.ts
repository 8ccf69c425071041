import { describe, expect, it } from 'vitest';
import {
  BIO_NO_PAGE_REF,
  BIO_PAGE_PINNED,
  BLK_STS_IOERR,
  bdev_alloc,
  bdev_complete_all,
  bdev_complete_bio,
  bdev_inode,
  type bio,
  bio_flagged,
  create_file,
  dio_submit,
  direct_IO,
  do_truncate,
  filp_open,
  init_async_kiocb,
  init_sync_kiocb,
  O_DIRECT,
} from '../../src/block/index.ts';
import { EFAULT, EINVAL, EIO, EIOCBQUEUED, ENOSPC } from '../../src/errno.ts';
import { mm_invariants_at_quiescence } from '../../src/invariants/index.ts';
import { ITER_DEST, ITER_SOURCE } from '../../src/iov_iter/constants.ts';
import { folioq_alloc, folioq_append } from '../../src/iov_iter/index.ts';
import {
  iov_iter_bvec,
  iov_iter_folio_queue,
  iov_iter_init,
  iov_iter_ubuf,
} from '../../src/iov_iter/init.ts';
import type { bio_vec } from '../../src/iov_iter/types.ts';
import { createKernel, current_kernel, with_kernel, with_mm } from '../../src/kernel.ts';
import {
  alloc_page,
  exit_mmap,
  filemap_get_uptodate_folio,
  folio_alloc,
  folio_ref_count,
  memcpy_from_page,
  mm_alloc,
  PAGE_SIZE,
  put_page,
  read_user,
  vm_mmap,
  write_user,
} from '../../src/mm/index.ts';

/** Byte equality without vitest's element-by-element deep equal (slow on 64 KiB). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + 5) & 0xff;
  return b;
}

describe('O_DIRECT through bios (block/fops.c, fs/iomap/direct-io.c)', () => {
  // kernel-facts [run]: sync O_DIRECT reads moved the pin counters by 0 on 6.1 and by one pin
  // per page on 6.12 (4 KiB: +1/+1, 64 KiB: +16/+16).
  for (const [profile, size, pins] of [
    ['linux-6.1', 4096, 0],
    ['linux-6.1', 65536, 0],
    ['linux-6.12', 4096, 1],
    ['linux-6.12', 65536, 16],
  ] as const) {
    it(`${profile}: a sync ${size / 1024} KiB read moves the pin counters by +${pins}/+${pins}`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const bdev = bdev_alloc(128 * 1024);
        bdev.write(0, pattern(size));
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, size);
        write_user(mm, buf, new Uint8Array(size).fill(0xee));
        const res = with_mm(mm, () =>
          direct_IO(
            init_sync_kiocb(filp_open(bdev_inode(bdev), O_DIRECT), 0),
            iov_iter_ubuf(ITER_DEST, buf, size),
          ),
        );
        expect(res).toBe(size);
        expect(sameBytes(read_user(mm, buf, size), pattern(size))).toBe(true);
        expect(k.vmstat).toEqual({ nr_foll_pin_acquired: pins, nr_foll_pin_released: pins });
        exit_mmap(mm);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  // block/bio.c bio_iov_add_page (Debian 6.1.192) / bio_iov_add_folio (6.12.117): an IOVEC
  // segment that starts where the previous one ended, in the same page, is merged into the
  // bio's last bvec and the second hold on the page is dropped at once (6.1 put_page, 6.12
  // unpin_user_folio): one bvec, one hold while in flight.
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: two contiguous iovecs in one page make one bvec and one hold in flight (same_page merge)`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const bdev = bdev_alloc(64 * 1024);
        bdev.write(0, pattern(1024));
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, PAGE_SIZE);
        write_user(mm, buf, new Uint8Array(PAGE_SIZE).fill(0xee));
        const iov = [
          { iov_base: buf, iov_len: 512 },
          { iov_base: buf + 512, iov_len: 512 },
        ];
        const filp = filp_open(bdev_inode(bdev), O_DIRECT);
        let res: number | null = null;
        const iocb = init_async_kiocb(filp, 0, (_i, r) => {
          res = r;
        });
        const ret = with_mm(mm, () => direct_IO(iocb, iov_iter_init(ITER_DEST, iov, 2, 1024)));
        expect(ret).toBe(-EIOCBQUEUED);
        expect(bdev.inflight.length).toBe(1);
        const b = bdev.inflight[0] as bio;
        expect(b.bi_vcnt).toBe(1);
        expect(b.bi_io_vec[0]).toMatchObject({ bv_offset: 0, bv_len: 1024 });
        const folio = (b.bi_io_vec[0] as bio_vec).bv_page.folio;
        // The mapping's reference and one hold: a FOLL_GET reference (6.1), one pin (6.12).
        if (profile === 'linux-6.1') {
          expect(folio_ref_count(folio)).toBe(2);
          expect(k.vmstat).toEqual({ nr_foll_pin_acquired: 0, nr_foll_pin_released: 0 });
        } else {
          expect(folio_ref_count(folio)).toBe(1 + 1024);
          expect(k.vmstat).toEqual({ nr_foll_pin_acquired: 2, nr_foll_pin_released: 1 });
        }
        bdev_complete_all(bdev);
        expect(res).toBe(1024);
        expect(sameBytes(read_user(mm, buf, 1024), pattern(1024))).toBe(true);
        exit_mmap(mm);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  it('a write from user memory lands on the device; pages are pinned only while in flight', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const bdev = bdev_alloc(16 * 1024);
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
      write_user(mm, buf + 512, pattern(4096));
      let res = 0;
      const iocb = init_async_kiocb(filp_open(bdev_inode(bdev), O_DIRECT), 1024, (_i, r) => {
        res = r;
      });
      const d = with_mm(mm, () => dio_submit(iocb, iov_iter_ubuf(ITER_SOURCE, buf + 512, 4096)));
      if (typeof d === 'number') throw new Error(`dio_submit failed: ${d}`);
      expect(bio_flagged(d.bios[0] as never, BIO_PAGE_PINNED)).toBe(true);
      expect(k.vmstat.nr_foll_pin_acquired - k.vmstat.nr_foll_pin_released).toBe(2); // two pages
      bdev_complete_all(bdev);
      expect(res).toBe(4096);
      expect(iocb.ki_pos).toBe(1024 + 4096);
      expect(bdev.read(1024, 4096)).toEqual(pattern(4096));
      exit_mmap(mm);
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  });

  it('misaligned position or length is -EINVAL; a read at EOF returns 0', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const bdev = bdev_alloc(8192);
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, PAGE_SIZE);
      const filp = filp_open(bdev_inode(bdev), O_DIRECT);
      with_mm(mm, () => {
        expect(direct_IO(init_sync_kiocb(filp, 100), iov_iter_ubuf(ITER_DEST, buf, 512))).toBe(-22);
        expect(direct_IO(init_sync_kiocb(filp, 0), iov_iter_ubuf(ITER_DEST, buf, 100))).toBe(-22);
        expect(direct_IO(init_sync_kiocb(filp, 8192), iov_iter_ubuf(ITER_DEST, buf, 512))).toBe(0);
      });
      exit_mmap(mm);
    });
  });

  it('a buffer off the DMA alignment or a segment off the logical block is -EINVAL, nothing pinned (bdev_iter_is_aligned)', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const bdev = bdev_alloc(8192);
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
      const filp = filp_open(bdev_inode(bdev), O_DIRECT);
      const k = current_kernel();
      const pins0 = k.vmstat.nr_foll_pin_acquired;
      with_mm(mm, () => {
        // iov_iter_is_aligned: the address against bdev_dma_alignment (511)...
        expect(direct_IO(init_sync_kiocb(filp, 0), iov_iter_ubuf(ITER_DEST, buf + 1, 512))).toBe(
          -EINVAL,
        );
        expect(direct_IO(init_sync_kiocb(filp, 0), iov_iter_ubuf(ITER_DEST, buf + 512, 512))).toBe(
          512,
        );
        // ...and each iovec's length against the logical block size, though the sum is aligned.
        const iov = [
          { iov_base: buf, iov_len: 700 },
          { iov_base: buf + 700, iov_len: 324 },
        ];
        expect(direct_IO(init_sync_kiocb(filp, 0), iov_iter_init(ITER_SOURCE, iov, 2, 1024))).toBe(
          -EINVAL,
        );
        // blkdev_read_iter truncates a read crossing the device's end before blkdev_direct_IO:
        // 1000 bytes at 7680 are cut to the 512 that fit, which pass the alignment check.
        expect(direct_IO(init_sync_kiocb(filp, 7680), iov_iter_ubuf(ITER_DEST, buf, 1000))).toBe(
          512,
        );
      });
      // One pin each for the two requests that went through, none for the refused ones.
      expect(k.vmstat.nr_foll_pin_acquired - pins0).toBe(2);
      exit_mmap(mm);
    });
  });

  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: an empty request returns 0; a read at EOF returns 0 before the alignment check`, () => {
      with_kernel(createKernel(profile), () => {
        const bdev = bdev_alloc(8192);
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, PAGE_SIZE);
        const dev = filp_open(bdev_inode(bdev), O_DIRECT);
        const file = filp_open(create_file(bdev, 0, 4096, 1024), O_DIRECT);
        with_mm(mm, () => {
          // blkdev_read_iter / blkdev_write_iter / blkdev_direct_IO and __iomap_dio_rw: 0, and
          // nothing submitted (block/fops.c, fs/iomap/direct-io.c).
          for (const filp of [dev, file]) {
            for (const dir of [ITER_DEST, ITER_SOURCE]) {
              expect(direct_IO(init_sync_kiocb(filp, 0), iov_iter_ubuf(dir, buf, 0))).toBe(0);
            }
          }
          // Misaligned at or past EOF: blkdev_read_iter's "pos >= size" and __iomap_dio_rw's
          // "iomi.pos >= dio->i_size" return 0 before any alignment check...
          expect(direct_IO(init_sync_kiocb(dev, 8193), iov_iter_ubuf(ITER_DEST, buf, 100))).toBe(0);
          expect(direct_IO(init_sync_kiocb(file, 1025), iov_iter_ubuf(ITER_DEST, buf, 100))).toBe(
            0,
          );
          // ...and below EOF the same misalignment is -EINVAL.
          expect(direct_IO(init_sync_kiocb(file, 1), iov_iter_ubuf(ITER_DEST, buf, 512))).toBe(
            -EINVAL,
          );
        });
        expect(bdev.inflight).toEqual([]);
        expect(current_kernel().vmstat.nr_foll_pin_acquired).toBe(0);
        exit_mmap(mm);
        expect(mm_invariants_at_quiescence(current_kernel())).toEqual([]);
      });
    });
  }

  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: a block-device write past the end writes what fits (blkdev_write_iter)`, () => {
      with_kernel(createKernel(profile), () => {
        const bdev = bdev_alloc(8192);
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
        write_user(mm, buf, pattern(2 * PAGE_SIZE));
        const filp = filp_open(bdev_inode(bdev), O_DIRECT);
        with_mm(mm, () => {
          // 4 KiB from 6 KiB on an 8 KiB device: truncated to the 2 KiB that fit, a short
          // write; the iterator is re-expanded, so 2 KiB are still left in it.
          const iocb = init_sync_kiocb(filp, 6144);
          const iter = iov_iter_ubuf(ITER_SOURCE, buf, 4096);
          expect(direct_IO(iocb, iter)).toBe(2048);
          expect(iocb.ki_pos).toBe(8192);
          expect(iter.count).toBe(2048);
          expect(sameBytes(bdev.read(6144, 2048), pattern(2 * PAGE_SIZE).subarray(0, 2048))).toBe(
            true,
          );
          // At or past the end: -ENOSPC, before the alignment check (misaligned length too).
          expect(direct_IO(init_sync_kiocb(filp, 8192), iov_iter_ubuf(ITER_SOURCE, buf, 512))).toBe(
            -ENOSPC,
          );
          expect(direct_IO(init_sync_kiocb(filp, 8192), iov_iter_ubuf(ITER_SOURCE, buf, 100))).toBe(
            -ENOSPC,
          );
          // A misaligned length that the truncation makes aligned is written (7680 + 600 > 8192).
          expect(direct_IO(init_sync_kiocb(filp, 7680), iov_iter_ubuf(ITER_SOURCE, buf, 600))).toBe(
            512,
          );
        });
        expect(current_kernel().vmstat.nr_foll_pin_acquired).toBe(
          current_kernel().vmstat.nr_foll_pin_released,
        );
        exit_mmap(mm);
      });
    });
  }

  it('a BVEC iterator is used in place: 6.1 marks the bio BIO_NO_PAGE_REF, 6.12 takes no pin', () => {
    for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const bdev = bdev_alloc(8192);
        bdev.write(0, pattern(4096));
        const page = alloc_page();
        const iter = iov_iter_bvec(
          ITER_DEST,
          [{ bv_page: page, bv_offset: 0, bv_len: 4096 }],
          1,
          4096,
        );
        const d = dio_submit(init_sync_kiocb(filp_open(bdev_inode(bdev), O_DIRECT), 0), iter);
        if (typeof d === 'number') throw new Error(`dio_submit failed: ${d}`);
        const b = d.bios[0] as never;
        expect(bio_flagged(b, BIO_NO_PAGE_REF)).toBe(profile === 'linux-6.1');
        expect(bio_flagged(b, BIO_PAGE_PINNED)).toBe(false);
        expect(page.folio._refcount).toBe(1);
        bdev_complete_all(bdev);
        expect(memcpy_from_page(page, 0, 4096)).toEqual(pattern(4096));
        put_page(page);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    }
  });
});

describe('an I/O error completion (BLK_STS_IOERR) and the block_bio_queue trace', () => {
  it('the kiocb completes with -EIO, nothing is transferred and the pins are released', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const bdev = bdev_alloc(16 * 1024);
      bdev.write(0, pattern(4096));
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, PAGE_SIZE);
      write_user(mm, buf, new Uint8Array(4096).fill(0xee));
      const trace: bio[] = [];
      bdev.bio_queue_trace = trace;
      let res = 0;
      const iocb = init_async_kiocb(filp_open(bdev_inode(bdev), O_DIRECT), 0, (_i, r) => {
        res = r;
      });
      expect(with_mm(mm, () => direct_IO(iocb, iov_iter_ubuf(ITER_DEST, buf, 4096)))).toBe(
        -EIOCBQUEUED,
      );
      expect(trace).toEqual(bdev.inflight);
      expect(k.vmstat.nr_foll_pin_acquired).toBe(1);
      for (const b of trace) bdev_complete_bio(b, BLK_STS_IOERR);
      expect(res).toBe(-EIO);
      expect(iocb.ki_pos).toBe(0);
      expect(read_user(mm, buf, 4096)).toEqual(new Uint8Array(4096).fill(0xee));
      expect(k.vmstat).toEqual({ nr_foll_pin_acquired: 1, nr_foll_pin_released: 1 });
      exit_mmap(mm);
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  });

  // block/fops.c __blkdev_direct_IO (Debian 6.1.192, 6.12.117): a request of more than
  // BIO_MAX_VECS pages whose next bio gets no page ends that bio with BLK_STS_IOERR; async:
  // -EIOCBQUEUED, then ki_complete(-EIO); sync: the extraction's -EFAULT.
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: a block-device request of more than 256 pages whose next bio faults: async -EIO, sync -EFAULT`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const bdev = bdev_alloc(2 * 1024 * 1024);
        const mm = mm_alloc();
        // 256 mapped pages; page 256 lies in vm_mmap's guard gap (no vma).
        const buf = vm_mmap(mm, 0, 256 * PAGE_SIZE);
        write_user(mm, buf, new Uint8Array(256 * PAGE_SIZE).fill(0xee));
        const filp = filp_open(bdev_inode(bdev), O_DIRECT);
        const results: number[] = [];
        const iocb = init_async_kiocb(filp, 0, (_i, r) => {
          results.push(r);
        });
        const ret = with_mm(mm, () =>
          direct_IO(iocb, iov_iter_ubuf(ITER_DEST, buf, 257 * PAGE_SIZE)),
        );
        expect(ret).toBe(-EIOCBQUEUED);
        expect(bdev.inflight.length).toBe(1);
        expect(results).toEqual([]);
        bdev_complete_all(bdev);
        expect(results).toEqual([-EIO]);
        expect(iocb.ki_pos).toBe(0);
        // Wholly unmapped: the first bio fails, ki_complete(-EIO) runs before -EIOCBQUEUED.
        const hole = buf + 256 * PAGE_SIZE;
        const iocb2 = init_async_kiocb(filp, 0, (_i, r) => {
          results.push(r);
        });
        expect(
          with_mm(mm, () => direct_IO(iocb2, iov_iter_ubuf(ITER_DEST, hole, 257 * PAGE_SIZE))),
        ).toBe(-EIOCBQUEUED);
        expect(results).toEqual([-EIO, -EIO]);
        expect(bdev.inflight).toEqual([]);
        // A synchronous kiocb returns the extraction's error.
        expect(
          with_mm(mm, () =>
            direct_IO(init_sync_kiocb(filp, 0), iov_iter_ubuf(ITER_DEST, buf, 257 * PAGE_SIZE)),
          ),
        ).toBe(-EFAULT);
        exit_mmap(mm);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  // block/fops.c blkdev_read_iter (Debian 6.1.192, 6.12.117): a synchronous direct read that
  // comes back short reads the rest buffered, "ret = filemap_read(iocb, to, ret);", up to a fault
  // in the user buffer; the iterator truncated at the device's end is re-expanded.
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: a short synchronous block-device read reads the rest through the page cache (blkdev_read_iter -> filemap_read)`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        // A 4 KiB-block device (a loop device after LOOP_SET_BLOCK_SIZE 4096) of 4 pages.
        const bdev = bdev_alloc(4 * PAGE_SIZE, 4096);
        const data = pattern(4 * PAGE_SIZE);
        bdev.write(0, data);
        const mm = mm_alloc();
        // Two mapped pages, then vm_mmap's guard gap (no vma).
        const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
        write_user(mm, buf, new Uint8Array(2 * PAGE_SIZE).fill(0xee));
        const filp = filp_open(bdev_inode(bdev), O_DIRECT);
        // 8 KiB from 1 KiB into the first page: GUP takes the two mapped pages (7 KiB), which
        // __bio_iov_iter_get_pages trims to one 4 KiB block; the next extraction faults, so the
        // direct read returns 4 KiB. filemap_read copies device bytes 4096.. into the rest of the
        // second page (3 KiB) and faults on the third: 7 KiB in all.
        const iocb = init_sync_kiocb(filp, 0);
        const iter = with_mm(mm, () => iov_iter_ubuf(ITER_DEST, buf + 1024, 2 * PAGE_SIZE));
        expect(with_mm(mm, () => direct_IO(iocb, iter))).toBe(7 * 1024);
        expect(iocb.ki_pos).toBe(7 * 1024);
        expect(iter.count).toBe(1024);
        expect(sameBytes(read_user(mm, buf + 1024, 7 * 1024), data.subarray(0, 7 * 1024))).toBe(
          true,
        );
        // The device's second page is now in its page cache.
        expect(filp.f_inode.i_mapping.i_pages.xa_load(1)).toBeDefined();
        // Placed one block before the device's end, the same read is cut to 4 KiB
        // (iov_iter_truncate) and is not short: no buffered part; the iterator is re-expanded.
        const iocb2 = init_sync_kiocb(filp, 3 * PAGE_SIZE);
        const iter2 = with_mm(mm, () => iov_iter_ubuf(ITER_DEST, buf, 2 * PAGE_SIZE));
        expect(with_mm(mm, () => direct_IO(iocb2, iter2))).toBe(PAGE_SIZE);
        expect(iter2.count).toBe(PAGE_SIZE);
        expect(filp.f_inode.i_mapping.i_pages.xa_load(3)).toBeUndefined();
        exit_mmap(mm);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  // block/fops.c blkdev_direct_write and fs/iomap/direct-io.c __iomap_dio_rw / iomap_dio_complete
  // (Debian 6.1.192, 6.12.117): a direct write invalidates the cached pages of its range before
  // it is issued (kiocb_invalidate_pages) and, once it has written, again
  // (kiocb_invalidate_post_direct_write): the block device's after a synchronous write only, a
  // file's at every completion. A later buffered read goes to the device.
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: a direct write to the block device drops its range from the page cache; the buffered rest of a short read then reads the written bytes`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const bdev = bdev_alloc(4 * PAGE_SIZE, 4096);
        const data = pattern(4 * PAGE_SIZE);
        bdev.write(0, data);
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
        const filp = filp_open(bdev_inode(bdev), O_DIRECT);
        const shortRead = (): number => {
          // As above: 4 KiB direct, the rest of the second page (3 KiB) from the page cache.
          write_user(mm, buf, new Uint8Array(2 * PAGE_SIZE).fill(0xee));
          const iter = with_mm(mm, () => iov_iter_ubuf(ITER_DEST, buf + 1024, 2 * PAGE_SIZE));
          return with_mm(mm, () => direct_IO(init_sync_kiocb(filp, 0), iter));
        };
        expect(shortRead()).toBe(7 * 1024);
        const cached = filp.f_inode.i_mapping.i_pages.xa_load(1);
        expect(cached).toBeDefined();
        const refs = folio_ref_count(cached as never);
        // A synchronous direct write of new bytes over the device's second page.
        const fresh = new Uint8Array(PAGE_SIZE).fill(0x5a);
        write_user(mm, buf, fresh);
        const w = with_mm(mm, () =>
          direct_IO(init_sync_kiocb(filp, PAGE_SIZE), iov_iter_ubuf(ITER_SOURCE, buf, PAGE_SIZE)),
        );
        expect(w).toBe(PAGE_SIZE);
        // Gone from the cache: its mapping cleared, the cache's reference dropped.
        expect(filp.f_inode.i_mapping.i_pages.xa_load(1)).toBeUndefined();
        expect((cached as { mapping: unknown }).mapping).toBeNull();
        expect(folio_ref_count(cached as never)).toBe(refs - 1);
        // The next short read's buffered part (device bytes 4 KiB..7 KiB, at buf + 5 KiB) reads the
        // device's new bytes; its direct part the old first page.
        expect(shortRead()).toBe(7 * 1024);
        expect(sameBytes(read_user(mm, buf + 1024, PAGE_SIZE), data.subarray(0, PAGE_SIZE))).toBe(
          true,
        );
        expect(
          sameBytes(read_user(mm, buf + 5 * 1024, 3 * 1024), fresh.subarray(0, 3 * 1024)),
        ).toBe(true);
        exit_mmap(mm);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  it('an asynchronous block-device write invalidates before submission only; a file write again at completion', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const bdev = bdev_alloc(8 * PAGE_SIZE, 4096);
      bdev.write(0, pattern(8 * PAGE_SIZE));
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, PAGE_SIZE);
      write_user(mm, buf, new Uint8Array(PAGE_SIZE).fill(0x77));
      for (const ino of [
        bdev_inode(bdev),
        create_file(bdev, 4 * PAGE_SIZE, 4 * PAGE_SIZE, 2 * PAGE_SIZE),
      ]) {
        const mapping = ino.i_mapping;
        // Cached before the write: dropped at submission (kiocb_invalidate_pages).
        filemap_get_uptodate_folio(mapping, 0);
        const iocb = init_async_kiocb(filp_open(ino, O_DIRECT), 0, () => {});
        const d = with_mm(mm, () => dio_submit(iocb, iov_iter_ubuf(ITER_SOURCE, buf, PAGE_SIZE)));
        if (typeof d === 'number') throw new Error(`dio_submit failed: ${d}`);
        expect(mapping.i_pages.xa_load(0)).toBeUndefined();
        // Cached again while the write is in flight (the device's old bytes).
        const stale = filemap_get_uptodate_folio(mapping, 0);
        bdev_complete_all(bdev);
        expect(d.result).toBe(PAGE_SIZE);
        // blkdev_direct_write returned -EIOCBQUEUED: no second pass, the stale page stays;
        // iomap_dio_complete invalidates at completion.
        expect(mapping.i_pages.xa_load(0)).toBe(ino.is_blkdev ? stale : undefined);
      }
      // blkdev_direct_write invalidates before blkdev_direct_IO checks the alignment: a write
      // refused -EINVAL has dropped the cached page all the same.
      const blk = bdev_inode(bdev);
      filemap_get_uptodate_folio(blk.i_mapping, 0);
      const bad = with_mm(mm, () =>
        direct_IO(
          init_sync_kiocb(filp_open(blk, O_DIRECT), 512),
          iov_iter_ubuf(ITER_SOURCE, buf, 512),
        ),
      );
      expect(bad).toBe(-EINVAL);
      expect(blk.i_mapping.i_pages.xa_load(0)).toBeUndefined();
      exit_mmap(mm);
    });
  });

  // fs/iomap/direct-io.c iomap_dio_hole_iter (Debian 6.1.192, 6.12.117): "if (!length) return
  // -EFAULT;" after iov_iter_zero; a zeroing cut short by a fault is retried from there and fails.
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: a file read wholly in a hole into a buffer whose second page is unmapped fails with -EFAULT`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const bdev = bdev_alloc(64 * 1024);
        bdev.write(0, pattern(16384));
        const ino = create_file(bdev, 0, 16384, 0);
        do_truncate(ino, 8192); // extending ftruncate: 8 KiB of hole, no block mapped
        const filp = filp_open(ino, O_DIRECT);
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, PAGE_SIZE); // the page after it lies in the guard gap
        write_user(mm, buf, new Uint8Array(PAGE_SIZE).fill(0xee));
        const res = with_mm(mm, () =>
          direct_IO(init_sync_kiocb(filp, 0), iov_iter_ubuf(ITER_DEST, buf, 8192)),
        );
        expect(res).toBe(-EFAULT);
        // The first page was zeroed before the fault; the device was not read.
        expect(read_user(mm, buf, PAGE_SIZE)).toEqual(new Uint8Array(PAGE_SIZE));
        // Wholly mapped buffer: both pages zeroed, 8192.
        const buf2 = vm_mmap(mm, 0, 2 * PAGE_SIZE);
        write_user(mm, buf2, new Uint8Array(2 * PAGE_SIZE).fill(0xee));
        expect(
          with_mm(mm, () =>
            direct_IO(init_sync_kiocb(filp, 0), iov_iter_ubuf(ITER_DEST, buf2, 8192)),
          ),
        ).toBe(8192);
        expect(read_user(mm, buf2, 2 * PAGE_SIZE)).toEqual(new Uint8Array(2 * PAGE_SIZE));
        exit_mmap(mm);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  // fs/iomap/direct-io.c iomap_dio_iter (Debian 6.1.192, 6.12.117): IOMAP_HOLE goes to
  // iomap_dio_hole_iter, which checks no alignment (iomap_dio_bio_iter does, for mapped blocks).
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: a misaligned file read that starts in a hole is zero-filled; one that starts on a mapped block is -EINVAL`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const bdev = bdev_alloc(64 * 1024);
        bdev.write(0, pattern(16384));
        const ino = create_file(bdev, 0, 16384, 4096); // block 0-7 mapped (one page of data)
        do_truncate(ino, 12288); // extending ftruncate: a hole from 4096 to 12288
        const filp = filp_open(ino, O_DIRECT);
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
        write_user(mm, buf, new Uint8Array(2 * PAGE_SIZE).fill(0xee));
        // In the hole, off the DMA alignment and the block: 100 bytes zeroed.
        expect(
          with_mm(mm, () =>
            direct_IO(init_sync_kiocb(filp, 4096 + 7), iov_iter_ubuf(ITER_DEST, buf + 3, 100)),
          ),
        ).toBe(100);
        expect(read_user(mm, buf, 104)).toEqual(new Uint8Array(104).fill(0xee).fill(0, 3, 103));
        // Starting on the mapped block: the same misalignment is -EINVAL, nothing written.
        expect(
          with_mm(mm, () =>
            direct_IO(init_sync_kiocb(filp, 7), iov_iter_ubuf(ITER_DEST, buf + 3, 100)),
          ),
        ).toBe(-EINVAL);
        expect(read_user(mm, buf + 200, 4)).toEqual(new Uint8Array(4).fill(0xee));
        exit_mmap(mm);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  // lib/iov_iter.c iov_iter_is_aligned (Debian 6.12.117): "if (iov_iter_is_folioq(i)) { if
  // (i->count & len_mask) return false; if (i->iov_offset & addr_mask) return false; }".
  it('linux-6.12: a FOLIOQ iterator off the DMA alignment or the block is -EINVAL (bdev_iter_is_aligned)', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const bdev = bdev_alloc(16 * 1024);
      const filp = filp_open(bdev_inode(bdev), O_DIRECT);
      const q = folioq_alloc();
      folioq_append(q, folio_alloc(0));
      folioq_append(q, folio_alloc(0));
      // 1024 bytes from offset 100 of the first folio: the address is off the 511 mask.
      expect(
        direct_IO(init_sync_kiocb(filp, 0), iov_iter_folio_queue(ITER_SOURCE, q, 0, 100, 1024)),
      ).toBe(-EINVAL);
      // A length off the block.
      expect(
        direct_IO(init_sync_kiocb(filp, 0), iov_iter_folio_queue(ITER_SOURCE, q, 0, 512, 1000)),
      ).toBe(-EINVAL);
      // Aligned: 1024 bytes from offset 512, written.
      expect(
        direct_IO(init_sync_kiocb(filp, 0), iov_iter_folio_queue(ITER_SOURCE, q, 0, 512, 1024)),
      ).toBe(1024);
    });
  });

  it('a synchronous request leaves its bios in the trace, completed', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const bdev = bdev_alloc(16 * 1024);
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
      write_user(mm, buf, pattern(8192));
      const trace: bio[] = [];
      bdev.bio_queue_trace = trace;
      const filp = filp_open(bdev_inode(bdev), O_DIRECT);
      const res = with_mm(mm, () =>
        direct_IO(init_sync_kiocb(filp, 0), iov_iter_ubuf(ITER_SOURCE, buf, 8192)),
      );
      expect(res).toBe(8192);
      expect(trace.length).toBeGreaterThan(0);
      expect(trace.every((b) => b.done)).toBe(true);
      expect(trace.reduce((n, b) => n + b.bi_iter.bi_size, 0)).toBe(8192);
      expect(bdev.inflight).toEqual([]);
      // Tracing off: nothing more is recorded.
      bdev.bio_queue_trace = null;
      with_mm(mm, () => direct_IO(init_sync_kiocb(filp, 0), iov_iter_ubuf(ITER_SOURCE, buf, 4096)));
      expect(trace.reduce((n, b) => n + b.bi_iter.bi_size, 0)).toBe(8192);
      exit_mmap(mm);
    });
  });
});
