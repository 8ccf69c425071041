// PinUnpin_file_private on real kernels: O_DIRECT to and from a MAP_PRIVATE file page. The
// guest maps a one-page tmpfs file privately and reads it (do_read_fault: the page-cache page,
// read-only), then runs every generated scenario of the config: a direct I/O write of that page
// takes the page-cache page itself (6.12: a short-term R/O FOLL_PIN, which gup_must_unshare
// never unshares for a page that is not anonymous; 6.1: a FOLL_GET reference), so a store that
// follows (do_wp_page -> wp_page_copy) leaves the device the file's bytes; a read breaks COW
// first and lands in the private copy. Also the synchronous requests (SubmitSync) and the failed
// completions (CompleteError, the gate switched onto a dm "error" device) of that config.
// Runs only with PINLAB_KERNELS (e.g. PINLAB_KERNELS=6.1,6.12); otherwise a skipped test says so.
import { expect, it } from 'vitest';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('PinUnpin_file_private', (k) => {
  it('a write from the page-cache page sends the file, a store copies it, a read breaks COW', async () => {
    const obs = await createQemuTarget(k.session, k.profile).run(
      {
        id: 'pinunpin-file-private-headline',
        spec: 'PinUnpin',
        config: 'PinUnpin_file_private',
        constants: { FilePrivate: true },
        actions: [
          { name: 'Init' },
          { name: 'Submit', bio: 1, iter: 'FILEMAP', dir: 'SOURCE' },
          { name: 'StoreFile' },
          { name: 'Complete', bio: 1 },
          { name: 'SubmitSync', bio: 2, iter: 'FILEMAP', dir: 'DEST' },
        ],
      },
      k.profile,
    );
    // 6.12 pins the page-cache page for the write (and the copy for the read); 6.1 takes refs.
    const pin = k.profile === 'linux-6.1' ? 0 : 1;
    expect(obs.map((o) => [o.p5, o['u5.byte'], o['f0.byte'], o.wrote])).toEqual([
      ['FILE', 'FILE', 'FILE', ''],
      ['FILE', 'FILE', 'FILE', ''],
      ['COPY', 'STORE', 'FILE', ''],
      ['COPY', 'STORE', 'FILE', '1=FILE'],
      ['COPY', 'DMA', 'FILE', '1=FILE'],
    ]);
    expect(obs.map((o) => [o.pinAcquired, o.pinReleased])).toEqual([
      [0, 0],
      [pin, 0],
      [pin, 0],
      [pin, pin],
      [2 * pin, 2 * pin],
    ]);
  }, 60_000);

  itRunsWholeSuite(k, 'PinUnpin', 'PinUnpin_file_private');
});
