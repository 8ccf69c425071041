// ForkRace_file_private on real kernels: the buffer is a MAP_PRIVATE mapping of a two-page ramfs
// file, page 0 stored to and page 1 only loaded (its pte maps the page-cache page); every
// generated scenario (O_DIRECT reads into and writes from it, fork, both processes' stores, the
// child's exit) runs in the guest and matches the model on each kernel's own profile. Runs only
// with PINLAB_KERNELS (e.g.
// `flock /tmp/pinlab-qemu.lock env PINLAB_KERNELS=6.1,6.12 npx vitest run --project kernel-harness forkrace-file-private-kernel`).
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('ForkRace_file_private: the race over a page-cache page in the guest', (k) => {
  itRunsWholeSuite(k, 'ForkRace', 'ForkRace_file_private');
});
