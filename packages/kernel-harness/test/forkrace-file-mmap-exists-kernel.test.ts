// ForkRace_file_mmap_exists on real kernels: the buffer of ForkRace_file_private (a MAP_PRIVATE
// mapping of a two-page ramfs file, page 0 stored to, page 1 only loaded) and the parent's
// mmap(MAP_PRIVATE | MAP_FIXED_NOREPLACE) of its file again over a page of it (MmapFileExists:
// -EEXIST, nothing changes); every generated scenario runs in the guest and matches the model on
// each kernel's own profile. Runs only with PINLAB_KERNELS (e.g.
// `flock /tmp/pinlab-qemu.lock env PINLAB_KERNELS=6.1,6.12 npx vitest run --project kernel-harness forkrace-file-mmap-exists-kernel`).
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels(
  'ForkRace_file_mmap_exists: the file mapped again over the buffer in the guest',
  (k) => {
    itRunsWholeSuite(k, 'ForkRace', 'ForkRace_file_mmap_exists');
  },
);
