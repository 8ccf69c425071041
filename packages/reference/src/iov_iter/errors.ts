// The kernel's BUG() and WARN() sites in lib/iov_iter.c become thrown errors, so a model run
// that reaches one stops with a clear message instead of silently corrupting state.

/** A BUG()/BUG_ON() site was reached: in the kernel this oopses. */
export class IovIterBug extends Error {
  override readonly name = 'IovIterBug';
  constructor(
    /** Kernel function that contains the BUG(). */
    readonly site: string,
    detail: string,
  ) {
    super(`BUG in ${site}: ${detail}`);
  }
}

/** A WARN()/WARN_ON() site was reached: the kernel logs a splat and carries on. */
export class IovIterWarning extends Error {
  override readonly name = 'IovIterWarning';
  constructor(
    readonly site: string,
    detail: string,
  ) {
    super(`WARNING in ${site}: ${detail}`);
  }
}

/**
 * A walk read an array element past the ones in use (in the kernel: stale data or, past the
 * allocation, a KASAN slab-out-of-bounds report; either way undefined): the reference stops
 * there rather than make up a value.
 */
export class IovIterOutOfBounds extends Error {
  override readonly name = 'IovIterOutOfBounds';
  constructor(
    readonly site: string,
    detail: string,
  ) {
    super(`out-of-bounds read in ${site}: ${detail}`);
  }
}

/**
 * The bvecq RFC v1 walks (fault bvecq_empty_seg_v1) step from a segment's last slot into the next
 * segment and read `bq->bv[slot]` there without looking at its slot count: on an empty segment
 * (nr_slots 0) that is a read past the slots in use. `site` is the walk, `slot` the index read.
 */
export function bvecqEmptySegmentRead(
  site: string,
  slot: number,
  nr_slots: number,
): IovIterOutOfBounds {
  return new IovIterOutOfBounds(
    site,
    `bq->bv[${slot}] of a bvecq segment with ${nr_slots} slots in use (RFC v1 steps into an empty segment without checking)`,
  );
}
