// ForkRace_zero_page on real kernels: the buffer's one page only loaded before the race (its pte
// maps the zero page, the vma has no anon_vma); every generated scenario (O_DIRECT reads into it,
// fork, which copies no pte of such a vma, both processes' stores, the child's exit) runs in the
// guest and matches the model on each kernel's own profile. ForkRace_zero_page_two_pages: page 0
// stored to, page 1 only loaded (the vma has an anon_vma, so fork copies the zero-page pte). Runs only with PINLAB_KERNELS (e.g.
// `flock /tmp/pinlab-qemu.lock env PINLAB_KERNELS=6.1,6.12 npx vitest run --project kernel-harness forkrace-zero-page-kernel`).
import { describeRealKernels, itRunsWholeSuite } from './real-kernels.ts';

describeRealKernels('ForkRace_zero_page: a page only loaded, the zero page, in the guest', (k) => {
  itRunsWholeSuite(k, 'ForkRace', 'ForkRace_zero_page');
  itRunsWholeSuite(k, 'ForkRace', 'ForkRace_zero_page_two_pages');
});
