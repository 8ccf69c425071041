// parent_sees_dio_data (invariants/mm.ts) compares the process's bytes with the DIO's data a
// word at a time when both are 4-byte aligned, byte by byte otherwise: both ways must report
// the first differing byte exactly, and a fault as read_user does.
import { describe, expect, it } from 'vitest';
import { parent_sees_dio_data } from '../../src/invariants/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import { handle_mm_fault, mm_alloc, PAGE_SIZE, vm_mmap, write_user } from '../../src/mm/index.ts';

function setUp() {
  const mm = mm_alloc();
  const base = vm_mmap(mm, 0, 2 * PAGE_SIZE);
  for (let v = 0; v < 2; v++) handle_mm_fault(mm, base + v * PAGE_SIZE, 1);
  return { mm, base };
}

describe('parent_sees_dio_data', () => {
  it('finds the first differing byte, aligned or not, across a page boundary', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mm, base } = setUp();
      const data = new Uint8Array(1024);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
      // Aligned (word compare) and unaligned (byte loop) addresses and data views.
      for (const [at, from, len] of [
        [0, 0, 512],
        [PAGE_SIZE - 256, 0, 512],
        [13, 1, 511],
        [PAGE_SIZE - 3, 2, 300],
      ] as const) {
        const expected = data.subarray(from, from + len);
        write_user(mm, base + at, expected);
        expect(parent_sees_dio_data(mm, base + at, expected)).toEqual([]);
        for (const bad of [0, 5, len - 1]) {
          const wrong = new Uint8Array(expected);
          wrong[bad] = (wrong[bad] as number) ^ 0x40;
          write_user(mm, base + at, wrong);
          const v = parent_sees_dio_data(mm, base + at, expected);
          expect(v).toHaveLength(1);
          expect(v[0]?.invariant).toBe('parent_sees_dio_data');
          expect(v[0]?.message).toBe(
            `mm ${mm.id} byte ${bad} at ${base + at + bad}: read ${wrong[bad]}, the DIO delivered ${expected[bad]}`,
          );
          write_user(mm, base + at, expected);
        }
      }
    });
  });

  it('throws as read_user does on an address the process does not map', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const { mm, base } = setUp();
      expect(() => parent_sees_dio_data(mm, base + 2 * PAGE_SIZE - 8, new Uint8Array(16))).toThrow(
        `read_user: fault at ${base + 2 * PAGE_SIZE} in mm ${mm.id}`,
      );
    });
  });
});
