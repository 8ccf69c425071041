// pinned_pages_exclusive (invariants/mm.ts; mm/gup.c sanity_check_pinned_pages): an anonymous
// folio holding a FOLL_PIN stays PageAnonExclusive. The fork of 6.12 copies a maybe-pinned
// exclusive page for the child (copy_present_pte -> copy_present_page) and keeps it; the
// pre-5.9 fork (fault fork_share_pinned) COW-shares it, clearing PageAnonExclusive; FOLL_GET
// (6.1 block DIO) takes references, not pins.
import { describe, expect, it } from 'vitest';
import { DioForkRace } from '../../src/block/dio_fork_race.ts';
import { pinned_pages_exclusive } from '../../src/invariants/index.ts';
import { createKernel, type Kernel } from '../../src/kernel.ts';
import { pte_lookup } from '../../src/mm/mmap.ts';

function raceForkInFlight(k: Kernel) {
  const race = new DioForkRace(k, { nr_pages: 1, device: new Uint8Array(512).fill(0x5a) });
  race.read(1, 0, race.buf, 512);
  const child = race.fork();
  return { race, child };
}

describe('pinned_pages_exclusive', () => {
  it('holds on 6.12: fork copies the pinned page for the child, the parent keeps it exclusive', () => {
    const k = createKernel('linux-6.12');
    const { race, child } = raceForkInFlight(k);
    const page = pte_lookup(race.parent, race.buf)?.page;
    expect(page?.folio.gup_pins).toBe(1);
    expect(page?.anon_exclusive).toBe(true);
    expect(pte_lookup(child, race.buf)?.page).not.toBe(page);
    expect(pinned_pages_exclusive(k)).toEqual([]);
    race.complete(1);
    race.exit();
    expect(pinned_pages_exclusive(k)).toEqual([]);
  });

  it('reports the pinned page the pre-5.9 fork shares, until its pin is released', () => {
    const k = createKernel('linux-6.12', { faults: ['fork_share_pinned'] });
    const { race, child } = raceForkInFlight(k);
    const page = pte_lookup(race.parent, race.buf)?.page;
    expect(pte_lookup(child, race.buf)?.page).toBe(page);
    expect(page?.anon_exclusive).toBe(false);
    expect(pinned_pages_exclusive(k)).toEqual([
      {
        invariant: 'pinned_pages_exclusive',
        message: `anonymous folio ${page?.folio.pfn} is FOLL_PIN pinned and not PageAnonExclusive`,
      },
    ]);
    race.complete(1); // the bio's completion unpins: nothing pinned is shared any more
    expect(page?.folio.gup_pins).toBe(0);
    expect(pinned_pages_exclusive(k)).toEqual([]);
    race.exit();
  });

  it('does not hold FOLL_GET references to it (6.1 block DIO shares the page at fork)', () => {
    const k = createKernel('linux-6.1');
    const { race, child } = raceForkInFlight(k);
    const page = pte_lookup(race.parent, race.buf)?.page;
    expect(pte_lookup(child, race.buf)?.page).toBe(page);
    expect(page?.folio.gup_refs).toBe(1);
    expect(page?.anon_exclusive).toBe(false);
    expect(pinned_pages_exclusive(k)).toEqual([]);
    race.complete(1);
    race.exit();
  });
});
