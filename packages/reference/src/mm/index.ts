// mm: folios, address spaces, faults and fork, GUP, kernel memory, io_uring fixed buffers.
export * from './constants.ts';
export * from './filemap.ts';
export * from './folio.ts';
export * from './gup.ts';
export * from './io_uring.ts';
export * from './kmem.ts';
export * from './memory.ts';
export * from './mmap.ts';
export * from './secretmem.ts';
export * from './vfio.ts';
