// Kernel virtual memory for KVEC iterators and kernel buffers: a kmalloc-like arena whose
// addresses map to pages through virt_to_page, as the kernel's direct map does.
// Kernel: mm/slub.c (kmalloc/kfree, in outline), include/linux/mm.h (virt_to_page),
// include/linux/highmem.h.
import { current_kernel } from '../kernel.ts';
import { PAGE_SIZE } from './constants.ts';
import type { Page } from './folio.ts';
import { alloc_page, memcpy_from_page_into, memcpy_to_page, put_page } from './folio.ts';

/** kmalloc alignment (ARCH_KMALLOC_MINALIGN on x86-64). */
const KMALLOC_ALIGN = 8;

/**
 * kmalloc(size): returns a kernel virtual address of size bytes. Objects are packed like a
 * slab (8-byte aligned, not page aligned), so their in-page offsets are realistic; pages are
 * allocated as the arena grows and are never freed by kfree (slab pages outlive objects).
 */
export function kmalloc(size: number): number {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`kmalloc: bad size ${size}`);
  const kmem = current_kernel().kmem;
  const addr = Math.ceil(kmem.next_addr / KMALLOC_ALIGN) * KMALLOC_ALIGN;
  kmem.next_addr = addr + size;
  for (
    let vpn = Math.floor(addr / PAGE_SIZE);
    vpn <= Math.floor((addr + size - 1) / PAGE_SIZE);
    vpn++
  ) {
    if (!kmem.pages.has(vpn)) kmem.pages.set(vpn, alloc_page());
  }
  return addr;
}

/** kmalloc of a page-aligned buffer (as __get_free_pages gives). */
export function kmalloc_page_aligned(size: number): number {
  const kmem = current_kernel().kmem;
  kmem.next_addr = Math.ceil(kmem.next_addr / PAGE_SIZE) * PAGE_SIZE;
  return kmalloc(size);
}

/** kfree: objects are not reused in this model; the call checks the address is kernel memory. */
export function kfree(addr: number): void {
  virt_to_page(addr);
}

/** virt_to_page: the page backing a kernel virtual address; a bad address is an error. */
export function virt_to_page(addr: number): Page {
  const page = current_kernel().kmem.pages.get(Math.floor(addr / PAGE_SIZE));
  if (page === undefined)
    throw new Error(`virt_to_page: ${addr.toString(16)} is not a kmalloc'd kernel address`);
  return page;
}

/** Writes bytes at a kernel virtual address (memcpy to kernel memory). */
export function kmem_write(addr: number, src: Uint8Array): void {
  let done = 0;
  while (done < src.length) {
    const a = addr + done;
    const off = a % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, src.length - done);
    memcpy_to_page(virt_to_page(a), off, src.subarray(done, done + n));
    done += n;
  }
}

/** Reads n bytes from a kernel virtual address. */
export function kmem_read(addr: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let done = 0;
  while (done < n) {
    const a = addr + done;
    const off = a % PAGE_SIZE;
    const len = Math.min(PAGE_SIZE - off, n - done);
    memcpy_from_page_into(out, done, virt_to_page(a), off, len);
    done += len;
  }
  return out;
}

/** Releases every arena page (module teardown); only for tests that check quiescence. */
export function kmem_release_all(): void {
  const kmem = current_kernel().kmem;
  for (const page of kmem.pages.values()) put_page(page);
  kmem.pages.clear();
}
