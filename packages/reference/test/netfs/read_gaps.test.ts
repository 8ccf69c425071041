// netfs_read_gaps()'s buffer (6.12 fs/netfs/buffered_read.c): the folio before and after the
// bytes a streaming write wrote, those bytes to a sink folio; nothing pinned or referenced, and
// the release (netfs_free_request with direct_bv_unpin false) unpins nothing.

import { describe, expect, it } from 'vitest';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { folio_alloc, PAGE_SIZE } from '../../src/mm/index.ts';
import { netfs_read_gaps_done, netfs_read_gaps_setup } from '../../src/netfs/index.ts';

const Q = PAGE_SIZE / 4;

describe('netfs_read_gaps buffer', () => {
  it.each([
    // [from, to]: the written bytes; the parts as [folio?, offset, length]
    [
      0,
      2 * Q,
      [
        ['sink', 0, 2 * Q],
        ['folio', 2 * Q, 2 * Q],
      ],
    ],
    [
      Q,
      3 * Q,
      [
        ['folio', 0, Q],
        ['sink', 0, 2 * Q],
        ['folio', 3 * Q, Q],
      ],
    ],
    [
      2 * Q,
      PAGE_SIZE,
      [
        ['folio', 0, 2 * Q],
        ['sink', 0, 2 * Q],
      ],
    ],
  ] as const)('written [%i, %i): the read lands around it', (from, to, parts) => {
    with_kernel(createKernel('linux-6.12'), () => {
      const folio = folio_alloc(0);
      const refs = folio._refcount;
      const buf = netfs_read_gaps_setup(folio, from, to);
      expect(
        buf.bv.map((b) => [
          b.bv_page.folio === folio ? 'folio' : b.bv_page.folio === buf.sink ? 'sink' : 'other',
          b.bv_offset,
          b.bv_len,
        ]),
      ).toEqual(parts);
      expect(buf.unpin).toBe(false);
      expect(folio.gup_pins).toBe(0);
      expect(folio._refcount).toBe(refs);
      netfs_read_gaps_done(buf);
      expect(folio.gup_pins).toBe(0);
      expect(folio._refcount).toBe(refs);
      expect(buf.sink.freed).toBe(true);
    });
  });
});
