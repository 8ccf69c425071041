import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = new URL('../bin/pinlab.js', import.meta.url).pathname;

/** A fresh copy of the toy project (specs/Toy*.{tla,cfg}, manifest, profiles) to run pinlab in. */
export function toyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pinlab-toy-'));
  cpSync(new URL('./fixtures/project', import.meta.url).pathname, dir, { recursive: true });
  return dir;
}

export function pinlab(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: '1', ...env },
    timeout: 120_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
