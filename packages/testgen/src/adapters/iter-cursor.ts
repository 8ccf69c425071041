// IterCursor (specs/IterCursor.tla): advance, revert and extraction across segments, with
// zero-length segments, on every iterator type. The reference driver builds the spec's segment
// layout (SegLen <<0,2,0,3,1>>, SegOff <<0,2,0,0,0>>, PAGE = 4 model bytes) at a scale of 1024
// bytes per model byte, so model pages are real 4 KiB pages, and calls lib/iov_iter.c's
// counterparts: iov_iter_init/_kvec/_bvec/_ubuf/_xarray, iov_iter_advance, iov_iter_revert
// (whose BUG() the reference raises as IovIterBug), iov_iter_extract_pages (pins released
// again with unpin_user_pages, the array with kvfree).
//
// Observations: type, count (model bytes left), oops ("NONE" | "BUG" for UBUF/XARRAY | "OOB"
// for a walk off the front of a segment array), lastBytes and lastOffset0 of the last
// extraction (model units). The segment pointer itself is not compared: at a segment end the
// kernel's revert leaves (seg k, iov_offset = len) where the spec normalises to (seg k+1, 0);
// both are the same position, and count plus the next extraction pin it down.

import {
  alloc_page,
  extract_matches_iterator,
  extract_result_consistent,
  FAULT_FLAG_WRITE,
  folio_alloc,
  handle_mm_fault,
  IovIterBug,
  ITER_DEST,
  type iov_iter,
  iov_iter_advance,
  iov_iter_bvec,
  iov_iter_clone,
  iov_iter_extract_pages,
  iov_iter_extract_will_pin,
  iov_iter_init,
  iov_iter_kvec,
  iov_iter_revert,
  iov_iter_ubuf,
  iov_iter_violations,
  iov_iter_xarray,
  type Kernel,
  kmalloc_page_aligned,
  kvfree,
  type MmStruct,
  mm_alloc,
  no_over_reversion,
  PAGE_SIZE,
  type Page,
  type PageSlot,
  unpin_user_pages,
  type Violation,
  vm_mmap,
  with_kernel,
  with_mm,
  XArray,
} from '@pinlab/reference';
import { apply, asInt, asString, type ModelState, stateVar } from '../model/value.ts';
import type { ScenarioAction, StepObservation } from '../target.ts';
import { AdapterError, param, type ReferenceDriver, type SpecAdapter } from './adapter.ts';
import { kernelFor } from './design.ts';
import { kernelViolations } from './invariants.ts';

/** Reference bytes per model byte: the spec's PAGE (4) becomes PAGE_SIZE. */
const UNIT = PAGE_SIZE / 4;
const SEG_LEN = [0, 2, 0, 3, 1];
const SEG_OFF = [0, 2, 0, 0, 0];
const TOTAL = 6;
const FLAT_START = 2;

function observeModel(_prev: ModelState | undefined, state: ModelState): StepObservation {
  const it = stateVar(state, 'it');
  const last = stateVar(state, 'last');
  const oops = asString(stateVar(state, 'oops'), 'oops');
  const type = asString(apply(it, 'type'), 'it.type');
  return {
    type,
    oops,
    // After a BUG the kernel's iterator is left as it was; the spec adds n to count. Neither
    // is meaningful any more, so count is reported only while no oops happened.
    count: oops === 'NONE' ? asInt(apply(it, 'count'), 'it.count') : null,
    lastBytes: asInt(apply(last, 'bytes'), 'last.bytes'),
    lastOffset0: asInt(apply(last, 'offset0'), 'last.offset0'),
  };
}

class IterCursorDriver implements ReferenceDriver {
  private readonly k: Kernel;
  private readonly mm: MmStruct;
  private i: iov_iter | null = null;
  private type = 'NONE';
  private oops = 'NONE';
  private lastBytes = 0;
  private lastOffset0 = 0;
  /** Violations of the per-call extraction invariants found by the last Extract. */
  private extractViolations: Violation[] = [];

  constructor(profile: string) {
    this.k = kernelFor(profile);
    this.mm = with_kernel(this.k, () => mm_alloc());
  }

  apply(action: ScenarioAction): void {
    with_kernel(this.k, () => with_mm(this.mm, () => this.step(action)));
  }

  /** A user range of `pages` pages, faulted in (so extraction pins present pages). */
  private userPages(pages: number): number {
    const base = vm_mmap(this.mm, 0, pages * PAGE_SIZE);
    if (base < 0) throw new AdapterError(`IterCursor: vm_mmap failed (${base})`);
    for (let p = 0; p < pages; p++)
      handle_mm_fault(this.mm, base + p * PAGE_SIZE, FAULT_FLAG_WRITE);
    return base;
  }

  private init(type: string): iov_iter {
    const count = TOTAL * UNIT;
    switch (type) {
      case 'IOVEC': {
        // Each segment in its own page, at its in-page offset (iov_base % PAGE_SIZE = SegOff).
        const base = this.userPages(SEG_LEN.length);
        const iov = SEG_LEN.map((len, k) => ({
          iov_base: base + k * PAGE_SIZE + (SEG_OFF[k] ?? 0) * UNIT,
          iov_len: len * UNIT,
        }));
        return iov_iter_init(ITER_DEST, iov, iov.length, count);
      }
      case 'KVEC': {
        const kv = SEG_LEN.map((len, k) => ({
          iov_base: kmalloc_page_aligned(PAGE_SIZE) + (SEG_OFF[k] ?? 0) * UNIT,
          iov_len: len * UNIT,
        }));
        return iov_iter_kvec(ITER_DEST, kv, kv.length, count);
      }
      case 'BVEC': {
        const bv = SEG_LEN.map((len, k) => ({
          bv_page: alloc_page(),
          bv_offset: (SEG_OFF[k] ?? 0) * UNIT,
          bv_len: len * UNIT,
        }));
        return iov_iter_bvec(ITER_DEST, bv, bv.length, count);
      }
      case 'UBUF':
        return iov_iter_ubuf(ITER_DEST, this.userPages(2) + FLAT_START * UNIT, count);
      case 'XARRAY': {
        const xa = new XArray();
        xa.xa_store_folio(0, folio_alloc(0));
        xa.xa_store_folio(1, folio_alloc(0));
        return iov_iter_xarray(ITER_DEST, xa, FLAT_START * UNIT, count);
      }
      default:
        throw new AdapterError(`IterCursor: unknown iterator type ${type}`);
    }
  }

  private iter(): iov_iter {
    if (this.i === null) throw new AdapterError('IterCursor: no iterator yet (IterInit first)');
    return this.i;
  }

  private step(action: ScenarioAction): void {
    switch (action.name) {
      case 'IterInit':
        this.type = param(action, 'type', 'string');
        this.i = this.init(this.type);
        return;
      case 'Advance':
        iov_iter_advance(this.iter(), param(action, 'bytes', 'number') * UNIT);
        return;
      case 'Revert':
        try {
          iov_iter_revert(this.iter(), param(action, 'bytes', 'number') * UNIT);
        } catch (e) {
          if (!(e instanceof IovIterBug)) throw e;
          this.oops = this.oopsKind();
          return;
        }
        // Without the guard (fault over_revert) the walk back does not stop: the iterator is
        // left before its start, which the kernel would BUG() on (UBUF/XARRAY) or read before
        // the segment array with (the vector types). no_over_reversion sees it.
        if (no_over_reversion(this.iter()).length > 0) this.oops = this.oopsKind();
        return;
      case 'Extract': {
        const i = this.iter();
        const pages = { value: null as PageSlot[] | null };
        const offset0 = { value: 0 };
        const will_pin = iov_iter_extract_will_pin(i);
        const before = iov_iter_clone(i);
        const n = iov_iter_extract_pages(
          i,
          pages,
          param(action, 'maxsize', 'number') * UNIT,
          64,
          0,
          offset0,
        );
        this.extractViolations = [
          ...extract_result_consistent(n, pages.value, offset0.value, 64, before.count, i.count),
          ...extract_matches_iterator(before, n, pages.value, offset0.value),
        ];
        if (n < 0) throw new AdapterError(`IterCursor: iov_iter_extract_pages failed (${n})`);
        if (n % UNIT !== 0 || offset0.value % UNIT !== 0) {
          throw new AdapterError(
            `IterCursor: extraction of ${n} bytes at offset ${offset0.value} is not in model units`,
          );
        }
        this.lastBytes = n / UNIT;
        this.lastOffset0 = n === 0 ? 0 : offset0.value / UNIT;
        // The caller's cleanup: unpin what was pinned (user-backed), free the array.
        if (pages.value !== null) {
          const got = n === 0 ? 0 : Math.ceil((offset0.value + n) / PAGE_SIZE);
          if (will_pin) unpin_user_pages(pages.value.slice(0, got) as Page[], got);
          kvfree(pages.value);
        }
        return;
      }
      default:
        throw new AdapterError(`IterCursor: unknown action ${action.name}`);
    }
  }

  private oopsKind(): string {
    return this.type === 'UBUF' || this.type === 'XARRAY' ? 'BUG' : 'OOB';
  }

  /** Kernel-wide invariants, the iterator's own, and those of the last extraction. */
  violations(): Violation[] {
    return with_kernel(this.k, () => [
      ...kernelViolations(this.k),
      ...(this.i === null ? [] : iov_iter_violations(this.i)),
      ...this.extractViolations,
    ]);
  }

  observe(): StepObservation {
    return {
      type: this.type,
      oops: this.oops,
      count: this.oops === 'NONE' ? (this.i === null ? 0 : this.i.count / UNIT) : null,
      lastBytes: this.lastBytes,
      lastOffset0: this.lastOffset0,
    };
  }
}

export const iterCursorAdapter: SpecAdapter = {
  spec: 'IterCursor',
  observeModel,
  supports: (action) => ['IterInit', 'Advance', 'Revert', 'Extract'].includes(action.name),
  // iov_iter_revert without the guard (faults.ts over_revert). BvecKvecMixup has a fault
  // (bvec_reads_kvec) but its config is ILP32, an ABI no profile has: no design.
  faultKnobs: [{ constant: 'RevertGuard', value: false, fault: 'over_revert' }],
  // An iterator reverted before its start (the model's oops) breaks the iterator invariants.
  predictedViolations: (_prev, now) =>
    now.oops !== 'NONE' ? ['no_over_reversion', 'iter_count_consistent'] : [],
  createDriver: (profile) => new IterCursorDriver(profile),
};
