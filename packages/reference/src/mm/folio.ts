// Folios and pages: reference counting, pin counting and page data.
// Kernel: include/linux/mm.h (folio_get, folio_put, get_page, put_page, folio_ref_count,
// folio_maybe_dma_pinned), include/linux/mm_types.h (struct folio: _refcount, _mapcount,
// _pincount), include/linux/page-flags.h (PageAnonExclusive, folio_test_dirty).
import type { Kernel } from '../kernel.ts';
import { current_kernel } from '../kernel.ts';
import { GUP_PIN_COUNTING_BIAS, PAGE_SIZE } from './constants.ts';

/** struct page: one PAGE_SIZE frame of a folio. */
export class Page {
  readonly folio: Folio;
  /** Index of this page within its folio (0 for the head page). */
  readonly index_in_folio: number;
  /** PG_anon_exclusive: the page is mapped exclusively by one process and may be pinned. */
  anon_exclusive = false;

  constructor(folio: Folio, index_in_folio: number) {
    this.folio = folio;
    this.index_in_folio = index_in_folio;
  }

  get pfn(): number {
    return this.folio.pfn + this.index_in_folio;
  }
}

/** struct folio: a power-of-two run of pages with one refcount. */
export class Folio {
  readonly pfn: number;
  readonly order: number;
  /** _refcount: every holder (mapping, GUP ref, page cache, pipe buffer, pin*BIAS for small). */
  _refcount = 1;
  /** _pincount: exact pin count, kept only for large folios (folio_test_large). */
  _pincount = 0;
  /** Number of PTEs mapping the folio (sum over its pages). */
  _mapcount = 0;
  /** folio_test_anon: mapped as private anonymous memory. */
  anon = false;
  /** PG_dirty. */
  dirty = false;
  /** Set when the last reference went away; any later access is a use-after-free. */
  freed = false;
  /** The zero page: never freed, not refcounted by mappings. */
  readonly is_zero: boolean;
  /**
   * Ledger of outstanding GUP acquisitions (not in the kernel, which cannot tell refs apart):
   * pins taken by FOLL_PIN and refs taken by FOLL_GET, so release-mode mismatches are exact.
   */
  gup_pins = 0;
  gup_refs = 0;
  /** Page cache membership (include/linux/mm_types.h folio->mapping, folio->index). */
  mapping: object | null = null;
  index = 0;
  /** Bytes of the folio; null means all zero (allocated on first write: keeps fork cheap). */
  private _data: Uint8Array | null = null;
  /** Folios sharing _data (copy-on-write of the model's bytes); null when not shared. */
  private _sharers: { n: number } | null = null;
  private _pages: Page[] | null = null;

  constructor(pfn: number, order: number, is_zero = false) {
    this.pfn = pfn;
    this.order = order;
    this.is_zero = is_zero;
  }

  get nr_pages(): number {
    return 1 << this.order;
  }

  get size(): number {
    return PAGE_SIZE << this.order;
  }

  /** folio_page(folio, n) */
  page(n: number): Page {
    if (n < 0 || n >= this.nr_pages) {
      throw new RangeError(`folio_page: page ${n} outside a folio of ${this.nr_pages} pages`);
    }
    if (this._pages === null) {
      this._pages = [];
      for (let i = 0; i < this.nr_pages; i++) this._pages.push(new Page(this, i));
    }
    return this._pages[n] as Page;
  }

  /** A copy of len bytes from offset (zeroes when the folio was never written). */
  peek(offset: number, len: number): Uint8Array {
    if (this._data === null) return new Uint8Array(len);
    return this._data.slice(offset, offset + len);
  }

  /** Copies len bytes from offset into dst at dst_off, without an intermediate buffer. */
  readInto(dst: Uint8Array, dst_off: number, offset: number, len: number): void {
    if (this._data === null) dst.fill(0, dst_off, dst_off + len);
    else dst.set(this._data.subarray(offset, offset + len), dst_off);
  }

  hasData(): boolean {
    return this._data !== null;
  }

  /** Writable view of the folio's bytes, allocated (or unshared) on first write. */
  dataForWrite(): Uint8Array {
    if (this._data === null) {
      this._data = this.order === 0 ? page_data_alloc() : new Uint8Array(this.size);
    } else if (this._sharers !== null && this._sharers.n === 1) {
      this._sharers = null; // every other sharer went its own way: the bytes are ours
    } else if (this._sharers !== null) {
      const copy = this.order === 0 ? page_data_alloc() : new Uint8Array(this.size);
      copy.set(this._data);
      this._data = copy;
      this.dropSharing();
    }
    return this._data;
  }

  /** Leaves the group of folios sharing this folio's bytes. */
  private dropSharing(): void {
    const g = this._sharers;
    if (g === null) return;
    g.n--;
    this._sharers = null;
  }

  /**
   * Copies all bytes from another folio of the same size (copy_user_highpage). The byte buffer
   * is shared until a folio of the group is written, which keeps COW copies at fork cheap.
   */
  copyFrom(src: Folio): void {
    if (src.size !== this.size)
      throw new RangeError(`copyFrom: folio sizes differ (${src.size} vs ${this.size})`);
    this.dropSharing();
    this._data = src._data;
    if (this._data === null) return;
    if (src._sharers === null) src._sharers = { n: 1 };
    src._sharers.n++;
    this._sharers = src._sharers;
  }

  /**
   * The folio was freed: it leaves its sharing group, so the others need not copy on its
   * account. (What a use-after-free then reads from it is unspecified, as in the kernel.)
   */
  releaseData(): void {
    this.dropSharing();
  }
}

/**
 * Page-sized zeroed byte buffers carved from 64-page slabs: one backing-store allocation per
 * 64 pages instead of one per page, which is what makes whole scenarios cheap. A slab lives as
 * long as any of its pages; fresh ArrayBuffers are zero-filled, and slots are never reused.
 */
const SLAB_PAGES = 64;
let slab: ArrayBuffer | null = null;
let slab_next = SLAB_PAGES;

function page_data_alloc(): Uint8Array {
  if (slab === null || slab_next === SLAB_PAGES) {
    slab = new ArrayBuffer(SLAB_PAGES * PAGE_SIZE);
    slab_next = 0;
  }
  return new Uint8Array(slab, PAGE_SIZE * slab_next++, PAGE_SIZE);
}

/**
 * Bounded physical memory (max_page_frames): frames 1..max_page_frames are reused, lowest free
 * first, as the page allocator hands a freed frame to its next user; so a frame freed while a
 * device still writes to it can belong to someone else when the DMA lands (see
 * memcpy_to_page). Returns null when none of them is free, or when memory is unbounded.
 */
function lowest_free_frame(k: Kernel): number | null {
  if (k.max_page_frames === Number.POSITIVE_INFINITY) return null;
  const used = new Set<number>();
  for (const f of k.live_folios) for (let i = 0; i < 1 << f.order; i++) used.add(f.pfn + i);
  for (let pfn = 1; pfn <= k.max_page_frames; pfn++) if (!used.has(pfn)) return pfn;
  return null;
}

/** folio_alloc(gfp, order): a new folio holding one reference (the caller's). */
export function folio_alloc(order: number): Folio {
  if (!Number.isInteger(order) || order < 0 || order > 10) {
    throw new RangeError(`folio_alloc: order ${order} is not an integer in 0..10 (MAX_PAGE_ORDER)`);
  }
  const k = current_kernel();
  const reused = order === 0 ? lowest_free_frame(k) : null;
  // Fresh pfns start past the bounded frames, so they never collide with a reused one.
  if (k.max_page_frames !== Number.POSITIVE_INFINITY && k.next_pfn <= k.max_page_frames)
    k.next_pfn = k.max_page_frames + 1;
  const folio = new Folio(reused ?? k.next_pfn, order);
  if (reused === null) k.next_pfn += 1 << order;
  k.live_folios.add(folio);
  return folio;
}

/** The live folio now holding physical frame pfn, if any (bounded memory reuses frames). */
function live_folio_at(pfn: number): Folio | undefined {
  for (const f of current_kernel().live_folios) {
    if (pfn >= f.pfn && pfn < f.pfn + (1 << f.order)) return f;
  }
  return undefined;
}

/** alloc_page(gfp): an order-0 folio's page. */
export function alloc_page(): Page {
  return folio_alloc(0).page(0);
}

/**
 * alloc_page(GFP_USER) where the caller handles failure (push_anon, alloc_pages_bulk_array):
 * null once the kernel's max_page_frames folios are live, as the page allocator fails when
 * memory is exhausted.
 */
export function try_alloc_page(): Page | null {
  const k = current_kernel();
  if (k.live_folios.size >= k.max_page_frames) return null;
  return alloc_page();
}

/** ZERO_PAGE(vaddr): the shared zero-filled page of the current kernel. */
export function ZERO_PAGE(_vaddr = 0): Page {
  const k = current_kernel();
  if (k.zero_page === null) {
    const z = new Folio(0, 0, true);
    k.zero_page = z.page(0);
  }
  return k.zero_page;
}

/** is_zero_page / is_zero_folio (include/linux/pgtable.h). */
export function is_zero_page(page: Page): boolean {
  return page.folio.is_zero;
}
export function is_zero_folio(folio: Folio): boolean {
  return folio.is_zero;
}

/** folio_test_large */
export function folio_test_large(folio: Folio): boolean {
  return folio.order > 0;
}

/** folio_ref_count */
export function folio_ref_count(folio: Folio): number {
  return folio._refcount;
}

/** page_folio */
export function page_folio(page: Page): Folio {
  return page.folio;
}

/**
 * folio_maybe_dma_pinned (include/linux/mm.h): exact for large folios (_pincount), a
 * refcount heuristic for small ones (false positives when >= 1024 plain refs are held).
 */
export function folio_maybe_dma_pinned(folio: Folio): boolean {
  if (folio_test_large(folio)) return folio._pincount > 0;
  return folio._refcount >= GUP_PIN_COUNTING_BIAS;
}

/** folio_ref_add (include/linux/page_ref.h). */
export function folio_ref_add(folio: Folio, nr: number): void {
  if (folio.freed)
    current_kernel().WARN('use_after_free', `ref taken on freed folio ${folio.pfn}`, folio.pfn);
  folio._refcount += nr;
}

/** folio_get */
export function folio_get(folio: Folio): void {
  folio_ref_add(folio, 1);
}

/** get_page */
export function get_page(page: Page): void {
  folio_get(page.folio);
}

/**
 * folio_put_refs / folio_put: drops refs; the last one frees the folio (__folio_put). The zero
 * page is never freed. A drop below zero is recorded as refcount_underflow; like the kernel's
 * folio_ref_sub_and_test(), which frees only when the count reaches exactly zero, it leaves the
 * folio allocated with its negative count (an unpin of an unpinned small folio takes
 * GUP_PIN_COUNTING_BIAS off a refcount of 1).
 */
export function folio_put_refs(folio: Folio, refs: number): void {
  if (folio.is_zero) {
    folio._refcount -= refs;
    return;
  }
  const k = current_kernel();
  if (folio.freed) {
    k.WARN('use_after_free', `put on freed folio ${folio.pfn}`, folio.pfn);
    return;
  }
  folio._refcount -= refs;
  if (folio._refcount < 0) {
    k.WARN(
      'refcount_underflow',
      `folio ${folio.pfn} refcount fell to ${folio._refcount}`,
      folio.pfn,
    );
  }
  if (folio._refcount === 0) {
    folio.freed = true;
    folio.releaseData();
    k.live_folios.delete(folio);
  }
}

export function folio_put(folio: Folio): void {
  folio_put_refs(folio, 1);
}

/** put_page */
export function put_page(page: Page): void {
  folio_put(page.folio);
}

/** folio_mark_dirty / set_page_dirty_lock */
export function folio_mark_dirty(folio: Folio): void {
  folio.dirty = true;
}

/** Records a data access to a freed folio (what KASAN would report). */
function check_access(page: Page, what: string): boolean {
  const folio = page.folio;
  if (folio.freed) {
    current_kernel().WARN('use_after_free', `${what} freed folio ${folio.pfn}`, folio.pfn);
    return false;
  }
  return true;
}

/**
 * memcpy_to_page (include/linux/highmem.h): writes bytes into a page at an offset. Writes to a
 * freed folio are recorded; they land in the frame's new owner when bounded memory has
 * handed the frame out again (the memory corruption of a DMA into a freed page), else they
 * are dropped. Writes to the zero page are a bug.
 */
export function memcpy_to_page(page: Page, offset: number, src: Uint8Array): void {
  if (offset < 0 || offset + src.length > PAGE_SIZE) {
    throw new RangeError(
      `memcpy_to_page: ${src.length} bytes at offset ${offset} do not fit in a page`,
    );
  }
  if (src.length === 0) return;
  if (page.folio.is_zero) {
    current_kernel().WARN('zero_page_write', `write of ${src.length} bytes into ZERO_PAGE`);
    return;
  }
  if (!check_access(page, 'write to')) {
    const owner = live_folio_at(page.pfn);
    if (owner !== undefined)
      owner.dataForWrite().set(src, (page.pfn - owner.pfn) * PAGE_SIZE + offset);
    return;
  }
  page.folio.dataForWrite().set(src, page.index_in_folio * PAGE_SIZE + offset);
}

/** memcpy_from_page (include/linux/highmem.h): reads len bytes of a page from an offset. */
export function memcpy_from_page(page: Page, offset: number, len: number): Uint8Array {
  const out = new Uint8Array(Math.max(len, 0));
  memcpy_from_page_into(out, 0, page, offset, len);
  return out;
}

/** memcpy_from_page into a caller's buffer (no intermediate allocation). */
export function memcpy_from_page_into(
  dst: Uint8Array,
  dst_off: number,
  page: Page,
  offset: number,
  len: number,
): void {
  if (offset < 0 || len < 0 || offset + len > PAGE_SIZE) {
    throw new RangeError(`memcpy_from_page: ${len} bytes at offset ${offset} do not fit in a page`);
  }
  check_access(page, 'read from');
  page.folio.readInto(dst, dst_off, page.index_in_folio * PAGE_SIZE + offset, len);
}

/** memset a page range to a byte (zero_user_segments and friends). */
export function memset_page(page: Page, offset: number, value: number, len: number): void {
  if (len === 0) return;
  if (page.folio.is_zero) {
    if (value !== 0) current_kernel().WARN('zero_page_write', 'memset of ZERO_PAGE');
    return;
  }
  if (!check_access(page, 'write to')) return;
  if (value === 0 && !page.folio.hasData()) return;
  const base = page.index_in_folio * PAGE_SIZE + offset;
  page.folio.dataForWrite().fill(value, base, base + len);
}
