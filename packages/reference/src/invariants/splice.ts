// Splice invariants: a splice read never reaches past EOF.
import { DIV_ROUND_UP, PAGE_SIZE } from '../mm/constants.ts';
import type { splice_read_result } from '../splice/filemap_splice.ts';
import type { Violation } from './violation.ts';

/**
 * splice_within_eof: a splice read returns no more than i_size - pos bytes and allocates no
 * more pages than those bytes need (direct_splice_read's EOF limit, seed 002 ver #20).
 */
export function splice_within_eof(r: splice_read_result): Violation[] {
  const out: Violation[] = [];
  const avail = Math.max(0, r.i_size - r.pos);
  if (r.ret > avail) {
    out.push({
      invariant: 'splice_within_eof',
      message: `spliced ${r.ret} bytes with only ${avail} before EOF`,
    });
  }
  const need = DIV_ROUND_UP(avail, PAGE_SIZE);
  if (r.pages_allocated > need) {
    out.push({
      invariant: 'splice_within_eof',
      message: `allocated ${r.pages_allocated} pages to read ${avail} bytes before EOF (${need} needed)`,
    });
  }
  return out;
}
