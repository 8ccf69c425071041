// Invariants over mm state and the kernel's WARN log: pin balance, no underflow, release
// matching acquisition, no access to freed pages, parent sees its DIO data.
import { page_arrays_outstanding } from '../iov_iter/page_array.ts';
import type { Kernel, KernelWarningKind } from '../kernel.ts';
import { copy_from_user } from '../mm/memory.ts';
import type { MmStruct } from '../mm/mmap.ts';
import type { Violation } from './violation.ts';

function from_warnings(
  k: Kernel,
  invariant: string,
  kinds: readonly KernelWarningKind[],
): Violation[] {
  const out: Violation[] = [];
  for (const w of k.warnings)
    if (kinds.includes(w.kind)) out.push({ invariant, message: w.message });
  return out;
}

/**
 * pin_balance_at_quiescence: with no I/O in flight, every pin taken was released
 * (nr_foll_pin_acquired == nr_foll_pin_released), no folio still holds a GUP pin or ref, and no
 * page array allocated on a caller's behalf was leaked.
 */
export function pin_balance_at_quiescence(k: Kernel): Violation[] {
  const out: Violation[] = [];
  const { nr_foll_pin_acquired: a, nr_foll_pin_released: r } = k.vmstat;
  if (a !== r) {
    out.push({
      invariant: 'pin_balance_at_quiescence',
      message: `nr_foll_pin_acquired ${a} != nr_foll_pin_released ${r}`,
    });
  }
  for (const f of k.live_folios) {
    if (f.gup_pins !== 0 || f.gup_refs !== 0) {
      out.push({
        invariant: 'pin_balance_at_quiescence',
        message: `folio ${f.pfn} still holds ${f.gup_pins} GUP pins and ${f.gup_refs} GUP refs`,
      });
    }
  }
  const z = k.zero_page?.folio;
  if (z !== undefined && (z.gup_pins !== 0 || z.gup_refs !== 0)) {
    out.push({
      invariant: 'pin_balance_at_quiescence',
      message: `ZERO_PAGE still holds ${z.gup_pins} GUP pins and ${z.gup_refs} GUP refs`,
    });
  }
  const arrays = page_arrays_outstanding(k);
  if (arrays !== 0) {
    out.push({
      invariant: 'pin_balance_at_quiescence',
      message: `${arrays} extraction page array(s) never freed`,
    });
  }
  return out;
}

/** no_pin_underflow: no unpin of an unpinned folio and no refcount below zero, ever. */
export function no_pin_underflow(k: Kernel): Violation[] {
  const out = from_warnings(k, 'no_pin_underflow', ['pin_underflow', 'refcount_underflow']);
  for (const f of k.live_folios) {
    if (f._pincount < 0 || f.gup_pins < 0 || f._refcount < 0) {
      out.push({
        invariant: 'no_pin_underflow',
        message: `folio ${f.pfn}: refcount ${f._refcount}, pincount ${f._pincount}`,
      });
    }
  }
  return out;
}

/**
 * zero_page_never_pinned (6.5+, "mm: Don't pin ZERO_PAGE in pin_user_pages()": mm/gup.c
 * try_grab_folio returns early for is_zero_folio): on a kernel whose GUP skips the zero page, it
 * never holds a FOLL_PIN. Kernels before 6.5 (profile zero_page_pinned) pin it by design.
 */
export function zero_page_never_pinned(k: Kernel): Violation[] {
  const z = k.zero_page?.folio;
  if (k.profile.zero_page_pinned || z === undefined || z.gup_pins <= 0) return [];
  return [
    { invariant: 'zero_page_never_pinned', message: `ZERO_PAGE holds ${z.gup_pins} FOLL_PIN pins` },
  ];
}

/**
 * pinned_pages_exclusive (mm/gup.c sanity_check_pinned_pages, 6.1 and 6.12 alike: "We only pin
 * anonymous pages if they are exclusive. Once pinned, we can no longer turn them possibly shared
 * and PageAnonExclusive() will stick around until the page is freed"): a live anonymous folio
 * holding a FOLL_PIN is PageAnonExclusive. A small folio's page must be; of a large folio
 * either the head page (PMD-mapped) or the pinned page (PTE-mapped) must be, and the reference
 * does not record which page a pin is on, so it reports a large folio none of whose pages is
 * exclusive. Broken by a fork that COW-shares a pinned page (pre-5.9 copy_present_pte: fault
 * fork_share_pinned), which clears PageAnonExclusive instead of copying for the child.
 * FOLL_GET references and page-cache folios are no part of it.
 */
export function pinned_pages_exclusive(k: Kernel): Violation[] {
  // The message names the folio only (not its pin count), so one shared pinned folio is one
  // violation however its pins come and go.
  const out: Violation[] = [];
  for (const f of k.live_folios) {
    if (!f.anon || f.is_zero || f.gup_pins <= 0) continue;
    let exclusive = false;
    for (let i = 0; i < f.nr_pages && !exclusive; i++) exclusive = f.page(i).anon_exclusive;
    if (!exclusive) {
      out.push({
        invariant: 'pinned_pages_exclusive',
        message: `anonymous folio ${f.pfn} is FOLL_PIN pinned and not PageAnonExclusive`,
      });
    }
  }
  return out;
}

/** release_matches_acquisition: pins are released with unpin, refs with put_page, never crossed. */
export function release_matches_acquisition(k: Kernel): Violation[] {
  return from_warnings(k, 'release_matches_acquisition', ['release_mismatch']);
}

/** no_dma_into_freed_page: no CPU or device access to a folio after its last reference went. */
export function no_dma_into_freed_page(k: Kernel): Violation[] {
  return from_warnings(k, 'no_dma_into_freed_page', ['use_after_free', 'zero_page_write']);
}

/**
 * parent_sees_dio_data: after a DIO read into [uaddr, uaddr+expected.length) completed, the
 * process that issued it reads back exactly the device's data there.
 */
export function parent_sees_dio_data(
  mm: MmStruct,
  uaddr: number,
  expected: Uint8Array,
): Violation[] {
  // Checked after every step of a replay (the ForkRace observation of lost reads): the bytes
  // are read into a reused buffer (read_user's copy, same fault) and compared four at a time
  // when both sides are 4-byte aligned; any difference goes to the byte loop, which decides.
  const n = expected.length;
  if (dio_scratch.length < n) dio_scratch = new Uint8Array(n);
  const got = dio_scratch.subarray(0, n);
  const left = copy_from_user(mm, got, uaddr, n);
  if (left !== 0) throw new Error(`read_user: fault at ${uaddr + n - left} in mm ${mm.id}`);
  if (same_words(got, expected)) return [];
  for (let i = 0; i < expected.length; i++) {
    if (got[i] !== expected[i]) {
      return [
        {
          invariant: 'parent_sees_dio_data',
          message: `mm ${mm.id} byte ${i} at ${uaddr + i}: read ${got[i]}, the DIO delivered ${expected[i]}`,
        },
      ];
    }
  }
  return [];
}

/** parent_sees_dio_data's read buffer (a check is synchronous and keeps no reference to it). */
let dio_scratch = new Uint8Array(4096);

/**
 * Whether a and b (same length) hold the same bytes, compared as 32-bit words when both start
 * 4-byte aligned and the length is a multiple of 4 (equal words are equal bytes); false also
 * when they cannot be compared so, leaving the answer to the caller's byte loop.
 */
function same_words(a: Uint8Array, b: Uint8Array): boolean {
  const n = b.length;
  if (a.length !== n || ((a.byteOffset | b.byteOffset | n) & 3) !== 0) return false;
  const wa = new Int32Array(a.buffer, a.byteOffset, n >> 2);
  const wb = new Int32Array(b.buffer, b.byteOffset, n >> 2);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
  return true;
}

/** Every mm/block invariant that needs no scenario knowledge, at quiescence. */
export function mm_invariants_at_quiescence(k: Kernel): Violation[] {
  return [
    ...pin_balance_at_quiescence(k),
    ...no_pin_underflow(k),
    ...release_matches_acquisition(k),
    ...no_dma_into_freed_page(k),
  ];
}
