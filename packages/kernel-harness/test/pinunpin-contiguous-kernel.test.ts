// PinUnpin_contiguous_iovec on real kernels: an O_DIRECT IOVEC request of two 1024-byte iovecs
// in one user page, the second starting where the first ends. bio_iov_iter_get_pages extracts
// one iovec per call, so the page is taken twice; the second range merges into the bio's last
// bvec and its hold is dropped at once (block/bio.c: 6.1 bio_iov_add_page "if (same_page)
// put_page(page)", 6.12 bio_iov_add_folio "unpin_user_folio(folio, 1)"): on 6.12 the pin
// counters move by +2/+1 at submission and the last pin goes at completion. Runs only with
// PINLAB_KERNELS (e.g. PINLAB_KERNELS=6.1,6.12); otherwise a skipped test says so.
import { expect, it } from 'vitest';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('PinUnpin_contiguous_iovec', (k) => {
  it('two contiguous iovecs in one page: one bvec, the second hold dropped at submission', async () => {
    const obs = await createQemuTarget(k.session, k.profile).run(
      {
        id: 'pinunpin-contiguous-headline',
        spec: 'PinUnpin',
        config: 'PinUnpin_contiguous_iovec',
        constants: { ContiguousIovec: true },
        actions: [
          { name: 'Init' },
          { name: 'SubmitContiguous', bio: 1, dir: 'DEST' },
          { name: 'Complete', bio: 1 },
        ],
      },
      k.profile,
    );
    // 6.12: two pins taken, the merged one released inside io_submit; 6.1 takes FOLL_GET refs
    // (no pin counted). The bio is queued with 2 KiB (2 model bytes).
    const [acq, rel] = k.profile === 'linux-6.1' ? [0, 0] : [2, 1];
    expect(obs.map((o) => [o['bio1.st'], o['bio1.bytes'], o.pinAcquired, o.pinReleased])).toEqual([
      ['IDLE', 0, 0, 0],
      ['INFLIGHT', 2, acq, rel],
      ['DONE', 2, acq, acq],
    ]);
  }, 60_000);

  itRunsWholeSuite(k, 'PinUnpin', 'PinUnpin_contiguous_iovec');
});
