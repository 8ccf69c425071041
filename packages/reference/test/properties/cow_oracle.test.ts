// Copy-on-write keeps process memory private: random writes, forks, exits and pins, checked
// byte for byte against an oracle in which every process owns a private copy of its memory
// (fork semantics as userspace sees them, whatever mm/memory.c shares underneath).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mm_invariants_at_quiescence } from '../../src/invariants/index.ts';
import { createKernel, with_kernel } from '../../src/kernel.ts';
import {
  dup_mmap,
  exit_mmap,
  FOLL_WRITE,
  type MmStruct,
  mm_alloc,
  PAGE_SIZE,
  type Page,
  pin_user_pages_fast,
  read_user,
  unpin_user_page,
  vm_mmap,
  write_user,
} from '../../src/mm/index.ts';

const SIZE = 3 * PAGE_SIZE;
type Op =
  | { t: 'write'; p: number; off: number; byte: number }
  | { t: 'fork'; p: number }
  | { t: 'exit'; p: number }
  | { t: 'pin'; p: number; page: number }
  | { t: 'unpin' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('write' as const),
      p: fc.nat(3),
      off: fc.nat(SIZE - 1),
      byte: fc.integer({ min: 1, max: 255 }),
    }),
  },
  fc.record({ t: fc.constant('fork' as const), p: fc.nat(3) }),
  fc.record({ t: fc.constant('exit' as const), p: fc.nat(3) }),
  fc.record({ t: fc.constant('pin' as const), p: fc.nat(3), page: fc.nat(2) }),
  fc.record({ t: fc.constant('unpin' as const) }),
);

describe('COW keeps each process its own memory (oracle: private copies)', () => {
  for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
    it(profile, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
          const k = createKernel(profile);
          with_kernel(k, () => {
            const first = mm_alloc();
            const buf = vm_mmap(first, 0, SIZE);
            const procs: { mm: MmStruct; mem: Uint8Array }[] = [
              { mm: first, mem: new Uint8Array(SIZE) },
            ];
            const pins: Page[] = [];
            for (const op of ops) {
              const pr = 'p' in op ? procs[op.p % procs.length] : undefined;
              if (op.t === 'write' && pr) {
                write_user(pr.mm, buf + op.off, new Uint8Array([op.byte]));
                pr.mem[op.off] = op.byte;
              } else if (op.t === 'fork' && pr && procs.length < 4) {
                procs.push({ mm: dup_mmap(pr.mm), mem: pr.mem.slice() });
              } else if (op.t === 'exit' && pr && procs.length > 1) {
                exit_mmap(pr.mm);
                procs.splice(procs.indexOf(pr), 1);
              } else if (op.t === 'pin' && pr) {
                const pages: Page[] = [];
                if (
                  pin_user_pages_fast(pr.mm, buf + op.page * PAGE_SIZE, 1, FOLL_WRITE, pages) === 1
                )
                  pins.push(pages[0] as Page);
              } else if (op.t === 'unpin') {
                const pg = pins.pop();
                if (pg) unpin_user_page(pg);
              }
              for (const q of procs) {
                const got = read_user(q.mm, buf, SIZE);
                expect(
                  Buffer.from(got).equals(Buffer.from(q.mem)),
                  `mm ${q.mm.id} after ${JSON.stringify(op)}`,
                ).toBe(true);
              }
            }
            for (const pg of pins) unpin_user_page(pg);
            for (const q of procs) exit_mmap(q.mm);
          });
          expect(mm_invariants_at_quiescence(k)).toEqual([]);
          expect(k.live_folios.size).toBe(0);
        }),
        { numRuns: 120, seed: 7 },
      );
    });
  }
});
