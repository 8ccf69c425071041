// ForkRace_file_fixed_buffers on real kernels: io_uring registered buffers over the MAP_PRIVATE
// mapping of a two-page ramfs file (page 0 stored to, page 1 only loaded: its pte maps the
// page-cache page). 6.1 refuses the registration after pinning (io_pin_pages: a file vma that is
// neither shmem nor hugetlbfs, -EOPNOTSUPP, the pages unpinned); 6.12 registers (the FOLL_WRITE
// pin of page 1 copies it first). Every generated scenario runs in the guest and matches the model
// on each kernel's own profile. Runs only with PINLAB_KERNELS (e.g.
// `flock /tmp/pinlab-qemu.lock env PINLAB_KERNELS=6.1,6.12 npx vitest run --project kernel-harness forkrace-file-fixed-buffers-kernel`).
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels(
  'ForkRace_file_fixed_buffers: io_uring fixed buffers over a private file mapping in the guest',
  (k) => {
    itRunsWholeSuite(k, 'ForkRace', 'ForkRace_file_fixed_buffers');
  },
);
