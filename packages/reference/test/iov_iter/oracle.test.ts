// advance / revert / copy / extract agree with a byte-level oracle for every iterator type,
// and every operation sequence keeps the iov_iter invariants.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  extract_matches_iterator,
  extract_result_consistent,
  iov_iter_violations,
  no_leaked_page_arrays,
} from '../../src/invariants/iov_iter.ts';
import type { iov_iter, PageSlot } from '../../src/iov_iter/index.ts';
import {
  copy_from_iter,
  copy_to_iter,
  ITER_BVEC,
  ITER_BVECQ,
  iov_iter_advance,
  iov_iter_clone,
  iov_iter_extract_pages,
  iov_iter_extract_will_pin,
  iov_iter_npages,
  iov_iter_revert,
  kvfree,
  ref,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import type { Page } from '../../src/mm/index.ts';
import { DIV_ROUND_UP, PAGE_SIZE, unpin_user_pages } from '../../src/mm/index.ts';
import type { ProfileName } from '../../src/profile.ts';
import type { LayoutType, Oracle } from './layout.ts';
import { buildLayout, layoutArb, pattern, readStream } from './layout.ts';

type Op =
  | { op: 'advance'; n: number }
  | { op: 'revert'; frac: number }
  | { op: 'copy'; n: number }
  | { op: 'extract'; maxsize: number; maxpages: number; alloc: boolean };

const sizeArb = fc.oneof(
  fc.integer({ min: 0, max: 17 }),
  fc.integer({ min: 0, max: 3 * PAGE_SIZE + 3 }),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('advance' as const), n: sizeArb }),
  fc.record({
    op: fc.constant('revert' as const),
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({ op: fc.constant('copy' as const), n: sizeArb }),
  fc.record({
    op: fc.constant('extract' as const),
    maxsize: fc.oneof(sizeArb, fc.constant(Number.MAX_SAFE_INTEGER)),
    maxpages: fc.integer({ min: 1, max: 8 }),
    alloc: fc.boolean(),
  }),
);

/** The extraction may legitimately return 0 with bytes left only when it starts on an empty bio_vec. */
function atEmptyBvec(i: iov_iter): boolean {
  if (i.iter_type === ITER_BVEC) {
    let s = i.seg;
    if (i.bvec[s] && i.iov_offset === i.bvec[s]!.bv_len) s++;
    return i.bvec[s]?.bv_len === 0;
  }
  if (i.iter_type === ITER_BVECQ) return i.bvecq!.bv[i.bvecq_slot]?.bv_len === 0;
  return false;
}

function runOps(i: iov_iter, o: Oracle, ops: Op[], user: boolean): void {
  let pos = 0;
  const k = createKernelRef.current!;
  for (const op of ops) {
    const before = i.count;
    expect(before).toBe(o.total - pos);
    switch (op.op) {
      case 'advance': {
        iov_iter_advance(i, op.n);
        pos += Math.min(op.n, o.total - pos);
        break;
      }
      case 'revert': {
        const n = Math.floor(op.frac * pos);
        iov_iter_revert(i, n);
        pos -= n;
        break;
      }
      case 'copy': {
        const want = Math.min(op.n, o.total - pos);
        if (i.data_source) {
          const buf = new Uint8Array(op.n);
          const got = copy_from_iter(buf, op.n, i);
          expect(got).toBe(want);
          expect(buf.subarray(0, got)).toEqual(readStream(o, pos, pos + got));
          pos += got;
        } else {
          const data = pattern(op.n, op.n + pos + 7);
          const got = copy_to_iter(data, op.n, i);
          expect(got).toBe(want);
          if (o.pages[pos] !== null || got === 0) {
            expect(readStream(o, pos, pos + got)).toEqual(data.subarray(0, got));
          }
          pos += got;
        }
        break;
      }
      case 'extract': {
        const pages = ref<PageSlot[] | null>(op.alloc ? null : new Array<PageSlot>(op.maxpages));
        const offset0 = ref(-1);
        const pinned0 = k.vmstat.nr_foll_pin_acquired;
        const startedEmpty = atEmptyBvec(i);
        const snapshot = iov_iter_clone(i);
        const ret = iov_iter_extract_pages(i, pages, op.maxsize, op.maxpages, 0, offset0);
        if (Math.min(op.maxsize, before) === 0) {
          expect(ret).toBe(0); // maxsize 0 -> 0, whatever the type
          break;
        }
        if (o.pages.length && o.pages[0] === null) {
          expect(ret).toBe(-14); // ITER_DISCARD: -EFAULT
          expect(i.count).toBe(before);
          break;
        }
        expect(
          extract_result_consistent(ret, pages.value, offset0.value, op.maxpages, before, i.count),
        ).toEqual([]);
        expect(extract_matches_iterator(snapshot, ret, pages.value, offset0.value)).toEqual([]);
        expect(ret).toBeGreaterThanOrEqual(0);
        expect(ret).toBeLessThanOrEqual(Math.min(op.maxsize, before));
        if (ret === 0 && before > 0) expect(startedEmpty).toBe(true);
        const npages = ret ? DIV_ROUND_UP(offset0.value + ret, PAGE_SIZE) : 0;
        // Every byte extracted is where the oracle says the stream's byte lives.
        for (let b = 0; b < ret; b++) {
          const at = offset0.value + b;
          const page = pages.value![Math.floor(at / PAGE_SIZE)] as Page;
          if (page !== o.pages[pos + b] || at % PAGE_SIZE !== o.offs[pos + b]) {
            throw new Error(
              `extracted byte ${b} at page ${page?.pfn}+${at % PAGE_SIZE}, oracle says ${o.pages[pos + b]?.pfn}+${o.offs[pos + b]}`,
            );
          }
          // One iovec per user extraction.
          if (user) expect(o.seg[pos + b]).toBe(o.seg[pos]);
        }
        // Pins are taken for user-backed iterators only, one per page listed.
        expect(iov_iter_extract_will_pin(i)).toBe(user);
        expect(k.vmstat.nr_foll_pin_acquired - pinned0).toBe(user && ret > 0 ? npages : 0);
        if (user && ret > 0) unpin_user_pages(pages.value as Page[], npages);
        if (op.alloc) kvfree(pages.value);
        pos += ret;
        break;
      }
    }
    expect(iov_iter_violations(i)).toEqual([]);
    expect(i.count).toBe(o.total - pos);
    const np = iov_iter_npages(i, 1 << 20);
    if (i.count && o.pages[0] !== null)
      expect(np).toBeGreaterThanOrEqual(DIV_ROUND_UP(i.count, PAGE_SIZE));
    else expect(np).toBe(0); // ITER_DISCARD has no pages
  }
  expect(no_leaked_page_arrays(k)).toEqual([]);
}

const createKernelRef: { current: ReturnType<typeof createKernel> | null } = { current: null };

const cases: [ProfileName, LayoutType[]][] = [
  ['linux-6.12', ['UBUF', 'IOVEC', 'KVEC', 'BVEC', 'FOLIOQ', 'XARRAY', 'DISCARD']],
  ['bvecq-rfc', ['UBUF', 'IOVEC', 'KVEC', 'BVEC', 'BVECQ', 'XARRAY', 'DISCARD']],
];

describe('iov_iter agrees with a byte-level oracle', () => {
  for (const [profile, types] of cases) {
    for (const type of types) {
      // Async so the worker yields between runs: a long synchronous property starves vitest's
      // worker RPC on a loaded machine ("Timeout calling onTaskUpdate").
      it(`${type} under ${profile}: advance/revert/copy/extract sequences`, async () => {
        await fc.assert(
          fc.asyncProperty(
            layoutArb([type]),
            fc.array(opArb, { maxLength: 14 }),
            async (spec, ops) => {
              await new Promise<void>((resolve) => setImmediate(resolve));
              const k = createKernel(profile);
              createKernelRef.current = k;
              with_kernel(k, () => {
                const { iter, oracle } = buildLayout(spec);
                runOps(iter, oracle, ops, type === 'UBUF' || type === 'IOVEC');
              });
            },
          ),
          { numRuns: 80 },
        );
      }, 120_000);
    }
  }
});
