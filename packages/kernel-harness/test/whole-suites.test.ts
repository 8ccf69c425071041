// No VM: the scans that keep kernel.test.ts from running a suite that its own file runs whole or
// whose spec a file sweeps, and a sweep from running the whole suites again.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { specSweepSuites, sweptSpecs, wholeSuiteConfigs } from './whole-suites.ts';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

describe('wholeSuiteConfigs', () => {
  it('finds the whole-suite files of this directory, each naming a generated suite', () => {
    const found = [...wholeSuiteConfigs()];
    expect(found).toContain('ForkRace/ForkRace_file_private');
    expect(found).toContain('PinUnpin/PinUnpin_many_iovecs');
    for (const sc of found) {
      const [spec, config] = sc.split('/');
      expect(
        existsSync(join(repo, 'generated-tests', String(spec), `${config}.suite.json`)),
        sc,
      ).toBe(true);
    }
  });

  it('reads the calls only from test files, across line breaks', () => {
    // Built at run time so that this file holds no call the scan of this directory would find.
    const call = (config: string, sep: string): string =>
      `itRunsWholeSuite(${sep}k,${sep}'S',${sep}'${config}'`;
    const dir = mkdtempSync(join(tmpdir(), 'whole-suites-'));
    writeFileSync(join(dir, 'a.test.ts'), `${call('S_a', ' ')});\n${call('S_b', '\n  ')},\n);`);
    writeFileSync(join(dir, 'b.ts'), `${call('S_c', ' ')});`);
    expect([...wholeSuiteConfigs(dir)].sort()).toEqual(['S/S_a', 'S/S_b']);
  });

  it('finds the spec sweeps, and a sweep leaves out the suites run whole', () => {
    expect([...sweptSpecs()].sort()).toEqual(['IterCursor', 'PinUnpin', 'SplicePipe']);
    const whole = wholeSuiteConfigs();
    const sweep = specSweepSuites('PinUnpin');
    expect(sweep.length).toBeGreaterThan(0);
    expect(sweep.map((s) => s.config)).toContain('PinUnpin');
    for (const s of sweep) expect(whole.has(`PinUnpin/${s.config}`), s.config).toBe(false);
    expect(sweep.map((s) => s.config)).not.toContain('PinUnpin_many_iovecs');
  });

  it('reads the sweep calls only from test files', () => {
    const call = (spec: string): string => `specSweepSuites(${"'"}${spec}${"'"})`;
    const dir = mkdtempSync(join(tmpdir(), 'spec-sweeps-'));
    writeFileSync(join(dir, 'a.test.ts'), `const s = ${call('A')};`);
    writeFileSync(join(dir, 'b.ts'), `const s = ${call('B')};`);
    expect([...sweptSpecs(dir)]).toEqual(['A']);
  });
});
