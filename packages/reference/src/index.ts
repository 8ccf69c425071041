// @pinlab/reference: the reference implementation of the kernel mechanisms pinlab models.
// Each folder mirrors a kernel subsystem; exported names keep the kernel's identifiers.

export * from './block/index.ts';
export * from './bvecq/index.ts';
export * from './errno.ts';
export * from './faults.ts';
export * from './invariants/index.ts';
export * from './iov_iter/index.ts';
export * from './kernel.ts';
export * from './mm/index.ts';
export * from './netfs/index.ts';
export * from './profile.ts';
export * from './splice/index.ts';
