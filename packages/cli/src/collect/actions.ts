// Action coverage: the action names a spec defines (every action sets `action' = [name |-> "X",
// ...]`, docs/CONTRACTS.md) against the names the generated scenarios use.
import { readFileSync } from 'node:fs';
import type { SuiteData } from '@pinlab/testgen';
import type { CoverageItem } from '../results.ts';

export function specActionNames(specText: string): string[] {
  const names = new Set<string>();
  for (const m of specText.matchAll(/name\s*\|->\s*"([A-Za-z_][\w]*)"/g)) {
    if (m[1] !== 'Init') names.add(m[1]!);
  }
  return [...names].sort();
}

export function actionCoverage(
  spec: string,
  tlaPath: string,
  suites: readonly SuiteData[],
): CoverageItem & { spec: string } {
  const defined = specActionNames(readFileSync(tlaPath, 'utf8'));
  const used = new Set(
    suites
      .filter((s) => s.spec === spec)
      .flatMap((s) => s.scenarios.flatMap((sc) => sc.actions.map((a) => a.name))),
  );
  const missed = defined.filter((a) => !used.has(a));
  return {
    spec,
    name: 'actions',
    covered: defined.length - missed.length,
    total: defined.length,
    missed,
  };
}
