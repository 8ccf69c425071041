// Files on a block device, in outline: an inode with i_size, a page cache and a contiguous
// extent on the device; a file with O_DIRECT or not; truncate. Enough for O_DIRECT and splice
// to behave as they do on a simple filesystem (one extent, no holes) and on a raw blockdev.
// Kernel: include/linux/fs.h (struct inode, struct file, struct kiocb), fs/open.c
// (do_truncate), mm/truncate.c (truncate_setsize).
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import type { address_space } from '../mm/filemap.ts';
import { address_space_create, truncate_inode_pages } from '../mm/filemap.ts';
import type { block_device } from './blkdev.ts';

/** include/uapi/asm-generic/fcntl.h */
export const O_DIRECT = 0o40000;
/** include/linux/fs.h kiocb flags */
export const IOCB_WRITE = 1 << 3;
export const IOCB_DIRECT = 1 << 17;

export class inode {
  readonly i_ino: number;
  i_size: number;
  readonly i_bdev: block_device;
  /** Byte offset on the device where the file's single extent starts. */
  readonly i_extent_start: number;
  /** Bytes the extent can hold (the file cannot grow beyond it). */
  readonly i_extent_len: number;
  /**
   * End (bytes, block-aligned) of the blocks mapped with data in the extent, which an O_DIRECT
   * read reaches with bios (IOMAP_MAPPED); past it the file is a hole (iomap_dio_hole_iter).
   * round_up(i_size) at creation, raised by writes. truncate_setsize (do_truncate) leaves it:
   * the filesystem frees the blocks past i_size only afterwards (ext4_truncate,
   * xfs_itruncate_extents), which this outline does not model, so reads after a truncate see
   * blocks still mapped past i_size, the window of the ITER_PIPE race (seed 002).
   */
  i_blocks_end: number;
  readonly i_mapping: address_space;
  /** S_ISBLK: the inode is the block device itself. */
  readonly is_blkdev: boolean;

  constructor(
    ino: number,
    bdev: block_device,
    start: number,
    len: number,
    size: number,
    is_blkdev: boolean,
  ) {
    this.i_ino = ino;
    this.i_bdev = bdev;
    this.i_extent_start = start;
    this.i_extent_len = len;
    this.i_size = size;
    this.i_blocks_end = Math.ceil(size / bdev.logical_block_size) * bdev.logical_block_size;
    this.is_blkdev = is_blkdev;
    // a_ops->read_folio: read the folio's bytes from the extent's mapped blocks; beyond i_size,
    // and in a hole (past i_blocks_end: an extending ftruncate maps nothing), the folio stays
    // zeroed (ext4_mpage_readpages / block_read_full_folio zero unmapped blocks).
    this.i_mapping = address_space_create((folio) => {
      const pos = folio.index * PAGE_SIZE;
      const n = Math.max(0, Math.min(PAGE_SIZE, this.i_size - pos, this.i_blocks_end - pos));
      // Straight into the folio's bytes (block_device.readInto), no intermediate buffer.
      if (n > 0) bdev.readInto(folio.dataForWrite(), 0, this.i_extent_start + pos, n);
    }, this);
  }
}

export class file {
  readonly f_inode: inode;
  f_flags: number;
  f_pos = 0;

  constructor(ino: inode, flags: number) {
    this.f_inode = ino;
    this.f_flags = flags;
  }
}

/** struct kiocb. ki_complete null = a synchronous kiocb (is_sync_kiocb). */
export interface kiocb {
  ki_filp: file;
  ki_pos: number;
  ki_flags: number;
  ki_complete: ((iocb: kiocb, res: number) => void) | null;
}

/** A regular file of size bytes on [start, start+len) of bdev. */
export function create_file(bdev: block_device, start: number, len: number, size: number): inode {
  if (start % bdev.logical_block_size !== 0 || len % bdev.logical_block_size !== 0) {
    throw new RangeError(
      `create_file: extent ${start}+${len} is not aligned to ${bdev.logical_block_size}`,
    );
  }
  if (start < 0 || len <= 0 || start + len > bdev.size) {
    throw new RangeError(`create_file: extent ${start}+${len} outside a ${bdev.size}-byte device`);
  }
  if (size < 0 || size > len) throw new RangeError(`create_file: size ${size} outside 0..${len}`);
  return new inode(current_kernel().next_id++, bdev, start, len, size, false);
}

/** The block device's own inode (opening /dev/xyz). */
export function bdev_inode(bdev: block_device): inode {
  return new inode(current_kernel().next_id++, bdev, 0, bdev.size, bdev.size, true);
}

/** open(2) of an inode; flags may include O_DIRECT. */
export function filp_open(ino: inode, flags: number): file {
  return new file(ino, flags);
}

/** init_sync_kiocb */
export function init_sync_kiocb(filp: file, pos: number): kiocb {
  return {
    ki_filp: filp,
    ki_pos: pos,
    ki_flags: filp.f_flags & O_DIRECT ? IOCB_DIRECT : 0,
    ki_complete: null,
  };
}

/** An async kiocb (Linux AIO / io_uring): complete is called when the I/O finishes. */
export function init_async_kiocb(
  filp: file,
  pos: number,
  complete: (iocb: kiocb, res: number) => void,
): kiocb {
  return {
    ki_filp: filp,
    ki_pos: pos,
    ki_flags: filp.f_flags & O_DIRECT ? IOCB_DIRECT : 0,
    ki_complete: complete,
  };
}

/**
 * do_truncate -> truncate_setsize: sets i_size and drops the page cache past it. The blocks past
 * the new i_size stay mapped (i_blocks_end): freeing them is the filesystem's later step, which
 * is not modelled; in-flight direct I/O is not waited for. A DIO read that samples i_size after
 * this maps those blocks and issues bios past i_size (fs/iomap/direct-io.c __iomap_dio_rw).
 */
export function do_truncate(ino: inode, length: number): void {
  if (ino.is_blkdev) throw new Error('do_truncate: a block device cannot be truncated');
  if (!Number.isInteger(length) || length < 0 || length > ino.i_extent_len) {
    throw new RangeError(`do_truncate: length ${length} outside 0..${ino.i_extent_len}`);
  }
  ino.i_size = length;
  truncate_inode_pages(ino.i_mapping, length);
}
