// npm run coverage -w @pinlab/testgen [-- --no-reference]: writes .pinlab/results/coverage.json
// and prints the figures.
import { resolve } from 'node:path';
import { coverageReport, writeCoverageReport } from '../src/coverage.ts';

const root = resolve(import.meta.dirname, '../../..');
const report = coverageReport(root, { reference: !process.argv.includes('--no-reference') });
const path = writeCoverageReport(root, report);
for (const c of report.model) {
  console.log(
    `${c.config}: scenarios ${c.scenarios}, actions ${c.actions ? `${c.actions.covered}/${c.actions.total}` : 'n/a'}, transitions ${c.transitions ? `${c.transitions.covered}/${c.transitions.total} (${c.transitions.pct}%)` : `n/a (${c.note})`}, foreign steps ${c.foreignSteps}`,
  );
}
const t = report.totals;
console.log(`actions: ${t.actions.covered}/${t.actions.total} (${t.actions.pct}%)`);
console.log(`transitions: ${t.transitions.covered}/${t.transitions.total} (${t.transitions.pct}%)`);
const b = report.reference.branches;
console.log(
  b === null
    ? `reference branches: not measured ${report.reference.error ?? ''}`
    : `reference branches (generated tests alone): ${b.covered}/${b.total} (${b.pct}%)`,
);
console.log(`written ${path}`);
