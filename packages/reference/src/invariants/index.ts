// Invariant checks: each returns a list of violations (empty = holds).

export * from '../netfs/invariants.ts';
export * from './bvecq.ts';
export * from './iov_iter.ts';
export * from './mm.ts';
export * from './splice.ts';
export * from './violation.ts';
