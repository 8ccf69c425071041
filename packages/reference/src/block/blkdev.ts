// A block device whose I/O completes only when the caller says so: submit_bio() queues a bio
// and nothing moves until bdev_complete_bio() (or bdev_complete_all()) performs the transfer
// ("DMA") and runs the bio's end_io. This is how races against in-flight I/O are driven
// deterministically, in the way dm-delay holds bios on a real kernel (kernel-facts.md).
// Kernel: include/linux/blkdev.h (struct block_device, bdev_logical_block_size),
// block/blk-core.c (submit_bio), block/bio.c (bio_endio).
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import { memcpy_from_page_into, memcpy_to_page } from '../mm/folio.ts';
import type { bio } from './bio.ts';
import { bio_endio, REQ_OP_READ, SECTOR_SHIFT } from './bio.ts';

/** Storage unit of block_device's sparse contents (bytes). */
const CHUNK = 4096;

/**
 * Zeroed chunks carved from 64-chunk slabs (as mm/folio.ts page_data_alloc carves page data):
 * one ArrayBuffer per 64 chunks written instead of one per chunk, which every replayed run's
 * device set-up paid. A slab lives as long as any of its chunks; slots are never reused.
 */
const CHUNK_SLAB = 64;
let chunk_slab: ArrayBuffer | null = null;
let chunk_slab_next = CHUNK_SLAB;

function chunk_alloc(): Uint8Array {
  if (chunk_slab === null || chunk_slab_next === CHUNK_SLAB) {
    chunk_slab = new ArrayBuffer(CHUNK_SLAB * CHUNK);
    chunk_slab_next = 0;
  }
  return new Uint8Array(chunk_slab, CHUNK * chunk_slab_next++, CHUNK);
}

export class block_device {
  readonly bd_dev: number;
  /** Capacity in bytes (bdev_nr_bytes). */
  readonly size: number;
  /** bdev_logical_block_size: O_DIRECT alignment unit. */
  readonly logical_block_size: number;
  /**
   * bdev_dma_alignment (queue_dma_alignment): the mask an O_DIRECT buffer's addresses must
   * clear. The queue default, 511: Debian 6.1.192 blk_alloc_queue -> blk_set_default_limits
   * ("lim->dma_alignment = 511;", block/blk-settings.c), 6.12 blk_validate_limits
   * ("lim->dma_alignment = SECTOR_SIZE - 1"); loop and dm keep it.
   */
  readonly dma_alignment = 511;
  /** Bios submitted and not yet completed, in submission order. */
  readonly inflight: bio[] = [];
  /**
   * The block_bio_queue tracepoint (trace_block_bio_queue in submit_bio_noacct, what blktrace
   * records as Q): when a list is set here, submit_bio appends each bio it queues, so a caller
   * can see the bios of a synchronous direct I/O that completed before it returned.
   */
  bio_queue_trace: bio[] | null = null;
  /**
   * The device's contents in sparse 4 KiB chunks (the model's own storage unit, not the
   * sector: a page-sized write, the common case, is one chunk); absent chunks read as zeroes.
   */
  private readonly chunks = new Map<number, Uint8Array>();

  constructor(bd_dev: number, size: number, logical_block_size: number) {
    this.bd_dev = bd_dev;
    this.size = size;
    this.logical_block_size = logical_block_size;
  }

  /** Reads device bytes (a test's view of the medium). */
  read(pos: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(out, 0, pos, len);
    return out;
  }

  /** Copies device bytes into dst at dst_off. */
  readInto(dst: Uint8Array, dst_off: number, pos: number, len: number): void {
    this.check_range(pos, len);
    let done = 0;
    while (done < len) {
      const p = pos + done;
      const chunk = Math.floor(p / CHUNK);
      const off = p % CHUNK;
      const n = Math.min(CHUNK - off, len - done);
      const c = this.chunks.get(chunk);
      if (c === undefined) dst.fill(0, dst_off + done, dst_off + done + n);
      else dst.set(c.subarray(off, off + n), dst_off + done);
      done += n;
    }
  }

  /** Writes device bytes directly (setting up a test's medium; also the target of DMA). */
  write(pos: number, src: Uint8Array): void {
    this.check_range(pos, src.length);
    let done = 0;
    while (done < src.length) {
      const p = pos + done;
      const chunk = Math.floor(p / CHUNK);
      const off = p % CHUNK;
      const n = Math.min(CHUNK - off, src.length - done);
      const c = this.chunks.get(chunk);
      if (c !== undefined) c.set(src.subarray(done, done + n), off);
      else {
        // A new chunk (zeroed: written in part, the rest of it reads as zeroes).
        const fresh = chunk_alloc();
        fresh.set(src.subarray(done, done + n), off);
        this.chunks.set(chunk, fresh);
      }
      done += n;
    }
  }

  private check_range(pos: number, len: number): void {
    if (
      !Number.isInteger(pos) ||
      !Number.isInteger(len) ||
      pos < 0 ||
      len < 0 ||
      pos + len > this.size
    ) {
      throw new RangeError(
        `block_device ${this.bd_dev}: range ${pos}+${len} outside a ${this.size}-byte device`,
      );
    }
  }
}

/** Creates a block device of size bytes (a multiple of the logical block size). */
export function bdev_alloc(size: number, logical_block_size = 512): block_device {
  if (
    !Number.isInteger(logical_block_size) ||
    logical_block_size < 512 ||
    logical_block_size & (logical_block_size - 1)
  ) {
    throw new RangeError(
      `bdev_alloc: logical block size ${logical_block_size} is not a power of two >= 512`,
    );
  }
  if (!Number.isInteger(size) || size <= 0 || size % logical_block_size !== 0) {
    throw new RangeError(
      `bdev_alloc: size ${size} is not a positive multiple of ${logical_block_size}`,
    );
  }
  return new block_device(current_kernel().next_id++, size, logical_block_size);
}

/** include/linux/blk_types.h blk_status_t values: success, and the generic I/O error. */
export const BLK_STS_OK = 0;
export const BLK_STS_IOERR = 10;

/** Bounce buffer for a transfer either way (a bvec never exceeds a page here). */
const dma_scratch = new Uint8Array(PAGE_SIZE);

/** submit_bio: queues the bio; the transfer happens at completion. */
export function submit_bio(b: bio): void {
  const bdev = b.bi_bdev;
  const pos = b.bi_iter.bi_sector << SECTOR_SHIFT;
  if (pos + b.bi_iter.bi_size > bdev.size) {
    throw new RangeError(
      `submit_bio: bio ${b.id} (${pos}+${b.bi_iter.bi_size}) runs past the end of the device`,
    );
  }
  if (bdev.bio_queue_trace !== null) bdev.bio_queue_trace.push(b);
  bdev.inflight.push(b);
}

/**
 * Completes one in-flight bio: moves the data between the device and the bio's pages (the
 * device's DMA; into or out of whatever page each bvec names *now*, freed or not), then calls
 * bio_endio. status is a blk_status_t (0 = BLK_STS_OK).
 */
export function bdev_complete_bio(b: bio, status = 0): void {
  const bdev = b.bi_bdev;
  const idx = bdev.inflight.indexOf(b);
  if (idx < 0)
    throw new Error(`bdev_complete_bio: bio ${b.id} is not in flight on device ${bdev.bd_dev}`);
  bdev.inflight.splice(idx, 1);
  if (status === 0) {
    let pos = b.bi_iter.bi_sector << SECTOR_SHIFT;
    for (let n = 0; n < b.bi_vcnt; n++) {
      const bv = b.bi_io_vec[n];
      if (bv === undefined) break;
      if (b.op === REQ_OP_READ) {
        bdev.readInto(dma_scratch, 0, pos, bv.bv_len);
        memcpy_to_page(bv.bv_page, bv.bv_offset, dma_scratch.subarray(0, bv.bv_len));
      } else {
        // Through the bounce buffer too (block_device.write copies it): no new buffer per bvec.
        memcpy_from_page_into(dma_scratch, 0, bv.bv_page, bv.bv_offset, bv.bv_len);
        bdev.write(pos, dma_scratch.subarray(0, bv.bv_len));
      }
      pos += bv.bv_len;
    }
  }
  b.bi_status = status;
  bio_endio(b);
}

/** Completes the oldest in-flight bio; false when none is in flight. */
export function bdev_complete_next(bdev: block_device, status = 0): boolean {
  const b = bdev.inflight[0];
  if (b === undefined) return false;
  bdev_complete_bio(b, status);
  return true;
}

/** Completes every in-flight bio in submission order; returns how many. */
export function bdev_complete_all(bdev: block_device): number {
  let n = 0;
  while (bdev_complete_next(bdev)) n++;
  return n;
}
