import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';
import { EXIT } from '../src/command.ts';
import { commands } from '../src/commands/index.ts';
import { makeVerifyCommand } from '../src/commands/verify.ts';
import { bufferIO } from '../src/io.ts';
import type { VerifySteps } from '../src/verify/pipeline.ts';
import { realSteps } from '../src/verify/steps.ts';
import { toyProject } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function project(): string {
  const d = toyProject();
  dirs.push(d);
  return d;
}
const env = { ...process.env, PINLAB_NOW: '2026-01-01T00:00:00.000Z', PATH: '' };
const OFFLINE = ['--skip', 'gen,run,branches', '--kernels', 'none'];

describe('pinlab verify on the toy project', () => {
  it('checks every config, draws graphs and counterexamples, writes report + JUnit + results', async () => {
    const dir = project();
    const io = bufferIO(dir, env);
    const code = await runCli(['verify', ...OFFLINE], io, commands);
    expect(io.err.join('')).toContain('verify: check Toy_foll_get: violates ParentSeesDioData');
    expect(code).toBe(EXIT.ok);
    const html = readFileSync(join(dir, 'pinlab-report', 'index.html'), 'utf8');
    expect(html).toContain('id="cx-toy_foll_get"');
    expect(html).toContain('violates ParentSeesDioData');
    expect(html).toMatch(/Toy <span class="muted">14 states/); // the fixed design's state graph
    expect(html).toContain('class="node violating"'); // the counterexample's end on Toy_foll_get's graph
    expect(html).toContain('--skip gen'); // skips are listed with their reason
    const junit = readFileSync(join(dir, 'pinlab-report', 'junit.xml'), 'utf8');
    expect(junit).toContain('<testcase name="Toy_foll_get"');
    const saved = JSON.parse(readFileSync(join(dir, '.pinlab', 'results', 'verify.json'), 'utf8'));
    expect(
      saved.checks.map((c: { config: string; passed: boolean }) => [c.config, c.passed]),
    ).toEqual([
      ['Toy', true],
      ['Toy_foll_get', true],
    ]);
    // `pinlab report` re-renders the same page from the saved results, byte for byte.
    rmSync(join(dir, 'pinlab-report'), { recursive: true });
    expect(await runCli(['report'], bufferIO(dir, env), commands)).toBe(EXIT.ok);
    expect(readFileSync(join(dir, 'pinlab-report', 'index.html'), 'utf8')).toBe(html);
    // Same inputs, same report: only the measured check times may differ.
    await runCli(['verify', ...OFFLINE], bufferIO(dir, env), commands);
    const untimed = (t: string) => t.replace(/<td>[\d.]+m?s<\/td>/g, '<td>T</td>');
    expect(untimed(readFileSync(join(dir, 'pinlab-report', 'index.html'), 'utf8'))).toBe(
      untimed(html),
    );
  }, 60_000);

  it('fails (exit 1) when a result departs from the manifest', async () => {
    const dir = project();
    const manifest = join(dir, 'specs', 'manifest.json');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace('"distinct": 14', '"distinct": 15'),
    );
    const io = bufferIO(dir, env);
    expect(await runCli(['verify', ...OFFLINE], io, commands)).toBe(EXIT.failed);
    expect(io.out.join('')).toContain('expected 15 distinct states, got 14');
  }, 60_000);

  it('refuses an unknown spec (exit 2) before doing any work', async () => {
    const dir = project();
    const io = bufferIO(dir, env);
    expect(await runCli(['verify', 'Nope'], io, commands)).toBe(EXIT.usage);
    expect(io.err.join('')).toContain('unknown spec or config Nope');
    expect(existsSync(join(dir, 'pinlab-report'))).toBe(false);
  });

  it('treats a broken config as bad input (exit 2) and names the file', async () => {
    const dir = project();
    writeFileSync(
      join(dir, 'specs', 'Toy.cfg'),
      'CONSTANTS\n    Hol = "FOLL_PIN"\nINIT Init\nNEXT Next\n',
    );
    const io = bufferIO(dir, env);
    expect(await runCli(['verify', ...OFFLINE], io, commands)).toBe(EXIT.usage);
    expect(io.out.join('') + io.err.join('')).toMatch(/Toy\.cfg: unknown constant Hol/);
  }, 60_000);

  it('refuses a requested kernel that is missing (exit 3) with how to get it', async () => {
    const dir = project();
    const io = bufferIO(dir, { ...env, PINLAB_CACHE: join(dir, 'no-cache') });
    expect(await runCli(['verify', '--kernels', '6.1'], io, commands)).toBe(EXIT.missing);
    expect(io.err.join('')).toMatch(
      /kernel 6\.1 requested but .*(qemu-system-x86_64 is not installed|not fetched)/,
    );
  });

  it('rejects unknown --skip steps and engines (exit 2)', async () => {
    const dir = project();
    const io = bufferIO(dir, env);
    expect(await runCli(['verify', '--skip', 'frob'], io, commands)).toBe(EXIT.usage);
    expect(io.err.join('')).toContain('--skip: unknown step frob');
    expect(await runCli(['verify', '--engine', 'spin'], bufferIO(dir, env), commands)).toBe(
      EXIT.usage,
    );
  });

  it('leaves the previous report intact when a run dies half way', async () => {
    const dir = project();
    expect(await runCli(['verify', ...OFFLINE], bufferIO(dir, env), commands)).toBe(EXIT.ok);
    const before = readFileSync(join(dir, 'pinlab-report', 'index.html'), 'utf8');
    const dying = makeVerifyCommand((io): VerifySteps => {
      const real = realSteps(io);
      return {
        ...real,
        async modelCoverage() {
          throw new TypeError('simulated crash');
        },
        loadBench() {
          throw new TypeError('simulated crash after every step');
        },
      };
    });
    const io = bufferIO(dir, env);
    expect(await runCli(['verify', ...OFFLINE], io, [dying])).toBe(EXIT.internal);
    expect(readFileSync(join(dir, 'pinlab-report', 'index.html'), 'utf8')).toBe(before);
  }, 60_000);
});
