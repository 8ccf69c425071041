import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAgent } from '../src/agent-build.ts';

const hasGcc = (() => {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasGcc)('guest agent build (gcc -static -Wall -Werror)', () => {
  it('compiles to a static executable, cached by source hash', async () => {
    const env = { ...process.env, PINLAB_CACHE: mkdtempSync(join(tmpdir(), 'pinlab-agent-test-')) };
    const a = await buildAgent(env);
    expect(statSync(a).mode & 0o111).not.toBe(0);
    // An ELF with no PT_INTERP program header needs no dynamic loader: static.
    const elf = readFileSync(a);
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    const phoff = Number(elf.readBigUInt64LE(0x20));
    const phentsize = elf.readUInt16LE(0x36);
    const phnum = elf.readUInt16LE(0x38);
    const types = Array.from({ length: phnum }, (_, i) => elf.readUInt32LE(phoff + i * phentsize));
    expect(types).toContain(1); // PT_LOAD
    expect(types).not.toContain(3); // PT_INTERP
    expect(await buildAgent(env)).toBe(a);
  }, 60_000);
});
