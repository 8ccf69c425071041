// Invariant checks: each returns a list of violations (empty = holds).
export {};
