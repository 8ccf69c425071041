// @pinlab/kernel-harness: Debian kernels in QEMU. Kernel fetch (private apt), initramfs with a
// static C guest agent, the VM lifecycle and its watchdog, and the qemu:<kernel> target.
export * from './accel.ts';
export * from './agent-build.ts';
export * from './apt.ts';
export * from './cpio.ts';
export * from './experiments.ts';
export * from './fetch.ts';
export * from './guest.ts';
export * from './initramfs.ts';
export * from './kernels.ts';
export * from './modules.ts';
export * from './paths.ts';
export * from './protocol.ts';
export * from './run-kernels.ts';
export * from './session.ts';
export * from './specs/forkrace.ts';
export * from './suites.ts';
export * from './target.ts';
export * from './vm.ts';
export * from './vmlinux.ts';
export * from './watchdog.ts';
