// ForkRace_misaligned on real kernels: every generated scenario (munmap / mprotect / madvise /
// mmap of the parent's page from a misaligned address, madvise with an advice no kernel defines,
// mmap of no length and of more than the address space) runs in the guest and matches the model
// on each kernel's own profile (those over FORKRACE_MAX_STEPS steps over their first steps, as
// prefixes). Runs only with PINLAB_KERNELS (e.g.
// `flock /tmp/pinlab-qemu.lock env PINLAB_KERNELS=6.1,6.12 npx vitest run --project kernel-harness forkrace-misaligned-kernel`).
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('ForkRace_misaligned: calls with bad arguments in the guest', (k) => {
  itRunsWholeSuite(k, 'ForkRace', 'ForkRace_misaligned');
});
