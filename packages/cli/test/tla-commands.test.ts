// `pinlab check`, `pinlab explore` and `pinlab tlc install` on a small project made of
// @pinlab/tla's fixture specs: tables, exit codes, files written.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../src/command.ts';
import { checkCommand } from '../src/commands/check.ts';
import { exploreCommand } from '../src/commands/explore.ts';
import { tlcInstallCommand } from '../src/commands/tlc.ts';
import { bufferIO } from '../src/io.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'tla', 'test', 'fixtures');

function project(manifest: unknown, extra: string[] = []): string {
  const root = mkdtempSync(join(tmpdir(), 'pinlab-cli-tla-'));
  mkdirSync(join(root, 'specs'));
  writeFileSync(join(root, 'package.json'), '{}');
  for (const f of ['Counter.tla', 'Counter.cfg', 'Counter_low.cfg', ...extra])
    copyFileSync(join(FIXTURES, f), join(root, 'specs', f));
  writeFileSync(join(root, 'specs', 'manifest.json'), JSON.stringify(manifest));
  return root;
}

const manifest = {
  Counter: { spec: 'Counter', expect: 'ok', distinct: 19, depth: 6, ci: true },
  Counter_low: { spec: 'Counter', expect: { invariant: 'BelowLimit' }, depth: 3, ci: true },
};

describe('pinlab check', () => {
  it('prints the table and the counterexample, exits 0 when all match', async () => {
    const root = project(manifest);
    const io = bufferIO(root);
    const code = await checkCommand.run({ positionals: [], options: { engine: 'embedded' } }, io);
    const out = io.out.join('');
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/config\s+expected\s+result\s+distinct\s+depth\s+time/);
    expect(out).toMatch(/Counter_low\s+violates BelowLimit\s+violates BelowLimit\s+\d+\s+3\s/);
    expect(out).toMatch(/Inc\(proc="p1"\)\s+count\.p1: 1 -> 2/);
    expect(out).toMatch(/2\/2 configs match the manifest/);
    expect(
      existsSync(join(root, '.pinlab', 'counterexamples', 'Counter_low.embedded.itf.json')),
    ).toBe(true);
  });

  it('exits 1 on a mismatch and 2 on a syntax error', async () => {
    const root = project({ ...manifest, Counter: { ...manifest.Counter, distinct: 18 } });
    expect(
      await checkCommand.run(
        { positionals: ['Counter'], options: { engine: 'embedded', 'no-save': true } },
        bufferIO(root),
      ),
    ).toBe(EXIT.failed);
    const broken = project(manifest);
    copyFileSync(join(FIXTURES, 'Syntax.tla'), join(broken, 'specs', 'Counter.tla'));
    const io = bufferIO(broken);
    expect(
      await checkCommand.run(
        { positionals: ['Counter'], options: { engine: 'embedded', 'no-save': true } },
        io,
      ),
    ).toBe(EXIT.usage);
    expect(io.out.join('')).toMatch(/Counter\.tla:6:33: '\[' is never closed/);
  });

  it('exits 3 for TLC without a jar, saying how to get one', async () => {
    const root = project(manifest);
    const io = bufferIO(root, { ...process.env, TLA2TOOLS_JAR: '', XDG_CACHE_HOME: root });
    expect(
      await checkCommand.run(
        { positionals: ['Counter'], options: { engine: 'tlc', 'no-save': true } },
        io,
      ),
    ).toBe(EXIT.missing);
    expect(io.out.join('')).toMatch(/pinlab tlc install/);
  });

  it('rejects an unknown engine or spec as bad usage', async () => {
    const root = project(manifest);
    await expect(
      checkCommand.run({ positionals: [], options: { engine: 'spin' } }, bufferIO(root)),
    ).rejects.toThrow(CliError);
    await expect(
      checkCommand.run({ positionals: ['Nope'], options: { engine: 'embedded' } }, bufferIO(root)),
    ).rejects.toThrow(/unknown spec or config Nope/);
  });
});

describe('pinlab explore', () => {
  it('writes deterministic ITF scenarios', async () => {
    const root = project(manifest);
    const run = async (out: string) =>
      exploreCommand.run(
        {
          positionals: ['Counter'],
          options: { strategy: 'random', seed: '5', count: '3', depth: '6', out },
        },
        bufferIO(root),
      );
    expect(await run(join(root, 'a'))).toBe(EXIT.ok);
    expect(await run(join(root, 'b'))).toBe(EXIT.ok);
    const files = readdirSync(join(root, 'a')).sort();
    expect(files).toEqual([
      'Counter-random-0.itf.json',
      'Counter-random-1.itf.json',
      'Counter-random-2.itf.json',
    ]);
    for (const f of files)
      expect(readFileSync(join(root, 'a', f), 'utf8')).toBe(
        readFileSync(join(root, 'b', f), 'utf8'),
      );
  });
});

describe('pinlab tlc install', () => {
  it('refuses a file with the wrong checksum (exit 2)', async () => {
    const root = project(manifest);
    const fake = join(root, 'fake.jar');
    writeFileSync(fake, 'x');
    await expect(
      tlcInstallCommand.run(
        { positionals: [], options: { from: fake } },
        bufferIO(root, { ...process.env, XDG_CACHE_HOME: root }),
      ),
    ).rejects.toMatchObject({
      code: EXIT.usage,
    });
  });
});
