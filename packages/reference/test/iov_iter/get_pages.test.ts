// iov_iter_get_pages2() (6.1's interface, FOLL_GET): the same bytes as the oracle, one page
// reference per page returned (never a pin), KVEC unsupported (-EFAULT).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PageSlot } from '../../src/iov_iter/index.ts';
import {
  IovIterWarning,
  iov_iter_get_pages_alloc2,
  iov_iter_get_pages2,
  page_arrays_outstanding,
  ref,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import type { Page } from '../../src/mm/index.ts';
import { DIV_ROUND_UP, PAGE_SIZE, put_page, put_user_page_ref } from '../../src/mm/index.ts';
import { buildLayout, layoutArb } from './layout.ts';

describe('iov_iter_get_pages2 (linux-6.1, FOLL_GET)', () => {
  it('returns referenced pages holding the next bytes, for UBUF, IOVEC, BVEC and XARRAY', () => {
    fc.assert(
      fc.property(
        layoutArb(['UBUF', 'IOVEC', 'BVEC', 'XARRAY']),
        fc.integer({ min: 1, max: 4 * PAGE_SIZE }),
        fc.integer({ min: 1, max: 6 }),
        (spec, maxsize, maxpages) => {
          const k = createKernel('linux-6.1');
          with_kernel(k, () => {
            const { iter, oracle } = buildLayout(spec);
            const before = iter.count;
            const user = spec.type === 'UBUF' || spec.type === 'IOVEC';
            const pages = new Array<PageSlot>(maxpages);
            const start = ref(0);
            const emptyBvec =
              spec.type === 'BVEC' && before > 0 && iter.bvec[iter.seg]!.bv_len === 0;
            let ret: number;
            try {
              ret = iov_iter_get_pages2(iter, pages, maxsize, maxpages, start);
            } catch (e) {
              // first_bvec_segment() does not skip an empty bio_vec: with a page-aligned
              // offset want_pages_array() is asked for 0 pages and WARNs (then -ENOMEM).
              expect(e).toBeInstanceOf(IovIterWarning);
              expect(emptyBvec).toBe(true);
              return;
            }
            if (emptyBvec) {
              // Otherwise it lists (and refs) the empty bio_vec's page and returns 0.
              expect(ret).toBe(0);
              put_page(pages[0] as Page);
              return;
            }
            if (before === 0) {
              expect(ret).toBe(0);
              return;
            }
            expect(ret).toBeGreaterThan(0);
            expect(before - iter.count).toBe(ret);
            const npages = DIV_ROUND_UP(start.value + ret, PAGE_SIZE);
            expect(npages).toBeLessThanOrEqual(maxpages);
            const refs0 = new Map<Page, number>();
            for (let b = 0; b < ret; b++) {
              const at = start.value + b;
              const p = pages[Math.floor(at / PAGE_SIZE)] as Page;
              expect(p).toBe(oracle.pages[b]);
              expect(at % PAGE_SIZE).toBe(oracle.offs[b]);
              refs0.set(p, 0);
            }
            // Refs, never pins.
            expect(k.vmstat.nr_foll_pin_acquired).toBe(0);
            for (let n = 0; n < npages; n++) {
              const p = pages[n] as Page;
              if (user) {
                expect(p.folio.gup_refs).toBeGreaterThan(0);
                put_user_page_ref(p);
              } else {
                put_page(p);
              }
            }
          });
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it('KVEC is not supported by the legacy interface (-EFAULT); a failed alloc2 frees its array', () => {
    with_kernel(createKernel('linux-6.1'), () => {
      const { iter } = buildLayout({
        type: 'KVEC',
        dir: 1,
        segs: [{ gap: 3, len: 100, order: 0, headPage: true }],
        orders: [0],
        start: 0,
        countFrac: 1,
        seed: 5,
      });
      expect(iov_iter_get_pages2(iter, new Array<PageSlot>(2), 100, 2, ref(0))).toBe(-14);
      const pages = ref<PageSlot[] | null>(null);
      expect(iov_iter_get_pages_alloc2(iter, pages, 100, ref(0))).toBe(-14);
      expect(pages.value).toBeNull();
      expect(page_arrays_outstanding()).toBe(0);
    });
  });
});
