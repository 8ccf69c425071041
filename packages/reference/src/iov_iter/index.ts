// iov_iter: the kernel's I/O iterator (include/linux/uio.h, include/linux/iov_iter.h,
// lib/iov_iter.c), all iterator types including ITER_BVECQ from the bvecq RFC (seed 004).
export * from './advance.ts';
export * from './constants.ts';
export * from './errors.ts';
export * from './extract.ts';
export * from './fault_in.ts';
export * from './folio_queue.ts';
export * from './get_pages.ts';
export * from './init.ts';
export * from './iterate.ts';
export * from './locate.ts';
export * from './npages.ts';
export * from './page_array.ts';
export * from './types.ts';
export * from './xarray.ts';
