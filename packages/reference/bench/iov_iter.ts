// iov_iter hot paths: advance, revert and extract_pages per iterator type, in operations per
// second. The iterators and page arrays are set up once; each timed call resets the iterator's
// position fields (no allocation) and performs `opsPerCall` operations.

import type { bio_vec, iov_iter, PageSlot } from '../src/iov_iter/index.ts';
import {
  iov_iter_advance,
  iov_iter_bvec,
  iov_iter_extract_pages,
  iov_iter_init,
  iov_iter_kvec,
  iov_iter_revert,
  iov_iter_ubuf,
  ref,
} from '../src/iov_iter/index.ts';
import { with_mm } from '../src/kernel.ts';
import type { Page } from '../src/mm/index.ts';
import {
  folio_alloc,
  kmalloc,
  mm_alloc,
  PAGE_SIZE,
  unpin_user_pages,
  vm_mmap,
  write_user,
} from '../src/mm/index.ts';
import type { BenchCase } from './harness.ts';

const TARGET = 1_000_000;
const OPS = 64;

/** Put an iterator back at its start without allocating. */
function rewind(i: iov_iter, count: number, nr_segs: number): void {
  i.count = count;
  i.iov_offset = 0;
  i.seg = 0;
  i.nr_segs = nr_segs;
}

function kvecIter(): iov_iter {
  const base = kmalloc(16 * PAGE_SIZE);
  const kv: { iov_base: number; iov_len: number }[] = [];
  for (let k = 0; k < 8; k++)
    kv.push({ iov_base: base + k * 2 * PAGE_SIZE + 13, iov_len: PAGE_SIZE + 1000 });
  kv.splice(3, 0, { iov_base: base, iov_len: 0 }); // a zero-length segment in the middle
  return iov_iter_kvec(
    1,
    kv,
    kv.length,
    kv.reduce((a, v) => a + v.iov_len, 0),
  );
}

function bvecIter(): iov_iter {
  const bv: bio_vec[] = [];
  for (let k = 0; k < 16; k++) {
    const f = folio_alloc(k % 3);
    bv.push({ bv_page: f.page(0), bv_offset: k % 2 ? 0 : 512, bv_len: f.size - (k % 2 ? 0 : 512) });
  }
  return iov_iter_bvec(
    0,
    bv,
    bv.length,
    bv.reduce((a, b) => a + b.bv_len, 0),
  );
}

function advanceCase(name: string, make: () => iov_iter, step: number): BenchCase {
  return {
    name: `iov_iter_advance ${name} ${step}B`,
    unit: 'ops',
    opsPerCall: OPS,
    target: TARGET,
    setup: () => {
      const i = make();
      return { i, count: i.count, nr: i.nr_segs };
    },
    fn: (s) => {
      const { i, count, nr } = s as { i: iov_iter; count: number; nr: number };
      for (let k = 0; k < OPS; k++) {
        if (i.count < step) rewind(i, count, nr);
        iov_iter_advance(i, step);
      }
    },
  };
}

function revertCase(): BenchCase {
  return {
    name: 'iov_iter_advance+revert KVEC 3000B',
    unit: 'ops',
    opsPerCall: OPS,
    target: TARGET,
    setup: () => kvecIter(),
    fn: (s) => {
      const i = s as iov_iter;
      for (let k = 0; k < OPS / 2; k++) {
        iov_iter_advance(i, 3000);
        iov_iter_revert(i, 3000);
      }
    },
  };
}

function extractCase(
  name: string,
  make: () => iov_iter,
  maxsize: number,
  unpin: boolean,
): BenchCase {
  return {
    name: `iov_iter_extract_pages ${name} ${maxsize}B${unpin ? ' (+unpin)' : ''}`,
    unit: 'ops',
    opsPerCall: OPS,
    target: TARGET,
    setup: () => {
      const i = make();
      return {
        i,
        count: i.count,
        nr: i.nr_segs,
        pages: ref<PageSlot[] | null>(new Array<PageSlot>(8)),
        off: ref(0),
      };
    },
    fn: (s) => {
      const st = s as {
        i: iov_iter;
        count: number;
        nr: number;
        pages: { value: PageSlot[] | null };
        off: { value: number };
      };
      for (let k = 0; k < OPS; k++) {
        if (st.i.count === 0) rewind(st.i, st.count, st.nr);
        const got = iov_iter_extract_pages(st.i, st.pages, maxsize, 8, 0, st.off);
        if (got <= 0) throw new Error(`bench: extraction returned ${got}`);
        if (unpin)
          unpin_user_pages(st.pages.value as Page[], Math.ceil((st.off.value + got) / PAGE_SIZE));
      }
    },
  };
}

function ubufIter(): iov_iter {
  const mm = mm_alloc();
  const base = vm_mmap(mm, 0, 64 * PAGE_SIZE);
  write_user(mm, base, new Uint8Array(64 * PAGE_SIZE).fill(1));
  return with_mm(mm, () => iov_iter_ubuf(0, base + 100, 60 * PAGE_SIZE));
}

function iovecIter(): iov_iter {
  const mm = mm_alloc();
  const base = vm_mmap(mm, 0, 64 * PAGE_SIZE);
  write_user(mm, base, new Uint8Array(64 * PAGE_SIZE).fill(1));
  const iov: { iov_base: number; iov_len: number }[] = [];
  for (let k = 0; k < 16; k++)
    iov.push({ iov_base: base + k * 4 * PAGE_SIZE + 7, iov_len: k % 4 ? 3 * PAGE_SIZE : 0 });
  return with_mm(mm, () =>
    iov_iter_init(
      0,
      iov,
      iov.length,
      iov.reduce((a, v) => a + v.iov_len, 0),
    ),
  );
}

export const cases: BenchCase[] = [
  advanceCase('UBUF', ubufIter, 512),
  advanceCase('IOVEC', iovecIter, 3000),
  advanceCase('KVEC', kvecIter, 3000),
  advanceCase('BVEC', bvecIter, 3000),
  revertCase(),
  extractCase('KVEC', kvecIter, 2 * PAGE_SIZE, false),
  extractCase('BVEC', bvecIter, 4 * PAGE_SIZE, false),
  extractCase('UBUF', ubufIter, 4 * PAGE_SIZE, true),
];
