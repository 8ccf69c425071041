// Every interleaving of {bio completion, fork, parent write, child write} around an in-flight
// O_DIRECT read, explored with fast-check's scheduler. Oracle (kernel-facts.md, mm/memory.c):
// with FOLL_PIN (6.12, bvecq-rfc) the parent always keeps its data; with FOLL_GET (6.1) the
// parent loses it exactly when it writes the page after the fork and before the completion.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bdev_alloc,
  bdev_complete_all,
  bdev_inode,
  direct_IO,
  filp_open,
  init_async_kiocb,
  O_DIRECT,
} from '../../src/block/index.ts';
import { mm_invariants_at_quiescence, parent_sees_dio_data } from '../../src/invariants/index.ts';
import { READ } from '../../src/iov_iter/constants.ts';
import { iov_iter_ubuf } from '../../src/iov_iter/init.ts';
import { createKernel, with_kernel, with_mm } from '../../src/kernel.ts';
import {
  dup_mmap,
  exit_mmap,
  type MmStruct,
  mm_alloc,
  PAGE_SIZE,
  vm_mmap,
  write_user,
} from '../../src/mm/index.ts';

const DATA = new Uint8Array(512).fill(0x5a);

for (const profile of ['linux-6.1', 'linux-6.12', 'bvecq-rfc'] as const) {
  describe(`${profile}: DIO read vs fork, all interleavings`, () => {
    it('the parent sees its data exactly when the oracle says so; invariants hold at quiescence', async () => {
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), async (s) => {
          const k = createKernel(profile);
          const order: string[] = [];
          await with_kernel(k, async () => {
            const bdev = bdev_alloc(PAGE_SIZE);
            bdev.write(0, DATA);
            const parent = mm_alloc();
            const buf = vm_mmap(parent, 0, PAGE_SIZE);
            write_user(parent, buf + 2048, new Uint8Array([1]));
            const iocb = init_async_kiocb(filp_open(bdev_inode(bdev), O_DIRECT), 0, () => {});
            with_mm(parent, () => direct_IO(iocb, iov_iter_ubuf(READ, buf, 512)));
            let child: MmStruct | null = null;
            // with_kernel restores the kernel synchronously, so each task re-enters it.
            const step = (name: string, fn: () => void) => () => {
              order.push(name);
              with_kernel(k, fn);
            };
            s.schedule(Promise.resolve('complete')).then(
              step('complete', () => bdev_complete_all(bdev)),
            );
            s.schedule(Promise.resolve('parent-write')).then(
              step('parent-write', () => write_user(parent, buf + 1024, new Uint8Array([2]))),
            );
            // The child can only write once it exists: an ordered sequence.
            s.scheduleSequence([
              {
                label: 'fork',
                builder: async () =>
                  step('fork', () => {
                    child = dup_mmap(parent);
                  })(),
              },
              {
                label: 'child-write',
                builder: async () =>
                  step('child-write', () =>
                    write_user(child as MmStruct, buf + 3000, new Uint8Array([3])),
                  )(),
              },
            ]);
            await s.waitAll();
            expect(order.length).toBe(4);
            const v = with_kernel(k, () => parent_sees_dio_data(parent, buf, DATA));
            const f = order.indexOf('fork');
            const w = order.indexOf('parent-write');
            const c = order.indexOf('complete');
            const lost = profile === 'linux-6.1' && f < w && w < c;
            expect(v.length > 0, `order ${order.join(' ')}`).toBe(lost);
            with_kernel(k, () => {
              exit_mmap(child as unknown as MmStruct);
              exit_mmap(parent);
            });
          });
          expect(mm_invariants_at_quiescence(k)).toEqual([]);
        }),
        { numRuns: 60, seed: 0x5eed },
      );
    });
  });
}
