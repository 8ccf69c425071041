// QEMU must never outlive the host process (issue 5): the launcher spawns it through
// spawnTiedToParent. A real host process (the fixture) spawns a child that way and is then
// killed with SIGKILL, which runs no handler of its own: the child must die with it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MissingToolError } from '../src/apt.ts';
import { findOnPath, spawnTiedToParent } from '../src/vm.ts';

const fixture = fileURLToPath(new URL('./fixtures/tied-child.ts', import.meta.url));

/** Alive = /proc entry present and not a zombie. */
function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe('QEMU dies with its host process', () => {
  it('a child spawned tied to its parent is killed when the parent gets SIGKILL', async () => {
    const host = spawn(process.execPath, ['--import', 'tsx', fixture], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      host.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^(\d+)\n/.exec(out);
        if (m !== null) resolve(Number(m[1]));
      });
      host.on('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    try {
      expect(alive(pid), 'the tied child runs while its parent does').toBe(true);
      host.kill('SIGKILL');
      expect(await waitFor(() => !alive(pid), 5000), `child ${pid} outlived its parent`).toBe(true);
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 30_000);

  it('names a missing executable instead of spawning nothing', () => {
    expect(() => spawnTiedToParent('pinlab-no-such-qemu', [])).toThrow(MissingToolError);
    expect(findOnPath('sh')).not.toBeNull();
    expect(findOnPath('/definitely/not/here')).toBeNull();
  });
});
