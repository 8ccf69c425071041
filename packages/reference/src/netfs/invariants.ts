// Invariants of the netfs/cifs extraction helpers (specs/NetfsExtract.tla): an extraction
// describes exactly the bytes it returns (and advances its iterator by), a scatterlist element
// stays within the folio of the page it names, and every DMA mapping an RDMA extraction made
// belongs to an SGE its caller still holds.

import type { Violation } from '../invariants/violation.ts';
import { iov_iter_byte_run } from '../iov_iter/locate.ts';
import { PAGE_SIZE } from '../iov_iter/page_glue.ts';
import type { iov_iter } from '../iov_iter/types.ts';
import type { ib_device, ib_sge } from './rdma.ts';
import type { scatterlist } from './scatterlist.ts';

/**
 * The elements' lengths add up to what a successful extraction (ret >= 0) returned, and the
 * caller's iterator was advanced by that much (the model's DescribedEqualsExtracted and
 * AdvancedByDescribed).
 */
export function extract_describes_exactly(
  where: string,
  ret: number,
  lengths: readonly number[],
  advanced: number,
): Violation[] {
  const described = lengths.reduce((a, b) => a + b, 0);
  if (described === ret && advanced === ret) return [];
  return [
    {
      invariant: 'extract_describes_exactly',
      message: `${where}: returned ${ret}, elements describe ${described}, iterator advanced ${advanced}`,
    },
  ];
}

/**
 * A scatterlist element names a page and may run on only through the rest of that page's folio
 * (sg_set_page(sg, page, len, offset): the DMA covers the folio's physically contiguous pages).
 */
export function sg_element_within_folio(elements: readonly scatterlist[]): Violation[] {
  const out: Violation[] = [];
  elements.forEach((e, k) => {
    const room = (e.page.folio.nr_pages - e.page.index_in_folio) * PAGE_SIZE;
    if (e.offset + e.length > room) {
      out.push({
        invariant: 'sg_element_within_folio',
        message: `element ${k}: offset ${e.offset} + length ${e.length} runs past its folio (${room} bytes from its page)`,
      });
    }
  });
  return out;
}

/**
 * The elements, in order, describe the iterator's bytes from where the call found it: element
 * k's byte j is the byte the iterator held at that point (the sum of the earlier elements'
 * lengths, plus j), as an independent walk of the iterator from before the call (`before`, see
 * iov_iter_clone; iov_iter_byte_run) locates it. An element's byte lies at its page's pfn plus
 * (offset + j) / PAGE_SIZE (sg_set_page: the DMA runs on through physically contiguous pages).
 * The model's ElementsMatchIterator. extract_xarray_to_sg before "scatterlist: Fix offset in
 * folio calc in extract_xarray_to_sg()" (the fault xarray_sg_offset) gave every folio the
 * offset of the call's start.
 */
export function sg_elements_match_iterator(
  before: iov_iter,
  elements: readonly scatterlist[],
): Violation[] {
  let b = 0;
  for (const [k, e] of elements.entries()) {
    for (let j = 0; j < e.length; ) {
      const run = iov_iter_byte_run(before, b + j);
      const at = e.offset + j;
      const pfn = e.page.pfn + Math.floor(at / PAGE_SIZE);
      if (!run || run.page.pfn !== pfn || run.offset !== at % PAGE_SIZE) {
        return [
          {
            invariant: 'sg_elements_match_iterator',
            message: `element ${k} byte ${j} is pfn ${pfn}+${at % PAGE_SIZE}, but the iterator holds its byte ${b + j} at ${run ? `pfn ${run.page.pfn}+${run.offset}` : 'no page'}`,
          },
        ];
      }
      j += Math.min(run.len, PAGE_SIZE - (at % PAGE_SIZE), e.length - j);
    }
    b += e.length;
  }
  return [];
}

/** Every mapping on the device belongs to an SGE of a list the caller holds. */
export function rdma_mappings_owned(
  device: ib_device,
  held: readonly (readonly ib_sge[])[],
): Violation[] {
  const owned = new Set(held.flat().map((sge) => sge.addr));
  const out: Violation[] = [];
  for (const [addr, m] of device.mappings) {
    if (!owned.has(addr)) {
      out.push({
        invariant: 'rdma_mappings_owned',
        message: `DMA mapping ${addr.toString(16)} (pfn ${m.page.pfn}+${m.offset}, ${m.length} bytes) belongs to no held SGE`,
      });
    }
  }
  return out;
}

/**
 * An extraction the caller holds (one that succeeded) describes at least one byte: an extraction
 * that can take nothing fails (netfs_extract_user_iter returns the error of its first
 * iov_iter_extract_pages(), fs/netfs/iterator.c as fixed by "netfs: fix error handling in
 * netfs_extract_user_iter()", 2026) or returns 0 with nothing to hold (extract_iter_to_sg). Before
 * that fix netfs_extract_user_iter returned 0 with an empty ITER_BVEC, and the DIO built on it
 * completed with 0 bytes instead of failing (the model's HeldExtractionsNotEmpty).
 */
export function extraction_not_empty(where: string, ret: number): Violation[] {
  if (ret > 0) return [];
  return [
    {
      invariant: 'extraction_not_empty',
      message: `${where}: succeeded with ${ret} bytes: the caller holds an extraction that describes nothing`,
    },
  ];
}
