import { describe, expect, it } from 'vitest';
import {
  bdev_alloc,
  bdev_complete_all,
  bdev_complete_bio,
  create_file,
  do_truncate,
  filp_open,
  O_DIRECT,
} from '../../src/block/index.ts';
import {
  mm_invariants_at_quiescence,
  no_dma_into_freed_page,
  splice_fill_not_failed,
  splice_pipe_matches_ret,
  splice_within_eof,
} from '../../src/invariants/index.ts';
import { createKernel, type Kernel, with_kernel } from '../../src/kernel.ts';
import { filemap_lookup } from '../../src/mm/filemap.ts';
import { PAGE_SIZE } from '../../src/mm/index.ts';
import { getProfile } from '../../src/profile.ts';
import {
  alloc_pipe_info,
  free_pipe_info,
  iov_iter_pipe,
  pipe_read,
  pipe_readable,
  splice_dio_read_return,
  splice_dio_read_revert,
  splice_dio_read_submit,
  splice_dio_read_wait,
  vfs_splice_read,
} from '../../src/splice/index.ts';

function pattern(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

/** A 64 KiB device holding a 16 KiB file at offset 0 filled with a pattern. */
function setup(k: Kernel, size = 4 * PAGE_SIZE) {
  return with_kernel(k, () => {
    const bdev = bdev_alloc(64 * 1024);
    bdev.write(0, pattern(16 * 1024));
    const ino = create_file(bdev, 0, 16 * 1024, size);
    return { bdev, ino };
  });
}

describe('splice read: ITER_PIPE (6.1) and filemap/copy splice (6.12)', () => {
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    for (const direct of [false, true]) {
      it(`${profile} ${direct ? 'O_DIRECT' : 'buffered'}: splices the file's bytes, stops at EOF, balances refs`, () => {
        const k = createKernel(profile);
        const { ino } = setup(k, 3 * PAGE_SIZE);
        with_kernel(k, () => {
          const filp = filp_open(ino, direct ? O_DIRECT : 0);
          const pipe = alloc_pipe_info();
          const r = vfs_splice_read(filp, PAGE_SIZE, pipe, 8 * PAGE_SIZE);
          expect(r.ret).toBe(2 * PAGE_SIZE);
          expect(r.ppos).toBe(3 * PAGE_SIZE);
          expect(splice_within_eof(r)).toEqual([]);
          expect(pipe_read(pipe, pipe_readable(pipe))).toEqual(
            pattern(16 * 1024).slice(PAGE_SIZE, 3 * PAGE_SIZE),
          );
          free_pipe_info(pipe);
          expect(vfs_splice_read(filp, 3 * PAGE_SIZE, pipe, PAGE_SIZE).ret).toBe(0); // at EOF
          expect(mm_invariants_at_quiescence(k)).toEqual([]);
        });
      });
    }
  }

  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    for (const direct of [false, true]) {
      it(`${profile} ${direct ? 'O_DIRECT' : 'buffered'}: a sparse file (extending ftruncate) reads zeroes in its hole, not the device's stale blocks`, () => {
        // ftruncate up maps no block: O_DIRECT reads the hole through iomap_dio_hole_iter
        // (iov_iter_zero, dio->size += length; 6.1 ITER_PIPE: pipe_zero), buffered reads get
        // read_folio's zeroed unmapped blocks; nothing is read from the device there.
        const k = createKernel(profile);
        const { bdev, ino } = setup(k, PAGE_SIZE);
        with_kernel(k, () => {
          do_truncate(ino, 3 * PAGE_SIZE);
          const filp = filp_open(ino, direct ? O_DIRECT : 0);
          const trace: unknown[] = [];
          bdev.bio_queue_trace = trace as never;
          const pipe = alloc_pipe_info();
          const r = vfs_splice_read(filp, 0, pipe, 8 * PAGE_SIZE);
          expect(r.ret).toBe(3 * PAGE_SIZE);
          expect(splice_within_eof(r)).toEqual([]);
          const want = new Uint8Array(3 * PAGE_SIZE);
          want.set(pattern(16 * 1024).subarray(0, PAGE_SIZE));
          expect(Buffer.from(pipe_read(pipe, pipe_readable(pipe))).equals(Buffer.from(want))).toBe(
            true,
          );
          // Wholly in the hole: no bio at all, the zeroes still reported up to i_size.
          const hole = vfs_splice_read(filp, PAGE_SIZE, pipe, 8 * PAGE_SIZE);
          expect(hole.ret).toBe(2 * PAGE_SIZE);
          expect(pipe_read(pipe, pipe_readable(pipe))).toEqual(new Uint8Array(2 * PAGE_SIZE));
          expect(trace.length).toBe(direct ? 1 : 0);
          expect(bdev.inflight).toEqual([]);
          free_pipe_info(pipe);
          expect(mm_invariants_at_quiescence(k)).toEqual([]);
        });
      });
    }
  }

  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    for (const direct of [false, true]) {
      it(`${profile} ${direct ? 'O_DIRECT' : 'buffered'}: a file whose i_size ends mid-page: the exact bytes, the last buffer holds the tail`, () => {
        // i_size 5120: the read stops at i_size whatever the path (6.1 ITER_PIPE: the hole past
        // the sector holding EOF is zero-filled into the tail of the last pipe buffer, append_pipe,
        // and the EOF revert shrinks that buffer back; 6.12 copy_splice_read pushes the last
        // page with len = remain; buffered: the folio with n = i_size - pos).
        const k = createKernel(profile);
        const { ino } = setup(k, PAGE_SIZE + 1024);
        with_kernel(k, () => {
          const filp = filp_open(ino, direct ? O_DIRECT : 0);
          const pipe = alloc_pipe_info();
          const r = vfs_splice_read(filp, 0, pipe, 4 * PAGE_SIZE);
          expect(r.ret).toBe(PAGE_SIZE + 1024);
          expect(r.ppos).toBe(PAGE_SIZE + 1024);
          expect(splice_within_eof(r)).toEqual([]);
          const lens: number[] = [];
          for (let s = pipe.tail; s !== pipe.head; s++)
            lens.push(pipe.bufs[s & (pipe.ring_size - 1)]?.len ?? -1);
          expect(lens).toEqual([PAGE_SIZE, 1024]);
          expect(pipe_read(pipe, pipe_readable(pipe))).toEqual(
            pattern(16 * 1024).slice(0, PAGE_SIZE + 1024),
          );
          // From inside the tail page: what is left of it, then EOF.
          const rest = vfs_splice_read(filp, PAGE_SIZE + 512, pipe, PAGE_SIZE);
          expect(rest.ret).toBe(512);
          expect(pipe_read(pipe, pipe_readable(pipe))).toEqual(
            pattern(16 * 1024).slice(PAGE_SIZE + 512, PAGE_SIZE + 1024),
          );
          expect(vfs_splice_read(filp, PAGE_SIZE + 1024, pipe, PAGE_SIZE).ret).toBe(0);
          free_pipe_info(pipe);
          expect(mm_invariants_at_quiescence(k)).toEqual([]);
        });
      });
    }
  }

  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile} buffered: the read is clipped to the pipe's free slots before filemap_get_pages`, () => {
      // 6.1 do_splice_to / 6.12 filemap_splice_read: len = min(len, free slots * PAGE_SIZE), so
      // a 4-page splice into a 2-slot pipe reads (and caches) 2 pages, not 4.
      const k = createKernel(profile);
      const { ino } = setup(k, 4 * PAGE_SIZE);
      with_kernel(k, () => {
        const pipe = alloc_pipe_info(2);
        const r = vfs_splice_read(filp_open(ino, 0), 0, pipe, 4 * PAGE_SIZE);
        expect(r.ret).toBe(2 * PAGE_SIZE);
        const cached = [0, 1, 2, 3].filter((i) => filemap_lookup(ino.i_mapping, i) !== undefined);
        expect(cached).toEqual([0, 1]);
        free_pipe_info(pipe);
      });
    });

    it(`${profile} buffered: from a mid-page offset the range spans one page more than the pipe's free slots: the splice stops when the pipe is full`, () => {
      // 6.1 filemap_read -> copy_page_to_iter_pipe (lib/iov_iter.c): a new buffer per folio, 0
      // copied into a full pipe ("if (pipe_full(...)) return 0"), filemap_read returns what it
      // read; 6.12 filemap_splice_read: "if (pipe_full(...)) goto out". 2 slots, pos 512:
      // [512, 4096) and [4096, 8192); the third page's 512 bytes do not fit.
      const k = createKernel(profile);
      const { ino } = setup(k, 4 * PAGE_SIZE);
      with_kernel(k, () => {
        const pipe = alloc_pipe_info(2);
        const r = vfs_splice_read(filp_open(ino, 0), 512, pipe, 4 * PAGE_SIZE);
        expect(r.ret).toBe(2 * PAGE_SIZE - 512);
        expect(r.ppos).toBe(2 * PAGE_SIZE);
        expect(r.pipe_bytes).toBe(2 * PAGE_SIZE - 512);
        expect(pipe_read(pipe, pipe_readable(pipe))).toEqual(
          pattern(16 * 1024).slice(512, 2 * PAGE_SIZE),
        );
        // filemap_get_pages covered DIV_ROUND_UP(512 + 8192) = 3 pages; the batch reference of
        // the third is released, the page cache keeps it.
        const cached = [0, 1, 2, 3].filter((i) => filemap_lookup(ino.i_mapping, i) !== undefined);
        expect(cached).toEqual([0, 1, 2]);
        free_pipe_info(pipe);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  it('6.12 copy_splice_read clips to the pipe, not to EOF: allocates for the pipe, keeps what the read reached', () => {
    // fs/splice.c copy_splice_read (6.5-6.12): npages = DIV_ROUND_UP(min(len, room * PAGE_SIZE)),
    // keep = DIV_ROUND_UP(ret, PAGE_SIZE), release_pages() of the rest. The ver #20 EOF clip
    // ("splice: Make direct_read_splice() limit to eof") was rejected and never merged.
    const k = createKernel('linux-6.12');
    const { ino } = setup(k, PAGE_SIZE);
    with_kernel(k, () => {
      const pipe = alloc_pipe_info();
      const r = vfs_splice_read(filp_open(ino, O_DIRECT), 0, pipe, 8 * PAGE_SIZE);
      expect(r.ret).toBe(PAGE_SIZE);
      expect(r.pages_allocated).toBe(8);
      expect(r.eof_limited).toBe(false);
      expect(pipe_readable(pipe)).toBe(PAGE_SIZE);
      expect(splice_within_eof(r)).toEqual([]);
      free_pipe_info(pipe);
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  });

  it('the ver #20 design clips to EOF before allocating; the direct_splice_no_eof_limit fault breaks it', () => {
    const v20 = { ...getProfile('linux-6.12'), direct_splice_eof_limit: true };
    for (const [faults, ok, allocated] of [
      [[], true, 1],
      [['direct_splice_no_eof_limit'], false, 8],
    ] as const) {
      const k = createKernel(v20, { faults: [...faults] });
      const { ino } = setup(k, PAGE_SIZE);
      with_kernel(k, () => {
        const pipe = alloc_pipe_info();
        const r = vfs_splice_read(filp_open(ino, O_DIRECT), 0, pipe, 8 * PAGE_SIZE);
        expect(r.ret).toBe(PAGE_SIZE);
        expect(r.pages_allocated).toBe(allocated);
        expect(splice_within_eof(r).length === 0).toBe(ok);
        free_pipe_info(pipe);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    }
  });

  it('6.12 copy_splice_read into a full pipe allocates nothing and returns -ENOMEM (fs/splice.c: alloc_pages_bulk_array of 0 pages)', () => {
    const k = createKernel('linux-6.12');
    const { ino } = setup(k, 2 * PAGE_SIZE);
    with_kernel(k, () => {
      const filp = filp_open(ino, O_DIRECT);
      const pipe = alloc_pipe_info(2);
      expect(vfs_splice_read(filp, 0, pipe, 2 * PAGE_SIZE).ret).toBe(2 * PAGE_SIZE);
      const live = k.live_folios.size;
      const r = vfs_splice_read(filp, 0, pipe, PAGE_SIZE);
      expect(r.ret).toBe(-12);
      expect(r.pages_allocated).toBe(0);
      expect(k.live_folios.size).toBe(live);
      free_pipe_info(pipe);
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  });

  it('6.1 O_DIRECT splice of more than the pipe has room for: clipped, a short splice; without the clip (splice_no_pipe_room_clip, before 3253d9d09337) -EAGAIN, the pipe emptied', () => {
    for (const [faults, ret] of [
      [[], 2 * PAGE_SIZE],
      [['splice_no_pipe_room_clip'], -11],
    ] as const) {
      const k = createKernel('linux-6.1', { faults: [...faults] });
      const { ino } = setup(k, 4 * PAGE_SIZE);
      with_kernel(k, () => {
        const pipe = alloc_pipe_info(4);
        pipe.max_usage = 3;
        // One slot taken: room for two pages of the four asked.
        expect(vfs_splice_read(filp_open(ino, 0), 0, pipe, PAGE_SIZE).ret).toBe(PAGE_SIZE);
        const r = vfs_splice_read(filp_open(ino, O_DIRECT), 0, pipe, 4 * PAGE_SIZE);
        expect(r.ret).toBe(ret);
        expect(r.full_pipe_failed).toBe(ret < 0);
        // The failed read discarded what it had emitted (pipe_discard_from): only the first
        // splice's page is left.
        expect(pipe_readable(pipe)).toBe(ret < 0 ? PAGE_SIZE : 3 * PAGE_SIZE);
        expect(splice_fill_not_failed(r).length).toBe(ret < 0 ? 1 : 0);
        expect(splice_pipe_matches_ret(r)).toEqual([]);
        free_pipe_info(pipe);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    }
  });

  it('ITER_PIPE does not exist on linux-6.12', () => {
    const k = createKernel('linux-6.12');
    const { ino } = setup(k);
    with_kernel(k, () => {
      expect(() => iov_iter_pipe(alloc_pipe_info(), PAGE_SIZE)).toThrow(/ITER_PIPE/);
      // ...so an O_DIRECT splice read takes the COPY path there.
      expect(
        splice_dio_read_submit(filp_open(ino, O_DIRECT), 0, alloc_pipe_info(), PAGE_SIZE).kind,
      ).toBe('COPY');
    });
  });
});

describe('6.1 O_DIRECT splice read vs truncate: iov_iter_revert on the pipe under an in-flight bio', () => {
  function race(k: Kernel) {
    const { bdev, ino } = setup(k, 4 * PAGE_SIZE);
    return with_kernel(k, () => {
      const pipe = alloc_pipe_info();
      // truncate_setsize lowers i_size; the blocks past it are still mapped (seed 002:
      // "ftruncate() occasionally shortens the DIO read that's about to be made").
      do_truncate(ino, PAGE_SIZE);
      const r = splice_dio_read_submit(filp_open(ino, O_DIRECT), 0, pipe, 4 * PAGE_SIZE);
      expect(bdev.inflight.length).toBe(1);
      expect(bdev.inflight[0]?.bi_iter.bi_size).toBe(4 * PAGE_SIZE); // bios past i_size
      splice_dio_read_revert(r); // iomap reverts the pipe to dio->i_size before waiting
      bdev_complete_all(bdev); // the DMA happens now
      const ret = splice_dio_read_wait(r);
      const data = pipe_read(pipe, pipe_readable(pipe));
      free_pipe_info(pipe);
      return { ret, data };
    });
  }

  it('6.1 as shipped: the bio holds page refs, so the reverted pipe pages survive the DMA', () => {
    const k = createKernel('linux-6.1');
    const { ret, data } = race(k);
    expect(ret).toBe(PAGE_SIZE);
    expect(data).toEqual(pattern(PAGE_SIZE));
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  it('iter_pipe_truncate_revert: pipe pages given to the bio without refs are freed under the DMA', () => {
    const k = createKernel('linux-6.1', { faults: ['iter_pipe_truncate_revert'] });
    race(k);
    const v = no_dma_into_freed_page(k);
    expect(v.length).toBeGreaterThan(0);
    expect(v[0]?.message).toMatch(/freed folio/);
  });
});

describe('O_DIRECT splice read in steps, one bio per page (the SplicePipe spec granularity)', () => {
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: truncate before submit with blocks still mapped, bios completed one by one, last first`, () => {
      const k = createKernel(profile);
      const { ino } = setup(k, 4 * PAGE_SIZE);
      with_kernel(k, () => {
        const pipe = alloc_pipe_info();
        do_truncate(ino, 2 * PAGE_SIZE);
        const r = splice_dio_read_submit(filp_open(ino, O_DIRECT), 0, pipe, 4 * PAGE_SIZE, {
          bio_max_pages: 1,
        });
        expect(r.kind).toBe(profile === 'linux-6.1' ? 'ITER_PIPE' : 'COPY');
        expect(r.dio?.bios.length).toBe(4); // pages 3 and 4 are past i_size but mapped
        splice_dio_read_revert(r);
        // 6.1 has released the pipe buffers of pages 3 and 4 already; COPY has pushed nothing.
        expect(pipe_readable(pipe)).toBe(profile === 'linux-6.1' ? 2 * PAGE_SIZE : 0);
        for (const b of [...(r.dio?.bios ?? [])].reverse()) bdev_complete_bio(b);
        expect(splice_dio_read_return(r)).toBe(2 * PAGE_SIZE);
        expect(pipe_read(pipe, pipe_readable(pipe))).toEqual(
          pattern(16 * 1024).slice(0, 2 * PAGE_SIZE),
        );
        free_pipe_info(pipe);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  it('returning before the bios completed is refused', () => {
    const k = createKernel('linux-6.12');
    const { ino } = setup(k);
    with_kernel(k, () => {
      const r = splice_dio_read_submit(filp_open(ino, O_DIRECT), 0, alloc_pipe_info(), PAGE_SIZE);
      expect(() => splice_dio_read_return(r)).toThrow(/still in flight/);
    });
  });
});
