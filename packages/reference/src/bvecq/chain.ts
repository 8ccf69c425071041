// bvecq chains (seed 004, the netfs bvecq RFC of March 2026 and its revisions): a segmented,
// linear, NULL-terminated chain of bio_vec arrays. Each segment holds a ref on the next one;
// a bvecq_pos holds a ref on the segment it points into. Kernel: include/linux/bvec.h
// (struct bvecq), include/linux/netfs.h (struct bvecq_pos, netfs_get_bvecq),
// fs/netfs/bvecq.c (allocation, put, positions), fs/netfs/internal.h (pos helpers).

import { EIO } from '../errno.ts';
import type { bio_vec } from '../iov_iter/types.ts';
import type { Kernel, KernelWarning } from '../kernel.ts';
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import { alloc_page, put_page } from '../mm/folio.ts';
import { unpin_user_page } from '../mm/gup.ts';

/**
 * What the memory the slots point to is and how it is released when the segment is freed
 * (the later revisions' enum replacing the RFC's free/unpin bits).
 */
export type bvecq_mem_type = 'EXTERNAL' | 'PAGECACHE' | 'GUP' | 'ALLOCED';

/** struct bvecq */
export class bvecq {
  next: bvecq | null = null;
  prev: bvecq | null = null;
  /** File position of the first byte of bv[0]; the slots are contiguous in file space. */
  fpos = 0;
  ref = 1;
  priv = 0;
  nr_slots = 0;
  readonly max_slots: number;
  readonly inline_bv: boolean;
  /** Set when this segment does not follow on in file space from the previous one. */
  discontig = false;
  mem_type: bvecq_mem_type = 'EXTERNAL';
  readonly bv: bio_vec[];
  /** Model bookkeeping: a debug id (the RFC keeps one in priv for tracing) and freed state. */
  readonly id: number;
  freed = false;

  constructor(id: number, max_slots: number) {
    this.id = id;
    this.max_slots = max_slots;
    this.inline_bv = true;
    this.bv = [];
  }
}

/** struct bvecq_pos: a position in a chain; holds a ref on `bvecq` while it is set. */
export interface bvecq_pos {
  bvecq: bvecq | null;
  /** Offset within the slot. */
  offset: number;
  slot: number;
  /**
   * This position holds no ref on its segment: the design the RFC's author floats in PATCH 18/26
   * (26 Mar 2026) note (1), "only the hindmost position (that of collection) needs to hold a
   * reference" (fault bvecq_collect_only_refs: the load and dispatch cursors and subrequest
   * positions of a read are such positions).
   */
  noref?: boolean;
}

export function bvecq_pos_new(): bvecq_pos {
  return { bvecq: null, offset: 0, slot: 0 };
}

/** sizeof(struct bvecq) header and sizeof(struct bio_vec) on x86-64. */
const SIZEOF_BVECQ = 48;
const SIZEOF_BIO_VEC = 16;

interface BvecqStats {
  /** netfs_n_bvecq: live segments. */
  live: number;
  next_id: number;
  /** Every segment allocated, for the reference checks. */
  all: bvecq[];
}

const stats = new WeakMap<Kernel, BvecqStats>();

export function bvecq_stats(k: Kernel = current_kernel()): BvecqStats {
  let s = stats.get(k);
  if (!s) {
    s = { live: 0, next_id: 1, all: [] };
    stats.set(k, s);
  }
  return s;
}

function roundup_pow_of_two(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * netfs_alloc_one_bvecq(): one segment of at least min(nr_slots, what fits in 512 bytes)
 * slots; the allocation is rounded up to a power of two and max_slots fills it.
 */
export function netfs_alloc_one_bvecq(nr_slots: number): bvecq {
  if (!Number.isInteger(nr_slots) || nr_slots < 0) {
    throw new RangeError(
      `netfs_alloc_one_bvecq: nr_slots must be a non-negative integer, got ${nr_slots}`,
    );
  }
  const max_size = 512;
  const max_segs = Math.floor((max_size - SIZEOF_BVECQ) / SIZEOF_BIO_VEC);
  const part = Math.min(nr_slots, max_segs);
  const size = roundup_pow_of_two(SIZEOF_BVECQ + part * SIZEOF_BIO_VEC);
  const s = bvecq_stats();
  const bq = new bvecq(s.next_id++, Math.floor((size - SIZEOF_BVECQ) / SIZEOF_BIO_VEC));
  s.live++;
  s.all.push(bq);
  return bq;
}

/** netfs_alloc_bvecq(): a chain providing at least nr_slots slots in total. */
export function netfs_alloc_bvecq(nr_slots: number): bvecq {
  let head: bvecq | null = null;
  let tail: bvecq | null = null;
  for (;;) {
    const bq = netfs_alloc_one_bvecq(nr_slots);
    if (tail) {
      tail.next = bq;
      bq.prev = tail;
    } else {
      head = bq;
    }
    tail = bq;
    if (tail.max_slots >= nr_slots) break;
    nr_slots -= tail.max_slots;
  }
  return head!;
}

/**
 * netfs_alloc_bvecq_buffer(size, pre_slots) (fs/netfs/bvecq.c in the RFC): a chain of segments
 * holding freshly allocated pages, DIV_ROUND_UP(size, PAGE_SIZE) of them, each segment from
 * netfs_alloc_one_bvecq(umin(count, 32 - 3)) (29 slots at most), the first `pre_slots` slots
 * of the first segment left empty for the caller's preamble. The segments are marked `free`
 * without `unpin` (mem_type ALLOCED): the pages are the netfs's own and go back to the page
 * allocator (__free_page) when the segment is freed, never through unpin_user_page(). Callers:
 * cifs's encrypted transport, smb3_init_transform_rq() (a bounce copy of each RPC's data) and
 * receive_encrypted_read(). (The RFC's alloc_pages_bulk() cannot fail here: no OOM is modelled.)
 */
export function netfs_alloc_bvecq_buffer(size: number, pre_slots = 0): bvecq {
  if (!Number.isInteger(size) || size < 0 || !Number.isInteger(pre_slots) || pre_slots < 0)
    throw new RangeError(`netfs_alloc_bvecq_buffer: bad size ${size} / pre_slots ${pre_slots}`);
  let count = Math.ceil(size / PAGE_SIZE);
  let head: bvecq | null = null;
  let tail: bvecq | null = null;
  do {
    const p = netfs_alloc_one_bvecq(Math.min(count, 32 - 3));
    p.mem_type = 'ALLOCED'; // p->free = true
    if (tail) {
      tail.next = p;
      p.prev = tail;
    } else {
      head = p;
    }
    tail = p;
    if (!count) break;
    const want = Math.min(count, p.max_slots - pre_slots);
    p.nr_slots = pre_slots;
    for (let i = 0; i < want; i++) {
      p.bv[pre_slots + i] = { bv_page: alloc_page(), bv_len: PAGE_SIZE, bv_offset: 0 };
      p.nr_slots++;
    }
    count -= want;
    pre_slots = 0;
  } while (count > 0);
  return head!;
}

/**
 * netfs_free_bvecq_buffer() (fs/netfs/bvecq.c in the RFC): free a whole chain and the memory
 * its slots point to, whatever the refcounts (the owner of a private buffer holds the only
 * ref): __free_page for `free` segments, unpin_user_page for `free` + `unpin` ones.
 */
export function netfs_free_bvecq_buffer(bq: bvecq | null): void {
  for (; bq; ) {
    const next = bq.next;
    bq.ref = 0;
    free_bvecq(bq);
    bq = next;
  }
}

/** bvecq_is_full() */
export function bvecq_is_full(bq: bvecq): boolean {
  return bq.nr_slots >= bq.max_slots;
}

/** bvec_set_page() into the next free slot. */
export function bvecq_append(bq: bvecq, bv: bio_vec): void {
  if (bvecq_is_full(bq)) throw new RangeError(`bvecq ${bq.id} is full (${bq.max_slots} slots)`);
  bq.bv[bq.nr_slots] = bv;
  bq.nr_slots++;
}

/** netfs_get_bvecq() */
export function netfs_get_bvecq(bq: bvecq): bvecq {
  if (bq.freed) current_kernel().WARN('use_after_free', `netfs_get_bvecq on freed bvecq ${bq.id}`);
  bq.ref++;
  return bq;
}

/** netfs_bvecq_free_seg(): release one slot's memory according to the segment's type. */
function netfs_bvecq_free_seg(bq: bvecq, seg: number): void {
  const bv = bq.bv[seg];
  if (!bv) return;
  switch (bq.mem_type) {
    case 'GUP':
      unpin_user_page(bv.bv_page);
      break;
    case 'ALLOCED':
      put_page(bv.bv_page);
      break;
    default:
      // EXTERNAL: the owner releases it; PAGECACHE: the folios' refs were dropped at load.
      break;
  }
}

function free_bvecq(bq: bvecq): void {
  for (let seg = 0; seg < bq.nr_slots; seg++) netfs_bvecq_free_seg(bq, seg);
  bq.freed = true;
  bvecq_stats().live--;
}

/**
 * netfs_put_bvecq(): drop a ref; a segment whose count reaches zero is freed and drops the
 * ref it held on the next one, and so on down the chain.
 */
export function netfs_put_bvecq(bq: bvecq | null): void {
  const k = current_kernel();
  for (; bq; ) {
    if (bq.freed) {
      k.WARN('use_after_free', `netfs_put_bvecq on freed bvecq ${bq.id}`);
      return;
    }
    bq.ref--;
    if (bq.ref < 0) k.WARN('refcount_underflow', `bvecq ${bq.id} ref fell to ${bq.ref}`);
    if (bq.ref > 0) return;
    const next = bq.next;
    free_bvecq(bq);
    bq = next;
  }
}

/** bvecq_pos_attach(): copy a position, taking a ref on its segment. */
export function bvecq_pos_attach(pos: bvecq_pos, at: bvecq_pos): void {
  pos.bvecq = at.bvecq;
  pos.offset = at.offset;
  pos.slot = at.slot;
  if (pos.bvecq && !pos.noref) netfs_get_bvecq(pos.bvecq);
}

/** bvecq_pos_detach(): drop the position's ref and clear it. */
export function bvecq_pos_detach(pos: bvecq_pos): void {
  if (!pos.noref) netfs_put_bvecq(pos.bvecq);
  pos.bvecq = null;
  pos.slot = 0;
  pos.offset = 0;
}

/** bvecq_pos_transfer(): move a position (and its ref) from `from` to `pos`. */
export function bvecq_pos_transfer(pos: bvecq_pos, from: bvecq_pos): void {
  pos.bvecq = from.bvecq;
  pos.offset = from.offset;
  pos.slot = from.slot;
  from.bvecq = null;
  from.slot = 0;
  from.offset = 0;
}

/** bvecq_pos_move(): repoint a position at another segment, moving its ref. */
export function bvecq_pos_move(pos: bvecq_pos, to: bvecq): void {
  const old = pos.bvecq;
  if (old !== to) {
    if (pos.noref) {
      pos.bvecq = to;
      return;
    }
    pos.bvecq = netfs_get_bvecq(to);
    netfs_put_bvecq(old);
  }
}

/**
 * The WARN message prefix of bvecq_pos_advance()'s `WARN_ON_ONCE(amount > 0)`: running off the end
 * of its queue (in v3, fault bvecq_pos_advance_v3, also at a slot in use of the last segment).
 */
export const BVECQ_ADVANCE_PAST_END = 'bvecq_pos_advance: past the end of the queue';

/** Whether w is that WARN_ON_ONCE of bvecq_pos_advance() (what the cursor checks report). */
export function is_bvecq_advance_warning(w: KernelWarning): boolean {
  return w.kind === 'bug' && w.message.startsWith(BVECQ_ADVANCE_PAST_END);
}

/**
 * bvecq_pos_advance(): move a position on by `amount` bytes, as the RFC's later revisions do
 * (fs/netfs/bvecq.c bvecq_pos_advance: the loop steps to ->next only while bytes remain to be
 * consumed, so a position that ends exactly at the end of a segment stays there, slot ==
 * nr_slots, even when a next segment exists; v1 moved it on eagerly). At the end of the queue it
 * stays on the last segment (the queue may be extended later) and, as the later revisions do,
 * WARNs that bytes remain (`if (!bq->next) { WARN_ON_ONCE(amount > 0); break; }` in the later
 * revisions' fs/netfs/bvecq.c, e.g. the linux-fsdevel/vfs tree of the series); only a too-much answer accepted without
 * the check (fault bvecq_read_too_much) gets there, which v1 passed silently.
 */
export function bvecq_pos_advance(pos: bvecq_pos, amount: number): void {
  let bq = pos.bvecq!;
  let slot = pos.slot;
  let offset = pos.offset;
  const v1 = current_kernel().hasFault('bvecq_pos_advance_v1');
  // "[PATCH v3 09/22]" (fault bvecq_pos_advance_v3) tests the slot the wrong way round:
  // `while (bvecq_acquire_slot(bq, slot)) { if (!bq->next) { WARN_ON_ONCE(amount > 0); break; }
  // bq = bq->next; slot = 0; }` then `part = bq->bv[slot].bv_len - offset;` (ver #4: "Fixed slot
  // validity check polarity in bvecq_pos_advance(); also don't use inner loop otherwise break
  // then exits the wrong loop"): from a slot in use it steps to ->next, or on the last segment
  // WARNs and, the break leaving only the inner loop, goes on to consume that slot. Only that
  // much is re-created: v3's step keeps the offset, and from a slot not in use it reads
  // bq->bv[slot] past the slots in use (here an unset slot, which throws).
  const v3 = current_kernel().hasFault('bvecq_pos_advance_v3');
  while (amount) {
    if (v3 ? slot < bq.nr_slots : slot >= bq.nr_slots) {
      if (!bq.next) {
        current_kernel().WARN(
          'bug',
          `${BVECQ_ADVANCE_PAST_END} (bvecq ${bq.id}, ${amount} bytes left${v3 ? ', slot in use: v3' : ''})`,
        );
        if (!v3) break;
      } else {
        bq = bq.next;
        slot = 0;
        offset = 0;
        continue;
      }
    }
    const part = bq.bv[slot]!.bv_len - offset;
    // RFC v1 (fault bvecq_pos_advance_v1): `part = umin(bv->bv_len - offset, amount); if
    // (likely(part < bv->bv_len)) { offset += part; break; }` compares with the whole slot, so
    // from inside a slot (offset > 0) it always stops at the slot's end, whatever is left.
    if (part > amount || (v1 && offset > 0)) {
      offset += Math.min(part, amount);
      break;
    }
    amount -= part;
    offset = 0;
    slot++;
  }
  pos.slot = slot;
  pos.offset = offset;
  bvecq_pos_move(pos, bq);
}

/** bvecq_buffer_init(): a rolling buffer's first (empty) segment, its ref owned by `pos`. */
export function bvecq_buffer_init(pos: bvecq_pos): void {
  const bq = netfs_alloc_bvecq(14);
  pos.bvecq = bq; // comes with a ref
  pos.slot = 0;
  pos.offset = 0;
}

/**
 * bvecq_buffer_make_space(): append a new segment to the rolling buffer (the last one is full
 * or the next data is discontiguous) and move `pos` onto it. The new segment's initial ref is
 * the one the previous segment holds through ->next.
 */
export function bvecq_buffer_make_space(pos: bvecq_pos): void {
  const head = pos.bvecq!;
  const bq = netfs_alloc_bvecq(14);
  bq.prev = head;
  bq.mem_type = head.mem_type;
  pos.slot = 0;
  pos.offset = 0;
  head.next = bq; // smp_store_release(&head->next, bq)
  // A position without a ref (bvecq_collect_only_refs) neither takes one on the new segment
  // nor drops one on the old.
  if (pos.noref) {
    pos.bvecq = bq;
    return;
  }
  pos.bvecq = netfs_get_bvecq(bq);
  netfs_put_bvecq(head);
}

/**
 * bvecq_buffer_delete_spent(): the consumer has finished with the segment `pos` is on: unlink
 * it, drop it and move `pos` to the next one (taking over the ref the spent one held on it).
 */
export function bvecq_buffer_delete_spent(pos: bvecq_pos): bvecq | null {
  const spent = pos.bvecq!;
  const next = spent.next;
  if (!next) return null;
  next.prev = null;
  spent.next = null;
  netfs_put_bvecq(spent);
  pos.bvecq = next; // we take spent's ref
  pos.slot = 0;
  pos.offset = 0;
  return next;
}

/** The file position a bvecq_pos stands for: segment fpos + the slots before it + offset. */
export function bvecq_pos_fpos(pos: bvecq_pos): number {
  const bq = pos.bvecq;
  if (!bq) throw new Error('bvecq_pos_fpos: position is not set');
  let f = bq.fpos;
  for (let s = 0; s < pos.slot && s < bq.nr_slots; s++) f += bq.bv[s]!.bv_len;
  return f + pos.offset;
}

/** Bytes held by one segment. */
export function bvecq_size(bq: bvecq): number {
  let n = 0;
  for (let s = 0; s < bq.nr_slots; s++) n += bq.bv[s]!.bv_len;
  return n;
}

/** max_segs for a subrequest whose filesystem sets no segment limit (sreq_max_segs = INT_MAX). */
export const NETFS_NO_SEG_LIMIT = 0x7fffffff;

/**
 * bvecq_slice(): how much (up to max_size bytes and max_segs slots) the next slice from `pos`
 * holds; moves `pos` to the end of the slice. Returns [size, nr_segs].
 */
export function bvecq_slice(pos: bvecq_pos, max_size: number, max_segs: number): [number, number] {
  let bq = pos.bvecq!;
  let slot = pos.slot;
  let nsegs = 0;
  let size = 0;
  let offset = pos.offset;
  out: for (;;) {
    for (; slot < bq.nr_slots; slot++) {
      const bvec = bq.bv[slot]!;
      if (offset < bvec.bv_len) {
        const part = Math.min(bvec.bv_len - offset, max_size);
        size += part;
        offset += part;
        max_size -= part;
        nsegs++;
        if (!max_size || nsegs >= max_segs) break out;
      }
      offset = 0;
    }
    if (!bq.next) break;
    slot = 0;
    bq = bq.next;
  }
  bvecq_pos_settle(pos, bq, slot, offset);
  return [size, nsegs];
}

/**
 * Puts `pos` at (bq, slot, offset) after a slice, as the RFC's bvecq_slice() and bvecq_extract()
 * do at their `out:` label (fs/netfs/bvecq.c of the series, v1 to the later revisions: `if (slot
 * == bq->nr_slots && bq->next) { bq = bq->next; slot = 0; offset = 0; }`): only a position that
 * ran off a segment's slots steps to the next segment, and only if it exists. A slice that its
 * size or slot limit ends (`goto out`) leaves the position on the slot it ended, offset ==
 * bv_len, also on the last slot of a segment that has a next one; what reads from there steps off
 * that slot (bvecq_slice and bvecq_extract: `if (offset < bvec->bv_len ...)` fails; iterate_bvecq:
 * a step of 0 bytes; bvecq_pos_advance: a part of 0 bytes). Until the seventeenth session the
 * reference also moved such a position on to the next slot (docs/FIDELITY.md, found in session
 * 10, 2e09525): the same byte position, but a dispatch cursor whose slice ended on segment 1's
 * last slot held segment 2 when it existed, which under PosRefs = "COLLECT_ONLY" parked it in
 * fewer behaviours than the RFC does.
 */
function bvecq_pos_settle(pos: bvecq_pos, bq: bvecq, slot: number, offset: number): void {
  if (slot === bq.nr_slots && bq.next) {
    bq = bq.next;
    slot = 0;
    offset = 0;
  }
  bvecq_pos_move(pos, bq);
  pos.slot = slot;
  pos.offset = offset;
}

/** What bvecq_extract() made: the bytes transcribed and the new chain (null when none). */
export interface bvecq_extracted {
  /** Bytes transcribed, or -EIO when the slice at `pos` is empty. */
  extracted: number;
  /** The new chain holding the transcribed slots; the caller owns its one ref. */
  to: bvecq | null;
}

/**
 * bvecq_extract() (fs/netfs/bvecq.c in the RFC): transcribe up to `amount` bytes (and `max_segs`
 * slots) of the chain at `pos` into a chain of their own, which netfs_alloc_bvecq(nsegs)
 * allocates (more than one segment once the slice holds more slots than one segment's
 * BVECQ_STD_SLOTS), and advance `pos` past them. The copy only carries the page pointers: its
 * segments keep the default mem_type (neither `free` nor `unpin` in the RFC's v1 bits), so
 * putting it releases no page; the pages stay pinned/held by the chain they were copied from.
 * Callers: netfs_prepare_unbuffered_write_buffer(subreq, max_segs, copy = true) for a filesystem
 * that wants its own subchain for the RPC (fs/netfs/direct_write.c of the later revisions), the
 * cache write path in netfs_issue_write() (write_issue.c).
 */
export function bvecq_extract(pos: bvecq_pos, amount: number, max_segs: number): bvecq_extracted {
  if (max_segs === 0) max_segs = NETFS_NO_SEG_LIMIT; // "if (!max_segs) max_segs = UINT_MAX;"
  const tmp_pos = bvecq_pos_new();
  bvecq_pos_attach(tmp_pos, pos);
  const [size, nsegs] = bvecq_slice(tmp_pos, amount, max_segs);
  bvecq_pos_detach(tmp_pos);
  if (nsegs === 0) return { extracted: -EIO, to: null };
  amount = size;
  const head = netfs_alloc_bvecq(nsegs);
  let dst: bvecq | null = head;
  let src = pos.bvecq!;
  let slot = pos.slot;
  let offset = pos.offset;
  let extracted = 0;
  out: for (;;) {
    for (; slot < src.nr_slots; slot++) {
      const sv = src.bv[slot]!;
      if (offset < sv.bv_len) {
        const part = Math.min(sv.bv_len - offset, amount);
        bvecq_append(dst!, { bv_page: sv.bv_page, bv_len: part, bv_offset: sv.bv_offset + offset });
        extracted += part;
        amount -= part;
        offset += part;
        if (bvecq_is_full(dst!)) dst = dst!.next;
        if (amount === 0) break out;
      }
      offset = 0;
    }
    // pos->bvecq isn't allowed to go NULL as the queue may get extended.
    if (!src.next) break;
    slot = 0;
    src = src.next;
  }
  // Where bvecq_slice() leaves it: the RFC's `out:` (on an ended slot when the amount ran out).
  bvecq_pos_settle(pos, src, slot, offset);
  return { extracted, to: head };
}
