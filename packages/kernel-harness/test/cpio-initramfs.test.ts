import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cpioNewc, readCpioNewc } from '../src/cpio.ts';
import { buildInitramfsBytes, initScript, moduleFileName } from '../src/initramfs.ts';

describe('cpio newc', () => {
  it('round-trips entries with 4-byte alignment and a trailer', () => {
    const buf = cpioNewc([
      { kind: 'dir', path: 'bin' },
      { kind: 'file', path: 'bin/x', data: Buffer.from('hello'), mode: 0o755 },
      { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
      { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    ]);
    expect(buf.length % 4).toBe(0);
    expect(buf.toString('latin1', 0, 6)).toBe('070701');
    const back = readCpioNewc(buf);
    expect(back.map((e) => e.path)).toEqual(['bin', 'bin/x', 'bin/sh', 'dev/console']);
    expect(back[1]?.data.toString()).toBe('hello');
    expect((back[1]?.mode ?? 0) & 0o777).toBe(0o755);
    expect(back[2]?.data.toString()).toBe('busybox');
    expect(back[3]?.rdev).toEqual([5, 1]);
    expect((back[3]?.mode ?? 0) & 0o170000).toBe(0o020000);
  });

  it('is deterministic and rejects duplicate or escaping paths', () => {
    const e = [{ kind: 'file' as const, path: 'a', data: Buffer.from('1') }];
    expect(cpioNewc(e).equals(cpioNewc(e))).toBe(true);
    expect(() => cpioNewc([...e, ...e])).toThrow(/duplicate path "a"/);
    expect(() => cpioNewc([{ kind: 'dir', path: '../x' }])).toThrow(/bad path/);
  });
});

describe('initramfs', () => {
  const input = {
    busybox: Buffer.from('BB'),
    agent: Buffer.from('AGENT'),
    modules: [
      { name: '/k/kernel/drivers/md/dm-mod.ko', data: Buffer.from('m1') },
      { name: '/k/kernel/drivers/md/dm-delay.ko', data: Buffer.from('m2') },
    ],
    delayMs: 250,
  };

  it('holds busybox, the agent, /init, /dev/console and the modules in load order', () => {
    const entries = readCpioNewc(gunzipSync(buildInitramfsBytes(input)));
    const paths = entries.map((e) => e.path);
    expect(paths).toContain('bin/busybox');
    expect(paths).toContain('agent');
    expect(paths).toContain('init');
    expect(paths).toContain('dev/console');
    const mods = paths.filter((p) => p.startsWith('lib/modules/') && p.endsWith('.ko'));
    expect(mods).toEqual(['lib/modules/00-dm-mod.ko', 'lib/modules/01-dm-delay.ko']);
    const init = entries.find((e) => e.path === 'init')?.data.toString() ?? '';
    expect(init.indexOf('00-dm-mod.ko')).toBeLessThan(init.indexOf('01-dm-delay.ko'));
    expect(init).toContain('/agent /dev/ttyS1 250');
    expect(init).toMatch(/pinlab-agent exited with status/);
  });

  it('gives byte-identical archives for the same inputs', () => {
    expect(buildInitramfsBytes(input).equals(buildInitramfsBytes(input))).toBe(true);
  });

  it('names module files by position', () => {
    expect(moduleFileName(3, '/a/b/loop.ko')).toBe('03-loop.ko');
    expect(initScript([], 1)).toContain('mount -t devtmpfs');
  });
});
