// A failed buffered read over a bvecq buffer: the collector consumes the failed front and
// unlocks its folios without uptodate (fs/netfs/read_collect.c netfs_collect_read_results:
// abandon_to, ABANDON_SREQ), later good subrequests are still collected, and the folios left
// locked are unlocked by netfs_unlock_abandoned_read_pages (fs/netfs/read_retry.c).

import { describe, expect, it } from 'vitest';
import {
  bvecq_stats,
  netfs_read_collection,
  netfs_read_dispatch,
  netfs_read_load_folio,
  netfs_read_request_alloc,
  netfs_read_request_put,
  netfs_read_subreq_terminated,
  netfs_unlock_abandoned_read_pages,
} from '../../src/bvecq/index.ts';
import { EIO } from '../../src/errno.ts';
import {
  bvecq_read_cursor_order,
  bvecq_unlock_after_collection,
} from '../../src/invariants/bvecq.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { folio_alloc, PAGE_SIZE } from '../../src/mm/index.ts';

describe('bvecq buffered read after a failure', () => {
  it('consumes the failed front, keeps collecting, and abandons the undispatched folios', () => {
    with_kernel(createKernel('bvecq-rfc'), () => {
      const rreq = netfs_read_request_alloc(0);
      for (let i = 0; i < 4; i++) netfs_read_load_folio(rreq, folio_alloc(0));
      const a = netfs_read_dispatch(rreq, PAGE_SIZE)!;
      const b = netfs_read_dispatch(rreq, PAGE_SIZE)!;
      netfs_read_subreq_terminated(rreq, b, new Uint8Array(PAGE_SIZE).fill(7));
      netfs_read_subreq_terminated(rreq, a, new Uint8Array(0), -EIO);
      netfs_read_collection(rreq);
      expect(rreq.error).toBe(-EIO);
      expect(rreq.subrequests).toEqual([]);
      expect(rreq.collected_to).toBe(2 * PAGE_SIZE);
      expect(rreq.folios.map((f) => [f.locked, f.uptodate === true])).toEqual([
        [false, false], // the failed subrequest's folio: unlocked, not uptodate
        [false, true], // the good one after it: collected normally
        [true, false],
        [true, false],
      ]);
      netfs_unlock_abandoned_read_pages(rreq);
      expect(rreq.folios.every((f) => !f.locked)).toBe(true);
      expect(rreq.folios.slice(2).every((f) => f.uptodate === false)).toBe(true);
      expect(rreq.collected_to).toBe(4 * PAGE_SIZE);
      expect(rreq.dispatched_to).toBe(4 * PAGE_SIZE);
      expect([...bvecq_read_cursor_order(rreq), ...bvecq_unlock_after_collection(rreq)]).toEqual(
        [],
      );
      netfs_read_request_put(rreq);
      expect(bvecq_stats().live).toBe(0);
    });
  });

  it('refuses to abandon while subrequests are outstanding', () => {
    with_kernel(createKernel('bvecq-rfc'), () => {
      const rreq = netfs_read_request_alloc(0);
      netfs_read_load_folio(rreq, folio_alloc(0));
      netfs_read_dispatch(rreq, PAGE_SIZE);
      expect(() => netfs_unlock_abandoned_read_pages(rreq)).toThrow(/outstanding/);
    });
  });
});
