// Test support: builds an iterator of any type over real model memory from a generated layout,
// and an independent byte-level oracle of the stream of bytes the iterator covers (where each
// byte lives: page and in-page offset), computed from the layout alone.

import fc from 'fast-check';
import type { bvecq } from '../../src/bvecq/chain.ts';
import { bvecq_append, netfs_alloc_one_bvecq } from '../../src/bvecq/chain.ts';
import type { bio_vec, iov_iter } from '../../src/iov_iter/index.ts';
import {
  folioq_chain_from,
  iov_iter_bvec,
  iov_iter_bvec_queue,
  iov_iter_discard,
  iov_iter_folio_queue,
  iov_iter_init,
  iov_iter_kvec,
  iov_iter_ubuf,
  iov_iter_xarray,
  XArray,
} from '../../src/iov_iter/index.ts';
import { with_mm } from '../../src/kernel.ts';
import type { Folio, MmStruct, Page } from '../../src/mm/index.ts';
import {
  folio_alloc,
  kmalloc,
  kmem_write,
  memcpy_to_page,
  mm_alloc,
  PAGE_SIZE,
  virt_to_page,
  vm_mmap,
  write_user,
} from '../../src/mm/index.ts';

export type LayoutType =
  | 'UBUF'
  | 'IOVEC'
  | 'KVEC'
  | 'BVEC'
  | 'FOLIOQ'
  | 'XARRAY'
  | 'BVECQ'
  | 'DISCARD';

export interface SegSpec {
  /** Bytes skipped before the segment in its backing memory (odd offsets, page crossings). */
  gap: number;
  len: number;
  /** Folio order backing the segment (BVEC, BVECQ). */
  order: number;
  /** For bio_vecs: express the offset on the head page (true) or on the sub-page (false). */
  headPage: boolean;
}

export interface LayoutSpec {
  type: LayoutType;
  dir: 0 | 1;
  segs: SegSpec[];
  /** Folio orders for FOLIOQ/XARRAY. */
  orders: number[];
  /** Start offset into the first folio (FOLIOQ/XARRAY) or the buffer (UBUF). */
  start: number;
  /** Fraction of the available bytes the iterator's count covers. */
  countFrac: number;
  seed: number;
}

/** Where each byte of the iterator's stream lives. */
export interface Oracle {
  total: number;
  pages: (Page | null)[];
  offs: Int32Array;
  /** For user-backed layouts: the iovec index of each byte (extraction never crosses one). */
  seg: Int32Array;
}

export interface Built {
  iter: iov_iter;
  oracle: Oracle;
  mm: MmStruct | null;
}

const segArb = fc.record({
  gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: PAGE_SIZE + 7 })),
  len: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 3 * PAGE_SIZE + 5 }),
  ),
  order: fc.integer({ min: 0, max: 2 }),
  headPage: fc.boolean(),
});

export function layoutArb(types: readonly LayoutType[]): fc.Arbitrary<LayoutSpec> {
  return fc.record({
    type: fc.constantFrom(...types),
    dir: fc.constantFrom(0 as const, 1 as const),
    segs: fc.array(segArb, { minLength: 1, maxLength: 6 }),
    orders: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 6 }),
    start: fc.integer({ min: 0, max: 2 * PAGE_SIZE }),
    countFrac: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
  });
}

/** Deterministic content bytes (xorshift32). */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 1;
  for (let k = 0; k < n; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[k] = x & 0xff;
  }
  return out;
}

function fillFolio(folio: Folio, seed: number): void {
  const data = pattern(folio.size, seed);
  for (let p = 0; p < folio.nr_pages; p++) {
    memcpy_to_page(folio.page(p), 0, data.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
  }
}

class OracleBuilder {
  pages: (Page | null)[] = [];
  offs: number[] = [];
  seg: number[] = [];
  push(page: Page | null, off: number, seg: number): void {
    this.pages.push(page);
    this.offs.push(off);
    this.seg.push(seg);
  }
  done(count: number): Oracle {
    return {
      total: count,
      pages: this.pages.slice(0, count),
      offs: Int32Array.from(this.offs.slice(0, count)),
      seg: Int32Array.from(this.seg.slice(0, count)),
    };
  }
}

function pageOfUser(mm: MmStruct, addr: number): Page {
  const pte = mm.ptes.get(Math.floor(addr / PAGE_SIZE));
  if (!pte) throw new Error(`test layout: user address ${addr} not faulted in`);
  return pte.page;
}

function countFrom(spec: LayoutSpec, avail: number): number {
  return Math.min(avail, Math.floor(avail * spec.countFrac));
}

/** Build the iterator described by `spec` (in the current kernel) and its oracle. */
export function buildLayout(spec: LayoutSpec): Built {
  const ob = new OracleBuilder();
  const t = spec.type;
  if (t === 'UBUF' || t === 'IOVEC') {
    const mm = mm_alloc();
    const segs =
      t === 'UBUF' ? [{ gap: spec.start, len: Math.max(1, spec.segs[0]!.len) }] : spec.segs;
    const span = segs.reduce((a, s) => a + s.gap + s.len, 0) + 1;
    const base = vm_mmap(mm, 0, span);
    write_user(mm, base, pattern(span, spec.seed)); // faults every page in
    let at = base;
    const iov = segs.map((s, k) => {
      at += s.gap;
      const v = { iov_base: at, iov_len: s.len };
      for (let b = 0; b < s.len; b++) ob.push(pageOfUser(mm, at + b), (at + b) % PAGE_SIZE, k);
      at += s.len;
      return v;
    });
    const avail = ob.pages.length;
    const count = countFrom(spec, avail);
    const iter = with_mm(mm, () =>
      t === 'UBUF'
        ? iov_iter_ubuf(spec.dir, iov[0]!.iov_base, count)
        : iov_iter_init(spec.dir, iov, iov.length, count),
    );
    return { iter, oracle: ob.done(count), mm };
  }
  if (t === 'KVEC') {
    const span = spec.segs.reduce((a, s) => a + s.gap + s.len, 0) + 1;
    const base = kmalloc(span);
    kmem_write(base, pattern(span, spec.seed));
    let at = base;
    const kv = spec.segs.map((s, k) => {
      at += s.gap;
      const v = { iov_base: at, iov_len: s.len };
      for (let b = 0; b < s.len; b++) {
        const a = at + b;
        ob.push(virt_to_page(a), a % PAGE_SIZE, k);
      }
      at += s.len;
      return v;
    });
    const count = countFrom(spec, ob.pages.length);
    return {
      iter: iov_iter_kvec(spec.dir, kv, kv.length, count),
      oracle: ob.done(count),
      mm: null,
    };
  }
  if (t === 'BVEC' || t === 'BVECQ') {
    const bvecs: bio_vec[] = spec.segs.map((s, k) => {
      const folio = folio_alloc(s.order);
      fillFolio(folio, spec.seed + k);
      const len = Math.min(s.len, folio.size);
      const off = Math.min(s.gap, folio.size - Math.max(len, 1));
      const page = s.headPage ? folio.page(0) : folio.page(Math.floor(off / PAGE_SIZE));
      const bv_offset = s.headPage ? off : off % PAGE_SIZE;
      for (let b = 0; b < len; b++) {
        const o = off + b;
        ob.push(folio.page(Math.floor(o / PAGE_SIZE)), o % PAGE_SIZE, k);
      }
      return { bv_page: page, bv_len: len, bv_offset };
    });
    const count = countFrom(spec, ob.pages.length);
    if (t === 'BVEC')
      return {
        iter: iov_iter_bvec(spec.dir, bvecs, bvecs.length, count),
        oracle: ob.done(count),
        mm: null,
      };
    return {
      iter: iov_iter_bvec_queue(spec.dir, chainOf(bvecs, spec.seed), 0, 0, count),
      oracle: ob.done(count),
      mm: null,
    };
  }
  if (t === 'FOLIOQ' || t === 'XARRAY') {
    // Descending orders keep every folio naturally aligned in the xarray without holes.
    const orders = [...spec.orders].sort((a, b) => b - a);
    const folios = orders.map((o, k) => {
      const f = folio_alloc(o);
      fillFolio(f, spec.seed + k);
      return f;
    });
    const start = Math.min(spec.start, folios[0]!.size - 1);
    folios.forEach((f, k) => {
      for (let b = k === 0 ? start : 0; b < f.size; b++)
        ob.push(f.page(Math.floor(b / PAGE_SIZE)), b % PAGE_SIZE, 0);
    });
    const count = countFrom(spec, ob.pages.length);
    if (t === 'FOLIOQ') {
      return {
        iter: iov_iter_folio_queue(spec.dir, folioq_chain_from(folios), 0, start, count),
        oracle: ob.done(count),
        mm: null,
      };
    }
    const xa = new XArray();
    let index = 0;
    for (const f of folios) {
      xa.xa_store_folio(index, f);
      index += f.nr_pages;
    }
    return { iter: iov_iter_xarray(spec.dir, xa, start, count), oracle: ob.done(count), mm: null };
  }
  // DISCARD: no memory behind it.
  const count = countFrom(
    spec,
    spec.segs.reduce((a, s) => a + s.len, 0),
  );
  for (let b = 0; b < count; b++) ob.push(null, 0, 0);
  return { iter: iov_iter_discard(0, count), oracle: ob.done(count), mm: null };
}

/** Split bio_vecs over a chain of small bvecq segments (1 to 5 slots each). */
function chainOf(bvecs: bio_vec[], seed: number): bvecq {
  let head: bvecq | null = null;
  let tail: bvecq | null = null;
  let k = 0;
  let x = seed;
  while (k < bvecs.length || head === null) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const seg = netfs_alloc_one_bvecq(1 + (x % 3));
    while (k < bvecs.length && seg.nr_slots < seg.max_slots) bvecq_append(seg, bvecs[k++]!);
    if (tail) {
      tail.next = seg;
      seg.prev = tail;
    } else head = seg;
    tail = seg;
  }
  return head;
}

/** The bytes currently in memory at stream positions [from, to). */
export function readStream(o: Oracle, from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  for (let k = from; k < to; k++) {
    const p = o.pages[k];
    out[k - from] = p?.folio.hasData()
      ? p.folio.dataForWrite()[p.index_in_folio * PAGE_SIZE + o.offs[k]!]!
      : 0;
  }
  return out;
}
