// The kernel context a run executes in: which kernel (profile), which opt-in historical bugs
// (faults), the vmstat pin counters and the WARN log the invariants read. It plays the role of
// the kernel version and .config, chosen per run. Runs are single-threaded and deterministic,
// so a module-level "current kernel" is enough (like `current` in the kernel).
import type { FaultName } from './faults.ts';
import { parseFaults } from './faults.ts';
import type { Folio, Page } from './mm/folio.ts';
import type { MmStruct } from './mm/mmap.ts';
import type { KernelProfile, ProfileName } from './profile.ts';
import { getProfile } from './profile.ts';

/** Kinds of anomaly the kernel would WARN or BUG about (or silently corrupt memory with). */
export type KernelWarningKind =
  | 'pin_underflow' // unpin of a folio holding no pin (mm/gup.c gup_put_folio)
  | 'refcount_underflow' // folio_put below zero (include/linux/mm.h folio_put_testzero)
  | 'release_mismatch' // released with put_page what was pinned, or unpinned what was ref'd
  | 'use_after_free' // a data access (CPU or DMA) to a freed folio
  | 'zero_page_write' // a write into ZERO_PAGE
  | 'over_revert' // iov_iter_revert past the start of the iterator
  | 'bug'; // any other BUG_ON/WARN_ON the reference reproduces

export interface KernelWarning {
  readonly kind: KernelWarningKind;
  readonly message: string;
  /** The folio concerned, when there is one. */
  readonly pfn?: number;
}

export interface Vmstat {
  /** /proc/vmstat nr_foll_pin_acquired (mm/gup.c try_grab_folio: node_stat_mod_folio). */
  nr_foll_pin_acquired: number;
  /** /proc/vmstat nr_foll_pin_released (mm/gup.c gup_put_folio). */
  nr_foll_pin_released: number;
}

export interface Kernel {
  readonly profile: KernelProfile;
  readonly faults: ReadonlySet<FaultName>;
  readonly vmstat: Vmstat;
  hasFault(f: FaultName): boolean;
  /** Anomalies in the order they happened; invariants turn them into violations. */
  readonly warnings: KernelWarning[];
  /** Records an anomaly (the WARN_ON of the kernel) and keeps running, as the kernel does. */
  WARN(kind: KernelWarningKind, message: string, pfn?: number): void;
  /** Folios allocated and not yet freed, for quiescence checks (owned by src/mm). */
  readonly live_folios: Set<Folio>;
  /** Next page frame number to hand out (owned by src/mm). */
  next_pfn: number;
  /**
   * Page frames the allocator can hand out at once (live folios); Infinity by default. Only the
   * allocations that may fail in the kernel look at it (try_alloc_page).
   */
  readonly max_page_frames: number;
  /** ZERO_PAGE of this kernel, created on first use (owned by src/mm). */
  zero_page: Page | null;
  /** The address space user-backed iterators refer to (current->mm); null in a kthread. */
  current_mm: MmStruct | null;
  /**
   * Every address space mm_alloc made (owned by src/mm; an exited one has no vmas left): where
   * unmap_mapping_pages finds the vmas of a file (mapping->i_mmap in the kernel).
   */
  readonly mms: MmStruct[];
  /** Kernel virtual memory (kmalloc arena), owned by src/mm/kmem.ts. */
  readonly kmem: { next_addr: number; pages: Map<number, Page> };
  /** Next id for address spaces, bios, pipes...: deterministic per kernel. */
  next_id: number;
}

export interface CreateKernelOptions {
  faults?: readonly (FaultName | string)[];
  /** Physical memory in page frames, for allocations that can fail (default: unbounded). */
  max_page_frames?: number;
}

/** Start of the kernel's virtual address range in this model (kept below 2^53). */
export const KERNEL_VA_BASE = 2 ** 48;

class KernelImpl implements Kernel {
  readonly profile: KernelProfile;
  readonly faults: ReadonlySet<FaultName>;
  readonly vmstat: Vmstat = { nr_foll_pin_acquired: 0, nr_foll_pin_released: 0 };
  readonly warnings: KernelWarning[] = [];
  readonly live_folios = new Set<Folio>();
  next_pfn = 1;
  zero_page: Page | null = null;
  current_mm: MmStruct | null = null;
  readonly mms: MmStruct[] = [];
  readonly kmem = { next_addr: KERNEL_VA_BASE, pages: new Map<number, Page>() };
  next_id = 1;
  readonly max_page_frames: number;

  constructor(profile: KernelProfile, faults: ReadonlySet<FaultName>, max_page_frames: number) {
    this.profile = profile;
    this.faults = faults;
    this.max_page_frames = max_page_frames;
  }

  hasFault(f: FaultName): boolean {
    return this.faults.has(f);
  }

  WARN(kind: KernelWarningKind, message: string, pfn?: number): void {
    this.warnings.push(pfn === undefined ? { kind, message } : { kind, message, pfn });
  }
}

/** A fresh kernel context: its own memory, counters and WARN log. */
export function createKernel(
  profile: ProfileName | KernelProfile,
  opts: CreateKernelOptions = {},
): Kernel {
  const p = typeof profile === 'string' ? getProfile(profile) : profile;
  const frames = opts.max_page_frames ?? Number.POSITIVE_INFINITY;
  if (frames !== Number.POSITIVE_INFINITY && (!Number.isInteger(frames) || frames < 0)) {
    throw new RangeError(`createKernel: max_page_frames ${frames} is not a non-negative integer`);
  }
  return new KernelImpl(p, new Set(parseFaults(opts.faults ?? [])), frames);
}

let current: Kernel | null = null;

/** The kernel code runs in. Default: linux-6.12 without faults, created on first use. */
export function current_kernel(): Kernel {
  if (current === null) current = createKernel('linux-6.12');
  return current;
}

/** Runs fn with k as the current kernel and restores the previous one afterwards. */
export function with_kernel<T>(k: Kernel, fn: () => T): T {
  const saved = current;
  current = k;
  try {
    return fn();
  } finally {
    current = saved;
  }
}

/** Runs fn with mm as current->mm (kthread_use_mm) and restores the previous one. */
export function with_mm<T>(mm: MmStruct | null, fn: () => T): T {
  const k = current_kernel();
  const saved = k.current_mm;
  k.current_mm = mm;
  try {
    return fn();
  } finally {
    k.current_mm = saved;
  }
}
