// iov_iter_extract_bvec_pages per kernel: 6.3-6.12 list one bvec per call; 6.13's page walk
// (e4e535bff2bc, the bvecq RFC's base) goes on into a following bvec that continues the range.

import { describe, expect, it } from 'vitest';
import { extract_matches_iterator } from '../../src/invariants/iov_iter.ts';
import type { bio_vec, PageSlot } from '../../src/iov_iter/index.ts';
import {
  iov_iter_bvec,
  iov_iter_clone,
  iov_iter_extract_pages,
  ref,
} from '../../src/iov_iter/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import type { Page } from '../../src/mm/index.ts';
import { folio_alloc, PAGE_SIZE } from '../../src/mm/index.ts';

/** Two whole-page bvecs of unrelated pages, extracted with room for both. */
function extractTwoWholePages(profile: 'linux-6.12' | 'bvecq-rfc') {
  return with_kernel(createKernel(profile), () => {
    const a = folio_alloc(0).page(0);
    const b = folio_alloc(0).page(0);
    const bvecs: bio_vec[] = [
      { bv_page: a, bv_len: PAGE_SIZE, bv_offset: 0 },
      { bv_page: b, bv_len: PAGE_SIZE, bv_offset: 0 },
    ];
    const i = iov_iter_bvec(1, bvecs, 2, 2 * PAGE_SIZE);
    const before = iov_iter_clone(i);
    const pages = ref<PageSlot[] | null>(new Array<PageSlot>(4));
    const off = ref(0);
    const ret = iov_iter_extract_pages(i, pages, 2 * PAGE_SIZE, 4, 0, off);
    const listed = pages.value!.slice(0, Math.ceil(ret / PAGE_SIZE)) as Page[];
    return {
      ret,
      count: i.count,
      pages: listed.map((p) => (p === a ? 'a' : p === b ? 'b' : '?')),
      violations: extract_matches_iterator(before, ret, pages.value, off.value),
    };
  });
}

describe('iov_iter_extract_bvec_pages', () => {
  it('linux-6.12 stops at the end of the first bvec (Debian 6.12.117 lib/iov_iter.c)', () => {
    expect(extractTwoWholePages('linux-6.12')).toEqual({
      ret: PAGE_SIZE,
      count: PAGE_SIZE,
      pages: ['a'],
      violations: [],
    });
  });

  it('the page walk of 6.13 (bvecq-rfc) goes on into the next bvec, which starts a page', () => {
    expect(extractTwoWholePages('bvecq-rfc')).toEqual({
      ret: 2 * PAGE_SIZE,
      count: 0,
      pages: ['a', 'b'],
      violations: [],
    });
  });
});
