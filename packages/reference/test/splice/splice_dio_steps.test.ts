// The step-by-step O_DIRECT splice read against three kernel rules the SplicePipe spec relies on:
//  - __iomap_dio_rw holds the submitter's dio reference until after the EOF revert, so the
//    result (iomap_dio_complete) is computed after the revert even if every bio completed first;
//  - 6.1 ITER_PIPE: the iterator's range past i_size is a hole (iomap_dio_hole_iter ->
//    iov_iter_zero -> pipe_zero), appended as zeroed pipe buffers that the revert releases;
//  - allocations that may fail: push_anon (6.1 append_pipe) and alloc_pages_bulk_array
//    (copy_splice_read, which clips the read to the pages it got) under max_page_frames.
import { describe, expect, it } from 'vitest';
import {
  bdev_alloc,
  bdev_complete_bio,
  create_file,
  do_truncate,
  filp_open,
  O_DIRECT,
} from '../../src/block/index.ts';
import type { FaultName } from '../../src/faults.ts';
import { mm_invariants_at_quiescence, splice_within_eof } from '../../src/invariants/index.ts';
import { createKernel, type Kernel, with_kernel } from '../../src/kernel.ts';
import { PAGE_SIZE, try_alloc_page } from '../../src/mm/index.ts';
import {
  alloc_pipe_info,
  free_pipe_info,
  pipe_read,
  pipe_readable,
  splice_dio_read_result,
  splice_dio_read_return,
  splice_dio_read_revert,
  splice_dio_read_submit,
} from '../../src/splice/index.ts';

/** A file of `pages` pages whose page i (1-based) is filled with byte 0xa0 + i. */
function setup(k: Kernel, pages: number) {
  return with_kernel(k, () => {
    const bdev = bdev_alloc(pages * PAGE_SIZE);
    for (let i = 1; i <= pages; i++) {
      bdev.write((i - 1) * PAGE_SIZE, new Uint8Array(PAGE_SIZE).fill(0xa0 + i));
    }
    return filp_open(create_file(bdev, 0, pages * PAGE_SIZE, pages * PAGE_SIZE), O_DIRECT);
  });
}

describe('O_DIRECT splice read steps', () => {
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: splice_dio_read_result reports the returned read against the i_size it sampled`, () => {
      const k = createKernel(profile);
      const filp = setup(k, 2);
      with_kernel(k, () => {
        const pipe = alloc_pipe_info(4);
        do_truncate(filp.f_inode, PAGE_SIZE);
        const r = splice_dio_read_submit(filp, 0, pipe, 4 * PAGE_SIZE);
        expect(() => splice_dio_read_result(r, 0)).toThrow(/has not returned/);
        for (const b of r.dio?.bios ?? []) bdev_complete_bio(b);
        const ret = splice_dio_read_return(r);
        expect(ret).toBe(PAGE_SIZE);
        expect(splice_dio_read_result(r, ret)).toEqual({
          ret: PAGE_SIZE,
          ppos: PAGE_SIZE,
          // copy_splice_read allocates for the pipe's room (no EOF clip upstream); ITER_PIPE none
          pages_allocated: profile === 'linux-6.12' ? 4 : 0,
          i_size: PAGE_SIZE,
          pos: 0,
          eof_limited: false,
          // the pipe holds what splice() returned, the page below i_size (splice_pipe_matches_ret)
          pipe_bytes: PAGE_SIZE,
          full_pipe_failed: false,
        });
        free_pipe_info(pipe);
      });
    });
  }

  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: a truncate after submission changes neither the revert nor the result (dio->i_size)`, () => {
      const k = createKernel(profile);
      const filp = setup(k, 2);
      with_kernel(k, () => {
        const pipe = alloc_pipe_info(2);
        const r = splice_dio_read_submit(filp, 0, pipe, 2 * PAGE_SIZE, { bio_max_pages: 1 });
        do_truncate(filp.f_inode, PAGE_SIZE);
        for (const b of r.dio?.bios ?? []) bdev_complete_bio(b);
        // The submitter's reference keeps the dio open: no result before the revert.
        expect(r.dio?.result).toBeNull();
        splice_dio_read_revert(r);
        // __iomap_dio_rw reverts by iomi.pos - dio->i_size, sampled before the truncate.
        expect(splice_dio_read_return(r)).toBe(2 * PAGE_SIZE);
        expect(pipe_readable(pipe)).toBe(2 * PAGE_SIZE);
        free_pipe_info(pipe);
      });
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });

    it(`${profile}: a truncate before submission, blocks still mapped: bios past i_size, result clipped to i_size`, () => {
      const k = createKernel(profile);
      const filp = setup(k, 2);
      with_kernel(k, () => {
        do_truncate(filp.f_inode, PAGE_SIZE);
        const pipe = alloc_pipe_info(2);
        const r = splice_dio_read_submit(filp, 0, pipe, 2 * PAGE_SIZE, { bio_max_pages: 1 });
        expect(r.dio?.bios.length).toBe(2);
        expect(r.dio?.i_size).toBe(PAGE_SIZE);
        for (const b of r.dio?.bios ?? []) bdev_complete_bio(b);
        expect(r.dio?.result).toBeNull();
        splice_dio_read_revert(r);
        expect(splice_dio_read_return(r)).toBe(PAGE_SIZE);
        expect(pipe_readable(pipe)).toBe(PAGE_SIZE);
        expect(pipe_read(pipe, PAGE_SIZE)).toEqual(new Uint8Array(PAGE_SIZE).fill(0xa1));
        free_pipe_info(pipe);
      });
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  }

  it('linux-6.1: the revert releases a pipe buffer under a bio past i_size; the bio ref keeps its page', () => {
    const k = createKernel('linux-6.1');
    const filp = setup(k, 2);
    with_kernel(k, () => {
      do_truncate(filp.f_inode, PAGE_SIZE);
      const pipe = alloc_pipe_info(2);
      const r = splice_dio_read_submit(filp, 0, pipe, 2 * PAGE_SIZE, { bio_max_pages: 1 });
      expect(r.dio?.bios.length).toBe(2);
      splice_dio_read_revert(r);
      expect(pipe.head - pipe.tail).toBe(1);
      expect(k.live_folios.size).toBe(2); // page 2: the bio's pipe_get_pages ref
      const page2 = r.dio?.bios[1];
      if (page2 === undefined) throw new Error('no bio for page 2');
      bdev_complete_bio(page2);
      expect(k.live_folios.size).toBe(1); // freed once the DMA is done
      for (const b of r.dio?.bios ?? []) if (!b.done) bdev_complete_bio(b);
      expect(splice_dio_read_return(r)).toBe(PAGE_SIZE);
      free_pipe_info(pipe);
    });
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  it('linux-6.1: past the mapped blocks the pipe iterator gets zeroed hole buffers, released by the revert', () => {
    const k = createKernel('linux-6.1');
    // A one-page file in a two-page extent: page 2 has no mapped block (a hole past EOF).
    const filp = with_kernel(k, () => {
      const bdev = bdev_alloc(2 * PAGE_SIZE);
      bdev.write(0, new Uint8Array(PAGE_SIZE).fill(0xa1));
      return filp_open(create_file(bdev, 0, 2 * PAGE_SIZE, PAGE_SIZE), O_DIRECT);
    });
    with_kernel(k, () => {
      const pipe = alloc_pipe_info(2);
      const r = splice_dio_read_submit(filp, 0, pipe, 2 * PAGE_SIZE, { bio_max_pages: 1 });
      expect(r.dio?.bios.length).toBe(1); // a bio for page 1 only
      expect(pipe.head - pipe.tail).toBe(2); // page 2 is a zeroed hole buffer
      expect(k.live_folios.size).toBe(2);
      splice_dio_read_revert(r);
      expect(pipe.head - pipe.tail).toBe(1);
      expect(k.live_folios.size).toBe(1); // the hole page was freed (it had no bio ref)
      for (const b of r.dio?.bios ?? []) bdev_complete_bio(b);
      expect(splice_dio_read_return(r)).toBe(PAGE_SIZE);
      expect(pipe_read(pipe, PAGE_SIZE)).toEqual(new Uint8Array(PAGE_SIZE).fill(0xa1));
    });
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  it('linux-6.12: with one free page frame copy_splice_read reads one page; with none it fails with -ENOMEM', () => {
    // fs/splice.c copy_splice_read: alloc_pages_bulk_array may return fewer pages, "len =
    // min_t(size_t, len, npages * PAGE_SIZE)"; no page at all is -ENOMEM.
    const k = createKernel('linux-6.12', { max_page_frames: 2 });
    const filp = setup(k, 2);
    with_kernel(k, () => {
      const hog = try_alloc_page(); // another user of memory
      expect(hog).not.toBeNull();
      const pipe = alloc_pipe_info(2);
      const r = splice_dio_read_submit(filp, 0, pipe, 2 * PAGE_SIZE, { bio_max_pages: 1 });
      expect(r.dio?.bios.length).toBe(1);
      expect(try_alloc_page()).toBeNull();
      splice_dio_read_revert(r);
      for (const b of r.dio?.bios ?? []) bdev_complete_bio(b);
      expect(splice_dio_read_return(r)).toBe(PAGE_SIZE);
      // Memory is full (hog + the pipe's page): a second splice gets no page at all.
      const pipe2 = alloc_pipe_info(2);
      const r2 = splice_dio_read_submit(filp, 0, pipe2, PAGE_SIZE, { bio_max_pages: 1 });
      expect(r2.dio).toBeNull();
      expect(splice_dio_read_return(r2)).toBe(-12);
      expect(pipe_readable(pipe2)).toBe(0);
    });
  });

  it('linux-6.1: an ITER_PIPE read that gets no page for a mapped block fails with -EAGAIN after its bios, its pipe buffers discarded', () => {
    // 6.1: append_pipe gets no page, pipe_get_pages / bio_iov_iter_get_pages return -EFAULT,
    // __iomap_dio_rw keeps the error (ext4: no IOMAP_DIO_PARTIAL) and generic_file_splice_read
    // discards what it emitted (pipe_discard_from) and returns -EAGAIN for -EFAULT.
    const k = createKernel('linux-6.1', { max_page_frames: 2 });
    const filp = setup(k, 2);
    with_kernel(k, () => {
      const hog = try_alloc_page();
      expect(hog).not.toBeNull();
      const pipe = alloc_pipe_info(2);
      const r = splice_dio_read_submit(filp, 0, pipe, 2 * PAGE_SIZE, { bio_max_pages: 1 });
      expect(r.dio?.bios.length).toBe(1); // page 1's bio is in flight
      expect(pipe.head - pipe.tail).toBe(1);
      splice_dio_read_revert(r);
      for (const b of r.dio?.bios ?? []) bdev_complete_bio(b);
      expect(splice_dio_read_return(r)).toBe(-11);
      expect(pipe_readable(pipe)).toBe(0);
      expect(k.live_folios.size).toBe(1); // only the hog: the pipe's page went back
      // With no free page at all nothing is submitted and the read fails at once.
      expect(try_alloc_page()).not.toBeNull();
      const pipe2 = alloc_pipe_info(2);
      const r2 = splice_dio_read_submit(filp, 0, pipe2, PAGE_SIZE, { bio_max_pages: 1 });
      expect(r2.dio).toBeNull();
      expect(splice_dio_read_return(r2)).toBe(-11);
      expect(pipe_readable(pipe2)).toBe(0);
    });
  });

  it('iter_pipe_truncate_revert with bounded memory: the freed pipe page is handed to the next splice, and the late DMA lands in it', () => {
    // The syzbot a440341a59e3 corruption (seed 002): ITER_PIPE pages given to the bio without a
    // ref, a truncate before the read samples i_size, the revert frees page 2's pipe buffer
    // under its bio, the page allocator hands that frame to another splice (lowest free
    // first), and the bio's DMA then writes the first file's page 2 into the second's pipe.
    const k = createKernel('linux-6.1', {
      faults: ['iter_pipe_truncate_revert'],
      max_page_frames: 3,
    });
    const filp = setup(k, 2);
    const other = with_kernel(k, () => {
      const bdev = bdev_alloc(PAGE_SIZE);
      bdev.write(0, new Uint8Array(PAGE_SIZE).fill(0xb1));
      return filp_open(create_file(bdev, 0, PAGE_SIZE, PAGE_SIZE), O_DIRECT);
    });
    with_kernel(k, () => {
      do_truncate(filp.f_inode, PAGE_SIZE);
      const pipe1 = alloc_pipe_info(2);
      const r1 = splice_dio_read_submit(filp, 0, pipe1, 2 * PAGE_SIZE, { bio_max_pages: 1 });
      const page2 = r1.dio?.bios[1]?.bi_io_vec[0]?.bv_page;
      expect(page2?.pfn).toBe(2);
      splice_dio_read_revert(r1);
      expect(page2?.folio.freed).toBe(true);
      const pipe2 = alloc_pipe_info(2);
      const r2 = splice_dio_read_submit(other, 0, pipe2, PAGE_SIZE, { bio_max_pages: 1 });
      expect(r2.dio?.bios[0]?.bi_io_vec[0]?.bv_page.pfn).toBe(2); // the freed frame, reused
      for (const b of r2.dio?.bios ?? []) bdev_complete_bio(b);
      expect(splice_dio_read_return(r2)).toBe(PAGE_SIZE);
      for (const b of r1.dio?.bios ?? []) bdev_complete_bio(b); // page 2's DMA lands late
      expect(splice_dio_read_return(r1)).toBe(PAGE_SIZE);
      expect(pipe_read(pipe2, PAGE_SIZE)).toEqual(new Uint8Array(PAGE_SIZE).fill(0xa2));
    });
    expect(k.warnings.some((w) => w.kind === 'use_after_free' && w.pfn === 2)).toBe(true);
  });

  it('direct_splice_eof_limit_v20 (seed 002 ver #20) allocates no page past EOF; without the clip splice_within_eof objects', () => {
    const run = (faults: FaultName[]) => {
      const k = createKernel('linux-6.12', { faults });
      const filp = setup(k, 2);
      return with_kernel(k, () => {
        do_truncate(filp.f_inode, PAGE_SIZE);
        const pipe = alloc_pipe_info(4);
        const r = splice_dio_read_submit(filp, 0, pipe, 4 * PAGE_SIZE);
        for (const b of r.dio?.bios ?? []) bdev_complete_bio(b);
        const res = splice_dio_read_result(r, splice_dio_read_return(r));
        free_pipe_info(pipe);
        return { res, violations: splice_within_eof(res) };
      });
    };
    const v20 = run(['direct_splice_eof_limit_v20']);
    expect(v20.res).toMatchObject({ ret: PAGE_SIZE, pages_allocated: 1, eof_limited: true });
    expect(v20.violations).toEqual([]);
    // Upstream 6.12 promises no clip: 4 pages for the pipe's room, nothing to object to.
    expect(run([]).res).toMatchObject({ pages_allocated: 4, eof_limited: false });
    expect(run([]).violations).toEqual([]);
    const broken = run(['direct_splice_eof_limit_v20', 'direct_splice_no_eof_limit']);
    expect(broken.res.pages_allocated).toBe(4);
    expect(broken.violations.map((v) => v.invariant)).toEqual(['splice_within_eof']);
  });

  it('createKernel rejects a negative or fractional max_page_frames', () => {
    expect(() => createKernel('linux-6.12', { max_page_frames: -1 })).toThrow(/max_page_frames/);
    expect(() => createKernel('linux-6.12', { max_page_frames: 1.5 })).toThrow(/max_page_frames/);
  });
});
