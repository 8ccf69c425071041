// PinUnpin_file_eof on real kernels: O_DIRECT over a MAP_PRIVATE file mapping that reaches past
// the end of its file. The guest maps a one-page tmpfs file privately over two pages and reads
// the first, so user page 6 lies wholly past i_size: no fault can map it (mm/filemap.c
// filemap_fault, tmpfs shmem_fault: VM_FAULT_SIGBUS), and GUP's faultin_page turns that into
// -EFAULT (vm_fault_to_errno). A request over user page 6 alone fails -EFAULT inside io_submit
// with nothing taken; one from user page 5 over both pages goes in flight with user page 5's
// page only and completes short (4 KiB of 8: block/bio.c bio_iov_iter_get_pages drops the
// second extraction's -EFAULT once the bio has a page). Then every generated scenario.
// Runs only with PINLAB_KERNELS (e.g. PINLAB_KERNELS=6.1,6.12); otherwise a skipped test says so.
import type { ScenarioAction } from '@pinlab/testgen';
import { expect, it } from 'vitest';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('PinUnpin_file_eof', (k) => {
  it('a request over the page past EOF fails -EFAULT; one reaching it from the file is short', async () => {
    const target = createQemuTarget(k.session, k.profile);
    const run = (id: string, actions: ScenarioAction[]) =>
      target.run(
        {
          id,
          spec: 'PinUnpin',
          config: 'PinUnpin_file_eof',
          constants: { FilePrivate: true, FileEof: true },
          actions: [{ name: 'Init' }, ...actions],
        },
        k.profile,
      );
    // 6.12 pins what the GUP took; 6.1 takes FOLL_GET refs (no pin counted).
    const pin = k.profile === 'linux-6.1' ? 0 : 1;
    // User page 6 alone: a read (FOLL_WRITE GUP: do_cow_fault) and a write (R/O GUP:
    // do_read_fault) both fail at once, nothing pinned, user page 5 untouched.
    const past = await run('pinunpin-file-eof-past', [
      { name: 'SubmitPastEof', bio: 1, dir: 'DEST', from: 'EOF' },
      { name: 'SubmitPastEof', bio: 2, dir: 'SOURCE', from: 'EOF' },
    ]);
    expect(past.map((o) => [o['bio1.st'], o['bio2.st'], o.p5, o.pinAcquired])).toEqual([
      ['IDLE', 'IDLE', 'FILE', 0],
      ['FAILED', 'IDLE', 'FILE', 0],
      ['FAILED', 'FAILED', 'FILE', 0],
    ]);
    // From user page 5: the read breaks COW and fills the copy, 4 KiB of the 8 asked; the
    // write from that copy sends its 4 KiB.
    const into = await run('pinunpin-file-eof-in', [
      { name: 'SubmitPastEof', bio: 1, dir: 'DEST', from: 'IN' },
      { name: 'Complete', bio: 1 },
      { name: 'SubmitPastEof', bio: 2, dir: 'SOURCE', from: 'IN' },
      { name: 'Complete', bio: 2 },
    ]);
    expect(
      into.map((o) => [
        o['bio1.st'],
        o['bio1.bytes'],
        o['bio2.st'],
        o['bio2.bytes'],
        o.p5,
        o['u5.byte'],
        o.wrote,
      ]),
    ).toEqual([
      ['IDLE', 0, 'IDLE', 0, 'FILE', 'FILE', ''],
      ['INFLIGHT', 4, 'IDLE', 0, 'COPY', 'FILE', ''],
      ['DONE', 4, 'IDLE', 0, 'COPY', 'DMA', ''],
      ['DONE', 4, 'INFLIGHT', 4, 'COPY', 'DMA', ''],
      ['DONE', 4, 'DONE', 4, 'COPY', 'DMA', '2=DMA'],
    ]);
    expect(into.map((o) => [o.pinAcquired, o.pinReleased])).toEqual([
      [0, 0],
      [pin, 0],
      [pin, pin],
      [2 * pin, pin],
      [2 * pin, 2 * pin],
    ]);
  }, 60_000);

  itRunsWholeSuite(k, 'PinUnpin', 'PinUnpin_file_eof');
});
