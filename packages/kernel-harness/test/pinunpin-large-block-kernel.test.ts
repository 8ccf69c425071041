// PinUnpin_large_block on real kernels: an O_DIRECT read of one 4 KiB block from a loop device
// with 4 KiB logical blocks (LOOP_SET_BLOCK_SIZE) into a buffer that maps only 3 KiB of it (user
// page 3 from 1 KiB, then an unmapped page). The request passes blkdev_direct_IO's alignment
// checks; block/bio.c __bio_iov_iter_get_pages gets user page 3 only, trims those 3 KiB against
// the logical block to nothing ("if (unlikely(!size)) { ret = -EFAULT; goto out; }") and
// releases the page it took (bio_release_page on 6.12: one pin acquired and released within the
// call; put_page of a FOLL_GET reference on 6.1), so the read fails -EFAULT; the write fault
// that took user page 3 off the zero page stays. The guest reports any answer but -EFAULT as an
// error. Runs only with PINLAB_KERNELS (e.g. PINLAB_KERNELS=6.1,6.12); otherwise a skipped test
// says so.
import { expect, it } from 'vitest';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('PinUnpin_large_block', (k) => {
  it('a read trimmed to nothing fails -EFAULT with its pin released; the zero page stays broken', async () => {
    const obs = await createQemuTarget(k.session, k.profile).run(
      {
        id: 'pinunpin-large-block-headline',
        spec: 'PinUnpin',
        config: 'PinUnpin_large_block',
        constants: { LargeBlock: true },
        actions: [
          { name: 'Init' },
          { name: 'SubmitShortBlock', bio: 1 },
          { name: 'Submit', bio: 2, iter: 'IOVEC', dir: 'SOURCE' },
          { name: 'Complete', bio: 2 },
        ],
      },
      k.profile,
    );
    // 6.12 pins user page 3 and unpins it inside the failed call, then pins the IOVEC write's
    // two pages (user page 3 is a private page now, not the zero page); 6.1 counts no pins.
    const pin = k.profile === 'linux-6.1' ? 0 : 1;
    expect(
      obs.map((o) => [o['bio1.st'], o['bio2.st'], o.zeroMapped, o.pinAcquired, o.pinReleased]),
    ).toEqual([
      ['IDLE', 'IDLE', true, 0, 0],
      ['FAILED', 'IDLE', false, pin, pin],
      ['FAILED', 'INFLIGHT', false, 3 * pin, pin],
      ['FAILED', 'DONE', false, 3 * pin, 3 * pin],
    ]);
  }, 60_000);

  itRunsWholeSuite(k, 'PinUnpin', 'PinUnpin_large_block');
});
