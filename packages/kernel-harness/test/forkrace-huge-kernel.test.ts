// ForkRace_huge on real kernels: the buffer's page is page 0 of an anonymous transparent huge page
// (madvise(MADV_HUGEPAGE) of a 2 MiB-aligned 2 MiB mapping, checked at set-up: AnonHugePages
// 2048 kB); every generated scenario (O_DIRECT reads into it, fork while one is in flight or not,
// both processes' stores) runs in the guest and matches the model on each kernel's own profile:
// FOLL_GET on 6.1 (the race of ForkRace_huge_foll_get), FOLL_PIN on 6.12. ForkRace_huge_foll_get
// is the same model under each kernel's profile (DioHold is the profile's), so its scenarios that
// ForkRace_huge also has are not run again. Runs only with PINLAB_KERNELS (e.g.
// `flock /tmp/pinlab-qemu.lock env PINLAB_KERNELS=6.1,6.12 npx vitest run --project kernel-harness forkrace-huge-kernel`).
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('ForkRace_huge: the race on a transparent huge page in the guest', (k) => {
  itRunsWholeSuite(k, 'ForkRace', 'ForkRace_huge');
});
