// iov_iter_byte_run (iov_iter/locate.ts) against the byte-level oracle of layout.ts: a run
// starting at any remaining byte lists, for each of its bytes, the page and offset the oracle
// gives that byte. extract_matches_iterator walks the iterator by runs, so a run longer than
// its page-and-segment would let a misplaced extracted byte through.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extract_matches_iterator } from '../../src/invariants/iov_iter.ts';
import {
  iov_iter_advance,
  iov_iter_byte_location,
  iov_iter_byte_run,
  iov_iter_clone,
  iov_iter_kvec,
  type PageSlot,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { kmalloc, PAGE_SIZE, virt_to_page } from '../../src/mm/index.ts';
import type { LayoutType } from './layout.ts';
import { buildLayout, layoutArb } from './layout.ts';

const types: LayoutType[] = ['UBUF', 'IOVEC', 'KVEC', 'BVEC', 'XARRAY'];

describe('iov_iter_byte_run', () => {
  for (const profile of ['linux-6.12', 'bvecq-rfc'] as const) {
    // ITER_FOLIOQ exists in 6.12, ITER_BVECQ replaces it in the bvecq RFC (as in oracle.test.ts).
    const layoutTypes: LayoutType[] = [...types, profile === 'bvecq-rfc' ? 'BVECQ' : 'FOLIOQ'];
    it(`every byte of every run is where the oracle puts it (${profile})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          layoutArb(layoutTypes),
          fc.double({ min: 0, max: 1, noNaN: true }),
          async (spec, advanceFrac) => {
            await new Promise<void>((resolve) => setImmediate(resolve));
            with_kernel(createKernel(profile), () => {
              const { iter, oracle } = buildLayout(spec);
              // From a position inside the buffer too: iov_offset and seg not at the start.
              const skipped = Math.floor(iter.count * advanceFrac);
              iov_iter_advance(iter, skipped);
              for (let k = 0; k < iter.count; ) {
                const run = iov_iter_byte_run(iter, k);
                const want = oracle.pages[skipped + k] ?? null;
                if (run === null) {
                  expect(want).toBeNull();
                  expect(iov_iter_byte_location(iter, k)).toBeNull();
                  k++;
                  continue;
                }
                expect(run.len).toBeGreaterThanOrEqual(1);
                expect(k + run.len).toBeLessThanOrEqual(iter.count);
                for (let j = 0; j < run.len; j++) {
                  if (
                    oracle.pages[skipped + k + j] !== run.page ||
                    oracle.offs[skipped + k + j] !== run.offset + j
                  ) {
                    throw new Error(
                      `${spec.type}: byte ${k + j} (run from ${k}, ${run.len} bytes) is at pfn ${oracle.pages[skipped + k + j]?.pfn}+${oracle.offs[skipped + k + j]}, run says pfn ${run.page.pfn}+${run.offset + j}`,
                    );
                  }
                }
                expect(iov_iter_byte_location(iter, k)).toEqual({
                  page: run.page,
                  offset: run.offset,
                });
                k += run.len;
              }
              expect(iov_iter_byte_run(iter, iter.count)).toBeNull();
            });
          },
        ),
        { numRuns: 60 },
      );
    }, 120_000);
  }

  it('a run ends at the page boundary and at the segment end', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const a = kmalloc(3 * PAGE_SIZE);
      const b = kmalloc(PAGE_SIZE);
      const i = iov_iter_kvec(
        0,
        [
          { iov_base: a + 100, iov_len: PAGE_SIZE },
          { iov_base: b, iov_len: 10 },
        ],
        2,
        PAGE_SIZE + 10,
      );
      const lens: number[] = [];
      for (let k = 0; k < i.count; ) {
        const run = iov_iter_byte_run(i, k);
        if (run === null) throw new Error(`no run at ${k}`);
        lens.push(run.len);
        k += run.len;
      }
      expect(lens).toEqual([PAGE_SIZE - 100, 100, 10]);
    });
  });

  it('extract_matches_iterator still names the first misplaced byte inside a run', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const a = kmalloc(2 * PAGE_SIZE);
      const i = iov_iter_kvec(0, [{ iov_base: a, iov_len: 2 * PAGE_SIZE }], 1, 2 * PAGE_SIZE);
      const before = iov_iter_clone(i);
      const first = virt_to_page(a);
      const second = virt_to_page(a + PAGE_SIZE);
      const right: PageSlot[] = [first, second];
      expect(extract_matches_iterator(before, 2 * PAGE_SIZE, right, 0)).toEqual([]);
      // Listed one byte late: byte 0 is already wrong.
      expect(extract_matches_iterator(before, 10, right, 1)[0]?.message).toMatch(/byte 0 /);
      // The second page swapped for the first: the first byte of the second page is wrong.
      const [v] = extract_matches_iterator(before, 2 * PAGE_SIZE, [first, first], 0);
      expect(v?.message).toMatch(new RegExp(`byte ${PAGE_SIZE} `));
    });
  });
});
