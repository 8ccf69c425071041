import { describe, expect, it } from 'vitest';
import { bdev_alloc } from '../../src/block/blkdev.ts';
import { DioForkRace } from '../../src/block/dio_fork_race.ts';
import { create_file } from '../../src/block/fs.ts';
import { EINVAL, ENOMEM } from '../../src/errno.ts';
import { mm_invariants_at_quiescence } from '../../src/invariants/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { PAGE_SIZE } from '../../src/mm/constants.ts';
import { vm_mmap_file_private } from '../../src/mm/filemap.ts';
import { read_user } from '../../src/mm/memory.ts';
import {
  do_madvise,
  MADV_DONTFORK,
  MADV_WIPEONFORK,
  mm_alloc,
  pte_lookup,
  VM_DONTCOPY,
  VM_WIPEONFORK,
  vm_mmap,
} from '../../src/mm/mmap.ts';

const DEVICE = new Uint8Array(512).fill(0x5a);

describe('madvise(MADV_DONTFORK / MADV_WIPEONFORK) (mm/madvise.c, kernel/fork.c dup_mmap)', () => {
  it('advises part of a vma by splitting it; misaligned, unmapped and unmodelled advice are refused', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const a = vm_mmap(mm, 0, 3 * PAGE_SIZE);
      expect(do_madvise(mm, a + PAGE_SIZE, PAGE_SIZE, MADV_DONTFORK)).toBe(0);
      expect(
        mm.vmas.map((v) => [v.vm_start - a, v.vm_end - a, (v.vm_flags & VM_DONTCOPY) !== 0]),
      ).toEqual([
        [0, PAGE_SIZE, false],
        [PAGE_SIZE, 2 * PAGE_SIZE, true],
        [2 * PAGE_SIZE, 3 * PAGE_SIZE, false],
      ]);
      expect(do_madvise(mm, a + 1, PAGE_SIZE, MADV_DONTFORK)).toBe(-EINVAL);
      expect(do_madvise(mm, a, -1, MADV_DONTFORK)).toBe(-EINVAL);
      expect(do_madvise(mm, a, 0, MADV_DONTFORK)).toBe(0);
      // The mapped part of a range with a hole is still advised (madvise_walk_vmas: -ENOMEM).
      expect(do_madvise(mm, a + 2 * PAGE_SIZE, 2 * PAGE_SIZE, MADV_WIPEONFORK)).toBe(-ENOMEM);
      expect((mm.vmas[2]?.vm_flags ?? 0) & VM_WIPEONFORK).toBe(VM_WIPEONFORK);
      expect(() => do_madvise(mm, a, PAGE_SIZE, 4 /* MADV_DONTNEED */)).toThrow(/not modelled/);
    });
  });

  it('an advice madvise_behavior_valid does not know is -EINVAL before anything else, and changes nothing', () => {
    with_kernel(createKernel('linux-6.1'), () => {
      const mm = mm_alloc();
      const a = vm_mmap(mm, 0, 2 * PAGE_SIZE);
      const before = mm.vmas.map((v) => ({ ...v }));
      for (const advice of [5, 7, 26, 99, 999, -1]) {
        expect(do_madvise(mm, a, PAGE_SIZE, advice)).toBe(-EINVAL);
        // Checked before the alignment and the vma walk: a misaligned or unmapped range too.
        expect(do_madvise(mm, a + 1, PAGE_SIZE, advice)).toBe(-EINVAL);
        expect(do_madvise(mm, a + 4 * PAGE_SIZE, PAGE_SIZE, advice)).toBe(-EINVAL);
      }
      expect(mm.vmas).toEqual(before);
      // Valid advices the reference does not model still say so.
      for (const advice of [0, 8, 25, 100, 101])
        expect(() => do_madvise(mm, a, PAGE_SIZE, advice)).toThrow(/not modelled/);
    });
  });

  it('6.1 FOLL_GET DIO: MADV_DONTFORK keeps the read in the parent; the child has no mapping', () => {
    const k = createKernel('linux-6.1');
    const race = new DioForkRace(k, { nr_pages: 1, device: DEVICE, advice: MADV_DONTFORK });
    race.read(1, 0, race.buf, 512);
    const child = race.fork();
    race.write('P', race.buf + 2048, Uint8Array.of(1)); // no fault: the pte stayed writable
    expect(race.complete(1)).toBe(512);
    with_kernel(k, () => {
      expect(read_user(race.parent, race.buf, 512)).toEqual(DEVICE);
      expect(child.vmas).toEqual([]);
      expect(pte_lookup(child, race.buf)).toBeUndefined();
    });
    expect(() => race.write('C', race.buf, Uint8Array.of(1))).toThrow(/write by C faulted/);
    race.exit();
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  it('6.1 FOLL_GET DIO: MADV_WIPEONFORK keeps the read in the parent; the child starts from zeroes', () => {
    const k = createKernel('linux-6.1');
    const race = new DioForkRace(k, { nr_pages: 1, device: DEVICE, advice: MADV_WIPEONFORK });
    race.read(1, 0, race.buf, 512);
    const child = race.fork();
    expect(pte_lookup(child, race.buf)).toBeUndefined();
    race.write('P', race.buf + 2048, Uint8Array.of(1));
    race.write('C', race.buf + 3072, Uint8Array.of(2)); // do_anonymous_page: a new zeroed page
    expect(race.complete(1)).toBe(512);
    with_kernel(k, () => {
      expect(read_user(race.parent, race.buf, 512)).toEqual(DEVICE);
      const c = read_user(child, race.buf, PAGE_SIZE);
      expect(c.reduce((n, b) => n + b, 0)).toBe(2); // only the child's own byte
      expect(pte_lookup(child, race.buf)?.page).not.toBe(pte_lookup(race.parent, race.buf)?.page);
    });
    race.exit();
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });

  it('without advice the same steps lose the read on 6.1 (the race the advice avoids)', () => {
    const k = createKernel('linux-6.1');
    const race = new DioForkRace(k, { nr_pages: 1, device: DEVICE });
    race.read(1, 0, race.buf, 512);
    race.fork();
    race.write('P', race.buf + 2048, Uint8Array.of(1));
    race.complete(1);
    with_kernel(k, () => {
      expect(read_user(race.parent, race.buf, 512)).not.toEqual(DEVICE);
      expect(read_user(race.mm('C'), race.buf, 512)).toEqual(DEVICE);
    });
    race.exit();
  });

  it('refuses steps the kernel could not take, by name', () => {
    const k = createKernel('linux-6.12');
    expect(() => new DioForkRace(k, { nr_pages: 0, device: DEVICE })).toThrow(/nr_pages 0/);
    const race = new DioForkRace(k, { nr_pages: 1, device: DEVICE });
    expect(() => race.complete(1)).toThrow(/read 1 was not submitted/);
    expect(() => race.mm('C')).toThrow(/no child before fork/);
    race.read(1, 0, race.buf, 512);
    expect(() => race.read(1, 0, race.buf, 512)).toThrow(/read 1 was submitted/);
    race.fork();
    expect(() => race.fork()).toThrow(/already forked/);
    race.exit_child();
    expect(() => race.exit_child()).toThrow(/exited already/);
    expect(pte_lookup(race.mm('C'), race.buf)).toBeUndefined();
    race.complete(1);
    race.exit();
    expect(mm_invariants_at_quiescence(k)).toEqual([]);
  });
});

describe('MADV_WIPEONFORK is for anonymous memory only (madvise_vma_behavior: -EINVAL)', () => {
  it('a private file mapping refuses it and is left as it was; the anonymous vma before it is advised', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const mm = mm_alloc();
      const anon = vm_mmap(mm, 0, PAGE_SIZE);
      const bdev = bdev_alloc(2 * PAGE_SIZE);
      const ino = create_file(bdev, 0, 2 * PAGE_SIZE, 2 * PAGE_SIZE);
      const file = vm_mmap_file_private(mm, ino.i_mapping, 2 * PAGE_SIZE);
      expect(file).toBeGreaterThan(anon + PAGE_SIZE); // a gap between the two mappings
      const flagsOf = () => mm.vmas.map((v) => v.vm_flags & (VM_WIPEONFORK | VM_DONTCOPY));
      // The file vma alone: the walk fails at it, nothing changes.
      expect(do_madvise(mm, file, 2 * PAGE_SIZE, MADV_WIPEONFORK)).toBe(-EINVAL);
      expect(do_madvise(mm, file + PAGE_SIZE, PAGE_SIZE, MADV_WIPEONFORK)).toBe(-EINVAL);
      expect(mm.vmas.length).toBe(2); // not split either
      expect(flagsOf()).toEqual([0, 0]);
      // From the anonymous page over the gap to the file: the anonymous vma is advised, the file
      // vma's -EINVAL wins over the gap's -ENOMEM (madvise_walk_vmas returns it at once).
      expect(do_madvise(mm, anon, file + 2 * PAGE_SIZE - anon, MADV_WIPEONFORK)).toBe(-EINVAL);
      expect(flagsOf()).toEqual([VM_WIPEONFORK, 0]);
      // MADV_DONTFORK is for any vma.
      expect(do_madvise(mm, file, 2 * PAGE_SIZE, MADV_DONTFORK)).toBe(0);
      expect(flagsOf()).toEqual([VM_WIPEONFORK, VM_DONTCOPY]);
      expect(mm.vmas[1]?.vm_file).toBe(ino.i_mapping);
    });
  });
});
