// Everything a boot needs for one kernel: the agent binary, the initramfs, the kernel file
// QEMU loads (the uncompressed vmlinux when it can be extracted: PVH boot is faster under TCG).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
}

export async function prepareGuest(
  kernel: KernelImage,
  opts: QemuOptions & { delayMs?: number; env?: NodeJS.ProcessEnv } = {},
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
  return { kernel, bootKernel, initrd, launcher: qemuLauncher(bootKernel, initrd, opts) };
}
