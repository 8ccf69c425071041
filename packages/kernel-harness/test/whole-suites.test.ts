// No VM: the scan that keeps kernel.test.ts from running a suite its own file runs whole.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wholeSuiteConfigs } from './whole-suites.ts';

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
});
