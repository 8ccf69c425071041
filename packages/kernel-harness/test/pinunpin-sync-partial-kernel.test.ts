// PinUnpin_sync_partial on real kernels: a synchronous O_DIRECT read (preadv on loop0) into a
// buffer that runs past its mapping (user page 3 from 1 KiB, then the unmapped user page 4).
// block/fops.c __blkdev_direct_IO_simple reads the 3 KiB user page 3 takes (the next
// extraction's -EFAULT dropped: the bio has a page), then blkdev_read_iter reads the rest through
// the page cache (filemap_read), whose copy to user page 4 faults at once, and returns the 3 KiB.
// PinUnpin_secret_rest: the same read, 10 KiB long, with a memfd_secret(2) page at user page 4
// and user page 5 unmapped: mm/gup.c check_vma_flags refuses the secret page (vma_is_secretmem),
// so the direct read is the same 3 KiB, and filemap_read copies the next 4 KiB into the secret
// page through the user mapping and faults at user page 5: the call returns 7 KiB (the agent
// requires it and the device's bytes in the secret page; the bio's bytes stay the direct 3 KiB).
// Runs only with PINLAB_KERNELS (e.g. PINLAB_KERNELS=6.1,6.12); otherwise a skipped test says so.
import { expect, it } from 'vitest';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

const CASES = [
  {
    config: 'PinUnpin_sync_partial',
    constants: { SyncPartial: true },
    action: 'SubmitSyncPartial',
    title: 'a short synchronous direct read returns the direct bytes, the buffered rest faulting',
  },
  {
    config: 'PinUnpin_secret_rest',
    constants: { SyncPartial: true, SecretRest: true },
    action: 'SubmitSyncSecret',
    title: 'a direct read stopped by a secretmem page: the buffered rest fills it (7 KiB)',
  },
] as const;

for (const c of CASES) {
  describeRealKernels(c.config, (k) => {
    it(c.title, async () => {
      const obs = await createQemuTarget(k.session, k.profile).run(
        {
          id: `${c.config}-headline`,
          spec: 'PinUnpin',
          config: c.config,
          constants: c.constants,
          actions: [{ name: 'Init' }, { name: c.action, bio: 1 }],
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

    itRunsWholeSuite(k, 'PinUnpin', c.config);
  });
}
