// Everything the harness runs on one kernel, and the side-by-side file for all of them:
// .pinlab/results/kernels.json (shape documented in README.md; read by the report in
// packages/cli/src/collect/kernels.ts as KernelColumn entries plus harness-specific fields).
import { join } from 'node:path';
import type { SuiteData } from '@pinlab/testgen';
import { writeFileAtomic } from '@pinlab/tla';
import {
  type ExtraResult,
  expectedParentLoses,
  type ForkRaceRuns,
  forkRaceOk,
  type PinResult,
  runExtraCases,
  runForkRace,
  runPinCases,
} from './experiments.ts';
import { customKernel, type KernelImage, requireKernel } from './fetch.ts';
import { prepareGuest } from './guest.ts';
import { KernelSession } from './session.ts';
import {
  capSuites,
  countBySpec,
  type DedupeCounts,
  loadSuites,
  planSuiteRuns,
  runSuitesOnTarget,
  type ScenarioOutcome,
  type SpecCounts,
  scenarioCap,
} from './suites.ts';
import { createQemuTarget } from './target.ts';
import type { QemuOptions } from './vm.ts';

export interface KernelReport {
  name: string;
  release: string;
  profile: string;
  package: string | null;
  packageVersion: string | null;
  forkRace: {
    outcome: 'parent-keeps-data' | 'parent-loses-data' | 'unknown';
    runs: number;
    lost: number;
  };
  forkRaceRuns: (ForkRaceRuns & { expectedParentLoses: boolean; ok: boolean })[];
  pinDeltas: (PinResult & { ok: boolean })[];
  extra: (ExtraResult & { spec: string })[];
  scenarios: { run: number; passed: number; failed: number; notApplicable: number };
  perSpec: Record<string, SpecCounts>;
  /** Per spec: scenarios, distinct guest runs, and how the rest are covered (suites.ts). */
  runs: Record<string, DedupeCounts>;
  failures: ScenarioOutcome[];
  timing: {
    bootMs: number[];
    experimentsMs: number;
    scenariosMs: number;
    perScenarioMs: number | null;
    /** Wall time per distinct guest run. */
    perRunMs: number | null;
  };
  faults: { kind: string; message: string }[];
  ok: boolean;
}

export interface RunKernelOptions {
  suites: SuiteData[];
  forkRaceRuns?: number;
  qemu?: QemuOptions;
  log?: (line: string) => void;
  /** specs/ folder (config constants such as ForkRace NumPages). */
  specsDir?: string;
  /** Run the scenario suites with this many in flight inside the VM. */
  concurrency?: number;
}

export async function runKernel(
  kernel: KernelImage,
  opts: RunKernelOptions,
): Promise<KernelReport> {
  const log = opts.log ?? (() => {});
  const guest = await prepareGuest(kernel, opts.qemu ?? {});
  const session = new KernelSession(kernel.name, guest.launcher);
  try {
    log(`qemu:${kernel.name}: booting ${kernel.release}`);
    await session.boot();
    log(`qemu:${kernel.name}: agent ready after ${Math.round(session.stats.bootMs[0] ?? 0)} ms`);
    const t0 = performance.now();
    const runs = opts.forkRaceRuns ?? 10;
    const forkRaceRuns = [];
    for (const engine of ['aio', 'uring', 'uring_fixed'] as const) {
      const r = await runForkRace(session, engine, runs);
      const expectLoss = expectedParentLoses(kernel.profile, engine);
      const ok = forkRaceOk(r, kernel.profile);
      if (r.notRaced > 0)
        log(
          `qemu:${kernel.name}: fork race ${engine}: ${r.notRaced} of ${r.runs} runs did not race (read done before fork), retried`,
        );
      forkRaceRuns.push({ ...r, expectedParentLoses: expectLoss, ok });
    }
    const pins = (await runPinCases(session, kernel.profile)).map((p) => ({
      ...p,
      ok: p.acquired === p.expected && p.released === p.expected,
    }));
    const extra = await runExtraCases(session, kernel.profile);
    const experimentsMs = performance.now() - t0;
    log(`qemu:${kernel.name}: experiments done in ${Math.round(experimentsMs)} ms`);

    const t1 = performance.now();
    const target = createQemuTarget(
      session,
      kernel.profile,
      opts.specsDir === undefined ? {} : { specsDir: opts.specsDir },
    );
    const plan = planSuiteRuns(opts.suites, target, kernel.profile);
    for (const [spec, c] of Object.entries(plan.counts))
      log(
        `qemu:${kernel.name}: ${spec}: ${c.scenarios} scenarios, ${c.notApplicable} not applicable, ${c.realised} checked by ${c.runs} guest runs (${c.identical} identical to another, ${c.prefixOfLonger} prefixes of a longer run; ${c.prefixOnly} checked over their longest realisable prefix only; ${c.stepsChecked} steps checked, ${c.stepsRun} run)`,
      );
    const outcomes = await runSuitesOnTarget(
      opts.suites,
      target,
      kernel.profile,
      opts.concurrency ?? 6,
      plan,
    );
    const scenariosMs = performance.now() - t1;
    const perSpec = countBySpec(outcomes);
    const ran = outcomes.filter((o) => o.outcome !== 'not-applicable');
    log(`qemu:${kernel.name}: ${ran.length} scenarios in ${Math.round(scenariosMs)} ms`);
    // Prefix-only runs are counted among run/passed; say how many and why, per spec.
    for (const [spec, c] of Object.entries(perSpec))
      if (c.prefixOnly > 0)
        log(
          `qemu:${kernel.name}: ${spec}: ${c.prefixOnly} of ${c.run} run scenarios checked over a prefix only (${Object.entries(
            c.prefixOnlyReasons,
          )
            .map(([why, n]) => `${n}x ${why}`)
            .join('; ')})`,
        );

    const dio = forkRaceRuns.filter((r) => r.engine !== 'uring_fixed');
    const raced = dio.reduce((n, r) => n + r.raced, 0);
    const lost = dio.reduce((n, r) => n + r.parentLost, 0);
    const totals = Object.values(perSpec).reduce(
      (t, c) => ({
        run: t.run + c.run,
        passed: t.passed + c.passed,
        failed: t.failed + c.failed + c.errors,
        notApplicable: t.notApplicable + c.notApplicable,
      }),
      { run: 0, passed: 0, failed: 0, notApplicable: 0 },
    );
    const report: KernelReport = {
      name: kernel.name,
      release: session.release || kernel.release,
      profile: kernel.profile,
      package: kernel.package,
      packageVersion: kernel.packageVersion,
      forkRace: {
        outcome:
          raced === 0
            ? 'unknown'
            : lost === raced
              ? 'parent-loses-data'
              : lost === 0
                ? 'parent-keeps-data'
                : 'unknown',
        runs: raced,
        lost,
      },
      forkRaceRuns,
      pinDeltas: pins,
      extra,
      scenarios: totals,
      perSpec,
      runs: plan.counts,
      failures: outcomes.filter((o) => o.outcome === 'failed' || o.outcome === 'error'),
      timing: {
        bootMs: session.stats.bootMs.map(Math.round),
        experimentsMs: Math.round(experimentsMs),
        scenariosMs: Math.round(scenariosMs),
        // Wall time per scenario (scenarios overlap, and ForkRace ones queue for exclusivity).
        perScenarioMs: ran.length === 0 ? null : Math.round(scenariosMs / ran.length),
        perRunMs: plan.runs.length === 0 ? null : Math.round(scenariosMs / plan.runs.length),
      },
      faults: session.stats.faults,
      ok: false,
    };
    report.ok =
      forkRaceRuns.every((r) => r.ok) &&
      pins.every((p) => p.ok) &&
      extra.every((e) => e.ok) &&
      totals.failed === 0;
    return report;
  } finally {
    await session.close();
  }
}

export function resultsPath(root: string): string {
  return join(root, '.pinlab', 'results', 'kernels.json');
}

export function writeKernelsJson(root: string, reports: KernelReport[]): string {
  const path = resultsPath(root);
  const doc = {
    schema: 1,
    generatedBy: 'pinlab run --target qemu:<kernel> (@pinlab/kernel-harness)',
    kernels: reports,
  };
  writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
  return path;
}

export interface KernelRunRequest {
  /** Debian kernels by name ("6.1", "6.12"), taken from the cache (fetch first). */
  kernels?: string[];
  /** A user's own build: bzImage, modules dir and optionally the profile. */
  custom?: { bzImage: string; modulesDir: string; profile?: string };
  /** Repository root: generated-tests/ is read from it and .pinlab/results/ written in it. */
  root: string;
  forkRaceRuns?: number;
  qemu?: QemuOptions;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * `pinlab run --target qemu:<k>` / `pinlab kernel run`: all kernels booted concurrently, the
 * experiments and generated suites run on each, kernels.json written. Throws
 * KernelNotFetchedError (a missing kernel: exit 3) before booting anything.
 */
export async function runKernelTargets(
  req: KernelRunRequest,
): Promise<{ reports: KernelReport[]; path: string }> {
  const images: KernelImage[] = (req.kernels ?? []).map((k) => requireKernel(k, req.env));
  if (req.custom !== undefined)
    images.push(customKernel(req.custom.bzImage, req.custom.modulesDir, req.custom.profile));
  if (images.length === 0)
    throw new Error('no kernel to run: name 6.1, 6.12, all, or give --kernel and --modules');
  const suites = capSuites(
    loadSuites(join(req.root, 'generated-tests')),
    scenarioCap(req.env ?? process.env),
  );
  const opts: RunKernelOptions = {
    suites,
    forkRaceRuns: req.forkRaceRuns ?? 10,
    specsDir: join(req.root, 'specs'),
  };
  if (req.qemu !== undefined) opts.qemu = req.qemu;
  if (req.log !== undefined) opts.log = req.log;
  const reports = await Promise.all(images.map((img) => runKernel(img, opts)));
  return { reports, path: writeKernelsJson(req.root, reports) };
}
