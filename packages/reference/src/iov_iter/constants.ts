// Constants of include/linux/uio.h that the iov_iter code depends on (page and errno constants
// come from src/mm/constants.ts and src/errno.ts). Values are the kernel's own.

/** enum iter_type (include/linux/uio.h), with ITER_BVECQ as added by the bvecq RFC (seed 004). */
export const ITER_UBUF = 0;
export const ITER_IOVEC = 1;
export const ITER_BVEC = 2;
export const ITER_KVEC = 3;
export const ITER_FOLIOQ = 4;
export const ITER_BVECQ = 5;
export const ITER_XARRAY = 6;
export const ITER_DISCARD = 7;
export type IterType =
  | typeof ITER_UBUF
  | typeof ITER_IOVEC
  | typeof ITER_BVEC
  | typeof ITER_KVEC
  | typeof ITER_FOLIOQ
  | typeof ITER_BVECQ
  | typeof ITER_XARRAY
  | typeof ITER_DISCARD;

const ITER_TYPE_NAMES = [
  'ITER_UBUF',
  'ITER_IOVEC',
  'ITER_BVEC',
  'ITER_KVEC',
  'ITER_FOLIOQ',
  'ITER_BVECQ',
  'ITER_XARRAY',
  'ITER_DISCARD',
] as const;
type IterTypeName = (typeof ITER_TYPE_NAMES)[number];

export function iter_type_name(t: IterType): IterTypeName {
  return ITER_TYPE_NAMES[t] as IterTypeName;
}

/** READ/WRITE (include/linux/kernel.h) and their uio.h aliases ITER_DEST/ITER_SOURCE. */
export const READ = 0;
export const WRITE = 1;
export const ITER_DEST = READ;
export const ITER_SOURCE = WRITE;
export type IterDirection = typeof READ | typeof WRITE;

/** Extraction flags (iov_iter_extraction_t, include/linux/uio.h). */
export const ITER_ALLOW_P2PDMA = 0x01;
