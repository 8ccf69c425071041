// io_uring registered ("fixed") buffers: registration pins the user pages long-term
// (FOLL_WRITE | FOLL_LONGTERM through pin_user_pages), I/O on them uses an ITER_BVEC over the
// pinned pages (so the bio takes nothing), and unregistration unpins.
// Kernel: io_uring/rsrc.c (io_sqe_buffers_register, io_sqe_buffer_register, io_pin_pages,
// io_buffer_unmap, io_import_fixed), io_uring/rw.c (io_prep_rw_fixed).
import { EBUSY, EFAULT, EINVAL, ENXIO, EOPNOTSUPP } from '../errno.ts';
import { iov_iter_bvec } from '../iov_iter/init.ts';
import type { bio_vec, iov_iter, iovec } from '../iov_iter/types.ts';
import { current_kernel } from '../kernel.ts';
import { FOLL_LONGTERM, FOLL_WRITE, PAGE_SIZE } from './constants.ts';
import type { Page } from './folio.ts';
import { pin_user_pages_fast, unpin_user_pages } from './gup.ts';
import type { MmStruct } from './mmap.ts';
import { vma_lookup } from './mmap.ts';

/** struct io_mapped_ubuf */
export interface io_mapped_ubuf {
  readonly ubuf: number;
  readonly len: number;
  readonly pages: readonly Page[];
  readonly bvec: readonly bio_vec[];
}

/** struct io_ring_ctx, reduced to its registered buffers and owning mm. */
export class io_ring_ctx {
  readonly id: number;
  readonly mm: MmStruct;
  /** The buffer table; null is a sparse slot (ctx->dummy_ubuf: no buffer, nothing pinned). */
  user_bufs: (io_mapped_ubuf | null)[] = [];

  constructor(id: number, mm: MmStruct) {
    this.id = id;
    this.mm = mm;
  }
}

/**
 * A registered buffer whose bvecs do not cover its [ubuf, ubuf + len) range: the registration
 * built it wrong. The kernel has no such error (io_uring/rsrc.c io_import_fixed fails only
 * -EFAULT, and only before it walks the bvecs); the reference stops rather than make one up.
 */
export class IoMappedUbufCorrupt extends Error {
  override readonly name = 'IoMappedUbufCorrupt';
}

/** io_uring_setup: a ring owned by mm (ctx->mm_account). */
export function io_uring_setup(mm: MmStruct): io_ring_ctx {
  return new io_ring_ctx(current_kernel().next_id++, mm);
}

/**
 * 6.1's io_pin_pages, once pin_user_pages pinned every page: "don't support file backed memory":
 * a page whose vma's vm_file is not the first page's fails -EINVAL (a buffer across an anonymous
 * and a file mapping, or two files), a file-backed one that is neither shmem nor hugetlbfs
 * -EOPNOTSUPP ("if (!vma_is_shmem(vmas[i]) && !is_file_hugepages(file))"; the reference's files
 * are neither), and the pages are unpinned (Debian 6.1.192 io_uring/rsrc.c). 6.5 removed the check
 * ("io_uring: rsrc: delegate VMA file-backed check to GUP"): Debian 6.12.117's io_pin_pages looks
 * at no vma, and GUP refuses a FOLL_LONGTERM | FOLL_WRITE pin of a shared writable file mapping
 * only (check_vma_flags -> writable_file_mapping_allowed), which a MAP_PRIVATE one is not
 * (profile io_uring_vma_file_check).
 */
function io_pin_pages_vma_check(mm: MmStruct, start: number, nr_pages: number): number {
  if (!current_kernel().profile.io_uring_vma_file_check) return 0;
  const file = vma_lookup(mm, start)?.vm_file;
  for (let i = 0; i < nr_pages; i++) {
    const vm_file = vma_lookup(mm, start + i * PAGE_SIZE)?.vm_file;
    if (vm_file !== file) return -EINVAL;
    if (vm_file !== undefined) return -EOPNOTSUPP;
  }
  return 0;
}

/**
 * io_buffer_validate + io_sqe_buffer_register (io_pin_pages) for one iovec. Returns the mapping,
 * null for a sparse slot, or -errno. io_buffer_validate (6.1; 6.12 the same): "if
 * (!iov->iov_base) return iov->iov_len ? -EFAULT : 0;" then a zero length or one over SZ_1G is
 * -EFAULT; io_sqe_buffer_register then installs ctx->dummy_ubuf for the NULL base ("if
 * (!iov->iov_base) return 0;"): a slot with no buffer, which io_import_fixed refuses (-EFAULT:
 * dummy_ubuf's ubuf is -1UL) and io_buffer_unmap skips. (The -EOVERFLOW of a base + length past
 * the address space is not modelled: the reference's addresses are small.)
 */
function io_sqe_buffer_register(ctx: io_ring_ctx, iov: iovec): io_mapped_ubuf | null | number {
  if (iov.iov_base === 0) return iov.iov_len !== 0 ? -EFAULT : null;
  if (iov.iov_len <= 0 || iov.iov_len > 1 << 30) return -EFAULT;
  const start = Math.floor(iov.iov_base / PAGE_SIZE) * PAGE_SIZE;
  const end = Math.ceil((iov.iov_base + iov.iov_len) / PAGE_SIZE) * PAGE_SIZE;
  const nr_pages = (end - start) / PAGE_SIZE;
  const pages: (Page | undefined)[] = [];
  const pinned = pin_user_pages_fast(ctx.mm, start, nr_pages, FOLL_WRITE | FOLL_LONGTERM, pages);
  if (pinned !== nr_pages) {
    // io_pin_pages: a partial pin is undone and the registration fails.
    if (pinned > 0) unpin_user_pages(pages as Page[], pinned);
    return pinned < 0 ? pinned : -EFAULT;
  }
  const bad = io_pin_pages_vma_check(ctx.mm, start, nr_pages);
  if (bad !== 0) {
    unpin_user_pages(pages as Page[], pinned);
    return bad;
  }
  const bvec: bio_vec[] = [];
  let off = iov.iov_base - start;
  let left = iov.iov_len;
  for (const page of pages as Page[]) {
    const n = Math.min(PAGE_SIZE - off, left);
    bvec.push({ bv_page: page, bv_offset: off, bv_len: n });
    left -= n;
    off = 0;
  }
  return { ubuf: iov.iov_base, len: iov.iov_len, pages: pages as Page[], bvec };
}

/** io_sqe_buffers_register (IORING_REGISTER_BUFFERS). 0 or -errno; all or nothing. */
export function io_sqe_buffers_register(ctx: io_ring_ctx, iovs: readonly iovec[]): number {
  if (ctx.user_bufs.length > 0) return -EBUSY; // already registered
  if (iovs.length === 0 || iovs.length > 16384) return -EINVAL;
  const done: (io_mapped_ubuf | null)[] = [];
  for (const iov of iovs) {
    const r = io_sqe_buffer_register(ctx, iov);
    if (typeof r === 'number') {
      // __io_sqe_buffers_unregister -> io_buffer_unmap of each slot so far (a sparse one: nothing).
      for (const imu of done) if (imu !== null) unpin_user_pages(imu.pages);
      return r;
    }
    done.push(r);
  }
  ctx.user_bufs = done;
  return 0;
}

/** io_sqe_buffers_unregister (IORING_UNREGISTER_BUFFERS): io_buffer_unmap unpins each page. */
export function io_sqe_buffers_unregister(ctx: io_ring_ctx): number {
  if (ctx.user_bufs.length === 0) return -ENXIO; // nothing registered
  for (const imu of ctx.user_bufs) if (imu !== null) unpin_user_pages(imu.pages);
  ctx.user_bufs = [];
  return 0;
}

/**
 * io_import_fixed: an ITER_BVEC iterator over [buf_addr, buf_addr+len) of registered buffer
 * buf_index, which must lie inside it. ddir: ITER_DEST (READ) or ITER_SOURCE (WRITE).
 */
export function io_import_fixed(
  ctx: io_ring_ctx,
  ddir: number,
  buf_index: number,
  buf_addr: number,
  len: number,
): iov_iter | number {
  // len is a size_t: a negative one is the caller's error, not an errno.
  if (!Number.isInteger(len) || len < 0) throw new RangeError(`io_import_fixed: length ${len}`);
  const imu = ctx.user_bufs[buf_index];
  // No such slot (6.1 io_prep_rw_fixed: buf_index >= nr_user_bufs), or a sparse one: its
  // dummy_ubuf (ubuf -1UL) puts every address outside it.
  if (imu === undefined || imu === null) return -EFAULT;
  // "if (unlikely(buf_addr < imu->ubuf || buf_end > imu->ubuf_end)) return -EFAULT;" (6.1;
  // 6.12: imu->ubuf + imu->len): nothing else is checked, so a zero length anywhere inside the
  // buffer, its end included, is an empty iterator, not an error (Debian 6.1.192, 6.12.117).
  if (buf_addr < imu.ubuf || buf_addr + len > imu.ubuf + imu.len) return -EFAULT;
  // Skip to the bvec holding buf_addr, then build a trimmed bvec array from there.
  let skip = buf_addr - imu.ubuf;
  const out: bio_vec[] = [];
  let left = len;
  for (const bv of imu.bvec) {
    if (left === 0) break;
    if (skip >= bv.bv_len) {
      skip -= bv.bv_len;
      continue;
    }
    const n = Math.min(bv.bv_len - skip, left);
    out.push({ bv_page: bv.bv_page, bv_offset: bv.bv_offset + skip, bv_len: n });
    left -= n;
    skip = 0;
  }
  // The range check above keeps [buf_addr, buf_addr + len) inside the bvecs, which cover the
  // registered range exactly (io_sqe_buffer_register): the walk always places every byte.
  if (left !== 0)
    throw new IoMappedUbufCorrupt(
      `io_import_fixed: the bvecs of buffer ${buf_index} leave ${left} of ${len} bytes unplaced`,
    );
  return iov_iter_bvec(ddir, out, out.length, len);
}
