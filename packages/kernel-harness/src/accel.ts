// TCG or KVM. KVM is used only when a probe shows it really works: on some machines /dev/kvm is
// a paravirtual shim where QEMU aborts or the guest dies (kernel-facts.md). The probe boots the
// real guest with KVM under a short deadline and asks the agent for a ping; the verdict is
// cached per machine boot (boot_id), so CI pays for it once.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@pinlab/tla';
import { cacheRoot } from './paths.ts';
import { type Launcher, Vm } from './vm.ts';

export type AccelChoice = 'tcg' | 'kvm' | 'auto';

export function accelFromEnv(env: NodeJS.ProcessEnv = process.env): AccelChoice {
  const v = env.PINLAB_ACCEL ?? 'tcg';
  if (v !== 'tcg' && v !== 'kvm' && v !== 'auto')
    throw new Error(`PINLAB_ACCEL must be tcg, kvm or auto, got "${v}"`);
  return v;
}

export function kvmDeviceUsable(dev = '/dev/kvm'): boolean {
  try {
    accessSync(dev, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function bootId(): string {
  const p = '/proc/sys/kernel/random/boot_id';
  return existsSync(p) ? readFileSync(p, 'utf8').trim() : 'unknown';
}

/** Boots `kvmLauncher` with a short deadline; true only when the agent answers a ping. */
export async function probeKvm(
  kvmLauncher: Launcher,
  env: NodeJS.ProcessEnv = process.env,
  deadlineMs = 20_000,
): Promise<boolean> {
  if (!kvmDeviceUsable()) return false;
  const cache = join(cacheRoot(env), 'kvm-probe.json');
  const id = bootId();
  if (existsSync(cache)) {
    const c = JSON.parse(readFileSync(cache, 'utf8')) as { bootId: string; works: boolean };
    if (c.bootId === id) return c.works;
  }
  let works = false;
  try {
    const vm = await Vm.boot(kvmLauncher, { bootTimeoutMs: deadlineMs, hangMarginMs: 2_000 });
    try {
      await vm.request('ping', {}, 3);
      works = true;
    } finally {
      vm.close();
    }
  } catch {
    works = false;
  }
  writeFileAtomic(cache, `${JSON.stringify({ bootId: id, works })}\n`);
  return works;
}
