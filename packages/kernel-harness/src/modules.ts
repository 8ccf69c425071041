// Kernel module selection: which .ko files the guest needs and in which order to load them.
// Source of truth is the kernel's own modules.dep (written by `depmod -b ROOT KVER`) and its
// config file (boot/config-KVER): a feature built in (=y) needs no module.

/** Features the guest needs, by Kconfig symbol and the module that provides them when =m. */
export const NEEDED_FEATURES: { config: string; module: string; why: string }[] = [
  {
    config: 'CONFIG_BLK_DEV_DM',
    module: 'dm-mod',
    why: 'device-mapper core (dm-delay target lives on it)',
  },
  {
    config: 'CONFIG_DM_DELAY',
    module: 'dm-delay',
    why: 'holds each bio for a fixed delay: fork while the DIO read is in flight',
  },
  {
    config: 'CONFIG_BLK_DEV_LOOP',
    module: 'loop',
    why: 'block device backed by a tmpfs file under dm-delay',
  },
  {
    config: 'CONFIG_EXT4_FS',
    module: 'ext4',
    why: 'SplicePipe: an O_DIRECT file whose reads go through fs/iomap/direct-io.c __iomap_dio_rw (busybox mke2fs makes ext2, which ext4 mounts)',
  },
  {
    config: 'CONFIG_CRYPTO_CRC32C',
    module: 'crc32c_generic',
    why: 'ext4 on 6.12 refuses to mount without a crc32c driver ("Cannot load crc32c driver")',
  },
];

export type KconfigValue = 'y' | 'm' | 'n';

export function parseKconfig(text: string): Map<string, KconfigValue> {
  const out = new Map<string, KconfigValue>();
  for (const line of text.split('\n')) {
    const set = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set !== null) {
      const v = set[2];
      out.set(set[1] as string, v === 'y' ? 'y' : v === 'm' ? 'm' : 'y');
      continue;
    }
    const unset = /^# (CONFIG_[A-Za-z0-9_]+) is not set/.exec(line);
    if (unset !== null) out.set(unset[1] as string, 'n');
  }
  return out;
}

/** modules.dep: "kernel/drivers/md/dm-delay.ko.xz: kernel/drivers/md/dm-mod.ko.xz" */
export function parseModulesDep(text: string): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const path = line.slice(0, colon).trim();
    const rest = line.slice(colon + 1).trim();
    deps.set(path, rest === '' ? [] : rest.split(/\s+/));
  }
  return deps;
}

/** A module's name as modprobe spells it: basename without .ko[.xz|.zst|.gz], '-' and '_' equal. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

export class MissingModuleError extends Error {
  constructor(
    readonly module: string,
    detail: string,
  ) {
    super(`kernel module "${module}" is missing: ${detail}`);
    this.name = 'MissingModuleError';
  }
}

/**
 * The modules to load for `wanted`, dependencies first, each once. modules.dep lists a module's
 * dependencies already transitively closed, but in an order meant for modprobe's own resolution,
 * so the order is computed here by depth-first post-order.
 */
export function loadOrder(deps: Map<string, string[]>, wanted: string[]): string[] {
  const byName = new Map<string, string>();
  for (const path of deps.keys()) byName.set(moduleName(path), path);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (path: string, chain: string[]): void => {
    const s = state.get(path);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new Error(`module dependency cycle: ${[...chain, path].join(' -> ')}`);
    state.set(path, 'visiting');
    for (const dep of deps.get(path) ?? []) {
      if (!deps.has(dep))
        throw new MissingModuleError(
          moduleName(dep),
          `needed by ${moduleName(path)} but not in modules.dep`,
        );
      visit(dep, [...chain, path]);
    }
    state.set(path, 'done');
    order.push(path);
  };
  for (const w of wanted) {
    const path = byName.get(moduleName(w));
    if (path === undefined) throw new MissingModuleError(w, 'not in modules.dep');
    visit(path, []);
  }
  return order;
}

/** Which of NEEDED_FEATURES need a module for this config; a feature set to n is an error. */
export function modulesForConfig(config: Map<string, KconfigValue>): string[] {
  const mods: string[] = [];
  for (const f of NEEDED_FEATURES) {
    const v = config.get(f.config) ?? 'n';
    if (v === 'n')
      throw new MissingModuleError(
        f.module,
        `${f.config} is not enabled in this kernel (${f.why})`,
      );
    if (v === 'm') mods.push(f.module);
  }
  return mods;
}
