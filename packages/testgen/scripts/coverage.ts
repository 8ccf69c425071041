// npm run coverage -w @pinlab/testgen [-- [--no-reference] [--uncovered] [Spec ...]]: writes
// .pinlab/results/coverage.json and prints the figures. Specs narrow the model side (action and
// transition coverage) to their suites; the reference side always runs the whole generated
// project (branch coverage of packages/reference by the generated tests alone).
import { resolve } from 'node:path';
import { type CoverageReport, coverageReport, writeCoverageReport } from '../src/coverage.ts';
import { LEDGER_WHYS, LedgerError } from '../src/untaken-ledger.ts';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(
    'usage: npm run coverage -w @pinlab/testgen -- [--no-reference] [--uncovered] [Spec ...]\n' +
      '  action and transition coverage of each generated suite over its config graph (graphs\n' +
      '  come from .pinlab/cache, shared with `pinlab gen`), and with the reference side the\n' +
      '  branch coverage of packages/reference by the generated tests alone, with the branches\n' +
      '  no generated test takes counted by kind (throws: an if whose body throws; errno: an if\n' +
      '  whose body returns -E...; reports: an if whose body reports an invariant violation or a\n' +
      '  WARN; other) and by the reason docs/untaken-branches.json records for each (guard,\n' +
      '  bug-only, unreachable, not-modelled, harness, api; branches with none are listed).\n' +
      '  --uncovered also prints each of them (file:line) with its recorded reason kind.',
  );
  process.exit(0);
}
const OPTIONS = ['--no-reference', '--uncovered'];
const unknown = args.filter((a) => a.startsWith('-') && !OPTIONS.includes(a));
if (unknown.length > 0) {
  console.error(`coverage: unknown option ${unknown.join(' ')} (see --help)`);
  process.exit(2);
}
const specs = args.filter((a) => !a.startsWith('-'));
const root = resolve(import.meta.dirname, '../../..');
let report: CoverageReport;
try {
  report = coverageReport(root, {
    reference: !args.includes('--no-reference'),
    specs,
    onProgress: (line) => process.stderr.write(`coverage: ${line}\n`),
  });
} catch (e) {
  if (!(e instanceof LedgerError)) throw e;
  console.error(`coverage: ${e.message}`);
  process.exit(2);
}
if (specs.length > 0 && report.model.length === 0) {
  console.error(`coverage: no generated suite of ${specs.join(', ')} under generated-tests/`);
  process.exit(2);
}
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
const u = report.reference.uncovered;
if (u !== null && b !== null) {
  console.log(
    `reference branches not taken: ${u.branches.length} (an if whose body throws ${u.throws}, an if returning an errno ${u.errno}, an if reporting a violation or a WARN ${u.reports}, other ${u.other}); without the throwing ifs: ${b.covered}/${b.total - u.throws}`,
  );
  const l = u.ledger;
  console.log(
    `by the reason ${l.path} records: ${LEDGER_WHYS.map((w) => `${w} ${l.byWhy[w]}`).join(', ')}; none recorded ${l.unrecorded}`,
  );
  if (args.includes('--uncovered'))
    for (const x of u.branches)
      console.log(
        `  ${x.file}:${x.line} [${x.type} ${x.arm}] ${x.kind}, ${x.why ?? 'NO REASON RECORDED'}: ${x.source}`,
      );
  // Always listed: what needs a reason, and the entries that no longer match (taken now, or
  // their line changed): both mean the ledger wants an edit.
  if (l.unrecorded > 0) {
    console.log(`untaken branches with no reason in ${l.path}:`);
    for (const x of u.branches.filter((y) => y.why === null))
      console.log(`  ${x.file}:${x.line} [${x.type} ${x.arm}] ${x.kind}: ${x.source}`);
  }
  if (l.stale.length > 0) {
    console.log(
      `entries of ${l.path} matching no untaken branch (taken now, or the line changed):`,
    );
    for (const e of l.stale) console.log(`  ${e.file}${e.arm ? ` [${e.arm}]` : ''}: ${e.source}`);
  }
}
console.log(`written ${path}`);
