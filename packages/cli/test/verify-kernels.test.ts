// `pinlab verify` through the real kernel path: with PINLAB_KERNELS set (after `pinlab kernel
// fetch`), verify boots each named kernel in QEMU (@pinlab/kernel-harness runKernelTargets),
// runs the experiments and the project's generated suites there, and puts the kernel columns in
// its results. Without PINLAB_KERNELS the block is reported as skipped, with the reason.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';
import { EXIT } from '../src/command.ts';
import { commands } from '../src/commands/index.ts';
import { bufferIO } from '../src/io.ts';
import { toyProject } from './helpers.ts';

const kernels = (process.env.PINLAB_KERNELS ?? '')
  .split(',')
  .map((k) => k.trim())
  .filter((k) => k !== '');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.runIf(kernels.length === 0)('pinlab verify with kernels', () => {
  it.skip('skipped: set PINLAB_KERNELS=6.1,6.12 (after pinlab kernel fetch all) to run verify through QEMU', () => {});
});

describe.skipIf(kernels.length === 0)(`pinlab verify --kernels ${kernels.join(',')}`, () => {
  it('boots every kernel, runs the experiments there and reports each against its profile', async () => {
    const dir = toyProject();
    dirs.push(dir);
    const io = bufferIO(dir, { ...process.env, PINLAB_NOW: '2026-01-01T00:00:00.000Z' });
    const code = await runCli(
      ['verify', '--skip', 'gen,run,branches', '--kernels', kernels.join(',')],
      io,
      commands,
    );
    const err = io.err.join('');
    expect(err).toContain(`kernels ${kernels.join(', ')}: booting in QEMU`);
    expect(err).not.toMatch(/verify: kernels .* skipped/);
    expect(code, err.slice(-3000)).toBe(EXIT.ok);
    // The harness's own file, written by the real path (runKernelTargets -> writeKernelsJson).
    const kj = JSON.parse(readFileSync(join(dir, '.pinlab', 'results', 'kernels.json'), 'utf8'));
    expect(kj.kernels.map((k: { name: string }) => k.name)).toEqual(kernels);
    for (const k of kj.kernels) {
      expect(k.timing.bootMs.length, `${k.name} booted`).toBeGreaterThan(0);
      expect(k.release, `${k.name} release from the guest`).toMatch(/^\d+\.\d+/);
      // kernel-facts.md: 6.1 block DIO takes refs (the parent loses the data), 6.12 pins.
      expect(k.forkRace.outcome).toBe(
        k.profile === 'linux-6.1' ? 'parent-loses-data' : 'parent-keeps-data',
      );
      expect(k.ok, JSON.stringify(k.failures).slice(0, 2000)).toBe(true);
    }
    // verify's results carry a column per kernel next to the model's.
    const saved = JSON.parse(readFileSync(join(dir, '.pinlab', 'results', 'verify.json'), 'utf8'));
    expect(JSON.stringify(saved.kernels)).toContain(kj.kernels[0].release);
  }, 900_000);
});
