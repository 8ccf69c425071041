// The byte helpers adapters read page contents with (adapters/adapter.ts): filledWith is a
// native compare, folioBytes a read into a reused scratch buffer; both must say what a
// byte-by-byte reading of Folio.peek says.
import {
  createKernel,
  folio_alloc,
  memcpy_to_page,
  PAGE_SIZE,
  with_kernel,
} from '@pinlab/reference';
import { describe, expect, it } from 'vitest';
import {
  filledBytes,
  filledWith,
  firstMismatch,
  folioBytes,
  freshBytes,
  holdsByte,
  patternBytes,
} from '../../src/adapters/adapter.ts';

describe('filledWith', () => {
  it('is true only when every byte is the value', () => {
    const page = new Uint8Array(PAGE_SIZE).fill(0xa1);
    expect(filledWith(page, 0xa1)).toBe(true);
    expect(filledWith(page, 0xa2)).toBe(false);
    page[PAGE_SIZE - 1] = 0;
    expect(filledWith(page, 0xa1)).toBe(false);
    page[PAGE_SIZE - 1] = 0xa1;
    page[0] = 0;
    expect(filledWith(page, 0xa1)).toBe(false);
  });

  it('reads a view at its own offset and length (subarrays, ranges longer than a page)', () => {
    const big = new Uint8Array(3 * PAGE_SIZE).fill(7);
    big[10] = 8;
    expect(filledWith(big.subarray(11, 11 + 2 * PAGE_SIZE), 7)).toBe(true);
    expect(filledWith(big.subarray(10, 20), 7)).toBe(false);
    expect(filledWith(new Uint8Array(3 * PAGE_SIZE).fill(7), 7)).toBe(true);
    expect(filledWith(new Uint8Array(0), 7)).toBe(true);
  });

  it('reads only the range it is given', () => {
    const bytes = new Uint8Array(200).fill(9);
    bytes[10] = 1;
    bytes[150] = 1;
    expect(filledWith(bytes, 9, 11, 150)).toBe(true);
    expect(filledWith(bytes, 9, 10, 150)).toBe(false);
    expect(filledWith(bytes, 9, 11, 151)).toBe(false);
    expect(filledWith(bytes, 9, 140, 150)).toBe(true);
    expect(filledWith(bytes, 9, 145, 151)).toBe(false);
    expect(filledWith(bytes, 9, 5, 5)).toBe(true);
  });

  it('gives the same answer on both sides of the short-range loop (16 bytes) and the compare', () => {
    for (const n of [1, 15, 16, 17, 100]) {
      const bytes = new Uint8Array(n).fill(0x50);
      expect(filledWith(bytes, 0x50)).toBe(true);
      bytes[n - 1] = 0x51;
      expect(filledWith(bytes, 0x50)).toBe(false);
    }
  });
});

describe('folioBytes', () => {
  it('reads what Folio.peek reads: zeroes when never written, the bytes once written', () => {
    with_kernel(createKernel('linux-6.12'), () => {
      const folio = folio_alloc(0);
      expect([...folioBytes(folio, 0, 16)]).toEqual([...folio.peek(0, 16)]);
      expect(filledWith(folioBytes(folio, 0, PAGE_SIZE), 0)).toBe(true);
      memcpy_to_page(folio.page(0), 100, new Uint8Array([1, 2, 3]));
      expect([...folioBytes(folio, 98, 7)]).toEqual([0, 0, 1, 2, 3, 0, 0]);
      expect([...folioBytes(folio, 98, 7)]).toEqual([...folio.peek(98, 7)]);
    });
  });
});

describe('firstMismatch', () => {
  it('finds the first differing byte, or -1', () => {
    const want = new Uint8Array(100).fill(3);
    expect(firstMismatch(new Uint8Array(100).fill(3), want)).toBe(-1);
    expect(firstMismatch(new Uint8Array(40).fill(3), want)).toBe(-1);
    const got = new Uint8Array(100).fill(3);
    got[57] = 4;
    got[90] = 4;
    expect(firstMismatch(got, want)).toBe(57);
    expect(firstMismatch(got.subarray(60), want)).toBe(30);
    // A byte want does not have differs.
    expect(firstMismatch(new Uint8Array(101).fill(3), want)).toBe(100);
  });
});

describe('patternBytes', () => {
  it('is (start + b * step) & 0xff || 1 at every byte, past the 256-byte period', () => {
    for (const [n, start, step] of [
      [0, 7, 13],
      [5, 7, 13],
      [256, 1, 11],
      [257, 250, 13],
      [3000, 7 + 53 * 3, 13],
      [8192, 1 + 37 * 2, 11],
    ] as const) {
      const got = patternBytes(n, start, step);
      expect(got.length).toBe(n);
      for (let b = 0; b < n; b++) {
        if (got[b] !== ((start + b * step) & 0xff || 1)) throw new Error(`n=${n} byte ${b}`);
      }
    }
  });
});

describe('holdsByte', () => {
  it('searches only the range, short or long', () => {
    const bytes = new Uint8Array(300);
    bytes[5] = 7;
    bytes[250] = 7;
    expect(holdsByte(bytes, 7, 0, 5)).toBe(false);
    expect(holdsByte(bytes, 7, 0, 6)).toBe(true);
    expect(holdsByte(bytes, 7, 6, 250)).toBe(false);
    expect(holdsByte(bytes, 7, 6, 251)).toBe(true);
    expect(holdsByte(bytes, 7, 251, 300)).toBe(false);
  });

  it('searches a view at its own offsets', () => {
    const bytes = new Uint8Array(300);
    bytes[250] = 7;
    const view = bytes.subarray(100);
    expect(holdsByte(view, 7, 0, 150)).toBe(false);
    expect(holdsByte(view, 7, 0, 151)).toBe(true);
    expect(holdsByte(view, 7, 151, 200)).toBe(false);
  });
});

describe('holdsByte and filledWith against a byte-by-byte reading', () => {
  // Both search paths of holdsByte (a search to the end of `bytes` when the tail past the range
  // is short, a bounded view when it is long) and filledWith's end-byte checks must say what a
  // loop over the range says, hits past the range included.
  const loopHolds = (b: Uint8Array, v: number, s: number, e: number) => {
    for (let i = s; i < e; i++) if (b[i] === v) return true;
    return false;
  };
  const loopFilled = (b: Uint8Array, v: number, s: number, e: number) => {
    for (let i = s; i < e; i++) if (b[i] !== v) return false;
    return true;
  };
  it('agrees on ranges with short and long tails, in views at an offset', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const size of [40, 600, 3000, 9000]) {
      const backing = new Uint8Array(size + 7);
      const bytes = backing.subarray(7);
      for (let round = 0; round < 200; round++) {
        bytes.fill(rnd(2) === 0 ? 5 : 0);
        for (let k = rnd(4); k > 0; k--) bytes[rnd(size)] = 9;
        const s = rnd(size);
        const e = s + rnd(size - s + 1);
        for (const v of [0, 5, 9]) {
          expect(holdsByte(bytes, v, s, e)).toBe(loopHolds(bytes, v, s, e));
          expect(filledWith(bytes, v, s, e)).toBe(loopFilled(bytes, v, s, e));
        }
      }
    }
  });

  it('does not count a hit past the range, whatever the tail length', () => {
    for (const size of [300, 5000]) {
      const bytes = new Uint8Array(size);
      bytes[size - 1] = 7;
      expect(holdsByte(bytes, 7, 0, 100)).toBe(false);
      expect(holdsByte(bytes, 7, 0, size)).toBe(true);
    }
  });
});

describe('filledBytes', () => {
  it('gives n bytes of the value, the same shared buffer per (n, value)', () => {
    const a = filledBytes(PAGE_SIZE, 0xa1);
    expect(a.length).toBe(PAGE_SIZE);
    expect(a.every((b) => b === 0xa1)).toBe(true);
    expect(filledBytes(PAGE_SIZE, 0xa1)).toBe(a);
    expect(filledBytes(PAGE_SIZE, 0xa2)).not.toBe(a);
    const short = filledBytes(3, 0xa1);
    expect([...short]).toEqual([0xa1, 0xa1, 0xa1]);
    expect(a.every((b) => b === 0xa1)).toBe(true);
  });
});

describe('freshBytes', () => {
  it('gives zeroed bytes of their own, as new Uint8Array does', () => {
    const a = freshBytes(100);
    const b = freshBytes(100);
    expect(a.length).toBe(100);
    expect(a.every((x) => x === 0)).toBe(true);
    a.fill(0xff);
    expect(b.every((x) => x === 0)).toBe(true);
    const big = freshBytes(1 << 20);
    expect(big.length).toBe(1 << 20);
    expect(big.byteOffset).toBe(0);
    // Many more than a slab holds: never the same memory twice, always zero when handed out.
    const views = Array.from({ length: 300 }, () => freshBytes(4096));
    for (const v of views) {
      expect(v.every((x) => x === 0)).toBe(true);
      v.fill(1);
    }
    expect(() => freshBytes(-1)).toThrow(RangeError);
  });
});
