// Random operation sequences over processes, GUP, fork, O_DIRECT, vmsplice and io_uring fixed
// buffers keep the mm/block invariants under every profile: no underflow and no release
// mismatch after any step, no access to freed memory, and pin balance once everything is
// drained and torn down.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bdev_alloc,
  bdev_complete_next,
  bdev_inode,
  direct_IO,
  filp_open,
  init_async_kiocb,
  init_sync_kiocb,
  O_DIRECT,
} from '../../src/block/index.ts';
import {
  mm_invariants_at_quiescence,
  no_dma_into_freed_page,
  no_pin_underflow,
  release_matches_acquisition,
} from '../../src/invariants/index.ts';
import { ITER_DEST, ITER_SOURCE } from '../../src/iov_iter/constants.ts';
import { iov_iter_ubuf } from '../../src/iov_iter/init.ts';
import { createKernel, with_kernel, with_mm } from '../../src/kernel.ts';
import {
  dup_mmap,
  exit_mmap,
  FOLL_WRITE,
  get_user_pages_fast,
  type io_ring_ctx,
  io_sqe_buffers_register,
  io_sqe_buffers_unregister,
  io_uring_setup,
  type MmStruct,
  mm_alloc,
  PAGE_SIZE,
  type Page,
  pin_user_pages_fast,
  put_user_page_ref,
  read_user,
  truncate_inode_pages,
  unpin_user_pages_dirty_lock,
  vm_mmap,
  vm_munmap,
  write_user,
} from '../../src/mm/index.ts';
import {
  alloc_pipe_info,
  free_pipe_info,
  pipe_read,
  vmsplice_to_pipe,
} from '../../src/splice/index.ts';

const PAGES = 4;

type Op =
  | { t: 'write'; p: number; off: number; byte: number }
  | { t: 'read'; p: number; off: number }
  | { t: 'fork'; p: number }
  | { t: 'exit'; p: number }
  | { t: 'munmap'; p: number; page: number }
  | { t: 'gup'; p: number; page: number; n: number; write: boolean; pin: boolean }
  | { t: 'release'; i: number; dirty: boolean }
  | { t: 'dio'; p: number; sector: number; sectors: number; read: boolean; sync: boolean }
  | { t: 'complete' }
  | { t: 'vmsplice'; p: number; off: number; len: number }
  | { t: 'piperead'; n: number }
  | { t: 'uring_reg'; p: number; page: number; n: number }
  | { t: 'uring_unreg' };

const proc = fc.nat({ max: 3 });
const page = fc.nat({ max: PAGES - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant('write' as const),
    p: proc,
    off: fc.nat({ max: PAGES * PAGE_SIZE - 1 }),
    byte: fc.nat({ max: 255 }),
  }),
  fc.record({
    t: fc.constant('read' as const),
    p: proc,
    off: fc.nat({ max: PAGES * PAGE_SIZE - 1 }),
  }),
  fc.record({ t: fc.constant('fork' as const), p: proc }),
  fc.record({ t: fc.constant('exit' as const), p: proc }),
  fc.record({ t: fc.constant('munmap' as const), p: proc, page }),
  fc.record({
    t: fc.constant('gup' as const),
    p: proc,
    page,
    n: fc.integer({ min: 1, max: 2 }),
    write: fc.boolean(),
    pin: fc.boolean(),
  }),
  fc.record({ t: fc.constant('release' as const), i: fc.nat({ max: 7 }), dirty: fc.boolean() }),
  fc.record({
    t: fc.constant('dio' as const),
    p: proc,
    sector: fc.nat({ max: PAGES * 8 - 1 }),
    sectors: fc.integer({ min: 1, max: 9 }),
    read: fc.boolean(),
    sync: fc.boolean(),
  }),
  fc.record({ t: fc.constant('complete' as const) }),
  fc.record({
    t: fc.constant('vmsplice' as const),
    p: proc,
    off: fc.nat({ max: PAGES * PAGE_SIZE - 1 }),
    len: fc.integer({ min: 1, max: 6000 }),
  }),
  fc.record({ t: fc.constant('piperead' as const), n: fc.integer({ min: 1, max: 8192 }) }),
  fc.record({
    t: fc.constant('uring_reg' as const),
    p: proc,
    page,
    n: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({ t: fc.constant('uring_unreg' as const) }),
);

interface Held {
  pages: Page[];
  pin: boolean;
}

function run(
  profile: 'linux-6.1' | 'linux-6.12' | 'bvecq-rfc',
  ops: Op[],
  faults: string[] = [],
): void {
  const k = createKernel(profile, { faults });
  with_kernel(k, () => {
    const bdev = bdev_alloc(64 * 1024);
    const filp = filp_open(bdev_inode(bdev), O_DIRECT);
    const first = mm_alloc();
    const buf = vm_mmap(first, 0, PAGES * PAGE_SIZE);
    const procs: MmStruct[] = [first];
    const held: Held[] = [];
    const pipe = alloc_pipe_info();
    let ring: io_ring_ctx | null = null;
    const pick = (p: number): MmStruct | undefined => procs[p % procs.length];
    for (const op of ops) {
      const mm = 'p' in op ? pick(op.p) : undefined;
      switch (op.t) {
        case 'write':
          if (mm) {
            try {
              write_user(mm, buf + op.off, new Uint8Array([op.byte]));
            } catch {
              // an unmapped page: the write faults
            }
          }
          break;
        case 'read':
          if (mm) {
            try {
              read_user(mm, buf + op.off, 1);
            } catch {
              // an unmapped page: the read faults, as it would in userspace
            }
          }
          break;
        case 'fork':
          if (mm && procs.length < 4) procs.push(dup_mmap(mm));
          break;
        case 'exit':
          if (mm && procs.length > 1 && mm !== ring?.mm) {
            exit_mmap(mm);
            procs.splice(procs.indexOf(mm), 1);
          }
          break;
        case 'munmap':
          if (mm) vm_munmap(mm, buf + op.page * PAGE_SIZE, PAGE_SIZE);
          break;
        case 'gup':
          if (mm) {
            const pages: (Page | undefined)[] = [];
            const f = op.write ? FOLL_WRITE : 0;
            const n = op.pin
              ? pin_user_pages_fast(
                  mm,
                  buf + op.page * PAGE_SIZE,
                  Math.min(op.n, PAGES - op.page),
                  f,
                  pages,
                )
              : get_user_pages_fast(
                  mm,
                  buf + op.page * PAGE_SIZE,
                  Math.min(op.n, PAGES - op.page),
                  f,
                  pages,
                );
            if (n > 0) held.push({ pages: pages.slice(0, n) as Page[], pin: op.pin });
          }
          break;
        case 'release': {
          const h = held.splice(op.i % Math.max(held.length, 1), 1)[0];
          if (h?.pin) unpin_user_pages_dirty_lock(h.pages, h.pages.length, op.dirty);
          else if (h) for (const p of h.pages) put_user_page_ref(p);
          break;
        }
        case 'dio':
          if (mm) {
            const pos = op.sector * 512;
            const len = Math.min(op.sectors * 512, PAGES * PAGE_SIZE - pos);
            with_mm(mm, () => {
              const iter = iov_iter_ubuf(op.read ? ITER_DEST : ITER_SOURCE, buf + pos, len);
              const iocb = op.sync
                ? init_sync_kiocb(filp, pos)
                : init_async_kiocb(filp, pos, () => {});
              direct_IO(iocb, iter);
            });
          }
          break;
        case 'complete':
          bdev_complete_next(bdev);
          break;
        case 'vmsplice':
          if (mm) {
            const len = Math.min(op.len, PAGES * PAGE_SIZE - op.off);
            vmsplice_to_pipe(mm, [{ iov_base: buf + op.off, iov_len: len }], pipe);
          }
          break;
        case 'piperead':
          pipe_read(pipe, op.n);
          break;
        case 'uring_reg':
          if (mm && ring === null) {
            const r = io_uring_setup(mm);
            const n = Math.min(op.n, PAGES - op.page);
            if (
              io_sqe_buffers_register(r, [
                { iov_base: buf + op.page * PAGE_SIZE, iov_len: n * PAGE_SIZE },
              ]) === 0
            )
              ring = r;
          }
          break;
        case 'uring_unreg':
          if (ring !== null) {
            io_sqe_buffers_unregister(ring);
            ring = null;
          }
          break;
      }
      const v = [
        ...no_pin_underflow(k),
        ...release_matches_acquisition(k),
        ...no_dma_into_freed_page(k),
      ];
      if (v.length > 0) throw new Error(`after ${JSON.stringify(op)}: ${JSON.stringify(v)}`);
    }
    // Drain and tear down, then everything must balance.
    while (bdev_complete_next(bdev));
    for (const h of held) {
      if (h.pin) unpin_user_pages_dirty_lock(h.pages, h.pages.length, false);
      else for (const p of h.pages) put_user_page_ref(p);
    }
    free_pipe_info(pipe);
    if (ring !== null) io_sqe_buffers_unregister(ring);
    for (const mm of procs) exit_mmap(mm);
    // The last close of the block device drops its page cache, which a short synchronous read's
    // buffered rest filled (blkdev_read_iter -> filemap_read): block/bdev.c blkdev_put_whole ->
    // blkdev_flush_mapping -> kill_bdev -> truncate_inode_pages(mapping, 0) (6.1 and 6.12).
    truncate_inode_pages(filp.f_inode.i_mapping, 0);
    const q = mm_invariants_at_quiescence(k);
    if (q.length > 0) throw new Error(`at quiescence: ${JSON.stringify(q)}`);
    if (k.live_folios.size !== 0)
      throw new Error(`${k.live_folios.size} folios leaked after tear-down`);
  });
}

describe('random operation sequences keep the mm/block invariants', () => {
  for (const profile of ['linux-6.1', 'linux-6.12', 'bvecq-rfc'] as const) {
    it(`${profile}`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => run(profile, ops)),
        { numRuns: 150, seed: 42 },
      );
    });
  }

  it('has teeth: with bio_release_wrong_mode on linux-6.12 it finds a failing sequence', () => {
    const out = fc.check(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) =>
        run('linux-6.12', ops, ['bio_release_wrong_mode']),
      ),
      { numRuns: 300, seed: 42 },
    );
    expect(out.failed).toBe(true);
    expect(String(out.errorInstance)).toMatch(
      /release_matches_acquisition|pin_balance_at_quiescence/,
    );
  });
});
