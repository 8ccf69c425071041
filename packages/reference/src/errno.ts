// errno values (include/uapi/asm-generic/errno-base.h, errno.h). Kernel functions return them
// negated, as the kernel does.
export const EPERM = 1;
export const ENOENT = 2;
export const EIO = 5;
export const ENXIO = 6;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;
export const EPIPE = 32;
/** include/uapi/asm-generic/errno.h (x86 and the generic table: 95). */
export const EOPNOTSUPP = 95;
export const EIOCBQUEUED = 529;
