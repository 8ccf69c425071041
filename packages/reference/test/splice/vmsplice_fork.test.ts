import { describe, expect, it } from 'vitest';
import { mm_invariants_at_quiescence } from '../../src/invariants/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import {
  dup_mmap,
  exit_mmap,
  folio_ref_count,
  mm_alloc,
  PAGE_SIZE,
  pte_lookup,
  read_user,
  vm_mmap,
  write_user,
} from '../../src/mm/index.ts';
import {
  alloc_pipe_info,
  free_pipe_info,
  pipe_read,
  vmsplice_to_pipe,
} from '../../src/splice/index.ts';

const A = new Uint8Array(64).fill(0xa1);
const B = new Uint8Array(64).fill(0xb2);
const C = new Uint8Array(64).fill(0xc3);

describe('vmsplice then fork (fs/splice.c vmsplice_to_pipe: FOLL_GET refs on user pages)', () => {
  for (const profile of ['linux-6.1', 'linux-6.12', 'bvecq-rfc'] as const) {
    it(`${profile}: the pipe keeps the vmspliced bytes, each process keeps its own writes`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, PAGE_SIZE);
        write_user(mm, buf, A);
        const pipe = alloc_pipe_info();
        expect(vmsplice_to_pipe(mm, [{ iov_base: buf, iov_len: 64 }], pipe)).toBe(64);
        const child = dup_mmap(mm);
        write_user(mm, buf, B); // parent: refcount 3 (two mappings + pipe) -> COW copy
        write_user(child, buf, C); // child: now sole mapper but the pipe holds a ref -> copy
        expect(read_user(mm, buf, 64)).toEqual(B);
        expect(read_user(child, buf, 64)).toEqual(C);
        expect(pipe_read(pipe, 64)).toEqual(A);
        free_pipe_info(pipe);
        exit_mmap(child);
        exit_mmap(mm);
        expect(k.vmstat.nr_foll_pin_acquired).toBe(0);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }

  it('without fork the pipe references the page itself: a later write shows through', () => {
    const k = createKernel('linux-6.12');
    with_kernel(k, () => {
      const mm = mm_alloc();
      const buf = vm_mmap(mm, 0, PAGE_SIZE);
      write_user(mm, buf, A);
      const pipe = alloc_pipe_info();
      vmsplice_to_pipe(mm, [{ iov_base: buf, iov_len: 64 }], pipe);
      write_user(mm, buf, B);
      expect(pipe_read(pipe, 64)).toEqual(B);
      exit_mmap(mm);
      expect(mm_invariants_at_quiescence(k)).toEqual([]);
    });
  });

  // fs/splice.c (Debian 6.1.192 and 6.12.117): vmsplice_to_pipe -> wait_for_space before
  // iter_to_pipe; with SPLICE_F_NONBLOCK a full pipe is -EAGAIN before any GUP. sys_vmsplice
  // returns 0 for an empty iovec before that.
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(`${profile}: into a full pipe: -EAGAIN before the user memory is looked at`, () => {
      const k = createKernel(profile);
      with_kernel(k, () => {
        const mm = mm_alloc();
        const buf = vm_mmap(mm, 0, 2 * PAGE_SIZE);
        write_user(mm, buf, A);
        const pipe = alloc_pipe_info(1);
        expect(vmsplice_to_pipe(mm, [{ iov_base: buf, iov_len: 64 }], pipe)).toBe(64);
        const page0 = pte_lookup(mm, buf)!.page;
        const refs = folio_ref_count(page0.folio);
        // An unmapped range: -EAGAIN, not GUP's -EFAULT.
        expect(vmsplice_to_pipe(mm, [{ iov_base: buf + 16 * PAGE_SIZE, iov_len: 64 }], pipe)).toBe(
          -11,
        );
        // A mapped page: no reference taken and dropped, an untouched page not faulted in.
        expect(vmsplice_to_pipe(mm, [{ iov_base: buf, iov_len: 64 }], pipe)).toBe(-11);
        expect(vmsplice_to_pipe(mm, [{ iov_base: buf + PAGE_SIZE, iov_len: 64 }], pipe)).toBe(-11);
        expect(folio_ref_count(page0.folio)).toBe(refs);
        expect(pte_lookup(mm, buf + PAGE_SIZE)).toBeUndefined();
        // An empty iovec: 0, full pipe or not.
        expect(vmsplice_to_pipe(mm, [{ iov_base: buf, iov_len: 0 }], pipe)).toBe(0);
        expect(pipe_read(pipe, 64)).toEqual(A);
        free_pipe_info(pipe);
        exit_mmap(mm);
        expect(mm_invariants_at_quiescence(k)).toEqual([]);
      });
    });
  }
});
