// The report page: one self-contained HTML document (inline CSS, JS and SVG; a CSP that forbids
// every network fetch) rendered deterministically from a VerifyResults.
import { formatCount, formatDuration, formatNumber, reasonLines } from '../format.ts';
import {
  type ConfigResult,
  type Counterexample,
  type CoverageItem,
  describeResult,
  isFailure,
  type KernelColumn,
  type ScenarioRun,
  type VerifyResults,
} from '../results.ts';
import { stateGraphSvg } from './graph.ts';
import { badge, esc, showValue, slug, table } from './html.ts';
import { sequenceDiagram } from './sequence.ts';
import { CSS, SCRIPT } from './style.ts';

const num = (n: number | undefined) => (n === undefined ? '-' : formatCount(n));

function withExpected(actual: number | undefined, expected: number | undefined): string {
  if (expected === undefined || actual === expected) return num(actual);
  return `${num(actual)} <span class="muted">(manifest ${num(expected)})</span>`;
}

function summarySection(r: VerifyResults): string {
  const failed = isFailure(r);
  const checksOk = r.checks.filter((c) => c.passed).length;
  const run = r.scenarios.reduce((s, x) => s + x.run, 0);
  const passed = r.scenarios.reduce((s, x) => s + x.passed, 0);
  const na = r.scenarios.reduce((s, x) => s + x.notApplicable, 0);
  const targets = [...new Set(r.scenarios.map((s) => s.target))];
  const cards = [
    [
      'model checks',
      `${checksOk}/${r.checks.length}`,
      `configs as the manifest says (${r.engine})`,
    ],
    [
      'generated tests',
      r.generated ? (r.generated.upToDate ? 'up to date' : 'STALE') : 'not checked',
      r.generated ? `${r.generated.files} files` : '',
    ],
    [
      'scenarios',
      `${formatCount(passed)}/${formatCount(run)}`,
      `passed; ${formatCount(na)} not applicable`,
    ],
    ['targets', String(targets.length), targets.join(', ') || 'none'],
    [
      'kernels',
      String(r.kernels.filter((k) => !k.name.startsWith('model')).length),
      r.kernels.map((k) => k.name).join(', ') || 'none',
    ],
  ]
    .map(
      ([title, big, sub]) =>
        `<div class="card"><div class="muted">${esc(title)}</div><div class="big">${esc(big)}</div><div class="muted">${esc(sub)}</div></div>`,
    )
    .join('');
  const skipped = r.skipped.length
    ? `<h3>Skipped</h3><ul>${r.skipped.map((s) => `<li><b>${esc(s.what)}</b>: ${esc(s.why)}</li>`).join('')}</ul>`
    : '';
  const errors = r.errors.length
    ? `<h3>Errors</h3><ul>${r.errors.map((e) => `<li class="mono"><b>${esc(e.step)}</b>: ${esc(e.message)}</li>`).join('')}</ul>`
    : '';
  return `<section id="summary"><h2>Summary</h2>
<div class="verdict ${failed ? 'fail' : 'pass'}">${failed ? 'FAILED' : 'PASSED'}</div>
<div class="cards">${cards}</div>
<label><input type="checkbox" id="only-failures"> show only failures</label>
${errors}${skipped}</section>`;
}

function specsSection(r: VerifyResults): string {
  const bySpec = new Map<string, ConfigResult[]>();
  for (const c of r.checks) bySpec.set(c.spec, [...(bySpec.get(c.spec) ?? []), c]);
  const blocks = [...bySpec].map(([spec, configs]) => {
    const rows = configs.map((c) => {
      const cx = c.counterexample ? ` <a href="#cx-${slug(c.config)}">trace</a>` : '';
      return [
        `<span class="mono">${esc(c.config)}</span>`,
        esc(describeResult(c.expect)),
        `${esc(describeResult(c.actual))}${cx}`,
        withExpected(c.distinct, c.expectedDistinct),
        withExpected(c.depth, c.expectedDepth),
        esc(formatDuration(c.timeMs)),
        `${badge(c.passed)}${c.message && !c.passed ? ` <span class="mono">${esc(c.message)}</span>` : ''}`,
      ];
    });
    const html = table(
      ['config', 'expected', 'actual', 'distinct states', 'depth', 'time', 'status'],
      rows,
    );
    // Mark rows so "only failures" can hide the passing ones.
    let i = 0;
    const withClasses = html.replace(/<tr><td>/g, () => {
      const c = configs[i++]!;
      return `<tr class="${c.passed ? 'passed' : 'failed'}"><td>`;
    });
    return `<h3 id="spec-${slug(spec)}">${esc(spec)}</h3>${withClasses}`;
  });
  return `<section id="specs"><h2>Specs: expected vs actual</h2>${blocks.join('\n') || '<p class="muted">No model checks in this run.</p>'}</section>`;
}

function changes(prev: Record<string, unknown> | undefined, now: Record<string, unknown>): string {
  if (!prev)
    return Object.entries(now)
      .map(([k, v]) => `${esc(k)} = ${esc(showValue(v))}`)
      .join('<br>');
  const out: string[] = [];
  for (const [k, v] of Object.entries(now)) {
    if (JSON.stringify(prev[k]) !== JSON.stringify(v)) {
      out.push(`${esc(k)}: ${esc(showValue(prev[k]))} → <b>${esc(showValue(v))}</b>`);
    }
  }
  return out.join('<br>') || '<span class="muted">(no change)</span>';
}

function stepTable(cx: Counterexample): string {
  const rows = cx.steps.map((s, i) => {
    const params = Object.entries(s.action)
      .filter(([k]) => k !== 'name')
      .map(([k, v]) => `${esc(k)}=${esc(v)}`)
      .join(', ');
    return [
      `<span class="num">${i}</span>`,
      `<b>${esc(s.action.name)}</b>`,
      `<span class="mono">${params}</span>`,
      `<span class="mono">${changes(i > 0 ? cx.steps[i - 1]!.vars : undefined, s.vars)}</span>`,
    ];
  });
  return table(['step', 'action', 'parameters', 'state changes'], rows, 'steps');
}

function counterexamplesSection(r: VerifyResults): string {
  const withCx = r.checks.filter((c) => c.counterexample);
  const blocks = withCx.map((c) => {
    const cx = c.counterexample!;
    const expected = c.passed
      ? 'expected by the manifest: this design is meant to fail'
      : 'NOT expected';
    return `<div id="cx-${slug(c.config)}" class="${c.passed ? 'passed-block' : ''}">
<h3>${esc(c.config)}: violates <code>${esc(cx.invariant)}</code> in ${cx.steps.length - 1} steps <span class="muted">(${esc(expected)})</span></h3>
<div class="scroll">${sequenceDiagram(cx)}</div>
<details><summary>step table</summary>${stepTable(cx)}</details></div>`;
  });
  return `<section id="counterexamples"><h2>Counterexamples</h2>
<p class="muted">Lanes: processes (blue), pages (yellow), the I/O (green). Solid arrows: the step's actor acting on the lanes it names. Dashed: a process's mapping moved to another page. Text on a lane: a variable indexed by that lane changed. The red row is the state that breaks the invariant.</p>
${blocks.join('\n') || '<p class="muted">No counterexamples in this run.</p>'}</section>`;
}

function graphsSection(r: VerifyResults): string {
  const withGraph = r.checks.filter((c) => c.graph);
  const blocks = withGraph.map((c) => {
    const g = c.graph!;
    const covered = g.edges.filter((e) => e.covered).length;
    return `<h3>${esc(c.config)} <span class="muted">${g.nodes.length} states, ${g.edges.length} transitions, ${covered} covered${g.truncated ? ' (cut at the node limit)' : ''}</span></h3>
<div class="scroll">${stateGraphSvg(g, c.config)}</div>`;
  });
  return `<section id="graphs"><h2>State graphs</h2>
<p class="legend"><span>● blue: initial state</span><span>● red: violates an invariant</span><span style="color:#1a7f37">━ transition covered by the generated scenarios</span><span class="muted">┅ not covered</span></p>
${blocks.join('\n') || '<p class="muted">No state graphs in this run (only configs small enough are drawn).</p>'}</section>`;
}

function coverageRows(items: (CoverageItem & { spec?: string })[]): string[][] {
  return items.map((it) => {
    const pct = it.total ? (100 * it.covered) / it.total : 0;
    return [
      esc(it.spec ?? ''),
      esc(it.name),
      `<span class="bar"><i style="width:${pct.toFixed(1)}%"></i></span>${formatNumber(pct, 1)}%`,
      `<span class="num">${formatCount(it.covered)}/${formatCount(it.total)}</span>`,
      `<span class="mono">${esc((it.missed ?? []).slice(0, 12).join(', '))}${(it.missed?.length ?? 0) > 12 ? ' …' : ''}</span>`,
    ];
  });
}

function coverageSection(r: VerifyResults): string {
  const c = r.coverage;
  if (!c)
    return `<section id="coverage"><h2>Coverage</h2><p class="muted">No coverage in this run.</p></section>`;
  const head = ['spec', 'item', 'coverage', 'covered/total', 'not covered'];
  return `<section id="coverage"><h2>Coverage</h2>
<h3>Actions</h3>${table(head, coverageRows(c.actions))}
<h3>Transitions</h3>${table(head, coverageRows(c.transitions))}
<h3>Reference branches</h3>${c.referenceBranches.length ? table(['', 'file', 'coverage', 'covered/total', 'not covered'], coverageRows(c.referenceBranches)) : '<p class="muted">Not measured in this run.</p>'}
</section>`;
}

/** Passes a kernel target checked over a prefix only: counted, with the steps it could not make. */
function prefixOnlyNote(s: ScenarioRun): string {
  if (!s.prefixOnly) return '';
  const why = reasonLines(s.prefixOnlyReasons);
  return `<br><span class="muted" title="${esc(why)}">${formatCount(s.prefixOnly)} over a prefix only</span>`;
}

function scenariosSection(r: VerifyResults): string {
  const rows = r.scenarios.map((s) => [
    esc(s.target),
    esc(s.profile),
    esc(s.spec),
    `<span class="num">${formatCount(s.run)}</span>`,
    `<span class="num">${formatCount(s.passed)}</span>${prefixOnlyNote(s)}`,
    `<span class="num">${formatCount(s.failed)}</span>`,
    `<span class="num">${formatCount(s.notApplicable)}</span>`,
    s.failures.length
      ? `<span class="mono">${s.failures
          .slice(0, 5)
          .map(
            (f) =>
              `${esc(f.scenario)}${f.step !== undefined ? ` @${f.step}` : ''}: ${esc(f.message)}`,
          )
          .join('<br>')}</span>`
      : '',
  ]);
  return `<section id="scenarios"><h2>Generated scenarios per target and profile</h2>
${rows.length ? table(['target', 'profile', 'spec', 'run', 'passed', 'failed', 'not applicable', 'failures'], rows) : '<p class="muted">No scenario runs in this run.</p>'}</section>`;
}

function forkCell(k: KernelColumn): string {
  const f = k.forkRace;
  if (!f) return '<span class="muted">not run</span>';
  const text =
    f.outcome === 'parent-loses-data'
      ? '<span class="badge fail">parent loses the data</span>'
      : f.outcome === 'parent-keeps-data'
        ? '<span class="badge pass">parent keeps the data</span>'
        : '<span class="badge skip">unknown</span>';
  return `${text}${f.runs !== undefined ? ` <span class="muted">lost ${f.lost ?? 0}/${f.runs}</span>` : ''}`;
}

function kernelsSection(r: VerifyResults): string {
  const cols = r.kernels;
  if (!cols.length) {
    return `<section id="kernels"><h2>Kernels side by side</h2><p class="muted">No kernel ran in this run (see Skipped).</p></section>`;
  }
  const cases = [...new Set(cols.flatMap((k) => (k.pinDeltas ?? []).map((p) => p.case)))];
  const rows: string[][] = [
    ['profile', ...cols.map((k) => `<span class="mono">${esc(k.profile)}</span>`)],
    ['release', ...cols.map((k) => esc(k.release ?? '-'))],
    ['DIO read vs fork', ...cols.map(forkCell)],
    ...cases.map((c) => [
      `pins: ${esc(c)} <span class="muted">(acquired/released)</span>`,
      ...cols.map((k) => {
        const d = k.pinDeltas?.find((p) => p.case === c);
        return d ? `<span class="num">+${d.acquired}/+${d.released}</span>` : '-';
      }),
    ]),
    [
      'scenarios run / passed / failed / n.a.',
      ...cols.map((k) =>
        k.scenarios
          ? `<span class="num">${k.scenarios.run} / ${k.scenarios.passed} / ${k.scenarios.failed} / ${k.scenarios.notApplicable}</span>`
          : '-',
      ),
    ],
    ['note', ...cols.map((k) => esc(k.note ?? ''))],
  ];
  return `<section id="kernels"><h2>Kernels side by side</h2>
${table(['', ...cols.map((k) => k.name)], rows, 'kernels')}</section>`;
}

function benchSection(r: VerifyResults): string {
  const b = r.bench;
  if (!b || !b.packages.length) {
    return `<section id="bench"><h2>Benchmarks</h2><p class="muted">No benchmark figures (run <code>pinlab bench</code>).</p></section>`;
  }
  const rows = b.packages.flatMap((p) =>
    p.error
      ? [[esc(p.package), '<span class="badge fail">error</span>', esc(p.error), '']]
      : p.figures.map((f) => [
          esc(p.package),
          esc(f.name),
          `<span class="num">${esc(formatNumber(f.value))}</span>`,
          esc(f.unit),
        ]),
  );
  return `<section id="bench"><h2>Benchmarks</h2><p class="muted">measured ${esc(b.generatedAt)}</p>
${table(['package', 'figure', 'value', 'unit'], rows)}</section>`;
}

export function renderReport(r: VerifyResults): string {
  const failed = isFailure(r);
  const nav = [
    ['summary', 'Summary'],
    ['specs', 'Specs'],
    ['counterexamples', 'Counterexamples'],
    ['graphs', 'State graphs'],
    ['coverage', 'Coverage'],
    ['scenarios', 'Scenarios'],
    ['kernels', 'Kernels'],
    ['bench', 'Benchmarks'],
  ]
    .map(([id, t]) => `<a href="#${id}">${t}</a>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pinlab report: ${failed ? 'FAILED' : 'passed'}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>pinlab report</h1>
<div class="meta">iov_iter page extraction and page pinning: model, reference and kernels · pinlab ${esc(r.pinlabVersion)} · engine ${esc(r.engine)} · ${esc(r.generatedAt)}</div></header>
<nav>${nav}</nav>
<main>
${summarySection(r)}
${specsSection(r)}
${counterexamplesSection(r)}
${graphsSection(r)}
${coverageSection(r)}
${scenariosSection(r)}
${kernelsSection(r)}
${benchSection(r)}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
