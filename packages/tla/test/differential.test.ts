// Differential test: TLC and the embedded engine must agree on results, distinct states (for
// correct configs) and counterexample length for every config of specs/ and of the fixtures.
// Runs only where TLC is usable (a tla2tools.jar and Java); elsewhere the suite is SKIPPED and
// its title says why — it is never reported as passed.
import { describe, expect, it } from 'vitest';
import { checkEmbedded } from '../src/embedded.ts';
import { findProjectRoot, listSpecs, loadConfig } from '../src/project.ts';
import { checkTlc, tlcAvailability } from '../src/tlc.ts';
import { fixtureInput } from './helpers.ts';

const tlc = tlcAvailability();
const reason = tlc.available ? '' : ` (skipped: ${tlc.reason.split('. ')[0]})`;

function repoConfigs(): string[] {
  try {
    return listSpecs(findProjectRoot(process.cwd())).flatMap((s) => s.configs);
  } catch {
    return [];
  }
}

describe.skipIf(!tlc.available)(`TLC vs embedded engine${reason}`, () => {
  const fixtures: [string, string][] = [
    ['Counter', 'Counter'],
    ['Counter', 'Counter_low'],
    ['TwoPaths', 'TwoPaths'],
    ['Shapes', 'Shapes'],
  ];
  it.each(fixtures)('fixture %s / %s', async (spec, config) => {
    const input = fixtureInput(spec, config);
    const [a, b] = [await checkEmbedded(input), await checkTlc(input)];
    expect(b.outcome).toBe(a.outcome);
    expect(b.invariant).toBe(a.invariant);
    if (a.outcome === 'ok') expect([b.distinct, b.depth]).toEqual([a.distinct, a.depth]);
    else expect(b.depth).toBe(a.depth);
  });

  it.each(repoConfigs())('specs/%s', { timeout: 600_000 }, async (config) => {
    const input = loadConfig(findProjectRoot(process.cwd()), config);
    const [a, b] = [await checkEmbedded(input), await checkTlc(input)];
    expect(b.outcome).toBe(a.outcome);
    expect(b.invariant).toBe(a.invariant);
    if (a.outcome === 'ok') expect([b.distinct, b.depth]).toEqual([a.distinct, a.depth]);
    else expect(b.depth).toBe(a.depth);
  });
});
