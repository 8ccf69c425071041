// PinUnpin_file_lazy on real kernels: O_DIRECT to and from a MAP_PRIVATE file page the process
// never touched. The guest maps a one-page tmpfs file privately and leaves it alone (no PTE,
// the page in the page cache), then runs every generated scenario of the config: the first
// access faults it in (mm/memory.c do_fault): a direct I/O write's R/O GUP read-faults
// (do_read_fault maps the page-cache page, which is pinned on 6.12, referenced on 6.1), a
// direct I/O read's FOLL_WRITE GUP and the process's store write-fault (do_cow_fault maps a
// private copy, which the read pins).
// Runs only with PINLAB_KERNELS (e.g. PINLAB_KERNELS=6.1,6.12); otherwise a skipped test says so.
import type { ScenarioAction } from '@pinlab/testgen';
import { expect, it } from 'vitest';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('PinUnpin_file_lazy', (k) => {
  it('a read into the untouched page pins a private copy, a write from it pins the page cache', async () => {
    const target = createQemuTarget(k.session, k.profile);
    const run = (id: string, actions: ScenarioAction[]) =>
      target.run(
        {
          id,
          spec: 'PinUnpin',
          config: 'PinUnpin_file_lazy',
          constants: { FilePrivate: true, FileLazy: true },
          actions: [{ name: 'Init' }, ...actions],
        },
        k.profile,
      );
    // 6.12 pins what the GUP took; 6.1 takes FOLL_GET refs (no pin counted).
    const pin = k.profile === 'linux-6.1' ? 0 : 1;
    // A read: FOLL_WRITE GUP, do_cow_fault, the copy gets the device's bytes; then a write
    // from that copy sends them.
    const read = await run('pinunpin-file-lazy-read', [
      { name: 'SubmitSync', bio: 1, iter: 'FILEMAP', dir: 'DEST' },
      { name: 'Submit', bio: 2, iter: 'FILEMAP', dir: 'SOURCE' },
      { name: 'Complete', bio: 2 },
    ]);
    expect(read.map((o) => [o.p5, o['u5.byte'], o['f0.byte'], o.wrote])).toEqual([
      ['NONE', 'FILE', 'FILE', ''],
      ['COPY', 'DMA', 'FILE', ''],
      ['COPY', 'DMA', 'FILE', ''],
      ['COPY', 'DMA', 'FILE', '2=DMA'],
    ]);
    expect(read.map((o) => [o.pinAcquired, o.pinReleased])).toEqual([
      [0, 0],
      [pin, pin],
      [2 * pin, pin],
      [2 * pin, 2 * pin],
    ]);
    // A write: R/O GUP, do_read_fault, the page-cache page itself is pinned; the store that
    // follows copies it, and the device still gets the file's bytes.
    const write = await run('pinunpin-file-lazy-write', [
      { name: 'Submit', bio: 1, iter: 'FILEMAP', dir: 'SOURCE' },
      { name: 'StoreFile' },
      { name: 'Complete', bio: 1 },
    ]);
    expect(write.map((o) => [o.p5, o['u5.byte'], o['f0.byte'], o.wrote])).toEqual([
      ['NONE', 'FILE', 'FILE', ''],
      ['FILE', 'FILE', 'FILE', ''],
      ['COPY', 'STORE', 'FILE', ''],
      ['COPY', 'STORE', 'FILE', '1=FILE'],
    ]);
    expect(write.map((o) => [o.pinAcquired, o.pinReleased])).toEqual([
      [0, 0],
      [pin, 0],
      [pin, 0],
      [pin, pin],
    ]);
  }, 60_000);

  itRunsWholeSuite(k, 'PinUnpin', 'PinUnpin_file_lazy');
});
