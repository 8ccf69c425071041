// Invariant checks: each returns a list of violations (empty = holds).
export * from './mm.ts';
export * from './violation.ts';
