// The shape every invariant check returns: a list of violations, empty when it holds.
export interface Violation {
  /** The invariant's name (as in the specs and FAULTS[...].caught_by). */
  readonly invariant: string;
  readonly message: string;
}
