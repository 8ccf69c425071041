// Everything a boot needs for one kernel: the agent binary, the initramfs, the kernel file
// QEMU loads (the uncompressed vmlinux when it can be extracted: PVH boot is faster under TCG).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AccelChoice, accelFromEnv, probeKvm } from './accel.ts';
import { buildAgent } from './agent-build.ts';
import type { KernelImage } from './fetch.ts';
import { buildInitramfs } from './initramfs.ts';
import { cacheRoot } from './paths.ts';
import { type Launcher, type QemuOptions, qemuLauncher } from './vm.ts';
import { extractVmlinux } from './vmlinux.ts';

/** dm-delay hold time for the timed fork_race experiment (the kernel-facts recipe). */
export const DEFAULT_DELAY_MS = 500;

export interface PreparedGuest {
  kernel: KernelImage;
  bootKernel: string;
  initrd: string;
  launcher: Launcher;
  /** The accelerator the launcher uses (after the KVM probe when PINLAB_ACCEL=auto). */
  accel: 'tcg' | 'kvm';
}

export async function prepareGuest(
  kernel: KernelImage,
  opts: Omit<QemuOptions, 'accel'> & {
    accel?: AccelChoice;
    delayMs?: number;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<PreparedGuest> {
  const env = opts.env ?? process.env;
  const agent = await buildAgent(env);
  const initrd = buildInitramfs(kernel, agent, opts.delayMs ?? DEFAULT_DELAY_MS, env);
  let bootKernel = kernel.vmlinuz;
  try {
    const key = createHash('sha256')
      .update(readFileSync(kernel.vmlinuz))
      .digest('hex')
      .slice(0, 16);
    bootKernel = await extractVmlinux(
      kernel.vmlinuz,
      join(cacheRoot(env), 'vmlinux', `${kernel.release}-${key}`),
    );
  } catch {
    // A bzImage we cannot unpack still boots, only slower (BIOS + in-guest decompression).
  }
  // TCG unless asked otherwise; `auto` uses KVM only when a probe boot proves it works.
  const choice = opts.accel ?? accelFromEnv(env);
  let accel: 'tcg' | 'kvm' = choice === 'kvm' ? 'kvm' : 'tcg';
  if (choice === 'auto') {
    accel = (await probeKvm(qemuLauncher(bootKernel, initrd, { ...opts, accel: 'kvm' }), env))
      ? 'kvm'
      : 'tcg';
  }
  return {
    kernel,
    bootKernel,
    initrd,
    accel,
    launcher: qemuLauncher(bootKernel, initrd, { ...opts, accel }),
  };
}
