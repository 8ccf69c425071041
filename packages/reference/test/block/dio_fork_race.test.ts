import { describe, expect, it } from 'vitest';
import { DioForkRace, dio_fork_race } from '../../src/block/dio_fork_race.ts';
import { mm_invariants_at_quiescence } from '../../src/invariants/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { PAGE_SIZE } from '../../src/mm/constants.ts';
import { read_user } from '../../src/mm/memory.ts';
import { MADV_WIPEONFORK, pte_lookup } from '../../src/mm/mmap.ts';

describe('DIO read vs fork (kernel-facts: 6.1 loses 60/60, 6.12 loses 0/60)', () => {
  it("linux-6.1: the parent loses the data and the child's copy holds it", () => {
    const k = createKernel('linux-6.1');
    const r = dio_fork_race(k);
    expect(r.res).toBe(512);
    expect(r.parentSeesData).toBe(false);
    expect(r.childSeesData).toBe(true);
    expect(r.pinsAcquired).toBe(0); // FOLL_GET: the pin counters do not move
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  it('linux-6.12: the parent keeps the data, the child has the pre-read copy', () => {
    const k = createKernel('linux-6.12');
    const r = dio_fork_race(k);
    expect(r.res).toBe(512);
    expect(r.parentSeesData).toBe(true);
    expect(r.childSeesData).toBe(false);
    expect(r.pinsAcquired).toBe(1);
    expect(r.pinsReleased).toBe(1);
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  it('bvecq-rfc pins like 6.12', () => {
    expect(dio_fork_race(createKernel('bvecq-rfc')).parentSeesData).toBe(true);
  });

  it('the legacy_foll_get_dio fault brings the 6.1 outcome back on 6.12', () => {
    const k = createKernel('linux-6.12', { faults: ['legacy_foll_get_dio'] });
    const r = dio_fork_race(k);
    expect(r.parentSeesData).toBe(false);
    expect(r.pinsAcquired).toBe(0);
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  it('the fork_share_pinned fault (pre-5.9 fork) loses the data despite the pin', () => {
    const r = dio_fork_race(createKernel('linux-6.12', { faults: ['fork_share_pinned'] }));
    expect(r.parentSeesData).toBe(false);
  });

  it('without the race (fork after completion) every profile keeps the data', () => {
    for (const p of ['linux-6.1', 'linux-6.12'] as const) {
      const k = createKernel(p);
      const r = dio_fork_race(k, { fork_in_flight: false });
      expect(r.parentSeesData).toBe(true);
      expect(r.childSeesData).toBe(true);
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    }
  });

  it('without the parent write, 6.1 keeps the data in the parent too (the write triggers the COW)', () => {
    const r = dio_fork_race(createKernel('linux-6.1'), { parent_writes: false });
    expect(r.parentSeesData).toBe(true);
  });
});

describe('munmap of the buffer while a read is in flight (do_vmi_munmap -> zap_pte_range)', () => {
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: the read's hold keeps the unmapped page until completion, then it is freed`, () => {
      const k = createKernel(profile);
      const race = new DioForkRace(k, { nr_pages: 1, device: new Uint8Array(512).fill(0x5a) });
      race.read(1, 0, race.buf, 512);
      const frames = k.live_folios.size;
      race.munmap(race.buf, PAGE_SIZE);
      expect(pte_lookup(race.parent, race.buf)).toBeUndefined();
      expect(race.parent.vmas).toEqual([]);
      // A store there has no vma: copy_to_user stores nothing (the user's SIGSEGV).
      expect(race.try_write('P', race.buf, Uint8Array.of(1))).toBe(1);
      expect(() => race.write('P', race.buf, Uint8Array.of(1))).toThrow(/write by P faulted/);
      expect(k.live_folios.size).toBe(frames); // the pin (6.12) or ref (6.1) holds it
      expect(race.complete(1)).toBe(512); // the DMA lands in a page nobody maps
      expect(k.live_folios.size).toBe(frames - 1);
      expect(k.warnings).toEqual([]);
      race.exit();
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  }

  it("after fork, the page the child shares stays the child's and holds the read on 6.1", () => {
    const k = createKernel('linux-6.1');
    const race = new DioForkRace(k, { nr_pages: 1, device: new Uint8Array(512).fill(0x5a) });
    race.read(1, 0, race.buf, 512);
    const child = race.fork(); // FOLL_GET: shared, write-protected in both
    race.munmap(race.buf, PAGE_SIZE);
    expect(race.complete(1)).toBe(512);
    with_kernel(k, () =>
      expect(read_user(child, race.buf, 512)).toEqual(new Uint8Array(512).fill(0x5a)),
    );
    expect(() => race.munmap(race.buf + 1, PAGE_SIZE)).toThrow(/munmap failed/);
    race.exit();
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });
});

describe("the child's read of a wiped page (MADV_WIPEONFORK: do_anonymous_page, wp_page_copy)", () => {
  it('maps the zero page read-only; the write fault then copies it to a zeroed page', () => {
    const k = createKernel('linux-6.12');
    const race = new DioForkRace(k, {
      nr_pages: 1,
      device: new Uint8Array(512).fill(0x5a),
      advice: MADV_WIPEONFORK,
    });
    const child = race.fork();
    expect(race.load('C', race.buf + 3072, 1)).toEqual(Uint8Array.of(0));
    const zero = pte_lookup(child, race.buf);
    expect(zero?.page.folio.is_zero).toBe(true);
    expect(zero?.write).toBe(false);
    race.write('C', race.buf + 3072, Uint8Array.of(0x43));
    const copy = pte_lookup(child, race.buf);
    expect(copy?.page.folio.is_zero).toBe(false);
    expect(copy?.write).toBe(true);
    expect(race.load('C', race.buf + 3071, 2)).toEqual(Uint8Array.of(0, 0x43));
    race.exit();
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });
});

describe('a buffer page only loaded before the race (loaded_pages: the zero page)', () => {
  it('fork copies no pte of a vma only ever read (no anon_vma): the child faults its own; stores copy', () => {
    const k = createKernel('linux-6.12');
    const race = new DioForkRace(k, { nr_pages: 1, device: new Uint8Array(512), loaded_pages: 1 });
    expect(pte_lookup(race.parent, race.buf)?.page.folio.is_zero).toBe(true);
    expect(race.parent.vmas[0]?.anon_vma).toBe(false); // the zero page comes before anon_vma_prepare
    expect(k.live_folios.size).toBe(0);
    const child = race.fork();
    // vma_needs_copy: no anon_vma, so copy_page_range copies nothing; the child has the vma only.
    expect(pte_lookup(child, race.buf)).toBeUndefined();
    expect(child.vmas.length).toBe(1);
    expect(race.load('C', race.buf, 1)).toEqual(Uint8Array.of(0)); // its own read fault: zero page
    expect(pte_lookup(child, race.buf)?.page.folio.is_zero).toBe(true);
    expect(k.live_folios.size).toBe(0);
    race.write('P', race.buf + 2048, Uint8Array.of(0x50)); // do_wp_page -> wp_page_copy
    race.write('C', race.buf + 3072, Uint8Array.of(0x43));
    expect(k.live_folios.size).toBe(2);
    expect(race.load('P', race.buf + 2048, 1025)[1024]).toBe(0); // no CW in the parent
    expect(race.load('C', race.buf + 2048, 1)).toEqual(Uint8Array.of(0)); // no PW in the child
    race.exit();
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  it('with another page of the vma stored to (an anon_vma), fork copies the zero-page pte too', () => {
    const k = createKernel('linux-6.12');
    const race = new DioForkRace(k, { nr_pages: 2, device: new Uint8Array(512), loaded_pages: 1 });
    expect(race.parent.vmas[0]?.anon_vma).toBe(true);
    const child = race.fork();
    const zero = pte_lookup(child, race.buf + PAGE_SIZE);
    expect(zero?.page.folio.is_zero).toBe(true); // copy_present_pte: the same zero pfn
    expect(zero?.write).toBe(false);
    expect(pte_lookup(child, race.buf)?.page).toBe(pte_lookup(race.parent, race.buf)?.page);
    race.exit();
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: an O_DIRECT read into it breaks the zero page first (FOLL_WRITE), the data lands`, () => {
      const k = createKernel(profile);
      const device = new Uint8Array(512).fill(0xd1);
      const race = new DioForkRace(k, { nr_pages: 1, device, loaded_pages: 1 });
      race.read(1, 0, race.buf, 512);
      const pte = pte_lookup(race.parent, race.buf);
      expect(pte?.page.folio.is_zero).toBe(false);
      expect(pte?.write).toBe(true);
      expect(race.complete(1)).toBe(512);
      expect(race.load('P', race.buf, 512)).toEqual(device);
      expect(k.zero_page?.folio.gup_pins ?? 0).toBe(0);
      race.exit();
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  }
});

describe('O_DIRECT write after fork (a read-only pin: gup_must_unshare -> FAULT_FLAG_UNSHARE)', () => {
  const STORE = 2048;
  const run = (profile: 'linux-6.1' | 'linux-6.12', childExitsFirst: boolean) => {
    const k = createKernel(profile);
    const race = new DioForkRace(k, { nr_pages: 1, device: new Uint8Array(2 * PAGE_SIZE) });
    const child = race.fork(); // nothing pinned yet: the page is COW-shared, write-protected
    const shared = pte_lookup(race.parent, race.buf)?.page;
    if (childExitsFirst) race.exit_child(); // mapped once now: refcount 1
    race.dio_write(1, PAGE_SIZE, race.buf, PAGE_SIZE);
    // The parent's pte right after submission (a copy: the store below changes the pte).
    const at = pte_lookup(race.parent, race.buf);
    const src = at === undefined ? undefined : { ...at };
    race.write('P', race.buf + STORE, Uint8Array.of(0x50)); // the parent's store, in flight
    expect(race.complete(1)).toBe(PAGE_SIZE);
    const got = race.bdev.read(PAGE_SIZE + STORE, 1)[0];
    const out = { k, child, shared, src, got };
    race.exit();
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
    return out;
  };

  it('linux-6.12: the parent gets a read-only exclusive copy, pinned; its store reaches the device', () => {
    const { k, shared, src, got } = run('linux-6.12', false);
    expect(src?.page).not.toBe(shared); // wp_page_copy(unshare)
    expect(src?.write).toBe(false); // unshare maps the copy read-only
    expect(src?.dirty).toBe(false);
    expect(k.vmstat.nr_foll_pin_acquired).toBe(1);
    expect(got).toBe(0x50);
  });

  it('linux-6.12: a page mapped once is reused in place (do_wp_page reuse under FAULT_FLAG_UNSHARE)', () => {
    const { shared, src, got } = run('linux-6.12', true);
    expect(src?.page).toBe(shared);
    expect(src?.page.anon_exclusive).toBe(true);
    expect(src?.write).toBe(false); // unshare leaves the pte as it was
    expect(got).toBe(0x50);
  });

  it("linux-6.1: FOLL_GET refs the shared page; the parent's store copies it away from the DMA", () => {
    const { k, shared, src, got } = run('linux-6.1', false);
    expect(src?.page).toBe(shared); // no unshare without FOLL_PIN
    expect(k.vmstat.nr_foll_pin_acquired).toBe(0);
    expect(got).toBe(0);
  });
});

describe('a MAP_PRIVATE file buffer (file_bytes): page 0 stored to, page 1 only loaded', () => {
  const FILE = 0x46;
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: an O_DIRECT write from the page-cache page across fork sends the file's bytes`, () => {
      const k = createKernel(profile);
      const race = new DioForkRace(k, {
        nr_pages: 2,
        device: new Uint8Array(2 * PAGE_SIZE),
        loaded_pages: 1,
        file_bytes: new Uint8Array(2 * PAGE_SIZE).fill(FILE),
      });
      const p1 = race.buf + PAGE_SIZE;
      // do_cow_fault: page 0 is a private anonymous copy; do_read_fault: page 1 maps the
      // page-cache page itself, read-only.
      const cached = pte_lookup(race.parent, p1);
      expect(pte_lookup(race.parent, race.buf)?.page.folio.anon).toBe(true);
      expect(cached?.page.folio.anon).toBe(false);
      expect(cached?.page.folio.mapping).not.toBe(null);
      expect(cached?.write).toBe(false);
      race.dio_write(1, PAGE_SIZE, p1, PAGE_SIZE); // R/O GUP: no unshare of a page-cache page
      expect(pte_lookup(race.parent, p1)?.page).toBe(cached?.page);
      const child = race.fork();
      // copy_present_pte: not anonymous, so no copy even when pinned: the child maps it too.
      const inChild = pte_lookup(child, p1);
      expect(inChild?.page).toBe(cached?.page);
      expect(inChild?.write).toBe(false);
      race.write('P', p1 + 2048, Uint8Array.of(0x50)); // do_wp_page -> wp_page_copy
      race.write('C', p1 + 3072, Uint8Array.of(0x43));
      expect(pte_lookup(race.parent, p1)?.page.folio.anon).toBe(true);
      expect(pte_lookup(child, p1)?.page.folio.anon).toBe(true);
      expect(race.load('P', p1 + 2048, 1)).toEqual(Uint8Array.of(0x50));
      expect(race.load('C', p1 + 2048, 1)).toEqual(Uint8Array.of(FILE));
      expect(race.complete(1)).toBe(PAGE_SIZE);
      // The device got the page-cache page: the file's bytes, no store of either process.
      expect(race.bdev.read(PAGE_SIZE, PAGE_SIZE)).toEqual(new Uint8Array(PAGE_SIZE).fill(FILE));
      expect(k.vmstat.nr_foll_pin_acquired).toBe(profile === 'linux-6.12' ? 1 : 0);
      race.exit();
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  }
});

// The race on a page of an anonymous THP (ForkRace HugeBuffer): mm/huge_memory.c copy_huge_pmd
// splits a maybe-pinned THP and copies its pages for the child (FOLL_PIN), shares it otherwise
// (6.1's FOLL_GET: a large folio counts pins only in _pincount); a store to a shared page of it
// copies that one page (do_wp_page never reuses a large folio's page), Debian 6.1.192, 6.12.117.
describe('DIO read vs fork on a transparent huge page (huge_order 9)', () => {
  const device = new Uint8Array(PAGE_SIZE).fill(0xd1);
  for (const [profile, keeps] of [
    ['linux-6.1', false],
    ['linux-6.12', true],
  ] as const) {
    it(`${profile}: the parent ${keeps ? 'keeps' : 'loses'} the data read into the THP`, () => {
      const k = createKernel(profile);
      const race = new DioForkRace(k, { nr_pages: 1, device, huge_order: 9 });
      const thp = pte_lookup(race.parent, race.buf)?.page.folio;
      expect(thp?.order).toBe(9);
      expect(race.buf % (512 * PAGE_SIZE)).toBe(0);
      race.read(1, 0, race.buf, 512);
      const child = race.fork();
      // FOLL_PIN: every exclusive page of the THP was copied for the child; FOLL_GET: shared.
      expect(child.ptes.get(race.buf / PAGE_SIZE + 7)?.page.folio === thp).toBe(!keeps);
      race.write('P', race.buf + 2048, Uint8Array.of(0x50));
      expect(race.complete(1)).toBe(512);
      expect(read_user(race.parent, race.buf, 1)[0] === 0xd1).toBe(keeps);
      expect(read_user(child, race.buf, 1)[0] === 0xd1).toBe(!keeps);
      // The child's store to its shared page 0 (6.1) copies it too: the THP is never reused.
      race.write('C', race.buf + 3072, Uint8Array.of(0x43));
      expect(pte_lookup(child, race.buf)?.page.folio === thp).toBe(false);
      expect(pte_lookup(child, race.buf)?.page.folio.order).toBe(0);
      expect(k.warnings).toEqual([]);
    });
  }
});
