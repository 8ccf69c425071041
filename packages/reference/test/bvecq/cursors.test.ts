// bvecq cursor properties: random buffered-read and DIO-write schedules (any completion order,
// short I/O, retries) keep every bvecq invariant and deliver the right bytes; the two bvecq
// faults are caught; the free-while-referenced check can fail.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { bvecq_pos, netfs_io_subrequest, netfs_read_request } from '../../src/bvecq/index.ts';
import {
  BVECQ_ADVANCE_PAST_END,
  bvecq_buffer_init,
  bvecq_pos_advance,
  bvecq_pos_detach,
  bvecq_stats,
  netfs_alloc_bvecq_buffer,
  netfs_free_bvecq_buffer,
  netfs_get_bvecq,
  netfs_put_bvecq,
  netfs_read_collection,
  netfs_read_dispatch,
  netfs_read_load_folio,
  netfs_read_request_alloc,
  netfs_read_request_put,
  netfs_read_subreq_terminated,
  netfs_retry_read_subrequest,
  netfs_unbuffered_write_begin,
  netfs_unbuffered_write_collect,
  netfs_unbuffered_write_dispatch,
  netfs_unbuffered_write_end,
  netfs_unbuffered_write_retry,
  netfs_with_subreq_source,
  netfs_write_subreq_terminated,
  smb3_sealed_send,
} from '../../src/bvecq/index.ts';
import { EAGAIN, EFAULT, ENOSPC } from '../../src/errno.ts';
import type { FaultName } from '../../src/faults.ts';
import {
  bvecq_no_free_while_referenced,
  bvecq_no_leaked_segments,
  bvecq_no_write_hole,
  bvecq_read_cursor_order,
  bvecq_unlock_after_collection,
  bvecq_write_cursor_order,
} from '../../src/invariants/bvecq.ts';
import type { Violation } from '../../src/invariants/violation.ts';
import { iov_iter_ubuf } from '../../src/iov_iter/index.ts';
import { createKernel, current_kernel as current, with_kernel, with_mm } from '../../src/kernel.ts';
import type { Folio } from '../../src/mm/index.ts';
import {
  folio_alloc,
  mm_alloc,
  PAGE_SIZE,
  vm_mmap,
  vm_munmap,
  write_user,
} from '../../src/mm/index.ts';
import { pattern } from '../iov_iter/layout.ts';

function readViolations(rreq: netfs_read_request): Violation[] {
  const positions: bvecq_pos[] = [rreq.load_cursor, rreq.dispatch_cursor, rreq.collect_cursor];
  for (const s of rreq.subrequests) positions.push(s.dispatch_pos);
  return [
    ...bvecq_read_cursor_order(rreq),
    ...bvecq_unlock_after_collection(rreq),
    ...bvecq_no_free_while_referenced(positions, [rreq.collect_cursor.bvecq]),
  ];
}

/** Byte equality without vitest's element-by-element diffing (fast on large buffers). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

function folioBytes(f: Folio): Uint8Array {
  return f.hasData() ? f.dataForWrite() : new Uint8Array(f.size);
}

interface ReadPlan {
  orders: number[];
  steps: { kind: number; a: number; b: number }[];
}

const readPlanArb: fc.Arbitrary<ReadPlan> = fc.record({
  orders: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 40 }),
  steps: fc.array(
    fc.record({
      kind: fc.integer({ min: 0, max: 4 }),
      a: fc.nat(),
      b: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { maxLength: 120 },
  ),
});

/** Drive a buffered read by a plan, checking the invariants after every step. */
function driveRead(
  plan: ReadPlan,
  tooMuch: boolean,
): { rreq: netfs_read_request; file: Uint8Array; folios: Folio[]; violations: Violation[] } {
  const folios = plan.orders.map((o) => folio_alloc(o));
  const total = folios.reduce((a, f) => a + f.size, 0);
  const file = pattern(total + PAGE_SIZE, 99);
  const rreq = netfs_read_request_alloc(0);
  let loaded = 0;
  const violations: Violation[] = [];
  const complete = (sub: netfs_io_subrequest, frac: number) => {
    const want = sub.len - sub.transferred;
    const n = frac >= 0.5 ? want : Math.floor(want * frac * 2);
    const extra = tooMuch ? 100 : 0;
    const from = sub.start + sub.transferred;
    netfs_read_subreq_terminated(
      rreq,
      sub,
      file.subarray(from, from + n + (n === want ? extra : 0)),
    );
  };
  for (const st of plan.steps) {
    const inProgress = rreq.subrequests.filter((s) => s.state === 'IN_PROGRESS');
    const retry = rreq.subrequests.filter((s) => s.state === 'NEED_RETRY');
    switch (st.kind) {
      case 0:
        if (loaded < folios.length) netfs_read_load_folio(rreq, folios[loaded++]!);
        break;
      case 1:
        netfs_read_dispatch(rreq, 1 + (st.a % (3 * PAGE_SIZE)));
        break;
      case 2:
        if (inProgress.length) complete(inProgress[st.a % inProgress.length]!, st.b);
        break;
      case 3:
        if (retry.length) netfs_retry_read_subrequest(retry[st.a % retry.length]!);
        break;
      default:
        netfs_read_collection(rreq);
    }
    violations.push(...readViolations(rreq));
    if (rreq.error) break;
  }
  // Finish: load everything, dispatch it, complete in full, collect.
  for (let guard = 0; !rreq.error && guard < 1000; guard++) {
    while (loaded < folios.length) netfs_read_load_folio(rreq, folios[loaded++]!);
    while (netfs_read_dispatch(rreq, 2 * PAGE_SIZE)) {}
    for (const s of rreq.subrequests) {
      if (s.state === 'NEED_RETRY') netfs_retry_read_subrequest(s);
      if (s.state === 'IN_PROGRESS') complete(s, 1);
    }
    netfs_read_collection(rreq);
    violations.push(...readViolations(rreq));
    if (rreq.subrequests.length === 0 && rreq.dispatched_to === rreq.loaded_to) break;
  }
  return { rreq, file, folios, violations };
}

function run<T>(faults: FaultName[], fn: () => T): T {
  return with_kernel(createKernel('bvecq-rfc', { faults }), fn);
}

/** A 3-page user buffer extracted into a chain, and the server's empty file. */
function begin() {
  const mm = mm_alloc();
  const size = 3 * PAGE_SIZE;
  const base = vm_mmap(mm, 0, size);
  const src = pattern(size, 5);
  write_user(mm, base, src);
  const iter = with_mm(mm, () => iov_iter_ubuf(1, base, size));
  return { wreq: netfs_unbuffered_write_begin(iter, 0), src, file: new Uint8Array(size) };
}

describe('bvecq buffered read', () => {
  it('random schedules keep collect <= dispatch <= load, unlock after collection, no free while referenced', () => {
    fc.assert(
      fc.property(readPlanArb, (plan) => {
        run([], () => {
          const { rreq, file, folios, violations } = driveRead(plan, false);
          expect(violations).toEqual([]);
          expect(rreq.error).toBe(0);
          expect(rreq.collected_to).toBe(rreq.loaded_to);
          // Every folio unlocked, holding the file's bytes.
          let at = 0;
          for (const f of folios) {
            expect(sameBytes(folioBytes(f), file.subarray(at, at + f.size))).toBe(true);
            at += f.size;
          }
          expect(rreq.folios.every((f) => !f.locked)).toBe(true);
          netfs_read_request_put(rreq);
          expect(bvecq_stats().live).toBe(0);
        });
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('bvecq_read_too_much: the fixed code fails the subrequest; the fault lets collection overtake dispatch', () => {
    const plan: ReadPlan = { orders: [0, 0, 0], steps: [{ kind: 0, a: 0, b: 0 }] };
    const fixed = run([], () => driveRead(plan, true));
    expect(fixed.rreq.error).toBe(-5);
    expect(fixed.violations).toEqual([]);
    const buggy = run(['bvecq_read_too_much'], () => driveRead(plan, true));
    expect(buggy.violations.map((x) => x.invariant)).toContain('bvecq_read_cursor_order');
  });
});

describe('bvecq_pos_advance past the end of the queue', () => {
  it('WARNs (as the later revisions do) and bvecq_read_cursor_order reports it; not with the check', () => {
    const overrun = (faults: FaultName[]) =>
      run(faults, () => {
        const rreq = netfs_read_request_alloc(0);
        netfs_read_load_folio(rreq, folio_alloc(0));
        const sub = netfs_read_dispatch(rreq, PAGE_SIZE)!;
        // The server answers two pages for a one-page subrequest.
        netfs_read_subreq_terminated(rreq, sub, new Uint8Array(2 * PAGE_SIZE).fill(7));
        netfs_read_collection(rreq);
        return {
          warned: current().warnings.filter((w) => w.message.startsWith(BVECQ_ADVANCE_PAST_END)),
          order: bvecq_read_cursor_order(rreq).filter((x) =>
            x.message.startsWith(BVECQ_ADVANCE_PAST_END),
          ),
          stoodAt: [rreq.collect_cursor.slot, rreq.collect_cursor.offset],
        };
      });
    expect(overrun([])).toEqual({ warned: [], order: [], stoodAt: [1, 0] });
    const buggy = overrun(['bvecq_read_too_much']);
    expect(buggy.warned.map((w) => w.kind)).toEqual(['bug']);
    expect(buggy.order.map((x) => x.invariant)).toEqual(['bvecq_read_cursor_order']);
    // The collector stays at the end of the last segment (the queue may still be extended).
    expect(buggy.stoodAt).toEqual([1, 0]);
  });
});

describe('bvecq_pos_advance_v3 ("[PATCH v3 09/22]": the slot test the wrong way round)', () => {
  it('a short DIO write WARNs at its collection and the cursor still lands right; over two segments the step skips the rest of the first', () => {
    // A 3-page write (one segment), first subrequest of two pages written short by one page:
    // the retry winds the dispatch cursor back to dispatch_pos and advances it by a page, from
    // slot 0, a slot in use of the last segment.
    const shortWrite = (faults: FaultName[]) =>
      run(faults, () => {
        const { wreq, src, file } = begin();
        const sub = netfs_unbuffered_write_dispatch(wreq, 2 * PAGE_SIZE)!;
        netfs_write_subreq_terminated(sub, PAGE_SIZE, file);
        netfs_unbuffered_write_retry(wreq, sub);
        const order = bvecq_write_cursor_order(wreq).map((x) => x.invariant);
        const pos = [sub.dispatch_pos.slot, sub.dispatch_pos.offset];
        netfs_write_subreq_terminated(sub, sub.len, file);
        netfs_unbuffered_write_collect(wreq);
        const last = netfs_unbuffered_write_dispatch(wreq, 2 * PAGE_SIZE)!;
        netfs_write_subreq_terminated(last, last.len, file);
        netfs_unbuffered_write_collect(wreq);
        netfs_unbuffered_write_end(wreq);
        return { order, pos, same: sameBytes(file, src) };
      });
    expect(shortWrite([])).toEqual({ order: [], pos: [1, 0], same: true });
    // v3: slot 0 is in use and the segment has no ->next: WARN_ON_ONCE(amount > 0), then the
    // slot is consumed as the fixed code does: the same position and bytes.
    expect(shortWrite(['bvecq_pos_advance_v3'])).toEqual({
      order: ['bvecq_write_cursor_order'],
      pos: [1, 0],
      same: true,
    });
    // Two segments: from slot 0 of the first (in use) v3 steps straight to the second.
    const jumped = run(['bvecq_pos_advance_v3'], () => {
      const head = netfs_alloc_bvecq_buffer(3 * PAGE_SIZE);
      const tail = netfs_alloc_bvecq_buffer(PAGE_SIZE);
      head.next = tail;
      tail.prev = head;
      tail.fpos = 3 * PAGE_SIZE;
      const pos: bvecq_pos = { bvecq: head, slot: 0, offset: 0 };
      netfs_get_bvecq(head);
      bvecq_pos_advance(pos, PAGE_SIZE);
      const at = [pos.bvecq === tail, pos.slot, pos.offset];
      bvecq_pos_detach(pos);
      netfs_free_bvecq_buffer(head);
      return at;
    });
    // Fixed: slot 1 of the first segment. v3: past the first segment's three pages, then one
    // page into the second (file position 4 pages instead of 1).
    expect(jumped).toEqual([true, 1, 0]);
  });
});

describe('bvecq_read_cursor_order: the outstanding subrequests tile [collect, dispatch)', () => {
  it('a too-much collection leaves the next subrequest behind the collector; the fixed code does not', () => {
    const tile = (faults: FaultName[]) =>
      run(faults, () => {
        const rreq = netfs_read_request_alloc(0);
        netfs_read_load_folio(rreq, folio_alloc(0));
        netfs_read_load_folio(rreq, folio_alloc(0));
        const first = netfs_read_dispatch(rreq, PAGE_SIZE)!;
        netfs_read_dispatch(rreq, PAGE_SIZE);
        const before = bvecq_read_cursor_order(rreq).map((x) => x.message);
        // The server answers two pages for the first one-page subrequest.
        netfs_read_subreq_terminated(rreq, first, new Uint8Array(2 * PAGE_SIZE).fill(7));
        netfs_read_collection(rreq);
        return {
          before,
          after: bvecq_read_cursor_order(rreq)
            .map((x) => x.message)
            .filter((m) => m.startsWith('outstanding')),
        };
      });
    expect(tile([])).toEqual({ before: [], after: [] });
    expect(tile(['bvecq_read_too_much'])).toEqual({
      before: [],
      after: [
        `outstanding subrequest 2 starts at ${PAGE_SIZE}, not at ${2 * PAGE_SIZE} (the collector)`,
      ],
    });
  });
});

describe('bvecq_collect_only_refs (PATCH 18/26 note (1): only the collector holds a ref)', () => {
  it('a dispatch cursor parked at the end of a segment points into it once the collector frees it', () => {
    const boundary = (faults: FaultName[]) =>
      run(faults, () => {
        const rreq = netfs_read_request_alloc(0);
        const first = rreq.load_cursor.bvecq!;
        // Fill the first segment, dispatch all of it: the slice ends at its end with no next
        // segment yet, so the dispatch cursor stays there.
        for (let x = 0; x < first.max_slots; x++) netfs_read_load_folio(rreq, folio_alloc(0));
        const sub = netfs_read_dispatch(rreq, first.max_slots * PAGE_SIZE)!;
        const parked = rreq.dispatch_cursor.bvecq === first;
        netfs_read_load_folio(rreq, folio_alloc(0)); // bvecq_buffer_make_space: segment 2
        netfs_read_subreq_terminated(rreq, sub, new Uint8Array(sub.len).fill(1));
        netfs_read_collection(rreq);
        return {
          parked,
          freed: first.freed,
          dispatchOnFreed: rreq.dispatch_cursor.bvecq?.freed === true,
          violations: readViolations(rreq).map((x) => x.invariant),
        };
      });
    // Every position holding a ref: the first segment outlives the collector's passage.
    expect(boundary([])).toEqual({
      parked: true,
      freed: false,
      dispatchOnFreed: false,
      violations: [],
    });
    const buggy = boundary(['bvecq_collect_only_refs']);
    expect([buggy.parked, buggy.freed, buggy.dispatchOnFreed]).toEqual([true, true, true]);
    expect(buggy.violations).toContain('bvecq_no_free_while_referenced');
  });
});

describe('bvecq DIO write in strict sequence', () => {
  const planArb = fc.record({
    size: fc.integer({ min: 1, max: 6 * PAGE_SIZE }),
    offset: fc.integer({ min: 0, max: PAGE_SIZE - 1 }),
    wsize: fc.integer({ min: 512, max: 3 * PAGE_SIZE }),
    shorts: fc.array(fc.double({ min: 0.25, max: 1, noNaN: true }), { maxLength: 30 }),
  });

  function driveWrite(
    p: { size: number; offset: number; wsize: number; shorts: number[] },
    parallel: boolean,
    copy = false,
  ) {
    const k = current();
    const mm = mm_alloc();
    const base = vm_mmap(mm, 0, p.size + p.offset);
    const src = pattern(p.size, p.size + 3);
    write_user(mm, base + p.offset, src);
    const iter = with_mm(mm, () => iov_iter_ubuf(1, base + p.offset, p.size));
    const file = new Uint8Array(p.size);
    const wreq = netfs_unbuffered_write_begin(iter, 0);
    const violations: Violation[] = [];
    let s = 0;
    for (let guard = 0; guard < 4 * p.size + 100 && wreq.collected_to < p.size; guard++) {
      const batch: netfs_io_subrequest[] = [];
      for (
        let d = netfs_unbuffered_write_dispatch(wreq, p.wsize, copy);
        d;
        d = netfs_unbuffered_write_dispatch(wreq, p.wsize, copy)
      ) {
        batch.push(d);
        if (!parallel) break;
      }
      // The server completes the batch in reverse order, some writes short (NEED_RETRY:
      // reissued from where they stopped until they are whole).
      for (const sub of batch.reverse()) {
        for (let tries = 0; sub.state !== 'DONE'; tries++) {
          if (sub.state === 'NEED_RETRY') netfs_unbuffered_write_retry(wreq, sub);
          const f = p.shorts[s++ % Math.max(1, p.shorts.length)] ?? 1;
          const want = sub.len - sub.transferred;
          const n = f > 0.6 || tries > 20 ? want : Math.max(1, Math.floor(want * f));
          netfs_write_subreq_terminated(sub, n, file);
        }
      }
      netfs_unbuffered_write_collect(wreq);
      violations.push(...bvecq_write_cursor_order(wreq));
      violations.push(...bvecq_no_free_while_referenced([wreq.dispatch_cursor], [wreq.buffer]));
    }
    const done = wreq.collected_to;
    netfs_unbuffered_write_end(wreq);
    return { file, src, violations, done, k };
  }

  it('random sizes, wsize and short writes: sequence kept, data written, pins balanced, buffer freed', () => {
    fc.assert(
      fc.property(planArb, (p) => {
        run([], () => {
          const { file, src, violations, done, k } = driveWrite(p, true);
          expect(violations).toEqual([]);
          expect(done).toBe(p.size);
          expect(sameBytes(file, src)).toBe(true);
          expect(k.vmstat.nr_foll_pin_acquired).toBeGreaterThan(0);
          expect(k.vmstat.nr_foll_pin_released).toBe(k.vmstat.nr_foll_pin_acquired);
          expect(bvecq_stats().live).toBe(0);
        });
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('with the filesystem copying each subchain (bvecq_extract): same bytes written, the copies unpin nothing and are all freed', () => {
    const bigArb = fc.record({
      size: fc.integer({ min: 1, max: 40 * PAGE_SIZE }),
      offset: fc.integer({ min: 0, max: PAGE_SIZE - 1 }),
      wsize: fc.integer({ min: 512, max: 40 * PAGE_SIZE }),
      shorts: fc.array(fc.double({ min: 0.25, max: 1, noNaN: true }), { maxLength: 30 }),
    });
    fc.assert(
      fc.property(bigArb, (p) => {
        run([], () => {
          const { file, src, violations, done, k } = driveWrite(p, false, true);
          expect(violations).toEqual([]);
          expect(done).toBe(p.size);
          expect(sameBytes(file, src)).toBe(true);
          expect(k.vmstat.nr_foll_pin_released).toBe(k.vmstat.nr_foll_pin_acquired);
          expect(bvecq_stats().live).toBe(0);
        });
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('bvecq_extract of 30 pages: netfs_alloc_bvecq chains a second segment; the copy holds no pin', () => {
    run([], () => {
      const k = current();
      const size = 30 * PAGE_SIZE;
      const mm = mm_alloc();
      const base = vm_mmap(mm, 0, size);
      const src = pattern(size, 9);
      write_user(mm, base, src);
      const iter = with_mm(mm, () => iov_iter_ubuf(1, base, size));
      const wreq = netfs_unbuffered_write_begin(iter, 0);
      const pinned = k.vmstat.nr_foll_pin_acquired - k.vmstat.nr_foll_pin_released;
      expect(pinned).toBe(30);
      const sub = netfs_unbuffered_write_dispatch(wreq, size, true)!;
      const copy = sub.content!;
      expect([copy.max_slots, copy.nr_slots, copy.next?.max_slots, copy.next?.nr_slots]).toEqual([
        29, 29, 1, 1,
      ]);
      const file = new Uint8Array(size);
      netfs_write_subreq_terminated(sub, PAGE_SIZE, file); // short: a retry copies the rest
      netfs_unbuffered_write_retry(wreq, sub);
      expect(copy.freed && copy.next?.freed).toBe(true);
      expect([sub.content?.nr_slots, sub.content?.next]).toEqual([29, null]);
      expect(k.vmstat.nr_foll_pin_acquired - k.vmstat.nr_foll_pin_released).toBe(30);
      netfs_write_subreq_terminated(sub, sub.len, file);
      netfs_unbuffered_write_collect(wreq);
      expect(sameBytes(file, src)).toBe(true);
      netfs_unbuffered_write_end(wreq);
      expect(k.vmstat.nr_foll_pin_released).toBe(k.vmstat.nr_foll_pin_acquired);
      expect(bvecq_stats().live).toBe(0);
    });
  });

  it('netfs_alloc_bvecq_buffer: 30 pages in 29 + 1 ALLOCED slots (2 pre_slots left empty), freed back to the allocator, never unpinned', () => {
    run([], () => {
      const k = current();
      const live = k.live_folios.size;
      const bq = netfs_alloc_bvecq_buffer(30 * PAGE_SIZE - 100, 2);
      expect([bq.mem_type, bq.max_slots, bq.nr_slots, bq.bv[0], bq.next?.nr_slots]).toEqual([
        'ALLOCED',
        29,
        29,
        undefined,
        3,
      ]);
      expect(k.live_folios.size).toBe(live + 30);
      const pages = [...bq.bv.slice(2), ...(bq.next?.bv ?? [])].map((b) => b.bv_page);
      netfs_free_bvecq_buffer(bq);
      expect(pages.every((p) => p.folio.freed)).toBe(true);
      expect(k.live_folios.size).toBe(live);
      expect(k.vmstat.nr_foll_pin_released).toBe(0);
      expect(bvecq_stats().live).toBe(0);
      // An empty buffer is one empty segment.
      const empty = netfs_alloc_bvecq_buffer(0);
      expect([empty.nr_slots, empty.next]).toEqual([0, null]);
      netfs_put_bvecq(empty);
    });
  });

  it('smb3_sealed_send: a 30-page subrequest goes out of a bounce buffer, byte for byte; the bounce pages are freed, the user pages stay pinned', () => {
    run([], () => {
      const k = current();
      const size = 30 * PAGE_SIZE;
      const mm = mm_alloc();
      const base = vm_mmap(mm, 0, size);
      const src = pattern(size, 11);
      write_user(mm, base, src);
      const wreq = netfs_unbuffered_write_begin(
        with_mm(mm, () => iov_iter_ubuf(1, base, size)),
        0,
      );
      const sub = netfs_unbuffered_write_dispatch(wreq, size)!;
      const live = k.live_folios.size;
      sub.wire = netfs_with_subreq_source(sub, (it) => smb3_sealed_send(it, sub.len));
      expect(sameBytes(sub.wire, src)).toBe(true);
      expect(k.live_folios.size).toBe(live);
      expect(k.vmstat.nr_foll_pin_acquired - k.vmstat.nr_foll_pin_released).toBe(30);
      const file = new Uint8Array(size);
      netfs_write_subreq_terminated(sub, size, file);
      expect(sameBytes(file, src)).toBe(true);
      netfs_unbuffered_write_collect(wreq);
      netfs_unbuffered_write_end(wreq);
      expect(k.vmstat.nr_foll_pin_released).toBe(k.vmstat.nr_foll_pin_acquired);
      expect(bvecq_stats().live).toBe(0);
    });
  });

  it('bvecq_unordered_dio_write: back-to-back dispatch is caught by the cursor-order invariant', () => {
    const p = { size: 4 * PAGE_SIZE, offset: 0, wsize: PAGE_SIZE, shorts: [0.3, 1, 1, 1] };
    expect(run([], () => driveWrite(p, true)).violations).toEqual([]);
    const buggy = run(['bvecq_unordered_dio_write'], () => driveWrite(p, true));
    expect(buggy.violations.map((x) => x.invariant)).toContain('bvecq_write_cursor_order');
  });
});

describe('bvecq DIO write errors and retries', () => {
  it('-EAGAIN and a short write need a retry, reissued from dispatch_pos + transferred', () => {
    run([], () => {
      const { wreq, src, file } = begin();
      const sub = netfs_unbuffered_write_dispatch(wreq, 2 * PAGE_SIZE)!;
      netfs_write_subreq_terminated(sub, -EAGAIN, file);
      expect(sub.state).toBe('NEED_RETRY');
      netfs_unbuffered_write_retry(wreq, sub);
      netfs_write_subreq_terminated(sub, 100, file);
      expect([sub.state, sub.transferred]).toEqual(['NEED_RETRY', 100]);
      netfs_unbuffered_write_retry(wreq, sub);
      expect([sub.start, sub.len, sub.retry_count, wreq.dispatched_to]).toEqual([
        100,
        2 * PAGE_SIZE - 100,
        2,
        2 * PAGE_SIZE,
      ]);
      netfs_write_subreq_terminated(sub, sub.len, file);
      netfs_unbuffered_write_collect(wreq);
      expect([wreq.collected_to, wreq.transferred]).toEqual([2 * PAGE_SIZE, 2 * PAGE_SIZE]);
      expect(sameBytes(file.subarray(0, 2 * PAGE_SIZE), src.subarray(0, 2 * PAGE_SIZE))).toBe(true);
      expect(() => netfs_unbuffered_write_retry(wreq, sub)).toThrow(/does not need a retry/);
      netfs_unbuffered_write_end(wreq);
      expect(current().vmstat.nr_foll_pin_released).toBe(current().vmstat.nr_foll_pin_acquired);
    });
  });

  it('bvecq_pos_advance_v1: a short write of a subrequest starting inside a slot leaves the dispatch cursor behind', () => {
    // A 3-page buffer 100 bytes into its first page (slots of 4096 - 100, 4096, 4096, 100): the
    // second one-page-plus subrequest starts 100 bytes into slot 1. One page of it is written
    // short; the retry winds the dispatch cursor back to its dispatch_pos and advances it by
    // 4096. Fixed: it lands 100 bytes into slot 2, where dispatched_to says, and the bytes
    // written are the user's. RFC v1's test stops it at the end of slot 1, 100 bytes short.
    const drive = (faults: FaultName[]) =>
      run(faults, () => {
        const mm = mm_alloc();
        const size = 3 * PAGE_SIZE;
        const base = vm_mmap(mm, 0, size + PAGE_SIZE);
        const src = pattern(size, 9);
        write_user(mm, base + 100, src);
        const iter = with_mm(mm, () => iov_iter_ubuf(1, base + 100, size));
        const file = new Uint8Array(size);
        const wreq = netfs_unbuffered_write_begin(iter, 0);
        const first = netfs_unbuffered_write_dispatch(wreq, PAGE_SIZE)!;
        netfs_write_subreq_terminated(first, PAGE_SIZE, file);
        netfs_unbuffered_write_collect(wreq);
        const sub = netfs_unbuffered_write_dispatch(wreq, 2 * PAGE_SIZE)!;
        netfs_write_subreq_terminated(sub, PAGE_SIZE, file);
        netfs_unbuffered_write_retry(wreq, sub);
        const violations = bvecq_write_cursor_order(wreq);
        const pos = [sub.dispatch_pos.slot, sub.dispatch_pos.offset];
        // The v1 reissue would send from the end of slot 1 (the reference's ITER_BVECQ walk
        // does not take a position at the end of its slot), so only the fixed one is sent.
        let same: boolean | null = null;
        if (violations.length === 0) {
          netfs_write_subreq_terminated(sub, sub.len, file);
          netfs_unbuffered_write_collect(wreq);
          same = sameBytes(file, src);
        }
        netfs_unbuffered_write_end(wreq);
        return { violations, same, pos };
      });
    expect(drive([])).toEqual({ violations: [], same: true, pos: [2, 100] });
    const buggy = drive(['bvecq_pos_advance_v1']);
    expect(buggy.violations.map((x) => x.message)).toEqual([
      `dispatch cursor stands at file position ${3 * PAGE_SIZE - 100} but dispatched_to says ${3 * PAGE_SIZE}`,
    ]);
    // The reissue's buffer starts at the end of slot 1: 100 bytes before its range.
    expect(buggy.pos).toEqual([1, PAGE_SIZE]);
  });

  it('the last subrequest gets what is left of the chain; a slice of nothing ends the dispatch loop', () => {
    run([], () => {
      const { wreq, src, file } = begin();
      const a = netfs_unbuffered_write_dispatch(wreq, 2 * PAGE_SIZE)!;
      netfs_write_subreq_terminated(a, a.len, file);
      netfs_unbuffered_write_collect(wreq);
      // wsize 2 pages with one page left: bvecq_slice() stops at the end of the chain.
      const b = netfs_unbuffered_write_dispatch(wreq, 2 * PAGE_SIZE)!;
      expect([b.start, b.len, wreq.dispatched_to]).toEqual([
        2 * PAGE_SIZE,
        PAGE_SIZE,
        3 * PAGE_SIZE,
      ]);
      netfs_write_subreq_terminated(b, b.len, file);
      netfs_unbuffered_write_collect(wreq);
      const refs = wreq.buffer!.ref;
      expect(netfs_unbuffered_write_dispatch(wreq, 2 * PAGE_SIZE)).toBeNull();
      // The unused subrequest's position was detached again.
      expect(wreq.buffer!.ref).toBe(refs);
      expect(wreq.dispatch_log.map((d) => d.debug_index)).toEqual([1, 2]);
      netfs_unbuffered_write_end(wreq);
      expect(sameBytes(file, src)).toBe(true);
      expect(bvecq_stats().live).toBe(0);
      expect(current().vmstat.nr_foll_pin_released).toBe(current().vmstat.nr_foll_pin_acquired);
    });
  });

  it('a user buffer that cannot be pinned (-EFAULT) fails the request with no chain and nothing pinned', () => {
    run([], () => {
      const mm = mm_alloc();
      const size = 3 * PAGE_SIZE;
      const base = vm_mmap(mm, 0, size);
      expect(vm_munmap(mm, base, size)).toBe(0);
      const iter = with_mm(mm, () => iov_iter_ubuf(1, base, size));
      const wreq = with_mm(mm, () => netfs_unbuffered_write_begin(iter, 0));
      expect([wreq.error, wreq.len, wreq.buffer, wreq.dispatch_cursor.bvecq]).toEqual([
        -EFAULT,
        0,
        null,
        null,
      ]);
      expect(bvecq_no_leaked_segments()).toEqual([]);
      expect(netfs_unbuffered_write_dispatch(wreq, PAGE_SIZE)).toBeNull();
      netfs_unbuffered_write_end(wreq);
      expect(current().vmstat.nr_foll_pin_acquired).toBe(0);
      expect(bvecq_write_cursor_order(wreq)).toEqual([]);
    });
  });

  it('an ENOSPC fails the request: nothing more is dispatched, the rest is released unwritten', () => {
    run([], () => {
      const { wreq, file } = begin();
      const sub = netfs_unbuffered_write_dispatch(wreq, PAGE_SIZE)!;
      netfs_write_subreq_terminated(sub, -ENOSPC, file);
      expect(sub.state).toBe('FAILED');
      netfs_unbuffered_write_collect(wreq);
      expect([wreq.error, wreq.collected_to, wreq.abandon_to]).toEqual([-ENOSPC, 0, PAGE_SIZE]);
      expect(netfs_unbuffered_write_dispatch(wreq, PAGE_SIZE)).toBeNull();
      netfs_unbuffered_write_end(wreq);
      expect(wreq.collect_log).toEqual([
        { start: 0, end: PAGE_SIZE, ok: false },
        { start: PAGE_SIZE, end: 3 * PAGE_SIZE, ok: false },
      ]);
      expect(file.every((b) => b === 0)).toBe(true);
      expect(current().vmstat.nr_foll_pin_released).toBe(current().vmstat.nr_foll_pin_acquired);
      expect(bvecq_stats().live).toBe(0);
      expect(() => netfs_unbuffered_write_dispatch(wreq, PAGE_SIZE)).toThrow(/has ended/);
    });
  });

  it('bvecq_unordered_dio_write: a later piece lands after an earlier one failed (the hole check can fail)', () => {
    const hole = (faults: FaultName[]) =>
      run(faults, () => {
        const { wreq, file } = begin();
        const a = netfs_unbuffered_write_dispatch(wreq, PAGE_SIZE)!;
        const b = netfs_unbuffered_write_dispatch(wreq, PAGE_SIZE);
        if (b) netfs_write_subreq_terminated(b, PAGE_SIZE, file);
        netfs_write_subreq_terminated(a, -ENOSPC, file);
        netfs_unbuffered_write_collect(wreq);
        return bvecq_no_write_hole(wreq);
      });
    expect(hole([])).toEqual([]);
    expect(hole(['bvecq_unordered_dio_write']).map((x) => x.invariant)).toEqual([
      'bvecq_no_write_hole',
    ]);
  });
});

describe('bvecq references', () => {
  it('a segment still live after its request ended is a leak (the check can fail)', () => {
    run([], () => {
      const owner: bvecq_pos = { bvecq: null, slot: 0, offset: 0 };
      bvecq_buffer_init(owner);
      const leaked = bvecq_no_leaked_segments();
      expect(leaked.map((x) => x.invariant)).toEqual(['bvecq_no_leaked_segments']);
      netfs_put_bvecq(owner.bvecq);
      expect(bvecq_no_leaked_segments()).toEqual([]);
    });
  });

  it('a position that does not hold its ref sees its segment freed under it (the check can fail)', () => {
    run([], () => {
      const owner: bvecq_pos = { bvecq: null, slot: 0, offset: 0 };
      bvecq_buffer_init(owner);
      const stray: bvecq_pos = { bvecq: owner.bvecq, slot: 0, offset: 0 }; // no netfs_get_bvecq()
      expect(bvecq_no_free_while_referenced([owner, stray], [owner.bvecq])).not.toEqual([]);
      netfs_put_bvecq(owner.bvecq);
      const v = bvecq_no_free_while_referenced([stray], []);
      expect(v.map((x) => x.invariant)).toContain('bvecq_no_free_while_referenced');
    });
  });
});
