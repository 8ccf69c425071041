// A kernel cache made before the guest needed a module (ext4 and crc32c_generic for SplicePipe)
// is stale: it is not served (requireKernel names what is missing and says to fetch again) and
// `pinlab kernel fetch` rebuilds it instead of reporting "already cached".
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cachedKernel,
  type KernelImage,
  KernelNotFetchedError,
  requireKernel,
  staleCacheReason,
  writeKernelJsonForTest,
} from '../src/fetch.ts';

const CONFIG = [
  'CONFIG_BLK_DEV_DM=m',
  'CONFIG_DM_DELAY=m',
  'CONFIG_BLK_DEV_LOOP=m',
  'CONFIG_EXT4_FS=m',
  'CONFIG_CRYPTO_CRC32C=m',
].join('\n');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A cache for kernel 6.12 holding `modules` (files created), config CONFIG. */
function cacheWith(modules: string[]): { env: NodeJS.ProcessEnv; versionDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'pinlab-cache-'));
  dirs.push(root);
  const versionDir = join(root, 'kernels', '6.12', '6.12.1-1');
  mkdirSync(versionDir, { recursive: true });
  writeFileSync(join(versionDir, 'config'), CONFIG);
  writeFileSync(join(versionDir, 'vmlinuz'), 'k');
  const files = modules.map((m) => {
    const f = join(versionDir, `${m}.ko`);
    writeFileSync(f, 'm');
    return f;
  });
  const img: KernelImage = {
    name: '6.12',
    release: '6.12.1-amd64',
    profile: 'linux-6.12',
    package: 'linux-image-6.12.1-amd64',
    packageVersion: '6.12.1-1',
    vmlinuz: join(versionDir, 'vmlinuz'),
    modules: files,
  };
  writeKernelJsonForTest(versionDir, img);
  writeFileSync(join(root, 'kernels', '6.12', 'current.json'), '{"version":"6.12.1-1"}');
  return { env: { PINLAB_CACHE: root }, versionDir };
}

describe('kernel cache staleness', () => {
  const all = ['dm-mod', 'dm-delay', 'loop', 'mbcache', 'jbd2', 'ext4', 'crc32c_generic'];

  it('serves a cache that holds every module the guest needs', () => {
    const { env } = cacheWith(all);
    expect(cachedKernel('6.12', env)?.modules.length).toBe(all.length);
    expect(requireKernel('6.12', env).release).toBe('6.12.1-amd64');
  });

  it('refuses a cache made before ext4 and crc32c_generic were needed, naming them', () => {
    const { env, versionDir } = cacheWith(['dm-mod', 'dm-delay', 'loop']);
    const img = JSON.parse(readFileSync(join(versionDir, 'kernel.json'), 'utf8')) as KernelImage;
    expect(staleCacheReason(img, versionDir)).toBe(
      'its cache predates modules the guest now needs (ext4, crc32c_generic)',
    );
    expect(cachedKernel('6.12', env)).toBeNull();
    expect(() => requireKernel('6.12', env)).toThrow(KernelNotFetchedError);
    expect(() => requireKernel('6.12', env)).toThrow(
      /kernel 6\.12 must be fetched again: its cache predates modules the guest now needs \(ext4, crc32c_generic\); run `pinlab kernel fetch 6\.12`/,
    );
  });

  it('still says "not in the cache" when there is none', () => {
    const root = mkdtempSync(join(tmpdir(), 'pinlab-cache-'));
    dirs.push(root);
    expect(() => requireKernel('6.1', { PINLAB_CACHE: root })).toThrow(
      /kernel 6\.1 is not in the cache/,
    );
  });
});
