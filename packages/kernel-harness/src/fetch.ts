// `pinlab kernel fetch`: Debian's linux-image package through a private apt setup, reduced to
// vmlinuz plus the modules the guest needs, depmod'ed and cached by package version.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@pinlab/tla';
import { classifyAptUpdate, KernelFetchError, prepareAptRoot, run } from './apt.ts';
import { type KernelSource, kernelSource, profileForRelease } from './kernels.ts';
import {
  loadOrder,
  MissingModuleError,
  moduleName,
  modulesForConfig,
  parseKconfig,
  parseModulesDep,
} from './modules.ts';
import { cacheRoot, kernelsDir } from './paths.ts';

/** A kernel ready to boot: what kernel.json in its cache folder records. */
export interface KernelImage {
  /** "6.1", "6.12", or "custom" for a user's own build. */
  name: string;
  /** uname -r of the kernel, e.g. 6.1.0-56-amd64. */
  release: string;
  profile: string;
  /** Debian package and version it came from (null for a user's build). */
  package: string | null;
  packageVersion: string | null;
  vmlinuz: string;
  /** Module files (uncompressed .ko) in load order, dependencies first. */
  modules: string[];
}

export interface FetchOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Re-extract even when this package version is cached. */
  force?: boolean;
}

function kernelJsonPath(dir: string): string {
  return join(dir, 'kernel.json');
}

/**
 * Why a cached kernel no longer serves the guest, or null when it does: the modules the guest
 * needs today (NEEDED_FEATURES against the cached config) include one the cache was made
 * without (a cache extracted before ext4/crc32c_generic were needed boots, then fails to mount).
 */
export function staleCacheReason(img: KernelImage, versionDir: string): string | null {
  const configPath = join(versionDir, 'config');
  if (!existsSync(configPath)) return `its cache has no config file (${configPath})`;
  let wanted: string[];
  try {
    wanted = modulesForConfig(parseKconfig(readFileSync(configPath, 'utf8')));
  } catch (e) {
    return (e as Error).message;
  }
  const have = new Set(img.modules.map(moduleName));
  const missing = wanted.filter((m) => !have.has(moduleName(m)));
  return missing.length === 0
    ? null
    : `its cache predates module${missing.length > 1 ? 's' : ''} the guest now needs (${missing.join(', ')})`;
}

/** The selected cache folder of kernel `name` and its kernel.json, or null when none. */
function readCache(
  name: string,
  env: NodeJS.ProcessEnv,
): { img: KernelImage; versionDir: string } | null {
  const pointer = join(kernelsDir(env), name, 'current.json');
  if (!existsSync(pointer)) return null;
  const { version } = JSON.parse(readFileSync(pointer, 'utf8')) as { version: string };
  const versionDir = join(kernelsDir(env), name, version);
  const file = kernelJsonPath(versionDir);
  if (!existsSync(file)) return null;
  return { img: JSON.parse(readFileSync(file, 'utf8')) as KernelImage, versionDir };
}

/**
 * The cached kernel `name` (the one the last fetch selected), or null when none is cached, a
 * file is gone, or the cache is stale (staleCacheReason): a fetch then rebuilds it.
 */
export function cachedKernel(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): KernelImage | null {
  const c = readCache(name, env);
  if (c === null) return null;
  const { img, versionDir } = c;
  if (!existsSync(img.vmlinuz) || !img.modules.every((m) => existsSync(m))) return null;
  if (staleCacheReason(img, versionDir) !== null) return null;
  return img;
}

export class KernelNotFetchedError extends Error {
  constructor(
    readonly kernel: string,
    /** Set when a cache exists but cannot serve (e.g. made before a module was needed). */
    readonly stale?: string,
  ) {
    super(
      stale === undefined
        ? `kernel ${kernel} is not in the cache: run \`pinlab kernel fetch ${kernel}\` (needs network access to deb.debian.org)`
        : `kernel ${kernel} must be fetched again: ${stale}; run \`pinlab kernel fetch ${kernel}\` (needs network access to deb.debian.org)`,
    );
    this.name = 'KernelNotFetchedError';
  }
}

export function requireKernel(name: string, env: NodeJS.ProcessEnv = process.env): KernelImage {
  const img = cachedKernel(name, env);
  if (img !== null) return img;
  const c = readCache(name, env);
  const stale = c === null ? null : staleCacheReason(c.img, c.versionDir);
  throw stale === null ? new KernelNotFetchedError(name) : new KernelNotFetchedError(name, stale);
}

/** The image package the suite's linux-image-amd64 metapackage depends on, with its version. */
export function parseMetaDepends(
  showOutput: string,
  k: KernelSource,
): { package: string; version: string } {
  let best: { package: string; version: string } | null = null;
  for (const stanza of showOutput.split(/\n\n+/)) {
    const dep = /^Depends: (linux-image-[^\s,(]+) \(= ([^)]+)\)/m.exec(stanza);
    if (dep === null) continue;
    const candidate = { package: dep[1] as string, version: dep[2] as string };
    if (!candidate.version.startsWith(k.versionPrefix)) continue;
    if (best === null || compareDebVersions(candidate.version, best.version) > 0) best = candidate;
  }
  if (best === null) {
    throw new KernelFetchError(
      'package-missing',
      `${k.suite} at ${k.mirror} has no linux-image-amd64 depending on a ${k.versionPrefix}x image`,
    );
  }
  return best;
}

/** Enough of Debian version ordering for kernel versions (digits numerically, rest lexically). */
export function compareDebVersions(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (i % 2 === 1) {
      const d = Number(x || 0) - Number(y || 0);
      if (d !== 0) return d;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

export async function fetchKernel(name: string, opts: FetchOptions = {}): Promise<KernelImage> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const k = kernelSource(name);
  const apt = prepareAptRoot(join(cacheRoot(env), 'apt', name), k);
  const aptEnv = { ...env, APT_CONFIG: apt.configFile, DEBIAN_FRONTEND: 'noninteractive' };

  log(`kernel ${name}: apt-get update (${k.mirror} ${k.suite})`);
  const upd = await run('apt-get', ['update'], { env: aptEnv });
  const updErr = classifyAptUpdate(k, upd);
  if (updErr !== null) throw updErr;

  const show = await run('apt-cache', ['show', 'linux-image-amd64'], { env: aptEnv });
  if (show.code !== 0) {
    throw new KernelFetchError(
      'package-missing',
      `linux-image-amd64 not found in ${k.suite}: ${show.stderr.trim()}`,
    );
  }
  const pkg = parseMetaDepends(show.stdout, k);
  const versionDir = join(kernelsDir(env), name, pkg.version);
  const existing = existsSync(kernelJsonPath(versionDir))
    ? (JSON.parse(readFileSync(kernelJsonPath(versionDir), 'utf8')) as KernelImage)
    : null;
  const stale = existing === null ? null : staleCacheReason(existing, versionDir);
  if (stale !== null)
    log(`kernel ${name}: ${pkg.package} ${pkg.version}: ${stale}: fetching again`);
  if (existing !== null && !opts.force && existsSync(existing.vmlinuz) && stale === null) {
    log(`kernel ${name}: ${pkg.package} ${pkg.version} already cached`);
    writeFileAtomic(
      join(kernelsDir(env), name, 'current.json'),
      `${JSON.stringify({ version: pkg.version })}\n`,
    );
    return existing;
  }

  log(`kernel ${name}: apt-get download ${pkg.package}=${pkg.version}`);
  const archives = join(apt.dir, 'cache', 'archives');
  const dl = await run('apt-get', ['download', `${pkg.package}=${pkg.version}`], {
    env: aptEnv,
    cwd: archives,
  });
  if (dl.code !== 0) {
    const text = dl.stderr + dl.stdout;
    if (/Hash Sum mismatch|Size mismatch/.test(text))
      throw new KernelFetchError(
        'signature',
        `downloaded ${pkg.package} failed apt's hash check: ${text.trim()}`,
      );
    if (/Failed to fetch|Could not resolve|Connection failed/i.test(text))
      throw new KernelFetchError(
        'mirror-unreachable',
        `downloading ${pkg.package} failed: ${text.trim()}`,
      );
    throw new KernelFetchError(
      'package-missing',
      `apt-get download ${pkg.package}=${pkg.version} failed: ${text.trim()}`,
    );
  }
  const deb = readdirSync(archives).find(
    (f) => f.startsWith(`${pkg.package}_`) && f.endsWith('.deb'),
  );
  if (deb === undefined)
    throw new KernelFetchError(
      'package-missing',
      `apt-get download left no ${pkg.package}_*.deb in ${archives}`,
    );

  const img = await extractKernel(
    join(archives, deb),
    versionDir,
    { name, profile: k.profile, package: pkg.package, packageVersion: pkg.version },
    log,
  );
  rmSync(join(archives, deb), { force: true });
  writeFileAtomic(
    join(kernelsDir(env), name, 'current.json'),
    `${JSON.stringify({ version: pkg.version })}\n`,
  );
  return img;
}

/** dpkg-deb -x into a scratch folder, keep vmlinuz and the needed modules, depmod the result. */
async function extractKernel(
  debPath: string,
  versionDir: string,
  meta: { name: string; profile: string; package: string; packageVersion: string },
  log: (line: string) => void,
): Promise<KernelImage> {
  const scratch = `${versionDir}.extract-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    log(`kernel ${meta.name}: dpkg-deb -x ${debPath}`);
    const x = await run('dpkg-deb', ['-x', debPath, scratch]);
    if (x.code !== 0)
      throw new KernelFetchError('apt', `dpkg-deb -x ${debPath} failed: ${x.stderr.trim()}`);
    const bootDir = join(scratch, 'boot');
    const vmlinuzName = readdirSync(bootDir).find((f) => f.startsWith('vmlinuz-'));
    const configName = readdirSync(bootDir).find((f) => f.startsWith('config-'));
    if (vmlinuzName === undefined || configName === undefined) {
      throw new KernelFetchError(
        'package-missing',
        `${meta.package} has no boot/vmlinuz-* or boot/config-*`,
      );
    }
    const release = vmlinuzName.slice('vmlinuz-'.length);
    // 6.12 packages keep modules under usr/lib/modules (merged /usr); depmod -b reads ROOT/lib/modules.
    const modRoot = existsSync(join(scratch, 'lib', 'modules', release))
      ? join(scratch, 'lib', 'modules', release)
      : join(scratch, 'usr', 'lib', 'modules', release);
    if (!existsSync(modRoot))
      throw new KernelFetchError(
        'package-missing',
        `${meta.package} ships no modules for ${release}`,
      );
    const config = parseKconfig(readFileSync(join(bootDir, configName), 'utf8'));
    const wanted = modulesForConfig(config);

    const reduced = join(scratch, 'reduced');
    const reducedMods = join(reduced, 'lib', 'modules', release);
    mkdirSync(reducedMods, { recursive: true });
    const fullRoot = join(scratch, 'full');
    mkdirSync(join(fullRoot, 'lib', 'modules'), { recursive: true });
    symlinkSync(modRoot, join(fullRoot, 'lib', 'modules', release));
    await depmod(fullRoot, release);
    const order = loadOrder(
      parseModulesDep(readFileSync(join(modRoot, 'modules.dep'), 'utf8')),
      wanted,
    );

    // Keep only the needed modules, uncompressed: busybox insmod reads plain ELF.
    for (const rel of order) {
      const dst = join(reducedMods, rel.replace(/\.(xz|zst|gz)$/, ''));
      mkdirSync(dirname(dst), { recursive: true });
      await decompressModule(join(modRoot, rel), dst);
    }
    for (const f of ['modules.builtin', 'modules.builtin.modinfo', 'modules.order']) {
      if (existsSync(join(modRoot, f))) copyFileSync(join(modRoot, f), join(reducedMods, f));
    }
    await depmod(reduced, release);

    rmSync(versionDir, { recursive: true, force: true });
    mkdirSync(versionDir, { recursive: true });
    copyFileSync(join(bootDir, vmlinuzName), join(versionDir, 'vmlinuz'));
    copyFileSync(join(bootDir, configName), join(versionDir, 'config'));
    await run('cp', ['-a', join(reduced, 'lib'), versionDir]);
    const img: KernelImage = {
      name: meta.name,
      release,
      profile: meta.profile,
      package: meta.package,
      packageVersion: meta.packageVersion,
      vmlinuz: join(versionDir, 'vmlinuz'),
      modules: order.map((rel) =>
        join(versionDir, 'lib', 'modules', release, rel.replace(/\.(xz|zst|gz)$/, '')),
      ),
    };
    writeFileAtomic(kernelJsonPath(versionDir), `${JSON.stringify(img, null, 2)}\n`);
    log(`kernel ${meta.name}: ${release} ready in ${versionDir} (modules: ${order.length})`);
    return img;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function depmod(root: string, release: string): Promise<void> {
  const r = await run('depmod', ['-b', root, release]);
  if (r.code !== 0)
    throw new KernelFetchError('apt', `depmod -b ${root} ${release} failed: ${r.stderr.trim()}`);
}

async function decompressModule(src: string, dst: string): Promise<void> {
  const tool = src.endsWith('.xz')
    ? 'xz'
    : src.endsWith('.zst')
      ? 'zstd'
      : src.endsWith('.gz')
        ? 'gzip'
        : null;
  if (tool === null) {
    copyFileSync(src, dst);
    return;
  }
  const r = await run('sh', ['-c', `${tool} -dc "$1" > "$2"`, 'sh', src, dst]);
  if (r.code !== 0)
    throw new KernelFetchError('apt', `${tool} -d ${src} failed: ${r.stderr.trim()}`);
}

/**
 * A user's own build: `--kernel BZIMAGE --modules DIR`. DIR is either /lib/modules/<release>
 * (with modules.dep, e.g. after `make modules_install INSTALL_MOD_PATH=X`: X/lib/modules/<rel>)
 * or an INSTALL_MOD_PATH root. The profile comes from the release unless given.
 */
export function customKernel(bzImage: string, modulesDir: string, profile?: string): KernelImage {
  if (!existsSync(bzImage)) throw new Error(`--kernel ${bzImage}: no such file`);
  const release = bzImageRelease(readFileSync(bzImage));
  let modRoot = modulesDir;
  if (!existsSync(join(modRoot, 'modules.dep'))) {
    const nested = join(modulesDir, 'lib', 'modules', release);
    if (existsSync(join(nested, 'modules.dep'))) modRoot = nested;
    else
      throw new Error(
        `--modules ${modulesDir}: no modules.dep here nor in lib/modules/${release} (run depmod)`,
      );
  }
  const deps = parseModulesDep(readFileSync(join(modRoot, 'modules.dep'), 'utf8'));
  const configPath = [
    join(modRoot, 'build', '.config'),
    join(dirname(bzImage), '..', '..', '..', '.config'),
  ].find(existsSync);
  let wanted: string[];
  if (configPath !== undefined) {
    wanted = modulesForConfig(parseKconfig(readFileSync(configPath, 'utf8')));
  } else {
    // Without a config, a needed module absent from modules.dep is taken as built in.
    const names = new Set(
      [...deps.keys()].map((p) =>
        p
          .slice(p.lastIndexOf('/') + 1)
          .replace(/\.ko.*$/, '')
          .replace(/-/g, '_'),
      ),
    );
    wanted = ['dm-mod', 'dm-delay', 'loop'].filter((m) => names.has(m.replace(/-/g, '_')));
  }
  for (const rel of loadOrder(deps, wanted)) {
    if (/\.(xz|zst|gz)$/.test(rel))
      throw new MissingModuleError(
        rel,
        'compressed modules are not supported for --modules; install them uncompressed',
      );
  }
  return {
    name: 'custom',
    release,
    profile: profile ?? profileForRelease(release),
    package: null,
    packageVersion: null,
    vmlinuz: bzImage,
    modules: loadOrder(deps, wanted).map((rel) => join(modRoot, rel)),
  };
}

/** The release string a bzImage carries (boot protocol: kernel_version at 0x20e, offset + 0x200). */
export function bzImageRelease(image: Uint8Array): string {
  const buf = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  if (buf.length < 0x210 || buf.toString('latin1', 0x202, 0x206) !== 'HdrS')
    throw new Error('not a bzImage (no HdrS boot header)');
  const ptr = buf.readUInt16LE(0x20e) + 0x200;
  const end = buf.indexOf(0, ptr);
  const text = buf.toString('latin1', ptr, end < 0 ? ptr + 256 : end);
  const release = text.split(' ')[0];
  if (release === undefined || release === '')
    throw new Error('bzImage has an empty kernel_version string');
  return release;
}

export function writeKernelJsonForTest(dir: string, img: KernelImage): void {
  writeFileSync(kernelJsonPath(dir), JSON.stringify(img));
}
