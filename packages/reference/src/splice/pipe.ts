// Pipes: a ring of pipe_buffers, each holding a reference on a page.
// Kernel: include/linux/pipe_fs_i.h (struct pipe_inode_info, struct pipe_buffer, pipe_full,
// pipe_occupancy, pipe_buf_release), fs/pipe.c (pipe_read, anon_pipe_buf_release,
// generic_pipe_buf_release), fs/splice.c (add_to_pipe, page_cache_pipe_buf_ops,
// user_page_pipe_buf_ops, default_pipe_buf_ops, wait_for_space).
import { EAGAIN } from '../errno.ts';
import { current_kernel } from '../kernel.ts';
import { FOLL_GET, PAGE_SIZE } from '../mm/constants.ts';
import type { Page } from '../mm/folio.ts';
import { memcpy_from_page_into, put_page } from '../mm/folio.ts';
import { gup_put_folio } from '../mm/gup.ts';

/** PIPE_DEF_BUFFERS */
export const PIPE_DEF_BUFFERS = 16;
/** PIPE_BUF_FLAG_GIFT: vmsplice(SPLICE_F_GIFT) gave the page away. */
export const PIPE_BUF_FLAG_GIFT = 0x08;
/** include/linux/splice.h */
export const SPLICE_F_GIFT = 0x08;

/** Which pipe_buf_operations the buffer has; they differ only in naming here. */
export type PipeBufOps =
  | 'anon_pipe_buf_ops'
  | 'page_cache_pipe_buf_ops'
  | 'user_page_pipe_buf_ops'
  | 'default_pipe_buf_ops';

export interface pipe_buffer {
  page: Page;
  offset: number;
  len: number;
  ops: PipeBufOps;
  flags: number;
  /**
   * Model bookkeeping: the buffer's reference came from get_user_pages (vmsplice), so its
   * release goes through the GUP ledger; false for a plain get_page/alloc_page reference.
   * Every buffer holds a page reference that its ops->release drops (include/linux/pipe_fs_i.h):
   * under the ITER_PIPE extraction fault (iter_pipe_truncate_revert) it is the *bio* that holds
   * none (lib/iov_iter.c pipe_get_pages without get_page), never the pipe buffer.
   */
  ref_from_gup: boolean;
}

export class pipe_inode_info {
  readonly id: number;
  /** Ring slots, indexed by head/tail modulo ring_size. */
  readonly bufs: (pipe_buffer | undefined)[];
  readonly ring_size: number;
  head = 0;
  tail = 0;
  max_usage: number;

  constructor(id: number, ring_size: number) {
    this.id = id;
    this.ring_size = ring_size;
    this.max_usage = ring_size;
    this.bufs = new Array<pipe_buffer | undefined>(ring_size).fill(undefined);
  }
}

/**
 * A pipe buffer holding bytes of a page-cache page (page_cache_pipe_buf_ops), as
 * splice_folio_into_pipe (6.12) and copy_page_to_iter_pipe (6.1) fill it; the caller has taken
 * the page reference the buffer's release drops.
 */
export function page_cache_pipe_buf(page: Page, offset: number, len: number): pipe_buffer {
  return { page, offset, len, ops: 'page_cache_pipe_buf_ops', flags: 0, ref_from_gup: false };
}

/** alloc_pipe_info */
export function alloc_pipe_info(ring_size = PIPE_DEF_BUFFERS): pipe_inode_info {
  if (!Number.isInteger(ring_size) || ring_size < 1 || ring_size & (ring_size - 1)) {
    throw new RangeError(`alloc_pipe_info: ring size ${ring_size} is not a power of two`);
  }
  return new pipe_inode_info(current_kernel().next_id++, ring_size);
}

export function pipe_occupancy(head: number, tail: number): number {
  return head - tail;
}
/**
 * 6.1 do_splice_to (fs/splice.c), before every ->splice_read: "Don't try to read more the pipe
 * has space for." (p_space = pipe->max_usage - pipe_occupancy(pipe->head, pipe->tail);
 * len = min(len, p_space << PAGE_SHIFT)). The ITER_PIPE reads start with it, O_DIRECT
 * (submit_iter_pipe) and buffered (generic_file_splice_read_start) alike.
 */
export function do_splice_to_len(pipe: pipe_inode_info, len: number): number {
  // Before 3253d9d09337 ("splice: only read in as much information as there is pipe buffer
  // space", D. Wong, 5.4; Fixes: 17614445576b "splice: don't read more than available pipe
  // space", which clipped only splice_direct_to_actor) do_splice called do_splice_to with the
  // caller's len: an ITER_PIPE read could ask for more than the pipe had room for.
  if (current_kernel().hasFault('splice_no_pipe_room_clip')) return len;
  return Math.min(
    len,
    Math.max(pipe.max_usage - pipe_occupancy(pipe.head, pipe.tail), 0) * PAGE_SIZE,
  );
}
export function pipe_full(head: number, tail: number, limit: number): boolean {
  return pipe_occupancy(head, tail) >= limit;
}

/** include/linux/splice.h: "don't block on the pipe splicing (but we may still block on the fd we splice from/to)". */
export const SPLICE_F_NONBLOCK = 0x02;

/**
 * wait_for_space (fs/splice.c, 6.1 and 6.12), for a pipe with readers: 0 when the pipe has a free
 * slot, -EAGAIN when it is full and the caller passed SPLICE_F_NONBLOCK (do_splice also sets it
 * for an O_NONBLOCK pipe). A full pipe without it sleeps in pipe_wait_writable, which a
 * single-threaded reference cannot do: the caller must not ask.
 */
export function wait_for_space(pipe: pipe_inode_info, flags: number): number {
  if (!pipe_full(pipe.head, pipe.tail, pipe.max_usage)) return 0;
  if (flags & SPLICE_F_NONBLOCK) return -EAGAIN;
  throw new Error(`wait_for_space: pipe ${pipe.id} is full and the splice would sleep`);
}
export function pipe_empty(head: number, tail: number): boolean {
  return head === tail;
}

/** pipe_buf(pipe, slot) */
export function pipe_buf(pipe: pipe_inode_info, slot: number): pipe_buffer {
  const b = pipe.bufs[slot & (pipe.ring_size - 1)];
  if (b === undefined) throw new Error(`pipe ${pipe.id}: slot ${slot} holds no buffer`);
  return b;
}

/** pipe_buf_release: drops the buffer's page reference through its ops (the caller clears the slot). */
export function pipe_buf_release(_pipe: pipe_inode_info, buf: pipe_buffer): void {
  if (buf.ref_from_gup) gup_put_folio(buf.page.folio, 1, FOLL_GET);
  else put_page(buf.page);
}

/**
 * add_to_pipe: appends a buffer (its page reference already taken by the caller). Returns
 * buf.len, or -EAGAIN when the pipe is full (the caller drops the page's reference).
 */
export function add_to_pipe(pipe: pipe_inode_info, buf: pipe_buffer): number {
  if (pipe_full(pipe.head, pipe.tail, pipe.max_usage)) return -EAGAIN;
  pipe.bufs[pipe.head & (pipe.ring_size - 1)] = buf;
  pipe.head++;
  return buf.len;
}

/**
 * Bytes in the buffers from slot head0 to the head: what was added since the head was head0
 * (a splice read holds pipe_lock, so nothing is consumed meanwhile).
 */
export function pipe_bytes_since(pipe: pipe_inode_info, head0: number): number {
  let n = 0;
  for (let s = head0; s !== pipe.head; s++) n += pipe_buf(pipe, s).len;
  return n;
}

/** Bytes currently readable from the pipe. */
export function pipe_readable(pipe: pipe_inode_info): number {
  let n = 0;
  for (let s = pipe.tail; s !== pipe.head; s++) n += pipe_buf(pipe, s).len;
  return n;
}

/**
 * pipe_read: copies up to n bytes out of the pipe, releasing each buffer it empties. The
 * bytes are those of each buffer's page *now*, as a reader would see them.
 */
export function pipe_read(pipe: pipe_inode_info, n: number): Uint8Array {
  // The reader's buffer, sized up front (what the pipe holds, at most n): each page range is
  // copied straight into it.
  const out = new Uint8Array(Math.max(0, Math.min(n, pipe_readable(pipe))));
  let done = 0;
  while (n > 0 && !pipe_empty(pipe.head, pipe.tail)) {
    const buf = pipe_buf(pipe, pipe.tail);
    const chunk = Math.min(buf.len, n);
    // A buffer may span pages of a large folio; read page by page.
    let off = buf.offset;
    let left = chunk;
    while (left > 0) {
      const p = buf.page.folio.page(buf.page.index_in_folio + Math.floor(off / PAGE_SIZE));
      const inpage = off % PAGE_SIZE;
      const len = Math.min(PAGE_SIZE - inpage, left);
      memcpy_from_page_into(out, done, p, inpage, len);
      done += len;
      left -= len;
      off += len;
    }
    buf.offset += chunk;
    buf.len -= chunk;
    n -= chunk;
    if (buf.len === 0) {
      pipe.bufs[pipe.tail & (pipe.ring_size - 1)] = undefined;
      pipe_buf_release(pipe, buf);
      pipe.tail++;
    }
  }
  return out;
}

/** free_pipe_info: releases every buffer still in the pipe (the last close). */
export function free_pipe_info(pipe: pipe_inode_info): void {
  while (!pipe_empty(pipe.head, pipe.tail)) {
    // Every slot from tail to head holds a buffer: pipe_buf throws on a hole in the ring.
    const buf = pipe_buf(pipe, pipe.tail);
    pipe.bufs[pipe.tail & (pipe.ring_size - 1)] = undefined;
    pipe_buf_release(pipe, buf);
    pipe.tail++;
  }
}

/**
 * pipe_discard_from(pipe, old_head): drops buffers added since old_head (used when a splice
 * read fails after emitting some).
 */
export function pipe_discard_from(pipe: pipe_inode_info, old_head: number): void {
  while (pipe.head > old_head) {
    pipe.head--;
    const buf = pipe_buf(pipe, pipe.head);
    pipe.bufs[pipe.head & (pipe.ring_size - 1)] = undefined;
    pipe_buf_release(pipe, buf);
  }
}
