import { describe, expect, it } from 'vitest';
import { bdev_alloc } from '../../src/block/blkdev.ts';
import { DioForkRace } from '../../src/block/dio_fork_race.ts';
import { create_file } from '../../src/block/fs.ts';
import { EEXIST, EFAULT, EINVAL, ENOMEM } from '../../src/errno.ts';
import { mm_invariants_at_quiescence } from '../../src/invariants/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { PAGE_SIZE, PROT_READ, PROT_WRITE, VM_READ, VM_WRITE } from '../../src/mm/constants.ts';
import { vm_mmap_file_private } from '../../src/mm/filemap.ts';
import { io_sqe_buffers_register, io_uring_setup } from '../../src/mm/io_uring.ts';
import { access_remote_vm, copy_from_user, copy_to_user, read_user } from '../../src/mm/memory.ts';
import {
  do_madvise,
  do_mprotect_pkey,
  MADV_DONTFORK,
  mm_alloc,
  pte_lookup,
  VM_DONTCOPY,
  vm_mmap,
  vm_munmap,
} from '../../src/mm/mmap.ts';

const flagsOf = (mm: ReturnType<typeof mm_alloc>, base: number) =>
  mm.vmas.map((v) => [v.vm_start - base, v.vm_end - base, v.vm_flags & (VM_READ | VM_WRITE)]);

describe('mprotect(2) and MAP_FIXED_NOREPLACE (mm/mprotect.c, mm/mmap.c)', () => {
  it('PROT_READ splits the vma, write-protects its ptes, and a store then faults', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const a = vm_mmap(mm, 0, 3 * PAGE_SIZE);
      expect(copy_to_user(mm, a, new Uint8Array(3 * PAGE_SIZE).fill(7))).toBe(0);
      expect(do_mprotect_pkey(mm, a + PAGE_SIZE, PAGE_SIZE, PROT_READ)).toBe(0);
      expect(flagsOf(mm, a)).toEqual([
        [0, PAGE_SIZE, VM_READ | VM_WRITE],
        [PAGE_SIZE, 2 * PAGE_SIZE, VM_READ],
        [2 * PAGE_SIZE, 3 * PAGE_SIZE, VM_READ | VM_WRITE],
      ]);
      expect(pte_lookup(mm, a + PAGE_SIZE)?.write).toBe(false);
      expect(pte_lookup(mm, a)?.write).toBe(true);
      // The store faults on the read-only vma (VM_FAULT_SIGSEGV): no byte stored there.
      expect(copy_to_user(mm, a + PAGE_SIZE, Uint8Array.of(1))).toBe(1);
      expect(read_user(mm, a + PAGE_SIZE, 1)).toEqual(Uint8Array.of(7));
      // PROT_READ|PROT_WRITE gives write access back; the next store reuses the exclusive page.
      expect(do_mprotect_pkey(mm, a + PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE)).toBe(0);
      const page = pte_lookup(mm, a + PAGE_SIZE)?.page;
      expect(copy_to_user(mm, a + PAGE_SIZE, Uint8Array.of(1))).toBe(0);
      expect(pte_lookup(mm, a + PAGE_SIZE)?.page).toBe(page);
    });
  });

  it('PROT_NONE: a load of a mapped page faults (access_error), /proc/self/mem reads it (FOLL_FORCE)', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const a = vm_mmap(mm, 0, 3 * PAGE_SIZE);
      expect(copy_to_user(mm, a, new Uint8Array(3 * PAGE_SIZE).fill(7))).toBe(0);
      expect(do_mprotect_pkey(mm, a + PAGE_SIZE, PAGE_SIZE, 0)).toBe(0);
      const page = pte_lookup(mm, a + PAGE_SIZE)?.page;
      expect(page).toBeDefined();
      // The pte stays (protnone) but the load faults for good: not a byte of that page is copied,
      // the page before it is; a load wholly inside it copies nothing.
      const dst = new Uint8Array(2 * PAGE_SIZE);
      expect(copy_from_user(mm, dst, a, 2 * PAGE_SIZE)).toBe(PAGE_SIZE);
      expect(dst.subarray(0, PAGE_SIZE).every((b) => b === 7)).toBe(true);
      expect(dst.subarray(PAGE_SIZE).every((b) => b === 0)).toBe(true);
      expect(copy_from_user(mm, dst, a + PAGE_SIZE + 5, 10)).toBe(10);
      // The store faults too (no VM_WRITE; mprotect write-protected the pte).
      expect(copy_to_user(mm, a + PAGE_SIZE, Uint8Array.of(1))).toBe(1);
      // access_remote_vm (FOLL_FORCE) reads the page as it is, across the PROT_NONE vma and the
      // ones around it, and neither maps, copies nor pins anything.
      const seen = new Uint8Array(3 * PAGE_SIZE);
      expect(access_remote_vm(mm, a, seen, 3 * PAGE_SIZE)).toBe(3 * PAGE_SIZE);
      expect(seen.every((b) => b === 7)).toBe(true);
      expect(pte_lookup(mm, a + PAGE_SIZE)?.page).toBe(page);
      expect(page?.folio._refcount).toBe(1);
      // It stops where no vma is: the bytes read before it.
      expect(access_remote_vm(mm, a + 2 * PAGE_SIZE, seen, 2 * PAGE_SIZE)).toBe(PAGE_SIZE);
      // PROT_READ gives the load back, on the same page.
      expect(do_mprotect_pkey(mm, a + PAGE_SIZE, PAGE_SIZE, PROT_READ)).toBe(0);
      expect(read_user(mm, a + PAGE_SIZE, 1)).toEqual(Uint8Array.of(7));
      expect(pte_lookup(mm, a + PAGE_SIZE)?.page).toBe(page);
    });
  });

  it('PROT_NONE before any fault: a load maps nothing, access_remote_vm faults in the zero page', () => {
    with_kernel(createKernel('linux-6.1'), () => {
      const mm = mm_alloc();
      const a = vm_mmap(mm, 0, PAGE_SIZE);
      expect(do_mprotect_pkey(mm, a, PAGE_SIZE, 0)).toBe(0);
      const dst = new Uint8Array(8).fill(9);
      expect(copy_from_user(mm, dst, a, 8)).toBe(8);
      expect(pte_lookup(mm, a)).toBeUndefined();
      // __get_user_pages -> faultin_page -> handle_mm_fault (read): do_anonymous_page maps the
      // zero page (no access check in handle_mm_fault; check_vma_flags let FOLL_FORCE by).
      expect(access_remote_vm(mm, a, dst, 8)).toBe(8);
      expect(dst.every((b) => b === 0)).toBe(true);
      expect(pte_lookup(mm, a)?.page.folio.is_zero).toBe(true);
    });
  });

  it('a hole stops the walk: the vmas before it are changed, -ENOMEM; misaligned is -EINVAL', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const a = vm_mmap(mm, 0, PAGE_SIZE);
      expect(do_mprotect_pkey(mm, a, 3 * PAGE_SIZE, PROT_READ)).toBe(-ENOMEM);
      expect(flagsOf(mm, a)).toEqual([[0, PAGE_SIZE, VM_READ]]);
      expect(do_mprotect_pkey(mm, a - PAGE_SIZE, PAGE_SIZE, PROT_READ)).toBe(-ENOMEM);
      expect(do_mprotect_pkey(mm, a + 1, PAGE_SIZE, PROT_READ)).toBe(-EINVAL);
      expect(do_mprotect_pkey(mm, a, 0, PROT_READ)).toBe(0);
    });
  });

  it('mmap: no length is -EINVAL; past TASK_SIZE is -ENOMEM before a misaligned address is -EINVAL', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const a = vm_mmap(mm, 0, PAGE_SIZE);
      expect(vm_mmap(mm, a, 0)).toBe(-EINVAL); // do_mmap: "if (!len) return -EINVAL;"
      expect(vm_mmap(mm, a, 2 ** 56)).toBe(-ENOMEM); // get_unmapped_area: len > TASK_SIZE
      // get_unmapped_area checks the end against TASK_SIZE before offset_in_page(addr).
      expect(vm_mmap(mm, a + 1, 2 ** 56)).toBe(-ENOMEM);
      expect(vm_mmap(mm, a + 1, PAGE_SIZE)).toBe(-EINVAL);
      expect(mm.vmas).toEqual([
        {
          vm_start: a,
          vm_end: a + PAGE_SIZE,
          vm_flags: mm.vmas[0]?.vm_flags,
          vm_pgoff: 0,
          anon_vma: false,
        },
      ]);
    });
  });

  it('MAP_FIXED_NOREPLACE over a mapping is -EEXIST (do_mmap), a free fixed range is mapped', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const a = vm_mmap(mm, 0x4000_0000, 2 * PAGE_SIZE);
      expect(a).toBe(0x4000_0000);
      expect(vm_mmap(mm, a + PAGE_SIZE, 2 * PAGE_SIZE)).toBe(-EEXIST);
      expect(vm_mmap(mm, a - PAGE_SIZE, 2 * PAGE_SIZE)).toBe(-EEXIST);
      expect(vm_mmap(mm, a + 2 * PAGE_SIZE, PAGE_SIZE)).toBe(a + 2 * PAGE_SIZE);
      expect(mm.vmas.map((v) => v.vm_start - a)).toEqual([0, 2 * PAGE_SIZE]);
    });
  });

  it('PROT_READ|PROT_WRITE after PROT_READ: a read in flight stays pinned, the next store reuses the page', () => {
    // ForkRace Unprotect: mprotect_fixup gives VM_WRITE back; the pte stays write-protected and
    // the write fault finds the page exclusive (do_wp_page -> wp_page_reuse): no copy.
    const k = createKernel('linux-6.12');
    const device = new Uint8Array(2 * PAGE_SIZE).fill(0xd1, 0, 512);
    const race = new DioForkRace(k, { nr_pages: 1, device });
    race.read(1, 0, race.buf, 512);
    expect(race.mprotect(race.buf, PAGE_SIZE, PROT_READ)).toBe(0);
    expect(race.mprotect(race.buf, PAGE_SIZE, PROT_READ | PROT_WRITE)).toBe(0);
    const before = with_kernel(k, () => pte_lookup(race.parent, race.buf));
    expect(before?.write).toBe(false);
    race.write('P', race.buf + 2048, Uint8Array.of(0x50));
    const after = with_kernel(k, () => pte_lookup(race.parent, race.buf));
    expect(after?.page).toBe(before?.page); // reused, not copied
    expect(after?.write).toBe(true);
    expect(race.complete(1)).toBe(512);
    const got = with_kernel(k, () => read_user(race.parent, race.buf, 4096));
    expect(got[0]).toBe(0xd1);
    expect(got[2048]).toBe(0x50);
    expect(k.live_folios.size).toBe(1);
    race.exit();
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  it('DioForkRace.mprotect / madvise over an unmapped page: -ENOMEM, the mapped page changed', () => {
    const k = createKernel('linux-6.12');
    const race = new DioForkRace(k, { nr_pages: 2, device: new Uint8Array(2 * PAGE_SIZE) });
    race.munmap(race.buf + PAGE_SIZE, PAGE_SIZE);
    expect(race.madvise(race.buf, 2 * PAGE_SIZE, MADV_DONTFORK)).toBe(-ENOMEM);
    expect(race.mprotect(race.buf, 2 * PAGE_SIZE, PROT_READ)).toBe(-ENOMEM);
    expect(race.parent.vmas.map((v) => v.vm_flags & (VM_DONTCOPY | VM_WRITE))).toEqual([
      VM_DONTCOPY,
    ]);
    expect(with_kernel(k, () => pte_lookup(race.parent, race.buf))?.write).toBe(false);
    // A start inside the hole changes nothing (do_mprotect_pkey: vma->vm_start > start).
    race.munmap(race.buf, PAGE_SIZE);
    expect(race.mprotect(race.buf, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE)).toBe(-ENOMEM);
    expect(race.parent.vmas).toEqual([]);
    race.exit();
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: a read into a read-only page fails -EFAULT, a write from it works, fork keeps it read-only`, () => {
      const k = createKernel(profile);
      const race = new DioForkRace(k, { nr_pages: 1, device: new Uint8Array(2 * PAGE_SIZE) });
      expect(race.mprotect(race.buf, PAGE_SIZE, PROT_READ)).toBe(0);
      expect(race.try_read(1, 0, race.buf, 512)).toBe(-EFAULT);
      // FOLL_PIN sets MMF_HAS_PINNED before it tries a page (gup_fast_fallback).
      expect(race.parent.has_pinned).toBe(profile === 'linux-6.12');
      race.dio_write(2, PAGE_SIZE, race.buf, PAGE_SIZE);
      const child = race.fork();
      expect(race.try_write('P', race.buf, Uint8Array.of(1))).toBe(1);
      expect(race.try_write('C', race.buf, Uint8Array.of(1))).toBe(1);
      expect(race.complete(2)).toBe(PAGE_SIZE);
      with_kernel(k, () => {
        expect(pte_lookup(child, race.buf)?.write).toBe(false);
        expect((child.vmas[0]?.vm_flags ?? -1) & VM_WRITE).toBe(0);
      });
      race.exit();
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
      expect(k.live_folios.size).toBe(0);
    });
  }

  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: PROT_NONE: a read in flight still lands; a read into, a write from and a registration of the page fail -EFAULT holding nothing`, () => {
      // ForkRace ProtectNone / DioWriteNoAccess: mprotect_fixup clears VM_READ and VM_WRITE;
      // mm/gup.c check_vma_flags then refuses any GUP (no FOLL_FORCE), with FOLL_WRITE or not.
      const k = createKernel(profile);
      const device = new Uint8Array(2 * PAGE_SIZE).fill(0xd1, 0, 512);
      const race = new DioForkRace(k, { nr_pages: 1, device });
      race.read(1, 0, race.buf, 512);
      const folio = with_kernel(k, () => pte_lookup(race.parent, race.buf))?.page.folio;
      const held = () => [folio?.gup_pins, folio?.gup_refs];
      const heldByRead = held();
      expect(race.mprotect(race.buf, PAGE_SIZE, 0)).toBe(0);
      expect((race.parent.vmas[0]?.vm_flags ?? -1) & (VM_READ | VM_WRITE)).toBe(0);
      expect(race.try_read(2, 512, race.buf + 512, 512)).toBe(-EFAULT);
      expect(race.try_dio_write(3, PAGE_SIZE, race.buf, PAGE_SIZE)).toBe(-EFAULT);
      const ring = with_kernel(k, () => io_uring_setup(race.parent));
      const iov = { iov_base: race.buf, iov_len: PAGE_SIZE };
      expect(with_kernel(k, () => io_sqe_buffers_register(ring, [iov]))).toBe(-EFAULT);
      expect(ring.user_bufs).toEqual([]);
      expect(held()).toEqual(heldByRead); // the failed steps took nothing
      expect(race.try_write('P', race.buf + 2048, Uint8Array.of(1))).toBe(1);
      expect(race.complete(1)).toBe(512);
      // The page is still PROT_NONE: a load faults (access_error), /proc/self/mem
      // (access_remote_vm, FOLL_FORCE) reads the DMA's bytes.
      const seen = new Uint8Array(1);
      expect(race.try_load('P', race.buf, seen)).toBe(1);
      expect(with_kernel(k, () => access_remote_vm(race.parent, race.buf, seen, 1))).toBe(1);
      expect(seen[0]).toBe(0xd1);
      expect(held()).toEqual([0, 0]);
      race.fork();
      race.exit();
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
      expect(k.live_folios.size).toBe(0);
    });
  }

  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: munmap with a read in flight, then MAP_FIXED_NOREPLACE|MAP_POPULATE there: a new zeroed page; the read lands in the old one`, () => {
      // ForkRace MmapPopulate: do_mmap finds the hole free, populate_vma_page_range faults in a
      // new page (FOLL_WRITE: do_anonymous_page); the read's pin / ref keeps the old page.
      const k = createKernel(profile);
      const device = new Uint8Array(2 * PAGE_SIZE).fill(0xd1, 0, 512);
      const race = new DioForkRace(k, { nr_pages: 2, device });
      const hole = race.buf + PAGE_SIZE;
      race.read(1, 0, hole, 512);
      const old = with_kernel(k, () => pte_lookup(race.parent, hole))?.page;
      race.munmap(hole, PAGE_SIZE);
      expect(race.mmap_populate(hole, PAGE_SIZE)).toBe(hole);
      expect(race.mmap_populate(race.buf, PAGE_SIZE)).toBe(-EEXIST);
      expect(race.parent.vmas.map((v) => v.vm_start - race.buf)).toEqual([0, PAGE_SIZE]);
      const pte = with_kernel(k, () => pte_lookup(race.parent, hole));
      expect(pte?.write).toBe(true);
      expect(pte?.page).not.toBe(old);
      expect(race.complete(1)).toBe(512);
      expect(with_kernel(k, () => read_user(race.parent, hole, 512)).every((b) => b === 0)).toBe(
        true,
      );
      expect(old?.folio.freed).toBe(true); // the read's hold was the last one
      race.fork();
      race.exit();
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
      expect(k.live_folios.size).toBe(0);
    });
  }
});

describe('a split of a private file mapping keeps its file and each page offset (__split_vma)', () => {
  // A three-page file whose page i holds byte 0x10 + i, mapped MAP_PRIVATE from offset 0.
  const fileMapping = (mm: ReturnType<typeof mm_alloc>) => {
    const bytes = new Uint8Array(3 * PAGE_SIZE);
    for (let i = 0; i < 3; i++) bytes.fill(0x10 + i, i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const bdev = bdev_alloc(bytes.length);
    bdev.write(0, bytes);
    const ino = create_file(bdev, 0, bytes.length, bytes.length);
    return vm_mmap_file_private(mm, ino.i_mapping, 3 * PAGE_SIZE);
  };

  it('mprotect, madvise and munmap of page 0: pages 1 and 2 still fault in their own file pages', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      for (const split of ['mprotect', 'madvise', 'munmap'] as const) {
        const mm = mm_alloc();
        const a = fileMapping(mm);
        const r =
          split === 'mprotect'
            ? do_mprotect_pkey(mm, a, PAGE_SIZE, PROT_READ)
            : split === 'madvise'
              ? do_madvise(mm, a, PAGE_SIZE, MADV_DONTFORK)
              : vm_munmap(mm, a, PAGE_SIZE);
        expect(r).toBe(0);
        const upper = mm.vmas.find((v) => v.vm_start === a + PAGE_SIZE);
        expect(upper?.vm_file).toBeDefined(); // the split keeps vma->vm_file
        expect(upper?.vm_pgoff).toBe(1); // new->vm_pgoff += 1 page
        // do_read_fault at each page: linear_page_index = vm_pgoff + the pages from vm_start.
        expect(read_user(mm, a + PAGE_SIZE, 1)).toEqual(Uint8Array.of(0x11));
        expect(read_user(mm, a + 2 * PAGE_SIZE, 1)).toEqual(Uint8Array.of(0x12));
        expect(pte_lookup(mm, a + PAGE_SIZE)?.page.folio.anon).toBe(false); // the page-cache page
        if (split !== 'munmap') expect(read_user(mm, a, 1)).toEqual(Uint8Array.of(0x10));
      }
    });
  });

  it('mprotect of the middle page: the middle and upper parts start at file pages 1 and 2', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const a = fileMapping(mm);
      expect(do_mprotect_pkey(mm, a + PAGE_SIZE, PAGE_SIZE, PROT_READ)).toBe(0);
      expect(mm.vmas.map((v) => [v.vm_start - a, v.vm_pgoff, v.vm_file !== undefined])).toEqual([
        [0, 0, true],
        [PAGE_SIZE, 1, true],
        [2 * PAGE_SIZE, 2, true],
      ]);
      // A store to the middle page is SIGSEGV (read-only), a store to page 2 copies file page 2.
      expect(copy_to_user(mm, a + PAGE_SIZE, Uint8Array.of(1))).toBe(1);
      expect(copy_to_user(mm, a + 2 * PAGE_SIZE + 1, Uint8Array.of(0x50))).toBe(0);
      expect(read_user(mm, a + 2 * PAGE_SIZE, 2)).toEqual(Uint8Array.of(0x12, 0x50));
    });
  });
});
