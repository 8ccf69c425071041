// ForkRace_register_oversized on real kernels: every generated scenario (IORING_REGISTER_BUFFERS
// with an oversized iovec, with no iovec, with a sparse slot before the page, and with a sparse
// slot, the page and a NULL base with a length) runs in the guest and matches the model on each
// kernel's own profile. Runs only with PINLAB_KERNELS (e.g.
// `flock /tmp/pinlab-qemu.lock env PINLAB_KERNELS=6.1,6.12 npx vitest run --project kernel-harness forkrace-register-oversized-kernel`).
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels(
  'ForkRace_register_oversized: io_uring buffer registration in the guest',
  (k) => {
    itRunsWholeSuite(k, 'ForkRace', 'ForkRace_register_oversized');
  },
);
