// cifs's encrypted ("seal") transport over a netfs subrequest's bvecq buffer, the RFC's
// fs/smb/client/smb2ops.c ("cifs: Use a bvecq for buffering instead of a folioq", seed 004 item
// 10): smb3_init_transform_rq() copies each RPC's data into a bounce buffer that
// netfs_alloc_bvecq_buffer() allocates (cifs_copy_iter_to_bvecq), encrypts it in place and the
// transport sends that; smb3_free_compound_rqst() -> netfs_free_bvecq_buffer() then gives the
// bounce pages back to the page allocator. The user's pages, pinned in the request's chain, are
// only read: they stay pinned until the request ends. Encryption itself is not modelled (the
// bytes on the wire are the plaintext, which is what the server stores after decryption).
// As the later revisions' smb_copy_data_into_buffer() does (`bq = netfs_alloc_bvecq_buffer(
// total_len, 1, GFP_NOFS); iov_iter_bvec_queue(iter, ITER_DEST, bq, 1, 0, total_len)`), the
// first slot is set aside for the transform header, which is not modelled: it stays empty, and
// freeing the buffer skips it (netfs_bvecq_free_seg: no bv_page).

import { ITER_DEST, ITER_SOURCE } from '../iov_iter/constants.ts';
import { iov_iter_bvec_queue } from '../iov_iter/init.ts';
import { copy_from_iter, copy_to_iter } from '../iov_iter/iterate.ts';
import type { iov_iter } from '../iov_iter/types.ts';
import { netfs_alloc_bvecq_buffer, netfs_free_bvecq_buffer } from './chain.ts';

/** Slots set aside before the data for the smb2_transform_hdr. */
const TRANSFORM_HDR_SLOTS = 1;

/**
 * Send `len` bytes of `source` (the subrequest's ITER_BVECQ over the request's chain) the way a
 * sealed cifs mount does, returning the bytes that went on the wire. The bounce buffer lives
 * only for the send.
 */
export function smb3_sealed_send(source: iov_iter, len: number): Uint8Array {
  const buffer = netfs_alloc_bvecq_buffer(len, TRANSFORM_HDR_SLOTS);
  // cifs_copy_iter_to_bvecq(&old->rq_iter, size, buffer)
  const plain = new Uint8Array(len);
  const got = copy_from_iter(plain, len, source);
  const dest = iov_iter_bvec_queue(ITER_DEST, buffer, TRANSFORM_HDR_SLOTS, 0, len);
  const put = copy_to_iter(plain, got, dest);
  // The transport reads the (encrypted in place) bounce pages onto the wire.
  const wire = new Uint8Array(put);
  copy_from_iter(wire, put, iov_iter_bvec_queue(ITER_SOURCE, buffer, TRANSFORM_HDR_SLOTS, 0, put));
  // smb3_free_compound_rqst() -> netfs_free_bvecq_buffer(rqst[i].rq_buffer)
  netfs_free_bvecq_buffer(buffer);
  return wire;
}
