// PinUnpin_many_iovecs on real kernels: an O_DIRECT IOVEC request of 257 iovecs of 1024 bytes in
// one user page, no iovec continuing the one before. block/fops.c blkdev_direct_IO sends a
// request of more than BIO_MAX_VECS pages to __blkdev_direct_IO, which loops over bios and
// returns -EIOCBQUEUED for an async kiocb whatever they did: 256 bvecs in the first bio, the last
// iovec in the second, user page 2 held once per bvec (6.12: nr_foll_pin_acquired +257). A write
// whose last iovec is unmapped: the second bio fails at submission (BLK_STS_IOERR, bio_endio),
// the first is queued and the request completes -EIO. Runs only with PINLAB_KERNELS (e.g.
// PINLAB_KERNELS=6.1,6.12); otherwise a skipped test says so.
import { expect, it } from 'vitest';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('PinUnpin_many_iovecs', (k) => {
  it('257 iovecs: two bios, 257 holds; the last unmapped: one bio queued, -EIO', async () => {
    const obs = await createQemuTarget(k.session, k.profile).run(
      {
        id: 'pinunpin-many-headline',
        spec: 'PinUnpin',
        config: 'PinUnpin_many_iovecs',
        constants: { ManyIovecs: true },
        actions: [
          { name: 'Init' },
          { name: 'SubmitMany', bio: 1, dir: 'DEST', fault: 'NONE' },
          { name: 'SubmitMany', bio: 2, dir: 'SOURCE', fault: 'LAST' },
          { name: 'Complete', bio: 1 },
          { name: 'Complete', bio: 2 },
        ],
      },
      k.profile,
    );
    // 6.12 pins user page 2 once per bvec: 257, then 256 more; 6.1 takes FOLL_GET refs (no pin
    // counted). The completions release them all; bio 2 completes -EIO with its first bio's
    // 256 KiB (the gate's sectors).
    const pin = k.profile === 'linux-6.1' ? 0 : 1;
    expect(
      obs.map((o) => [
        o['bio1.st'],
        o['bio1.bytes'],
        o['bio2.st'],
        o['bio2.bytes'],
        o['bio2.err'],
        o.pinAcquired,
        o.pinReleased,
      ]),
    ).toEqual([
      ['IDLE', 0, 'IDLE', 0, 'NONE', 0, 0],
      ['INFLIGHT', 257, 'IDLE', 0, 'NONE', 257 * pin, 0],
      ['INFLIGHT', 257, 'INFLIGHT', 256, 'NONE', 513 * pin, 0],
      ['DONE', 257, 'INFLIGHT', 256, 'NONE', 513 * pin, 257 * pin],
      ['DONE', 257, 'DONE', 256, 'EIO', 513 * pin, 513 * pin],
    ]);
  }, 120_000);

  itRunsWholeSuite(k, 'PinUnpin', 'PinUnpin_many_iovecs');
});
