import { describe, expect, it } from 'vitest';
import { dio_fork_race } from '../../src/block/dio_fork_race.ts';
import { mm_invariants_at_quiescence } from '../../src/invariants/index.ts';
import { createKernel } from '../../src/kernel.ts';

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
