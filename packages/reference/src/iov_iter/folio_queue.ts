// struct folio_queue (include/linux/folio_queue.h): a segment of up to PAGEVEC_SIZE folios
// with their orders, linked into a chain that ITER_FOLIOQ walks.

import type { Folio } from '../mm/index.ts';
import { folio_nr_pages, PAGE_SIZE } from './page_glue.ts';

/** folioq capacity: folio_batch size in the kernel (PAGEVEC_SIZE = 31). */
export const PAGEVEC_SIZE = 31;

export interface folio_queue {
  next: folio_queue | null;
  prev: folio_queue | null;
  /** vec.folios[0 .. vec.nr) */
  folios: Folio[];
  orders: number[];
}

export function folioq_alloc(): folio_queue {
  return { next: null, prev: null, folios: [], orders: [] };
}

/**
 * folioq_nr_slots(): the segment's capacity, PAGEVEC_SIZE, not its occupancy
 * (include/linux/folio_queue.h). lib/iov_iter.c's walks step to ->next only at this slot, so
 * a segment with a next is expected to be full (netfs' rolling buffer appends a segment when
 * folioq_full()); a walk over a part-filled tail is stopped by the iterator's count.
 */
export function folioq_nr_slots(_q: folio_queue): number {
  return PAGEVEC_SIZE;
}

/** folioq_count(): the folios added to the segment (folio_batch_count(&folioq->vec)). */
export function folioq_count(q: folio_queue): number {
  return q.folios.length;
}

/** folioq_full(): folioq_count() >= folioq_nr_slots() */
export function folioq_full(q: folio_queue): boolean {
  return folioq_count(q) >= folioq_nr_slots(q);
}

/** folioq_append(): add a folio, recording its order as the kernel does. Returns the slot. */
export function folioq_append(q: folio_queue, folio: Folio): number {
  if (folioq_full(q)) throw new RangeError('folioq_append: folio_queue segment is full');
  q.folios.push(folio);
  q.orders.push(Math.log2(folio_nr_pages(folio)));
  return q.folios.length - 1;
}

/**
 * `slot`, checked to hold a folio: the kernel reads vec.folios[slot] / orders[slot] past
 * vec.nr without a check (a stale pointer or order); the model refuses, naming the slot.
 * folios and orders are appended together (folioq_append), so one check covers both.
 */
function used_slot(site: string, q: folio_queue, slot: number): number {
  if (q.folios[slot] === undefined)
    throw new RangeError(`${site}: slot ${slot} of ${q.folios.length} is empty`);
  return slot;
}

/** folioq_folio() */
export function folioq_folio(q: folio_queue, slot: number): Folio {
  return q.folios[used_slot('folioq_folio', q, slot)] as Folio;
}

/** folioq_folio_size(): PAGE_SIZE << folioq->orders[slot] */
export function folioq_folio_size(q: folio_queue, slot: number): number {
  return PAGE_SIZE * 2 ** (q.orders[used_slot('folioq_folio_size', q, slot)] as number);
}

/** Build a chain from a list of folios, starting a new segment when one fills. */
export function folioq_chain_from(folios: readonly Folio[]): folio_queue {
  const head = folioq_alloc();
  let q = head;
  for (const f of folios) {
    if (folioq_full(q)) {
      const n = folioq_alloc();
      n.prev = q;
      q.next = n;
      q = n;
    }
    folioq_append(q, f);
  }
  return head;
}
