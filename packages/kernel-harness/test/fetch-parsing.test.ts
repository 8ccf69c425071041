import { describe, expect, it } from 'vitest';
import { accelFromEnv } from '../src/accel.ts';
import { aptConfig, classifyAptUpdate, sourcesList } from '../src/apt.ts';
import { bzImageRelease, compareDebVersions, parseMetaDepends } from '../src/fetch.ts';
import { KERNELS, kernelSource, profileForRelease } from '../src/kernels.ts';
import {
  loadOrder,
  MissingModuleError,
  modulesForConfig,
  parseKconfig,
  parseModulesDep,
} from '../src/modules.ts';

const k61 = kernelSource('6.1');

describe('private apt setup', () => {
  it('points every apt directory into its own folder', () => {
    const conf = aptConfig('/c/apt');
    for (const key of [
      'Dir::Etc::SourceList',
      'Dir::Etc::SourceParts',
      'Dir::Etc::Parts',
      'Dir::State',
      'Dir::State::Lists',
      'Dir::State::status',
      'Dir::Cache',
      'Dir::Cache::archives',
    ]) {
      expect(conf).toMatch(new RegExp(`^${key} "/c/apt[^"]*";$`, 'm'));
    }
    expect(conf).not.toMatch(/AllowInsecure|Trusted "?yes|check-valid-until/i);
  });

  it('verifies each suite with the Debian archive keyring', () => {
    expect(sourcesList(k61)).toBe(
      'deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main\n',
    );
    expect(KERNELS['6.12']?.suite).toBe('trixie');
  });

  it('classifies apt-get update failures', () => {
    expect(
      classifyAptUpdate(k61, {
        code: 100,
        stdout: '',
        stderr:
          "Err:1 http://deb.debian.org/debian-security bookworm-security InRelease\n  Could not resolve 'deb.debian.org'",
      })?.kind,
    ).toBe('mirror-unreachable');
    expect(
      classifyAptUpdate(k61, { code: 100, stdout: '', stderr: 'W: GPG error: ... NO_PUBKEY 1234' })
        ?.kind,
    ).toBe('signature');
    expect(classifyAptUpdate(k61, { code: 0, stdout: 'Fetched 411 kB', stderr: '' })).toBeNull();
  });

  it('resolves the image package from the metapackage, newest matching version first', () => {
    const show = [
      'Package: linux-image-amd64\nVersion: 6.1.190-1\nDepends: linux-image-6.1.0-55-amd64 (= 6.1.190-1)',
      'Package: linux-image-amd64\nVersion: 6.1.192-2\nDepends: linux-image-6.1.0-56-amd64 (= 6.1.192-2)',
      'Package: linux-image-amd64\nVersion: 6.12.1-1\nDepends: linux-image-6.12.1-amd64 (= 6.12.1-1)',
    ].join('\n\n');
    expect(parseMetaDepends(show, k61)).toEqual({
      package: 'linux-image-6.1.0-56-amd64',
      version: '6.1.192-2',
    });
    expect(() => parseMetaDepends('Package: x\n', k61)).toThrow(
      /no linux-image-amd64 depending on a 6\.1\.x image/,
    );
    expect(compareDebVersions('6.1.10-1', '6.1.9-3')).toBeGreaterThan(0);
  });
});

describe('kernel versions and profiles', () => {
  it('maps releases to profiles at 6.5', () => {
    expect(profileForRelease('6.1.0-56-amd64')).toBe('linux-6.1');
    expect(profileForRelease('6.4.16')).toBe('linux-6.1');
    expect(profileForRelease('6.5.0-rc1+')).toBe('linux-6.12');
    expect(profileForRelease('7.2.0')).toBe('linux-6.12');
    expect(() => profileForRelease('vmlinuz')).toThrow(/cannot read a kernel version/);
    expect(() => kernelSource('5.10')).toThrow(/unknown kernel "5.10"/);
  });

  it('reads the release string out of a bzImage header', () => {
    const img = Buffer.alloc(0x600);
    img.write('HdrS', 0x202, 'latin1');
    img.writeUInt16LE(0x300, 0x20e);
    img.write('6.13.0-rc2+ (dev@host) #1 SMP\0', 0x500, 'latin1');
    expect(bzImageRelease(img)).toBe('6.13.0-rc2+');
    expect(() => bzImageRelease(Buffer.alloc(0x600))).toThrow(/not a bzImage/);
  });
});

describe('modules', () => {
  const dep = parseModulesDep(
    [
      'kernel/drivers/md/dm-delay.ko.xz: kernel/drivers/md/dm-mod.ko.xz',
      'kernel/drivers/md/dm-mod.ko.xz: kernel/lib/dax.ko.xz',
      'kernel/lib/dax.ko.xz:',
      'kernel/drivers/block/loop.ko.xz:',
    ].join('\n'),
  );

  it('orders dependencies first, each once', () => {
    expect(loadOrder(dep, ['dm-delay', 'loop', 'dm_mod'])).toEqual([
      'kernel/lib/dax.ko.xz',
      'kernel/drivers/md/dm-mod.ko.xz',
      'kernel/drivers/md/dm-delay.ko.xz',
      'kernel/drivers/block/loop.ko.xz',
    ]);
  });

  it('names a missing module and a dependency cycle', () => {
    expect(() => loadOrder(dep, ['null_blk'])).toThrow(MissingModuleError);
    expect(() => loadOrder(dep, ['null_blk'])).toThrow(/"null_blk" is missing/);
    const cyc = parseModulesDep('a.ko: b.ko\nb.ko: a.ko\n');
    expect(() => loadOrder(cyc, ['a'])).toThrow(/cycle/);
  });

  it('needs modules only for features built as modules, and fails for absent ones', () => {
    const cfg = parseKconfig(
      'CONFIG_BLK_DEV_DM=m\nCONFIG_DM_DELAY=m\nCONFIG_BLK_DEV_LOOP=y\nCONFIG_EXT4_FS=y\nCONFIG_CRYPTO_CRC32C=y\n',
    );
    expect(modulesForConfig(cfg)).toEqual(['dm-mod', 'dm-delay']);
    const noDelay = parseKconfig(
      'CONFIG_BLK_DEV_DM=y\n# CONFIG_DM_DELAY is not set\nCONFIG_BLK_DEV_LOOP=y\n',
    );
    expect(() => modulesForConfig(noDelay)).toThrow(/CONFIG_DM_DELAY is not enabled/);
  });
});

describe('accelerator choice', () => {
  it('is TCG unless asked, and names a bad value', () => {
    expect(accelFromEnv({})).toBe('tcg');
    expect(accelFromEnv({ PINLAB_ACCEL: 'auto' })).toBe('auto');
    expect(() => accelFromEnv({ PINLAB_ACCEL: 'hvf' })).toThrow(
      /PINLAB_ACCEL must be tcg, kvm or auto, got "hvf"/,
    );
  });
});
