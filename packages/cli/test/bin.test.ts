// The real `pinlab` binary, spawned: exit codes and messages a user sees.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { pinlab, toyProject } from './helpers.ts';

const dir = toyProject();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pinlab binary', () => {
  it("prints help listing the commands, and each command's help", () => {
    const top = pinlab(['--help'], dir);
    expect(top.code).toBe(0);
    for (const c of ['verify', 'report', 'bench'])
      expect(top.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    const sub = pinlab(['verify', '--help'], dir);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('Usage: pinlab verify [options] [spec-or-config...]');
    expect(sub.stdout).toContain('--kernels <list>');
  }, 60_000);

  it('prints the version', () => {
    const r = pinlab(['--version'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, 30_000);

  it('exits 2 with a clear message on unknown commands and options', () => {
    const a = pinlab(['frobnicate'], dir);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("pinlab: unknown command 'frobnicate'");
    const b = pinlab(['report', '--colour'], dir);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("unknown option '--colour' for 'pinlab report'");
  }, 60_000);

  it('exits 3 from report when there are no results yet, saying how to get them', () => {
    const r = pinlab(['report'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("run 'pinlab verify' first");
  }, 30_000);

  it('exits 2 for an unknown spec in verify', () => {
    const r = pinlab(['verify', 'NoSuchSpec'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown spec or config NoSuchSpec');
    expect(r.stdout).toBe('');
  }, 30_000);
});
