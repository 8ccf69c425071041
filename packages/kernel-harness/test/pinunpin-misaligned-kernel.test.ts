// PinUnpin_misaligned on real kernels: O_DIRECT requests over a buffer the block device cannot
// take as it is. 6.12 block/fops.c blkdev_direct_IO (blkdev_dio_invalid; 6.1
// blkdev_dio_unaligned) -> bdev_iter_is_aligned -> iov_iter_is_aligned refuses a UBUF buffer off
// the queue's DMA alignment (511) and an IOVEC whose segment lengths are off the logical block
// (though their sum is on it) with -EINVAL before any bio: nothing is pinned or referenced, and
// the request in flight beside it keeps its pins. The guest reports any answer but -EINVAL as an
// error. Runs only with PINLAB_KERNELS (e.g. PINLAB_KERNELS=6.1,6.12); otherwise a skipped test
// says so. PinUnpin_misaligned_addr adds an IOVEC whose lengths are on the block but whose
// second iovec's address is off the DMA alignment (iov_iter_aligned_iovec's address check).
import { expect, it } from 'vitest';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('PinUnpin_misaligned', (k) => {
  it('a misaligned request fails at once and takes nothing; the request in flight keeps its pins', async () => {
    const obs = await createQemuTarget(k.session, k.profile).run(
      {
        id: 'pinunpin-misaligned-headline',
        spec: 'PinUnpin',
        config: 'PinUnpin_misaligned',
        constants: { MisalignedIo: true },
        actions: [
          { name: 'Init' },
          { name: 'Submit', bio: 1, iter: 'UBUF', dir: 'DEST' },
          { name: 'SubmitMisaligned', bio: 2, iter: 'IOVEC', dir: 'SOURCE' },
          { name: 'Complete', bio: 1 },
        ],
      },
      k.profile,
    );
    // 6.12 pins UBUF's two pages (6.1 takes FOLL_GET refs, no pin counted); the refused
    // request changes no counter.
    const pin = k.profile === 'linux-6.1' ? 0 : 2;
    expect(obs.map((o) => [o['bio1.st'], o['bio2.st'], o.pinAcquired, o.pinReleased])).toEqual([
      ['IDLE', 'IDLE', 0, 0],
      ['INFLIGHT', 'IDLE', pin, 0],
      ['INFLIGHT', 'FAILED', pin, 0],
      ['DONE', 'FAILED', pin, pin],
    ]);
  }, 60_000);

  itRunsWholeSuite(k, 'PinUnpin', 'PinUnpin_misaligned');

  it('an IOVEC whose second iovec starts off the DMA alignment fails at once, its lengths on the block', async () => {
    const obs = await createQemuTarget(k.session, k.profile).run(
      {
        id: 'pinunpin-misaligned-addr-headline',
        spec: 'PinUnpin',
        config: 'PinUnpin_misaligned_addr',
        constants: { MisalignedIo: true, MisalignedAddr: true },
        actions: [
          { name: 'Init' },
          { name: 'Submit', bio: 1, iter: 'UBUF', dir: 'DEST' },
          { name: 'SubmitMisalignedAddr', bio: 2, dir: 'DEST' },
          { name: 'Complete', bio: 1 },
        ],
      },
      k.profile,
    );
    // iov_iter_aligned_iovec refuses the second segment's address: -EINVAL before any bio, so
    // the refused read neither pins nor faults in user page 3 (still the zero page).
    const pin = k.profile === 'linux-6.1' ? 0 : 2;
    expect(
      obs.map((o) => [o['bio1.st'], o['bio2.st'], o.zeroMapped, o.pinAcquired, o.pinReleased]),
    ).toEqual([
      ['IDLE', 'IDLE', true, 0, 0],
      ['INFLIGHT', 'IDLE', true, pin, 0],
      ['INFLIGHT', 'FAILED', true, pin, 0],
      ['DONE', 'FAILED', true, pin, pin],
    ]);
  }, 60_000);

  itRunsWholeSuite(k, 'PinUnpin', 'PinUnpin_misaligned_addr');
});
