// block_device keeps its bytes in sparse 4 KiB chunks (a whole new chunk is stored as a copy of
// the written bytes, a partial one zero-filled around them): whatever the writes, the device
// reads back what a flat byte array given the same writes holds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bdev_alloc } from '../../src/block/blkdev.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';

// Three chunks and a sector: writes start, end and cross chunk borders anywhere.
const SIZE = 3 * 4096 + 512;

describe('block_device chunks', () => {
  it('reads back what a flat array holds after any writes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .record({ pos: fc.integer({ min: 0, max: SIZE - 1 }), len: fc.nat({ max: 9000 }) })
            .map(({ pos, len }) => ({ pos, len: Math.min(len, SIZE - pos) })),
          { maxLength: 8 },
        ),
        fc.integer({ min: 1, max: 255 }),
        (writes, seed) => {
          with_kernel(createKernel('linux-6.12'), () => {
            const bdev = bdev_alloc(SIZE);
            const flat = new Uint8Array(SIZE);
            writes.forEach(({ pos, len }, w) => {
              const src = new Uint8Array(len).map((_, i) => (seed + w * 31 + i) & 0xff);
              bdev.write(pos, src);
              flat.set(src, pos);
              // The device keeps its own copy: changing the source afterwards changes nothing.
              src.fill(0);
            });
            expect(bdev.read(0, SIZE)).toEqual(flat);
          });
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
