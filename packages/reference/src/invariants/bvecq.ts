// Invariants of bvecq chains and the netfs cursors over them (seed 004). Each returns the list
// of violations (empty = holds).

import type { bvecq, bvecq_pos } from '../bvecq/chain.ts';
import { bvecq_pos_fpos, bvecq_stats, is_bvecq_advance_warning } from '../bvecq/chain.ts';
import type { netfs_dio_write_request } from '../bvecq/dio_write.ts';
import type { netfs_read_request } from '../bvecq/read.ts';
import type { Kernel } from '../kernel.ts';
import { current_kernel } from '../kernel.ts';
import type { Violation } from './violation.ts';

function v(invariant: string, message: string): Violation {
  return { invariant, message };
}

/**
 * bvecq_read_cursor_order: collect <= dispatch <= load for a buffered read, and each cursor's
 * position in the chain stands for the file position its counter says; the outstanding
 * subrequests tile [collect, dispatch); no subrequest
 * accounts more than it asked for; no cursor was advanced past the end of the chain (the
 * WARN_ON_ONCE of bvecq_pos_advance: a collector moved beyond the loaded data).
 */
export function bvecq_read_cursor_order(
  rreq: netfs_read_request,
  k: Kernel = current_kernel(),
): Violation[] {
  const out: Violation[] = [];
  const n = 'bvecq_read_cursor_order';
  advance_warnings(n, k, out);
  if (rreq.collected_to > rreq.dispatched_to) {
    out.push(
      v(n, `collect cursor ${rreq.collected_to} is past the dispatch cursor ${rreq.dispatched_to}`),
    );
  }
  if (rreq.dispatched_to > rreq.loaded_to) {
    out.push(
      v(n, `dispatch cursor ${rreq.dispatched_to} is past the load cursor ${rreq.loaded_to}`),
    );
  }
  const cursors: [string, bvecq_pos, number][] = [
    ['load', rreq.load_cursor, rreq.loaded_to],
    ['dispatch', rreq.dispatch_cursor, rreq.dispatched_to],
    ['collect', rreq.collect_cursor, rreq.collected_to],
  ];
  for (const [name, pos, at] of cursors) {
    if (!pos.bvecq) continue;
    const f = bvecq_pos_fpos(pos);
    if (f !== at && !(pos.slot >= pos.bvecq.nr_slots && f <= at)) {
      out.push(v(n, `${name} cursor stands at file position ${f} but its counter says ${at}`));
    }
  }
  // The outstanding subrequests tile [collected_to, dispatched_to) in file order (the model's
  // SubreqsTileDispatched): each starts where the one before it ends, the first where the
  // collector stands, and the last ends at the dispatch cursor. A too-much answer's collection
  // (bvecq_read_too_much) moves the collector past the next subrequest's start.
  let tile_end = rreq.collected_to;
  for (const sub of rreq.subrequests) {
    if (sub.start !== tile_end) {
      out.push(
        v(
          n,
          `outstanding subrequest ${sub.debug_index} starts at ${sub.start}, not at ${tile_end} (${tile_end === rreq.collected_to ? 'the collector' : 'the end of the one before it'})`,
        ),
      );
      break;
    }
    tile_end = sub.start + sub.len;
  }
  if (tile_end !== rreq.dispatched_to && rreq.collected_to <= rreq.dispatched_to) {
    out.push(
      v(
        n,
        `outstanding subrequests end at ${tile_end}, not at the dispatch cursor ${rreq.dispatched_to}`,
      ),
    );
  }
  for (const sub of rreq.subrequests) {
    if (sub.transferred > sub.len) {
      out.push(
        v(
          n,
          `subrequest ${sub.debug_index} transferred ${sub.transferred} > its length ${sub.len}`,
        ),
      );
    }
  }
  return out;
}

/**
 * The WARN_ON_ONCE(amount > 0) of bvecq_pos_advance() recorded in the kernel's log, reported by
 * both cursor checks: a cursor advanced past the end of its chain (a collector moved beyond the
 * loaded data), or, in v3 (fault bvecq_pos_advance_v3), advanced from a slot in use of the last
 * segment.
 */
function advance_warnings(n: string, k: Kernel, out: Violation[]): void {
  for (const w of k.warnings) {
    if (is_bvecq_advance_warning(w)) out.push(v(n, w.message));
  }
}

/**
 * bvecq_write_cursor_order for an unbuffered write: collect <= dispatch <= end, the dispatch
 * cursor's position in the chain stands for the file position dispatched_to says (the next
 * subrequest's buffer starts where its range does), and subrequests are dispatched in strict
 * sequence (none in flight, starting where collection stands); no WARN of bvecq_pos_advance (the
 * dispatch cursor is advanced by what a short write wrote, RFC netfs_unbuffered_write_collect).
 */
export function bvecq_write_cursor_order(
  wreq: netfs_dio_write_request,
  k: Kernel = current_kernel(),
): Violation[] {
  const out: Violation[] = [];
  const n = 'bvecq_write_cursor_order';
  advance_warnings(n, k, out);
  if (wreq.collected_to > wreq.dispatched_to) {
    out.push(v(n, `collected_to ${wreq.collected_to} is past dispatched_to ${wreq.dispatched_to}`));
  }
  if (wreq.dispatched_to > wreq.start + wreq.len)
    out.push(v(n, `dispatched past the end of the write`));
  const at = wreq.dispatch_cursor.bvecq ? bvecq_pos_fpos(wreq.dispatch_cursor) : null;
  if (at !== null && at !== wreq.dispatched_to) {
    out.push(
      v(
        n,
        `dispatch cursor stands at file position ${at} but dispatched_to says ${wreq.dispatched_to}`,
      ),
    );
  }
  for (const d of wreq.dispatch_log) {
    if (d.in_flight_before > 0) {
      out.push(
        v(n, `subrequest ${d.debug_index} dispatched with ${d.in_flight_before} still in flight`),
      );
    }
    if (d.start !== d.collected_to) {
      out.push(
        v(
          n,
          `subrequest ${d.debug_index} starts at ${d.start}, collection stood at ${d.collected_to}`,
        ),
      );
    }
  }
  return out;
}

/**
 * bvecq_no_write_hole for an unbuffered write: no byte past a range the request gave up
 * unwritten (a failed subrequest, or the rest of a failed request) reached the server, so an
 * error such as ENOSPC leaves the file written up to a point and nothing beyond (the reason for
 * "netfs: Fix unbuffered/DIO writes to dispatch subrequests in strict sequence"). Written
 * ranges are the collected ones and what outstanding subrequests have transferred.
 */
export function bvecq_no_write_hole(wreq: netfs_dio_write_request): Violation[] {
  const unwritten = wreq.collect_log.filter((c) => !c.ok);
  if (unwritten.length === 0) return [];
  const hole = Math.min(...unwritten.map((c) => c.start));
  const written = wreq.collect_log
    .filter((c) => c.ok && c.end > c.start)
    .map((c) => c.start)
    .concat(wreq.subrequests.filter((s) => s.transferred > 0).map((s) => s.start));
  return written
    .filter((at) => at >= hole)
    .map((at) =>
      v('bvecq_no_write_hole', `data written at ${at} after the unwritten range from ${hole}`),
    );
}

/**
 * bvecq_no_leaked_segments: once the request that built a chain has been torn down, every
 * segment it allocated has been freed (each netfs_put_bvecq() reached zero; the RFC's
 * netfs_n_bvecq counter is back where it started).
 */
export function bvecq_no_leaked_segments(k: Kernel = current_kernel()): Violation[] {
  return bvecq_stats(k)
    .all.filter((bq) => !bq.freed)
    .map((bq) =>
      v(
        'bvecq_no_leaked_segments',
        `bvecq ${bq.id} is still live (ref ${bq.ref}) after its request ended`,
      ),
    );
}

/** bvecq_unlock_after_collection: a folio is unlocked only once collection has passed its end. */
export function bvecq_unlock_after_collection(rreq: netfs_read_request): Violation[] {
  const out: Violation[] = [];
  for (const u of rreq.unlock_log) {
    if (u.end > u.collected_to) {
      out.push(
        v(
          'bvecq_unlock_after_collection',
          `folio [${u.fpos}, ${u.end}) unlocked with collection at ${u.collected_to}`,
        ),
      );
    }
  }
  for (const f of rreq.folios) {
    if (f.locked && f.fpos + f.folio.size <= rreq.collected_to && rreq.subrequests.length === 0) {
      out.push(v('bvecq_unlock_after_collection', `folio at ${f.fpos} collected but still locked`));
    }
  }
  return out;
}

/**
 * bvecq_no_free_while_referenced: no position or live ->next link points at a freed segment,
 * and every live segment's refcount covers the references to it that can be seen (the
 * positions given, plus the link from a live previous segment). Also reports the
 * use-after-free and underflow WARNs the bvecq code recorded.
 */
export function bvecq_no_free_while_referenced(
  positions: readonly bvecq_pos[],
  heads: readonly (bvecq | null)[],
  k: Kernel = current_kernel(),
): Violation[] {
  const out: Violation[] = [];
  const seen = new Map<bvecq, number>();
  for (const p of positions) {
    if (!p.bvecq) continue;
    if (p.bvecq.freed) out.push(v(NO_FREE, `a position points into freed bvecq ${p.bvecq.id}`));
    // A position that holds no ref (bvecq_collect_only_refs) claims none.
    if (!p.noref) count_reference(seen, p.bvecq);
  }
  const visited = new Set<bvecq>();
  for (const h of heads) walk_links(h, visited, seen, out);
  for (const p of positions) walk_links(p.bvecq, visited, seen, out);
  for (const [bq, refs] of seen) {
    if (!bq.freed && bq.ref < refs)
      out.push(v(NO_FREE, `bvecq ${bq.id} has ref ${bq.ref} but ${refs} references`));
  }
  for (const w of k.warnings) {
    if (
      (w.kind === 'use_after_free' || w.kind === 'refcount_underflow') &&
      w.message.includes('bvecq')
    ) {
      out.push(v(NO_FREE, w.message));
    }
  }
  return out;
}

// bvecq_no_free_while_referenced's helpers, at module level: it runs after every replayed step,
// and closures made per call cost (tsx's keepNames names each one).
const NO_FREE = 'bvecq_no_free_while_referenced';

function count_reference(seen: Map<bvecq, number>, bq: bvecq): void {
  seen.set(bq, (seen.get(bq) ?? 0) + 1);
}

/** Follows ->next links from start (each segment once), counting each link as a reference. */
function walk_links(
  start: bvecq | null,
  visited: Set<bvecq>,
  seen: Map<bvecq, number>,
  out: Violation[],
): void {
  for (let bq = start; bq && !visited.has(bq); bq = bq.next) {
    visited.add(bq);
    if (bq.freed) break;
    if (bq.next) {
      if (bq.next.freed)
        out.push(v(NO_FREE, `live bvecq ${bq.id} links to freed bvecq ${bq.next.id}`));
      count_reference(seen, bq.next);
    }
  }
}
