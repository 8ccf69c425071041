// The real steps of `pinlab verify`, each a call into the package that owns the work.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import {
  cachedKernel,
  KERNELS,
  KernelNotFetchedError,
  type KernelReport,
  runKernelTargets,
} from '@pinlab/kernel-harness';
import {
  allAdapters,
  createReferenceTarget,
  GenerateError,
  GenUsageError,
  generateAsync,
  loadProfiles,
  measureReferenceBranches,
  ProfileError,
  type SuiteData,
} from '@pinlab/testgen';
import {
  configGraph,
  GraphBoundError,
  type ItfTrace,
  listSpecs,
  ProjectError,
  selectConfigs,
} from '@pinlab/tla';
import { actionCoverage } from '../collect/actions.ts';
import { checkAll } from '../collect/check.ts';
import { markCounterexample, markCovered, toReportGraph } from '../collect/graph.ts';
import {
  kernelColumn,
  kernelErrors,
  kernelScenarioRuns,
  modelColumn,
} from '../collect/kernel-runs.ts';
import { loadSuites, runSuitesOn, suiteFiles } from '../collect/suites.ts';
import { CliError, type CommandIO, EXIT } from '../command.ts';
import { benchResultsPath } from '../paths.ts';
import type { CoverageResults } from '../results.ts';
import { loadBenchResults } from '../results-io.ts';
import type { VerifyOptions, VerifySteps } from './pipeline.ts';

/** States explored per config for transition coverage; graphs up to DRAW_LIMIT are drawn. */
export const EXPLORE_LIMIT = 50_000;
export const GRAPH_TIMEOUT_MS = 120_000;
export const DRAW_LIMIT = 300;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function onPath(binary: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, binary)));
}

/** Unknown spec or config names are bad input: refused before any work (exit 2). */
export function validateOnly(root: string, only: string[]): void {
  try {
    selectConfigs(root, only);
  } catch (err) {
    if (err instanceof ProjectError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}

function uniqueModelColumns(reports: KernelReport[]) {
  const seen = new Set<string>();
  return reports.filter((r) => !seen.has(r.profile) && seen.add(r.profile)).map(modelColumn);
}

export function realSteps(io: CommandIO): VerifySteps {
  let suitesCache: SuiteData[] | undefined;
  let traces = new Map<string, ItfTrace>();
  const suites = (opts: VerifyOptions) => {
    suitesCache ??= loadSuites(opts.root, opts.only.length ? specsOf(opts) : undefined);
    return suitesCache;
  };
  const specsOf = (opts: VerifyOptions) => [
    ...new Set(selectConfigs(opts.root, opts.only).map((c) => c.spec)),
  ];

  return {
    async check(opts, onStart, onResult) {
      try {
        const { results, traces: t } = await checkAll({
          root: opts.root,
          engine: opts.engine,
          only: opts.only,
          env: io.env,
          onStart,
          ...(onResult ? { onResult } : {}),
        });
        traces = t;
        return results;
      } catch (err) {
        if (err instanceof ProjectError) throw new CliError(err.message, EXIT.usage);
        throw err;
      }
    },

    async genCheck(opts) {
      try {
        const r = await generateAsync({
          root: opts.root,
          check: true,
          ...(opts.only.length ? { specs: specsOf(opts) } : {}),
        });
        const produced = new Set(
          r.suites.flatMap((x) => [
            `${x.spec}/${x.config}.suite.json`,
            `${x.spec}/${x.config}.test.ts`,
          ]),
        );
        return {
          upToDate: r.stale.length === 0,
          files: r.unchanged.length + r.stale.length,
          differences: r.stale.map((file) => ({
            file: `generated-tests/${file}`,
            kind: !existsSync(join(opts.root, 'generated-tests', file))
              ? ('missing' as const)
              : produced.has(file)
                ? ('changed' as const)
                : ('stale' as const),
          })),
        };
      } catch (err) {
        if (
          err instanceof GenUsageError ||
          err instanceof ProfileError ||
          err instanceof GenerateError
        ) {
          throw new CliError(err.message, EXIT.usage);
        }
        throw err;
      }
    },

    async runReference(opts, onSuite) {
      const all = suites(opts);
      // The kernel profiles, then every design a suite runs (a profile plus reference faults:
      // the legacy and bug configs), as the generated tests and `pinlab run` run them.
      const named = loadProfiles(join(opts.root, 'specs', 'profiles.json')).map((p) => p.name);
      const designs = [...new Set(all.flatMap((s) => s.profiles))]
        .filter((p) => !named.includes(p))
        .sort();
      const target = createReferenceTarget(allAdapters, [...named, ...designs]);
      return runSuitesOn(target, all, (done, what) => onSuite(done, all.length, what));
    },

    async modelCoverage(opts, checks) {
      const all = suites(opts);
      const out: Pick<CoverageResults, 'actions' | 'transitions'> = {
        actions: [],
        transitions: [],
      };
      const specs = listSpecs(opts.root).filter(
        (s) => !opts.only.length || specsOf(opts).includes(s.spec),
      );
      for (const s of specs) out.actions.push(actionCoverage(s.spec, s.tlaPath, all));
      // Configs with a suite (transition coverage) and small checked configs (drawn). Building a
      // graph costs a check run without invariants, so big configs without a suite are left out.
      const configs = new Set([
        ...all.map((s) => s.config),
        ...checks
          .filter((c) => !(typeof c.actual === 'object' && c.actual && 'error' in c.actual))
          .filter((c) => (c.distinct ?? Number.POSITIVE_INFINITY) <= DRAW_LIMIT)
          .map((c) => c.config),
      ]);
      for (const config of configs) {
        const spec =
          all.find((s) => s.config === config)?.spec ??
          checks.find((c) => c.config === config)?.spec ??
          '?';
        let model: Awaited<ReturnType<typeof configGraph>>;
        try {
          model = await configGraph(opts.root, config, {
            maxStates: EXPLORE_LIMIT,
            timeoutMs: GRAPH_TIMEOUT_MS,
          });
        } catch (err) {
          const why =
            err instanceof GraphBoundError ? `over ${EXPLORE_LIMIT} states` : message(err);
          if (all.some((x) => x.config === config)) {
            out.transitions.push({
              spec,
              name: `${config} (not measured: ${why})`,
              covered: 0,
              total: 0,
            });
          }
          continue;
        }
        const g = toReportGraph(model);
        const foreign = markCovered(
          g,
          all.filter((x) => x.config === config),
        );
        const trace = traces.get(config);
        if (trace) markCounterexample(g, trace);
        // Transition coverage is about the suites: configs drawn only for the picture are left out.
        const suitesOfConfig = all.filter((x) => x.config === config);
        if (suitesOfConfig.length) {
          out.transitions.push({
            spec,
            name: foreign ? `${config} (${foreign} scenario steps off the graph)` : config,
            covered: g.graph.edges.filter((e) => e.covered).length,
            total: g.graph.edges.length,
          });
        }
        const check = checks.find((c) => c.config === config);
        if (check && g.graph.nodes.length <= DRAW_LIMIT) check.graph = g.graph;
      }
      return out;
    },

    async referenceBranches(opts) {
      if (suiteFiles(opts.root).length === 0) return { coverage: [] };
      const b = measureReferenceBranches(opts.root, { env: io.env });
      // Each file's untaken branches as "L<line> <kind>" (the report's "not covered" column).
      const coverage = b.files.map((f) => {
        const missed = b.uncovered
          .filter((u) => u.file === f.name)
          .map((u) => `L${u.line} ${u.kind}`);
        return missed.length ? { ...f, missed } : { ...f };
      });
      return b.failure ? { coverage, failure: b.failure } : { coverage };
    },

    knownKernels() {
      return Object.keys(KERNELS);
    },

    kernelAvailable(name) {
      if (!onPath('qemu-system-x86_64', io.env)) {
        return {
          ok: false,
          why: 'qemu-system-x86_64 is not installed',
          fix: 'apt-get install qemu-system-x86 (tools/setup.sh does)',
        };
      }
      if (!(name in KERNELS)) {
        return {
          ok: false,
          why: `kernel ${name} is not one pinlab knows (${Object.keys(KERNELS).join(', ')})`,
          fix: "for your own build use 'pinlab kernel run --kernel <bzImage> --modules <dir>'",
        };
      }
      return cachedKernel(name, io.env)
        ? { ok: true }
        : {
            ok: false,
            why: `kernel ${name} is not fetched`,
            fix: `run 'pinlab kernel fetch ${name}'`,
          };
    },

    async runKernels(names, opts) {
      try {
        const { reports } = await runKernelTargets({
          kernels: names,
          root: opts.root,
          env: io.env,
          log: (line) => io.stderr(`verify: ${line}\n`),
        });
        return {
          runs: reports.flatMap(kernelScenarioRuns),
          columns: [...reports.map(kernelColumn), ...uniqueModelColumns(reports)],
          errors: reports.flatMap(kernelErrors),
        };
      } catch (err) {
        if (err instanceof KernelNotFetchedError) throw new CliError(err.message, EXIT.missing);
        throw err;
      }
    },

    loadBench(opts) {
      return loadBenchResults(benchResultsPath(opts.root));
    },
  };
}
