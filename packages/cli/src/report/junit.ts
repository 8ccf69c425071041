// JUnit XML for CI systems: one testsuite per verify step (model checks, generated files,
// each target/profile run), one testcase per config or spec run. Not-applicable scenarios are
// reported as skipped, never as passed.
import { reasonLines } from '../format.ts';
import { describeResult, type VerifyResults } from '../results.ts';
import { esc } from './html.ts';

interface Case {
  name: string;
  classname: string;
  timeMs?: number;
  failure?: string;
  skipped?: string;
  systemOut?: string;
}

function suite(name: string, cases: Case[]): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const time = cases.reduce((s, c) => s + (c.timeMs ?? 0), 0) / 1000;
  const body = cases
    .map((c) => {
      const attrs = `name="${esc(c.name)}" classname="${esc(c.classname)}" time="${((c.timeMs ?? 0) / 1000).toFixed(3)}"`;
      const inner = [
        c.failure !== undefined
          ? `<failure message="${esc(c.failure.split('\n')[0])}">${esc(c.failure)}</failure>`
          : '',
        c.skipped !== undefined ? `<skipped message="${esc(c.skipped)}"/>` : '',
        c.systemOut ? `<system-out>${esc(c.systemOut)}</system-out>` : '',
      ].join('');
      return inner ? `    <testcase ${attrs}>${inner}</testcase>` : `    <testcase ${attrs}/>`;
    })
    .join('\n');
  return `  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}">\n${body}\n  </testsuite>`;
}

export function junitXml(results: VerifyResults): string {
  const suites: string[] = [];
  if (results.checks.length) {
    suites.push(
      suite(
        `model check (${results.engine})`,
        results.checks.map((c) => ({
          name: c.config,
          classname: `pinlab.check.${c.spec}`,
          timeMs: c.timeMs,
          ...(typeof c.actual === 'object' && 'skipped' in c.actual
            ? { skipped: c.actual.skipped }
            : c.passed
              ? {}
              : {
                  failure:
                    c.message ??
                    `expected ${describeResult(c.expect)}, got ${describeResult(c.actual)}`,
                }),
          systemOut: `expected ${describeResult(c.expect)}; actual ${describeResult(c.actual)}; distinct ${c.distinct ?? '-'}; depth ${c.depth ?? '-'}`,
        })),
      ),
    );
  }
  if (results.generated) {
    const g = results.generated;
    suites.push(
      suite('generated-tests up to date', [
        {
          name: 'gen --check',
          classname: 'pinlab.gen',
          ...(g.upToDate
            ? {}
            : {
                failure: `generated-tests/ differs from a fresh generation (run 'pinlab gen'):\n${g.differences.map((d) => `${d.kind} ${d.file}`).join('\n')}`,
              }),
        },
      ]),
    );
  }
  const byTarget = new Map<string, typeof results.scenarios>();
  for (const s of results.scenarios) {
    const key = `${s.target} / ${s.profile}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), s]);
  }
  for (const [key, runs] of byTarget) {
    const cases: Case[] = [];
    for (const r of runs) {
      const classname = `pinlab.run.${r.target}.${r.profile}.${r.spec}`;
      cases.push({
        name: `${r.spec}: ${r.passed}/${r.run} passed${r.prefixOnly ? ` (${r.prefixOnly} over a prefix only)` : ''}`,
        classname,
        ...(r.timeMs !== undefined ? { timeMs: r.timeMs } : {}),
        // A prefix-only pass checked the scenario up to a step the target cannot make: say which.
        ...(r.prefixOnly
          ? {
              systemOut: `checked over their longest realisable prefix only:\n${reasonLines(r.prefixOnlyReasons)}`,
            }
          : {}),
        ...(r.failed > 0
          ? {
              failure: `${r.failed} of ${r.run} scenarios failed:\n${r.failures.map((f) => `${f.scenario}${f.step !== undefined ? ` step ${f.step}` : ''}: ${f.message}`).join('\n')}`,
            }
          : r.run === 0 && r.notApplicable > 0
            ? { skipped: `all ${r.notApplicable} scenarios not applicable` }
            : {}),
      });
      if (r.notApplicable > 0 && r.run > 0) {
        cases.push({
          name: `${r.spec}: ${r.notApplicable} not applicable`,
          classname,
          skipped: reasonLines(r.notApplicableReasons, '; '),
        });
      }
    }
    suites.push(suite(`scenarios ${key}`, cases));
  }
  for (const e of results.errors) {
    suites.push(
      suite(`verify step ${e.step}`, [
        { name: e.step, classname: 'pinlab.verify', failure: e.message },
      ]),
    );
  }
  if (results.skipped.length) {
    suites.push(
      suite(
        'skipped by verify',
        results.skipped.map((s) => ({ name: s.what, classname: 'pinlab.verify', skipped: s.why })),
      ),
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="pinlab verify">\n${suites.join('\n')}\n</testsuites>\n`;
}
