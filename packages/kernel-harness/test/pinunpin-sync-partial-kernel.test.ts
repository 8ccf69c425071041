// PinUnpin_sync_partial on real kernels: a synchronous O_DIRECT read (preadv on loop0) into a
// buffer that runs past its mapping (user page 3 from 1 KiB, then the unmapped user page 4).
// block/fops.c __blkdev_direct_IO_simple reads the 3 KiB user page 3 takes (the next
// extraction's -EFAULT dropped: the bio has a page), then blkdev_read_iter reads the rest through
// the page cache (filemap_read), whose copy to user page 4 faults at once, and returns the 3 KiB.
// Runs only with PINLAB_KERNELS (e.g. PINLAB_KERNELS=6.1,6.12); otherwise a skipped test says so.
import { expect, it } from 'vitest';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('PinUnpin_sync_partial', (k) => {
  it('a short synchronous direct read returns the direct bytes, the buffered rest faulting', async () => {
    const obs = await createQemuTarget(k.session, k.profile).run(
      {
        id: 'pinunpin-sync-partial-headline',
        spec: 'PinUnpin',
        config: 'PinUnpin_sync_partial',
        constants: { SyncPartial: true },
        actions: [{ name: 'Init' }, { name: 'SubmitSyncPartial', bio: 1 }],
      },
      k.profile,
    );
    // 6.12 pins user page 3 and releases it inside the call; 6.1 takes a FOLL_GET reference.
    const pin = k.profile === 'linux-6.1' ? 0 : 1;
    expect(
      obs.map((o) => [o['bio1.st'], o['bio1.bytes'], o.zeroMapped, o.pinAcquired, o.pinReleased]),
    ).toEqual([
      ['IDLE', 0, true, 0, 0],
      ['DONE', 3, false, pin, pin],
    ]);
  }, 60_000);

  itRunsWholeSuite(k, 'PinUnpin', 'PinUnpin_sync_partial');
});
