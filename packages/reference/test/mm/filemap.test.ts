// The page cache (mm/filemap.ts): i_pages is the XArray an ITER_XARRAY iterator walks, and
// truncate_inode_pages_range (mm/truncate.c) drops whole folios inside the range and zeroes the
// covered part of a folio it covers only in part.
import { describe, expect, it } from 'vitest';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import {
  address_space_create,
  filemap_get_uptodate_folio,
  filemap_lookup,
  PAGE_SIZE,
  truncate_inode_pages,
  truncate_inode_pages_range,
} from '../../src/mm/index.ts';

/** A mapping whose read_folio fills each folio with its index + 1. */
function cacheOf(pages: number) {
  const mapping = address_space_create(
    (folio) => {
      folio.dataForWrite().fill(folio.index + 1);
    },
    { i_size: pages * PAGE_SIZE },
  );
  const folios = Array.from({ length: pages }, (_, i) => filemap_get_uptodate_folio(mapping, i));
  return { mapping, folios };
}

describe('page cache (mm/filemap.c, mm/truncate.c)', () => {
  it('reads a folio in once, holding the cache reference, and finds it in i_pages', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mapping, folios } = cacheOf(2);
      const f0 = folios[0];
      expect(f0?.peek(0, 1)[0]).toBe(1);
      expect(f0?._refcount).toBe(1);
      expect(filemap_get_uptodate_folio(mapping, 0)).toBe(f0);
      expect(mapping.i_pages.xa_load(1)).toBe(folios[1]);
      expect(filemap_lookup(mapping, 2)).toBeUndefined();
    });
  });

  it('a hole punch drops the folios wholly inside and zeroes the edges of partial ones', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mapping, folios } = cacheOf(4);
      // [PAGE/2, 3*PAGE - 1]: folio 0 partly (its second half), folios 1-2 wholly.
      truncate_inode_pages_range(mapping, PAGE_SIZE / 2, 3 * PAGE_SIZE - 1);
      expect(filemap_lookup(mapping, 0)).toBe(folios[0]);
      expect(filemap_lookup(mapping, 1)).toBeUndefined();
      expect(filemap_lookup(mapping, 2)).toBeUndefined();
      expect(filemap_lookup(mapping, 3)).toBe(folios[3]);
      expect(folios[1]?.freed).toBe(true);
      expect(folios[1]?.mapping).toBeNull();
      expect(folios[0]?.peek(PAGE_SIZE / 2 - 1, 2)).toEqual(new Uint8Array([1, 0]));
      // A range inside one folio only zeroes it.
      truncate_inode_pages_range(mapping, 3 * PAGE_SIZE + 8, 3 * PAGE_SIZE + 15);
      expect(folios[3]?.peek(7, 10)).toEqual(new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0, 0, 4]));
    });
  });

  it('truncate_inode_pages drops everything from lstart, zeroing the tail of a straddling folio', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mapping, folios } = cacheOf(3);
      truncate_inode_pages(mapping, PAGE_SIZE + 100);
      expect(filemap_lookup(mapping, 1)).toBe(folios[1]);
      expect(filemap_lookup(mapping, 2)).toBeUndefined();
      expect(folios[1]?.peek(99, 2)).toEqual(new Uint8Array([2, 0]));
    });
  });

  it('refuses a malformed range, naming it', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mapping } = cacheOf(1);
      expect(() => truncate_inode_pages_range(mapping, -1, 10)).toThrow(/bad range -1\.\.10/);
      expect(() => truncate_inode_pages_range(mapping, 0, -2)).toThrow(/bad range 0\.\.-2/);
    });
  });
});
