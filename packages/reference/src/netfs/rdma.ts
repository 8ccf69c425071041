// smb_extract_iter_to_rdma() (fs/smb/client/smbdirect.c, seed 000 "Build the RDMA SGE list
// directly from an iterator"; ITER_BVECQ from seed 004): map the fragments of a BVEC, KVEC,
// FOLIOQ or BVECQ iterator into an ib_sge array for DMA. Nothing is pinned or ref'd (a
// user-backed iterator must be converted to a BVEC first, pinning on the way); the cleanup on
// failure is to unmap what this call mapped. Under the bvecq RFC only ITER_BVECQ is taken.

import { EIO } from '../errno.ts';
import { iov_iter_advance } from '../iov_iter/advance.ts';
import { ITER_BVEC, ITER_BVECQ, ITER_FOLIOQ, ITER_KVEC } from '../iov_iter/constants.ts';
import { folioq_folio, folioq_folio_size, folioq_nr_slots } from '../iov_iter/folio_queue.ts';
import { PAGE_SIZE } from '../iov_iter/page_glue.ts';
import type { iov_iter } from '../iov_iter/types.ts';
import { current_kernel } from '../kernel.ts';
import type { Page } from '../mm/folio.ts';
import { virt_to_page } from '../mm/kmem.ts';

/** An RDMA device's DMA mapping table (ib_dma_map_page / ib_dma_unmap_single). */
export class ib_device {
  readonly mappings = new Map<number, { page: Page; offset: number; length: number }>();
  private next_addr = 0x1000;
  map_calls = 0;
  /** Make the nth ib_dma_map_page() call (1-based) fail; 0 = never. */
  fail_map_at = 0;

  ib_dma_map_page(page: Page, offset: number, length: number): number {
    this.map_calls++;
    if (this.fail_map_at && this.map_calls === this.fail_map_at) return 0; // mapping error
    const addr = this.next_addr;
    this.next_addr += Math.ceil((length + 1) / 64) * 64;
    this.mappings.set(addr, { page, offset, length });
    return addr;
  }

  ib_dma_unmap_single(addr: number, _length: number): void {
    this.mappings.delete(addr);
  }
}

/** struct ib_sge */
export interface ib_sge {
  addr: number;
  length: number;
  lkey: number;
}

/** struct smb_extract_to_rdma */
export interface smb_extract_to_rdma {
  sge: ib_sge[];
  nr_sge: number;
  max_sge: number;
  device: ib_device;
  local_dma_lkey: number;
}

/** smb_set_sge(): map one fragment (it may span pages of a folio) and add it. */
function smb_set_sge(
  rdma: smb_extract_to_rdma,
  lowest_page: Page,
  off: number,
  len: number,
): boolean {
  const addr = rdma.device.ib_dma_map_page(lowest_page, off, len);
  if (addr === 0) return false; // ib_dma_mapping_error()
  rdma.sge[rdma.nr_sge] = { addr, length: len, lkey: rdma.local_dma_lkey };
  rdma.nr_sge++;
  return true;
}

/** smb_extract_bvec_to_rdma(): one SGE per bio_vec. */
function smb_extract_bvec_to_rdma(
  iter: iov_iter,
  rdma: smb_extract_to_rdma,
  maxsize: number,
): number {
  let start = iter.iov_offset;
  let ret = 0;
  for (let k = iter.seg; k < iter.seg + iter.nr_segs; k++) {
    const b = iter.bvec[k]!;
    let len = b.bv_len;
    if (start >= len) {
      start -= len;
      continue;
    }
    len = Math.min(maxsize, len - start);
    if (!smb_set_sge(rdma, b.bv_page, b.bv_offset + start, len)) return -EIO;
    ret += len;
    maxsize -= len;
    if (rdma.nr_sge >= rdma.max_sge || maxsize <= 0) break;
    start = 0;
  }
  if (ret > 0) iov_iter_advance(iter, ret);
  return ret;
}

/** smb_extract_kvec_to_rdma(): one SGE per page of each kvec. */
function smb_extract_kvec_to_rdma(
  iter: iov_iter,
  rdma: smb_extract_to_rdma,
  maxsize: number,
): number {
  let start = iter.iov_offset;
  let ret = 0;
  for (let k = iter.seg; k < iter.seg + iter.nr_segs; k++) {
    const kv = iter.kvec[k]!;
    let len = kv.iov_len;
    if (start >= len) {
      start -= len;
      continue;
    }
    let kaddr = kv.iov_base + start;
    let off = kaddr % PAGE_SIZE;
    len = Math.min(maxsize, len - start);
    kaddr -= off;
    maxsize -= len;
    do {
      const seg = Math.min(len, PAGE_SIZE - off);
      if (!smb_set_sge(rdma, virt_to_page(kaddr), off, seg)) return -EIO;
      ret += seg;
      len -= seg;
      kaddr += PAGE_SIZE;
      off = 0;
    } while (len > 0 && rdma.nr_sge < rdma.max_sge);
    if (rdma.nr_sge >= rdma.max_sge || maxsize <= 0) break;
    start = 0;
  }
  if (ret > 0) iov_iter_advance(iter, ret);
  return ret;
}

/** smb_extract_folioq_to_rdma(): one SGE per folio. */
function smb_extract_folioq_to_rdma(
  iter: iov_iter,
  rdma: smb_extract_to_rdma,
  maxsize: number,
): number {
  let folioq = iter.folioq!;
  let slot = iter.folioq_slot;
  let offset = iter.iov_offset;
  let ret = 0;
  if (slot >= folioq_nr_slots(folioq)) {
    if (!folioq.next) {
      // "if (WARN_ON_ONCE(!folioq)) return -EIO;"
      current_kernel().WARN(
        'bug',
        'smb_extract_folioq_to_rdma: iterator at the end of the last folio_queue',
      );
      return -EIO;
    }
    folioq = folioq.next;
    slot = 0;
  }
  do {
    const folio = folioq_folio(folioq, slot);
    const fsize = folioq_folio_size(folioq, slot);
    if (offset < fsize) {
      const part = Math.min(maxsize, fsize - offset);
      if (!smb_set_sge(rdma, folio.page(0), offset, part)) return -EIO;
      offset += part;
      ret += part;
      maxsize -= part;
    }
    if (offset >= fsize) {
      offset = 0;
      slot++;
      if (slot >= folioq_nr_slots(folioq)) {
        if (!folioq.next) {
          // "WARN_ON_ONCE(ret < iter->count); break;": the queue ended before the iterator's count
          if (ret < iter.count)
            current_kernel().WARN('bug', 'smb_extract_folioq_to_rdma: the folio_queue ended early');
          break;
        }
        folioq = folioq.next;
        slot = 0;
      }
    }
  } while (rdma.nr_sge < rdma.max_sge && maxsize > 0);
  iter.folioq = folioq;
  iter.folioq_slot = slot;
  iter.iov_offset = offset;
  iter.count -= ret;
  return ret;
}

/**
 * smb_extract_bvecq_to_rdma() (seed 004 "cifs: Support ITER_BVECQ in smb_extract_iter_to_rdma()";
 * as the series' later revisions have it, smbdirect_map_sges_from_bvecq() in
 * fs/smb/smbdirect/connection.c, "smbdirect: Support ITER_BVECQ in
 * smbdirect_map_sges_from_iter()"): one SGE per slot part, at most iov_iter_count() bytes
 * (`maxsize = umin(maxsize, iov_iter_count(iter))`); empty segments are stepped over on the way
 * to the next slot; a chain that ends while bytes are still wanted is -EIO
 * (`if (WARN_ON_ONCE(maxsize > 0)) return -EIO;`); and the iterator's position is written back
 * (bvecq, slot, offset, count -= extracted), not moved by iov_iter_advance().
 */
function smb_extract_bvecq_to_rdma(
  iter: iov_iter,
  rdma: smb_extract_to_rdma,
  maxsize: number,
): number {
  let bq = iter.bvecq!;
  let slot = iter.bvecq_slot;
  let offset = iter.iov_offset;
  let extracted = 0;
  maxsize = Math.min(maxsize, iter.count);
  out: do {
    while (slot >= bq.nr_slots) {
      if (!bq.next) {
        if (maxsize > 0) {
          current_kernel().WARN('bug', 'smb_extract_bvecq_to_rdma: the bvecq chain ended early');
          return -EIO;
        }
        break out;
      }
      bq = bq.next;
      slot = 0;
    }
    const bv = bq.bv[slot]!;
    if (offset < bv.bv_len) {
      const part = Math.min(maxsize, bv.bv_len - offset);
      if (!smb_set_sge(rdma, bv.bv_page, bv.bv_offset + offset, part)) return -EIO;
      offset += part;
      extracted += part;
      maxsize -= part;
    }
    if (offset >= bv.bv_len) {
      offset = 0;
      slot++;
    }
  } while (rdma.nr_sge < rdma.max_sge && maxsize > 0);
  iter.bvecq = bq;
  iter.bvecq_slot = slot;
  iter.iov_offset = offset;
  iter.count -= extracted;
  return extracted;
}

/**
 * smb_extract_iter_to_rdma(): append SGEs for up to len bytes; on failure unmap the SGEs this
 * call added. The unwinding uses pre-decrement, as fixed by "smb: client: Fix error cleanup in
 * smb_extract_iter_to_rdma()" (April 2026); the original `&rdma->sge[rdma->nr_sge--]` unmapped
 * one slot past the last SGE and left the call's first SGE mapped.
 */
export function smb_extract_iter_to_rdma(
  iter: iov_iter,
  len: number,
  rdma: smb_extract_to_rdma,
): number {
  const before = rdma.nr_sge;
  const k = current_kernel();
  // The bvecq RFC (seed 004, "cifs: Remove support for ITER_KVEC/BVEC/FOLIOQ from
  // smb_extract_iter_to_rdma()") leaves ITER_BVECQ as the only type it takes.
  if (k.profile.has_bvecq && iter.iter_type !== ITER_BVECQ) return -EIO; // WARN_ON_ONCE(1)
  let ret: number;
  switch (iter.iter_type) {
    case ITER_BVEC:
      ret = smb_extract_bvec_to_rdma(iter, rdma, len);
      break;
    case ITER_KVEC:
      ret = smb_extract_kvec_to_rdma(iter, rdma, len);
      break;
    case ITER_FOLIOQ:
      ret = smb_extract_folioq_to_rdma(iter, rdma, len);
      break;
    case ITER_BVECQ:
      ret = smb_extract_bvecq_to_rdma(iter, rdma, len);
      break;
    default:
      return -EIO; // WARN_ON_ONCE(1)
  }
  if (ret < 0) {
    // The fault rdma_unwind_post_decrement restores &rdma->sge[rdma->nr_sge--]: the slot past
    // the last SGE (never filled by this call: zeroed, as the caller's sge[] array is) is
    // "unmapped" and the call's first SGE is left mapped.
    const postDecrement = k.hasFault('rdma_unwind_post_decrement');
    while (rdma.nr_sge > before) {
      const sge = postDecrement
        ? (rdma.sge[rdma.nr_sge--] ?? { addr: 0, length: 0, lkey: 0 })
        : rdma.sge[--rdma.nr_sge]!;
      rdma.device.ib_dma_unmap_single(sge.addr, sge.length);
      sge.addr = 0;
    }
  }
  return ret;
}
