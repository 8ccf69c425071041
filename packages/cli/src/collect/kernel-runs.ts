// Kernel runs for verify: @pinlab/kernel-harness boots each kernel in QEMU, runs the fork-race
// and pin-counter experiments and the generated suites (runKernelTargets, which also writes
// .pinlab/results/kernels.json); this maps its reports to the report's columns and scenario rows,
// and adds the model's column for each profile so the table reads kernel vs kernel vs model.
import { expectedParentLoses, type KernelReport } from '@pinlab/kernel-harness';
import type { KernelColumn, ScenarioRun } from '../results.ts';

export function kernelColumn(r: KernelReport): KernelColumn {
  return {
    name: r.name,
    release: r.release,
    profile: r.profile,
    forkRace: r.forkRace,
    pinDeltas: r.pinDeltas.map((p) => ({
      case: p.case,
      acquired: p.acquired,
      released: p.released,
      expected: p.expected,
    })),
    scenarios: r.scenarios,
    ...(r.ok ? {} : { note: 'departs from the model: see errors' }),
  };
}

/** What the model predicts for a kernel's profile: the fork race and the pin deltas. */
export function modelColumn(r: KernelReport): KernelColumn {
  const loses = expectedParentLoses(r.profile, 'aio');
  return {
    name: `model:${r.profile}`,
    profile: r.profile,
    forkRace: { outcome: loses ? 'parent-loses-data' : 'parent-keeps-data' },
    pinDeltas: r.pinDeltas.map((p) => ({
      case: p.case,
      acquired: p.expected,
      released: p.expected,
    })),
  };
}

export function kernelScenarioRuns(r: KernelReport): ScenarioRun[] {
  return Object.entries(r.perSpec)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([spec, c]) => ({
      target: `qemu:${r.name}`,
      profile: r.profile,
      spec,
      run: c.run,
      passed: c.passed,
      failed: c.failed + c.errors,
      notApplicable: c.notApplicable,
      // Older kernels.json files have no reasons.
      notApplicableReasons: c.notApplicableReasons ?? {},
      // Kernels.json files written before prefix runs have no prefix counts.
      ...(c.prefixOnly
        ? { prefixOnly: c.prefixOnly, prefixOnlyReasons: c.prefixOnlyReasons ?? {} }
        : {}),
      failures: r.failures
        .filter((f) => f.spec === spec)
        .map((f) => ({
          scenario: f.scenario,
          message: `${f.outcome}${f.detail ? `: ${f.detail}` : ''}`,
        })),
    }));
}

/** Experiments whose kernel observation departs from the model, as verify errors. */
export function kernelErrors(r: KernelReport): { step: string; message: string }[] {
  const out: { step: string; message: string }[] = [];
  for (const f of r.forkRaceRuns.filter((x) => !x.ok)) {
    out.push({
      step: `kernel ${r.name} fork race (${f.engine})`,
      message: `parent lost the data in ${f.parentLost}/${f.raced} raced runs of ${f.runs} (${f.minRaced ?? f.runs} raced runs needed); the model expects ${f.expectedParentLoses ? 'every' : 'no'} loss`,
    });
  }
  for (const p of r.pinDeltas.filter((x) => !x.ok)) {
    out.push({
      step: `kernel ${r.name} pins: ${p.case}`,
      message: `nr_foll_pin acquired +${p.acquired}, released +${p.released}; the model expects +${p.expected}/+${p.expected}`,
    });
  }
  for (const e of r.extra.filter((x) => !x.ok)) {
    out.push({
      step: `kernel ${r.name} ${e.spec}: ${e.case}`,
      message: `observed ${JSON.stringify(e.observed)}, expected ${JSON.stringify(e.expected)}`,
    });
  }
  for (const f of r.faults)
    out.push({ step: `kernel ${r.name} VM`, message: `${f.kind}: ${f.message}` });
  return out;
}
