// netfs extraction agrees with the byte-level oracle: user iterator -> pinned BVEC, any
// iterator -> scatterlist, and iterator -> RDMA SGEs, with the right cleanup for each type.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { netfs_alloc_one_bvecq } from '../../src/bvecq/index.ts';
import type { iov_iter } from '../../src/iov_iter/index.ts';
import {
  folioq_chain_from,
  ITER_DEST,
  iov_iter_bvec_queue,
  iov_iter_clone,
  iov_iter_extract_will_pin,
  iov_iter_folio_queue,
  iov_iter_kvec,
  iov_iter_ubuf,
  iov_iter_xarray,
  PAGEVEC_SIZE,
  XArray,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel, with_mm } from '../../src/kernel.ts';
import type { Folio, Page } from '../../src/mm/index.ts';
import {
  alloc_page,
  FAULT_FLAG_WRITE,
  folio_alloc,
  handle_mm_fault,
  kmalloc,
  mm_alloc,
  PAGE_SIZE,
  vm_mmap,
} from '../../src/mm/index.ts';
import type { smb_extract_to_rdma } from '../../src/netfs/index.ts';
import {
  ib_device,
  netfs_extract_iter_to_sg,
  netfs_extract_user_iter,
  netfs_release_extracted,
  sg_alloc_table,
  sg_table_release_extracted,
  smb_extract_iter_to_rdma,
} from '../../src/netfs/index.ts';
import {
  extract_describes_exactly,
  extraction_not_empty,
  rdma_mappings_owned,
  sg_element_within_folio,
  sg_elements_match_iterator,
} from '../../src/netfs/invariants.ts';
import type { LayoutType, Oracle } from '../iov_iter/layout.ts';
import { buildLayout, layoutArb } from '../iov_iter/layout.ts';

/** Check that `len` bytes starting at (page, offset), possibly spanning pages, are stream bytes [pos, pos+len). */
function checkRun(o: Oracle, pos: number, page: Page, offset: number, len: number): void {
  for (let b = 0; b < len; b++) {
    const at = offset + b;
    const p = page.folio.page(page.index_in_folio + Math.floor(at / PAGE_SIZE));
    if (p !== o.pages[pos + b] || at % PAGE_SIZE !== o.offs[pos + b]) {
      throw new Error(
        `byte ${pos + b}: element says pfn ${p.pfn}+${at % PAGE_SIZE}, oracle ${o.pages[pos + b]?.pfn}+${o.offs[pos + b]}`,
      );
    }
  }
}

function pinsOutstanding(): number {
  const k = kernel!;
  return k.vmstat.nr_foll_pin_acquired - k.vmstat.nr_foll_pin_released;
}

let kernel: ReturnType<typeof createKernel> | null = null;

function inKernel(profile: 'linux-6.12' | 'bvecq-rfc', fn: () => void): void {
  kernel = createKernel(profile);
  with_kernel(kernel, fn);
}

describe('netfs_extract_user_iter', () => {
  it('pins exactly the extracted pages, describes the same bytes as a BVEC, and unpins on release', () => {
    fc.assert(
      fc.property(
        layoutArb(['UBUF', 'IOVEC']),
        fc.integer({ min: 0, max: 1 << 20 }),
        (spec, want) => {
          inKernel('linux-6.12', () => {
            const { iter, oracle } = buildLayout(spec);
            const before = iter.count;
            const len = Math.min(want, before);
            const pinned = iov_iter_extract_will_pin(iter);
            const r = netfs_extract_user_iter(iter, len);
            expect(r.npages).toBeGreaterThanOrEqual(0);
            const n = r.new_iter!;
            expect(n.count).toBe(len);
            expect(before - iter.count).toBe(len);
            let pos = 0;
            for (const b of r.bv) {
              checkRun(oracle, pos, b.bv_page, b.bv_offset, b.bv_len);
              pos += b.bv_len;
            }
            expect(pos).toBe(len);
            expect(pinsOutstanding()).toBe(r.npages);
            netfs_release_extracted(r.bv, pinned);
            expect(pinsOutstanding()).toBe(0);
          });
        },
      ),
      { numRuns: 80 },
    );
  }, 120_000);

  // fs/netfs/iterator.c as fixed by "netfs: fix error handling in netfs_extract_user_iter()"
  // (2026): the pages pinned before an iov_iter_extract_pages() error make a short extraction;
  // an error with nothing pinned is returned. The fault netfs_extract_user_iter_empty restores
  // the code before it: 0 and an empty ITER_BVEC.
  for (const faulty of [false, true]) {
    it(`over an unmapped page${faulty ? ' (netfs_extract_user_iter_empty)' : ''}: short before it, ${faulty ? 'an empty BVEC' : '-EFAULT'} from it`, () => {
      kernel = createKernel('linux-6.12', {
        faults: faulty ? ['netfs_extract_user_iter_empty'] : [],
      });
      with_kernel(kernel, () => {
        const mm = mm_alloc();
        const base = vm_mmap(mm, 0, PAGE_SIZE);
        expect(handle_mm_fault(mm, base, FAULT_FLAG_WRITE)).toBe(0);
        with_mm(mm, () => {
          // From inside the mapped page across the hole after it: that page only.
          const iter = iov_iter_ubuf(ITER_DEST, base + 1024, 2 * PAGE_SIZE);
          const r = netfs_extract_user_iter(iter, iter.count);
          expect(r.npages).toBe(1);
          expect(r.new_iter!.count).toBe(PAGE_SIZE - 1024);
          expect(2 * PAGE_SIZE - iter.count).toBe(PAGE_SIZE - 1024);
          expect(pinsOutstanding()).toBe(1);
          expect(extraction_not_empty('netfs_extract_user_iter', r.new_iter!.count)).toEqual([]);
          // From the hole: nothing can be pinned.
          const count = iter.count;
          const e = netfs_extract_user_iter(iter, count);
          expect(iter.count).toBe(count);
          if (faulty) {
            expect(e.npages).toBe(0);
            expect(e.new_iter!.count).toBe(0);
            // what the caller would hold: caught by the check
            expect(
              extraction_not_empty('netfs_extract_user_iter', e.new_iter!.count).map(
                (v) => v.invariant,
              ),
            ).toEqual(['extraction_not_empty']);
          } else {
            expect(e.npages).toBe(-14);
            expect(e.new_iter).toBeNull();
          }
          expect(e.bv).toEqual([]);
          expect(pinsOutstanding()).toBe(1);
          netfs_release_extracted(r.bv, true);
          expect(pinsOutstanding()).toBe(0);
        });
      });
    });
  }

  it('refuses a kernel iterator with -EIO', () => {
    inKernel('linux-6.12', () => {
      const { iter } = buildLayout({
        type: 'KVEC',
        dir: 1,
        segs: [{ gap: 1, len: 10, order: 0, headPage: true }],
        orders: [0],
        start: 0,
        countFrac: 1,
        seed: 3,
      });
      expect(netfs_extract_user_iter(iter, 10).npages).toBe(-5);
    });
  });
});

const sgCases: ['linux-6.12' | 'bvecq-rfc', LayoutType[]][] = [
  ['linux-6.12', ['UBUF', 'IOVEC', 'KVEC', 'BVEC', 'FOLIOQ', 'XARRAY']],
  ['bvecq-rfc', ['BVECQ']],
];

describe('netfs_extract_iter_to_sg', () => {
  for (const [profile, sgTypes] of sgCases)
    it(`${profile}: elements (which may span pages for BVEC/XARRAY/FOLIOQ/BVECQ) hold exactly the next bytes; user pages pinned and released`, () => {
      fc.assert(
        fc.property(
          layoutArb(sgTypes),
          fc.integer({ min: 1, max: 1 << 20 }),
          fc.integer({ min: 1, max: 10 }),
          (spec, maxsize, sg_max) => {
            inKernel(profile, () => {
              const { iter, oracle } = buildLayout(spec);
              const before = iter.count;
              const pinned = iov_iter_extract_will_pin(iter);
              const t = sg_alloc_table();
              const ret = netfs_extract_iter_to_sg(iter, Math.min(maxsize, before), t, sg_max);
              if (before === 0 || Math.min(maxsize, before) === 0) {
                expect(ret).toBe(0);
                return;
              }
              expect(ret).toBeGreaterThanOrEqual(0);
              expect(before - iter.count).toBe(ret);
              expect(t.nents).toBeLessThanOrEqual(sg_max);
              let pos = 0;
              for (let k = 0; k < t.nents; k++) {
                const e = t.sgl[k]!;
                checkRun(oracle, pos, e.page, e.offset, e.length);
                if (pinned) expect(e.offset + e.length).toBeLessThanOrEqual(PAGE_SIZE); // one element per pinned page
                pos += e.length;
              }
              expect(pos).toBe(ret);
              expect(pinsOutstanding()).toBe(pinned ? t.nents : 0);
              sg_table_release_extracted(t, pinned);
              expect(pinsOutstanding()).toBe(0);
            });
          },
        ),
        { numRuns: 150 },
      );
    }, 120_000);

  it('KVEC: one element per page part; sg_max running out mid-piece advances only by what the elements describe (07b7d66e65d9)', () => {
    inKernel('linux-6.12', () => {
      const base = kmalloc(4 * PAGE_SIZE);
      const it = iov_iter_kvec(
        1,
        [{ iov_base: base + 100, iov_len: 2 * PAGE_SIZE }],
        1,
        2 * PAGE_SIZE,
      );
      const t = sg_alloc_table();
      expect(netfs_extract_iter_to_sg(it, 2 * PAGE_SIZE, t, 1)).toBe(PAGE_SIZE - 100);
      expect(t.sgl.map((e) => [e.offset, e.length])).toEqual([[100, PAGE_SIZE - 100]]);
      expect(it.count).toBe(PAGE_SIZE + 100);
      expect(sg_element_within_folio(t.sgl)).toEqual([]);
      const t2 = sg_alloc_table();
      expect(netfs_extract_iter_to_sg(it, PAGE_SIZE + 100, t2, 8)).toBe(PAGE_SIZE + 100);
      expect(t2.sgl.map((e) => [e.offset, e.length])).toEqual([
        [0, PAGE_SIZE],
        [0, 100],
      ]);
      expect(it.count).toBe(0);
      // sg_max == 0 adds nothing (the same fix).
      expect(netfs_extract_iter_to_sg(it, 10, sg_alloc_table(), 0)).toBe(0);
    });
  });

  it('fault kvec_sg_length: the 6.3 code (element length = piece remainder, ret = whole piece) is caught by sg_element_within_folio and extract_describes_exactly', () => {
    kernel = createKernel('linux-6.12', { faults: ['kvec_sg_length'] });
    with_kernel(kernel, () => {
      const base = kmalloc(4 * PAGE_SIZE);
      const piece = () =>
        iov_iter_kvec(1, [{ iov_base: base + 100, iov_len: 2 * PAGE_SIZE }], 1, 2 * PAGE_SIZE);
      // sg_max 1: one element claims the whole piece, and the whole piece is advanced over.
      const it = piece();
      const t = sg_alloc_table();
      expect(netfs_extract_iter_to_sg(it, 2 * PAGE_SIZE, t, 1)).toBe(2 * PAGE_SIZE);
      expect(t.sgl.map((e) => [e.offset, e.length])).toEqual([[100, 2 * PAGE_SIZE]]);
      expect(it.count).toBe(0);
      expect(sg_element_within_folio(t.sgl).map((v) => v.invariant)).toEqual([
        'sg_element_within_folio',
      ]);
      // With room: one element per page, each claiming the rest of the piece: overlapping.
      const it2 = piece();
      const t2 = sg_alloc_table();
      const ret = netfs_extract_iter_to_sg(it2, 2 * PAGE_SIZE, t2, 8);
      expect(ret).toBe(2 * PAGE_SIZE);
      expect(t2.sgl.map((e) => [e.offset, e.length])).toEqual([
        [100, 2 * PAGE_SIZE],
        [0, 2 * PAGE_SIZE - (PAGE_SIZE - 100)],
        [0, 2 * PAGE_SIZE - (PAGE_SIZE - 100) - PAGE_SIZE],
      ]);
      expect(
        extract_describes_exactly(
          'kvec',
          ret,
          t2.sgl.map((e) => e.length),
          2 * PAGE_SIZE - it2.count,
        ).map((v) => v.invariant),
      ).toEqual(['extract_describes_exactly']);
    });
  });

  it("fault xarray_sg_offset: every folio gets the offset of the call's start (extract_xarray_to_sg before the 2026 fix), caught by sg_elements_match_iterator only", () => {
    // Two order-0 page-cache folios; the iterator starts 100 bytes into the first and runs
    // 150 bytes into the second (file position 100, PAGE_SIZE + 50 bytes).
    const run = (faults: 'xarray_sg_offset'[]) => {
      kernel = createKernel('linux-6.12', { faults });
      return with_kernel(kernel, () => {
        const folios = [folio_alloc(0), folio_alloc(0)];
        const xa = new XArray();
        xa.xa_store_folio(0, folios[0]!);
        xa.xa_store_folio(1, folios[1]!);
        const it = iov_iter_xarray(ITER_DEST, xa, 100, PAGE_SIZE + 50);
        const before = iov_iter_clone(it);
        const t = sg_alloc_table();
        const ret = netfs_extract_iter_to_sg(it, PAGE_SIZE + 50, t, 8);
        const elems = t.sgl.slice(0, t.nents);
        return {
          ret,
          advanced: PAGE_SIZE + 50 - it.count,
          elems: elems.map((e) => [folios.indexOf(e.page.folio), e.offset, e.length]),
          violations: [
            ...sg_element_within_folio(elems),
            ...extract_describes_exactly(
              'xarray',
              ret,
              elems.map((e) => e.length),
              PAGE_SIZE + 50 - it.count,
            ),
            ...sg_elements_match_iterator(before, elems),
          ].map((v) => v.invariant),
        };
      });
    };
    // Fixed (offset_in_folio(folio, start + ret)): the second folio from its start.
    expect(run([])).toEqual({
      ret: PAGE_SIZE + 50,
      advanced: PAGE_SIZE + 50,
      elems: [
        [0, 100, PAGE_SIZE - 100],
        [1, 0, 150],
      ],
      violations: [],
    });
    // Debian 6.12.117 (offset_in_folio(folio, start)): the second folio from offset 100. The
    // lengths still add up to ret and the advance, and the element stays in its folio: only the
    // comparison with the iterator's bytes sees it.
    expect(run(['xarray_sg_offset'])).toEqual({
      ret: PAGE_SIZE + 50,
      advanced: PAGE_SIZE + 50,
      elems: [
        [0, 100, PAGE_SIZE - 100],
        [1, 100, 150],
      ],
      violations: ['sg_elements_match_iterator'],
    });
  });

  it('DISCARD is unsupported (-EIO)', () => {
    inKernel('linux-6.12', () => {
      const { iter } = buildLayout({
        type: 'DISCARD',
        dir: 0,
        segs: [{ gap: 0, len: 10, order: 0, headPage: true }],
        orders: [0],
        start: 0,
        countFrac: 1,
        seed: 1,
      });
      expect(netfs_extract_iter_to_sg(iter, 10, sg_alloc_table(), 4)).toBe(-5);
    });
  });
});

describe('ITER_FOLIOQ left at the end of a segment (slot == folioq_nr_slots())', () => {
  /** A full first segment, then a second holding two folios; the iterator at the first's end. */
  function atSegmentEnd(withNext: boolean): { iter: iov_iter; second: Folio[] } {
    const full = Array.from({ length: PAGEVEC_SIZE }, () => folio_alloc(0));
    const second = withNext ? [folio_alloc(0), folio_alloc(0)] : [];
    const chain = folioq_chain_from([...full, ...second]);
    const count = withNext ? 2 * PAGE_SIZE - 100 : 0;
    return { iter: iov_iter_folio_queue(ITER_DEST, chain, PAGEVEC_SIZE, 100, count), second };
  }

  it('extract_iter_to_sg steps to the next segment and keeps iov_offset', () => {
    inKernel('linux-6.12', () => {
      const { iter, second } = atSegmentEnd(true);
      const t = sg_alloc_table();
      // maxsize within count, as netfs callers pass it: extract_iter_to_sg does not clamp, and
      // past the second segment's two folios the kernel would read unused slots.
      const ret = netfs_extract_iter_to_sg(iter, iter.count, t, 4);
      expect(ret).toBe(2 * PAGE_SIZE - 100);
      expect(t.sgl.map((e) => [e.page, e.offset, e.length])).toEqual([
        [second[0]!.page(0), 100, PAGE_SIZE - 100],
        [second[1]!.page(0), 0, PAGE_SIZE],
      ]);
      expect(iter.count).toBe(0);
      expect(kernel!.warnings).toEqual([]);
    });
  });

  it('extract_iter_to_sg with no next segment WARNs and returns 0 (WARN_ON_ONCE(!folioq))', () => {
    inKernel('linux-6.12', () => {
      const { iter } = atSegmentEnd(false);
      const t = sg_alloc_table();
      expect(netfs_extract_iter_to_sg(iter, PAGE_SIZE, t, 4)).toBe(0);
      expect(t.nents).toBe(0);
      expect(kernel!.warnings.map((w) => w.kind)).toEqual(['bug']);
    });
  });

  it('smb_extract_iter_to_rdma steps to the next segment; with none it returns -EIO', () => {
    inKernel('linux-6.12', () => {
      const device = new ib_device();
      const rdma = (): smb_extract_to_rdma => ({
        sge: [],
        nr_sge: 0,
        max_sge: 4,
        device,
        local_dma_lkey: 0,
      });
      const { iter, second } = atSegmentEnd(true);
      const r = rdma();
      expect(smb_extract_iter_to_rdma(iter, 2 * PAGE_SIZE - 100, r)).toBe(2 * PAGE_SIZE - 100);
      expect(
        r.sge.slice(0, r.nr_sge).map((sge) => {
          const m = device.mappings.get(sge.addr)!;
          return [m.page, m.offset, sge.length];
        }),
      ).toEqual([
        [second[0]!.page(0), 100, PAGE_SIZE - 100],
        [second[1]!.page(0), 0, PAGE_SIZE],
      ]);
      const end = atSegmentEnd(false);
      expect(smb_extract_iter_to_rdma(end.iter, PAGE_SIZE, rdma())).toBe(-5);
    });
  });
});

describe('ITER_FOLIOQ whose queue ends before its count', () => {
  /** A full segment ending the queue, its last two slots under the iterator, count = them + extra. */
  function shortQueue(extra: number): iov_iter {
    const folios = Array.from({ length: PAGEVEC_SIZE }, () => folio_alloc(0));
    const chain = folioq_chain_from(folios);
    return iov_iter_folio_queue(ITER_DEST, chain, PAGEVEC_SIZE - 2, 0, 2 * PAGE_SIZE + extra);
  }
  const rdmaList = (): smb_extract_to_rdma => ({
    sge: [],
    nr_sge: 0,
    max_sge: 4,
    device: new ib_device(),
    local_dma_lkey: 0,
  });

  it('extract_iter_to_sg stops at the end with WARN_ON_ONCE(ret < iter->count), then returns 0 with WARN_ON_ONCE(!folioq)', () => {
    inKernel('linux-6.12', () => {
      const iter = shortQueue(100);
      expect(netfs_extract_iter_to_sg(iter, iter.count, sg_alloc_table(), 4)).toBe(2 * PAGE_SIZE);
      expect(iter.count).toBe(100);
      expect(kernel!.warnings.map((w) => w.kind)).toEqual(['bug']);
      expect(netfs_extract_iter_to_sg(iter, iter.count, sg_alloc_table(), 4)).toBe(0);
      expect(kernel!.warnings.map((w) => w.kind)).toEqual(['bug', 'bug']);
    });
  });

  it('smb_extract_iter_to_rdma stops at the end with a WARN, then fails -EIO with a WARN', () => {
    inKernel('linux-6.12', () => {
      const iter = shortQueue(100);
      expect(smb_extract_iter_to_rdma(iter, iter.count, rdmaList())).toBe(2 * PAGE_SIZE);
      expect(kernel!.warnings.map((w) => w.kind)).toEqual(['bug']);
      const r = rdmaList();
      expect(smb_extract_iter_to_rdma(iter, iter.count, r)).toBe(-5);
      expect(r.device.mappings.size).toBe(0);
      expect(kernel!.warnings.map((w) => w.kind)).toEqual(['bug', 'bug']);
    });
  });

  it('a queue that holds the whole count is walked to its end without a WARN', () => {
    inKernel('linux-6.12', () => {
      const sg = shortQueue(0);
      expect(netfs_extract_iter_to_sg(sg, sg.count, sg_alloc_table(), 4)).toBe(2 * PAGE_SIZE);
      const rdma = shortQueue(0);
      expect(smb_extract_iter_to_rdma(rdma, rdma.count, rdmaList())).toBe(2 * PAGE_SIZE);
      expect(kernel!.warnings).toEqual([]);
    });
  });
});

describe('smb_extract_iter_to_rdma', () => {
  const cases: ['linux-6.12' | 'bvecq-rfc', LayoutType[]][] = [
    ['linux-6.12', ['KVEC', 'BVEC', 'FOLIOQ']],
    ['bvecq-rfc', ['BVECQ']],
  ];
  for (const [profile, types] of cases) {
    it(`${profile}: SGEs map exactly the next bytes; a mapping failure unmaps everything this call mapped`, () => {
      fc.assert(
        fc.property(
          layoutArb(types),
          fc.integer({ min: 1, max: 1 << 20 }),
          fc.integer({ min: 1, max: 10 }),
          fc.integer({ min: 0, max: 6 }),
          (spec, maxsize, max_sge, failAt) => {
            inKernel(profile, () => {
              const { iter, oracle } = buildLayout(spec);
              const device = new ib_device();
              device.fail_map_at = failAt;
              const rdma: smb_extract_to_rdma = {
                sge: [],
                nr_sge: 0,
                max_sge,
                device,
                local_dma_lkey: 7,
              };
              const before = iter.count;
              const len = Math.min(maxsize, before);
              if (len === 0) return;
              const ret = smb_extract_iter_to_rdma(iter, len, rdma);
              if (ret < 0) {
                expect(ret).toBe(-5);
                expect(rdma.nr_sge).toBe(0);
                expect(device.mappings.size).toBe(0);
                return;
              }
              expect(before - iter.count).toBe(ret);
              let pos = 0;
              for (let k = 0; k < rdma.nr_sge; k++) {
                const m = device.mappings.get(rdma.sge[k]!.addr)!;
                expect(m.length).toBe(rdma.sge[k]!.length);
                checkRun(oracle, pos, m.page, m.offset, m.length);
                pos += m.length;
              }
              expect(pos).toBe(ret);
              expect(pinsOutstanding()).toBe(0); // nothing is pinned or ref'd
            });
          },
        ),
        { numRuns: 120 },
      );
    }, 120_000);
  }

  it('bvecq-rfc: an ITER_BVECQ chain with an empty segment is walked across it, the position written back; a chain shorter than the count is -EIO (smbdirect_map_sges_from_bvecq)', () => {
    inKernel('bvecq-rfc', () => {
      // <<(A, 0, 4096)>>, <<>>, <<(B, 512, 1024)>>: an empty segment between two one-slot ones.
      const chain = (tailLen: number) => {
        const [head, empty, tail] = [1, 0, 1].map((n) => netfs_alloc_one_bvecq(n)) as [
          ReturnType<typeof netfs_alloc_one_bvecq>,
          ReturnType<typeof netfs_alloc_one_bvecq>,
          ReturnType<typeof netfs_alloc_one_bvecq>,
        ];
        const a = alloc_page();
        const b = alloc_page();
        head.bv.push({ bv_page: a, bv_offset: 0, bv_len: PAGE_SIZE });
        tail.bv.push({ bv_page: b, bv_offset: 512, bv_len: tailLen });
        head.nr_slots = 1;
        tail.nr_slots = 1;
        head.next = empty;
        empty.prev = head;
        empty.next = tail;
        tail.prev = empty;
        return { head, tail, a, b };
      };
      const rdmaOf = (device: ib_device): smb_extract_to_rdma => ({
        sge: [],
        nr_sge: 0,
        max_sge: 4,
        device,
        local_dma_lkey: 0,
      });
      const { head, tail, b } = chain(1024);
      const iter = iov_iter_bvec_queue(ITER_DEST, head, 0, 0, PAGE_SIZE + 1024);
      const device = new ib_device();
      const rdma = rdmaOf(device);
      // Asked for more than the iterator holds: clamped to its count.
      expect(smb_extract_iter_to_rdma(iter, 3 * PAGE_SIZE, rdma)).toBe(PAGE_SIZE + 1024);
      expect(rdma.nr_sge).toBe(2);
      expect(device.mappings.get(rdma.sge[1]!.addr)).toMatchObject({ page: b, offset: 512 });
      expect(iter.count).toBe(0);
      expect(iter.bvecq).toBe(tail);
      expect(iter.bvecq_slot).toBe(1);
      expect(kernel!.warnings).toEqual([]);

      // The iterator claims 2048 bytes more than the chain holds: the walk runs off the end.
      const short = chain(1024);
      const over = iov_iter_bvec_queue(ITER_DEST, short.head, 0, 0, PAGE_SIZE + 3072);
      const device2 = new ib_device();
      expect(smb_extract_iter_to_rdma(over, PAGE_SIZE + 3072, rdmaOf(device2))).toBe(-5);
      expect(device2.mappings.size).toBe(0); // the call's SGEs are unmapped again
      expect(kernel!.warnings.map((w) => w.kind)).toEqual(['bug']);
    });
  });

  it('bvecq-rfc: extract_bvecq_to_sg WARNs when its walk finds the chain end still wanting bytes with elements left (WARN_ON_ONCE(ret < iter->count)), not otherwise', () => {
    inKernel('bvecq-rfc', () => {
      // <<(A, 0, 4096)>>, <<(B, 512, 1024)>>: two one-slot segments, 5120 bytes.
      const chain = () => {
        const [head, tail] = [1, 1].map((n) => netfs_alloc_one_bvecq(n)) as [
          ReturnType<typeof netfs_alloc_one_bvecq>,
          ReturnType<typeof netfs_alloc_one_bvecq>,
        ];
        head.bv.push({ bv_page: alloc_page(), bv_offset: 0, bv_len: PAGE_SIZE });
        tail.bv.push({ bv_page: alloc_page(), bv_offset: 512, bv_len: 1024 });
        head.nr_slots = 1;
        tail.nr_slots = 1;
        head.next = tail;
        tail.prev = head;
        return head;
      };
      const held = PAGE_SIZE + 1024;
      const warns = () => kernel!.warnings.filter((w) => w.kind === 'bug').length;

      // The count matches the chain: a walk that ends exactly at the end does not WARN.
      const exact = iov_iter_bvec_queue(ITER_DEST, chain(), 0, 0, held);
      expect(netfs_extract_iter_to_sg(exact, 8 * PAGE_SIZE, sg_alloc_table(), 4)).toBe(held);
      expect(exact.count).toBe(0);
      expect(warns()).toBe(0);

      // The count runs 2048 bytes past the chain, but sg_max runs out on its last slot: the
      // loop ends on sg_max before it looks for a next segment.
      const cut = iov_iter_bvec_queue(ITER_DEST, chain(), 0, 0, held + 2048);
      expect(netfs_extract_iter_to_sg(cut, 8 * PAGE_SIZE, sg_alloc_table(), 2)).toBe(held);
      expect(warns()).toBe(0);

      // With elements left the walk finds the end short of its budget: WARN, what it found.
      const over = iov_iter_bvec_queue(ITER_DEST, chain(), 0, 0, held + 2048);
      const t = sg_alloc_table();
      expect(netfs_extract_iter_to_sg(over, 8 * PAGE_SIZE, t, 4)).toBe(held);
      expect(t.nents).toBe(2);
      expect(over.count).toBe(2048);
      expect(warns()).toBe(1);
      // A call that starts at the end finds nothing: 0, no element, and the WARN again.
      const t2 = sg_alloc_table();
      expect(netfs_extract_iter_to_sg(over, 8 * PAGE_SIZE, t2, 4)).toBe(0);
      expect(t2.nents).toBe(0);
      expect(over.count).toBe(2048);
      expect(warns()).toBe(2);
    });
  });

  it('bvecq-rfc takes ITER_BVECQ only: KVEC and BVEC are refused (-EIO)', () => {
    for (const type of ['KVEC', 'BVEC'] as const) {
      inKernel('bvecq-rfc', () => {
        const { iter } = buildLayout({
          type,
          dir: 1,
          segs: [{ gap: 0, len: 10, order: 0, headPage: true }],
          orders: [0],
          start: 0,
          countFrac: 1,
          seed: 1,
        });
        const device = new ib_device();
        const rdma: smb_extract_to_rdma = {
          sge: [],
          nr_sge: 0,
          max_sge: 4,
          device,
          local_dma_lkey: 0,
        };
        expect(smb_extract_iter_to_rdma(iter, 10, rdma)).toBe(-5);
        expect(device.map_calls).toBe(0);
      });
    }
  });

  it('fault rdma_unwind_post_decrement leaves the first SGE mapped after a failure, caught by rdma_mappings_owned', () => {
    const run = (faults: 'rdma_unwind_post_decrement'[]) => {
      kernel = createKernel('linux-6.12', { faults });
      return with_kernel(kernel, () => {
        const base = kmalloc(4 * PAGE_SIZE);
        const iter = iov_iter_kvec(
          1,
          [{ iov_base: base, iov_len: 3 * PAGE_SIZE }],
          1,
          3 * PAGE_SIZE,
        );
        const device = new ib_device();
        device.fail_map_at = 3;
        const rdma: smb_extract_to_rdma = {
          sge: [],
          nr_sge: 0,
          max_sge: 8,
          device,
          local_dma_lkey: 0,
        };
        expect(smb_extract_iter_to_rdma(iter, 3 * PAGE_SIZE, rdma)).toBe(-5);
        expect(rdma.nr_sge).toBe(0);
        expect(iter.count).toBe(3 * PAGE_SIZE);
        return rdma_mappings_owned(device, []);
      });
    };
    expect(run([])).toEqual([]);
    expect(run(['rdma_unwind_post_decrement']).map((v) => v.invariant)).toEqual([
      'rdma_mappings_owned',
    ]);
  });

  it('user-backed iterators must be converted first (-EIO)', () => {
    inKernel('linux-6.12', () => {
      const { iter } = buildLayout({
        type: 'UBUF',
        dir: 1,
        segs: [{ gap: 0, len: 10, order: 0, headPage: true }],
        orders: [0],
        start: 0,
        countFrac: 1,
        seed: 1,
      });
      const rdma: smb_extract_to_rdma = {
        sge: [],
        nr_sge: 0,
        max_sge: 4,
        device: new ib_device(),
        local_dma_lkey: 0,
      };
      expect(smb_extract_iter_to_rdma(iter as iov_iter, 10, rdma)).toBe(-5);
    });
  });
});
