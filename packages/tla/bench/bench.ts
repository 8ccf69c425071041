// `npm run bench -w @pinlab/tla`: figures for the embedded engine, printed as `name: value unit`
// lines (collected by `pinlab bench`). Nothing here asserts on time.
//   - check of every CI config of specs/ (manifest "ci": true): time each, and the total
//     (goal: all CI configs < 60 s on the project machine);
//   - states per second on the largest config (most distinct states);
//   - graph building: one explore_next call per state vs one check run with DOT export (ratio);
//     several graphs one after another vs side by side in the engine workers (ratio, CPU/state).
// BENCH_TIMEOUT_S bounds each config (default 300 s); a config that exceeds it is reported.
import { checkSpecs } from '../src/check.ts';
import { checkEmbedded } from '../src/embedded.ts';
import { ModelExplorer } from '../src/embedded-explore.ts';
import { engineConcurrency } from '../src/embedded-worker.ts';
import {
  buildStateGraphFromCheck,
  buildStateGraphFromCheckSync,
  buildStateGraphsFromCheck,
} from '../src/graph-from-check.ts';
import { findProjectRoot, listSpecs, loadConfig, readManifest } from '../src/project.ts';
import { buildStateGraph } from '../src/state-graph.ts';
import { fixtureInput } from '../test/helpers.ts';

const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 300) * 1000;
const figure = (name: string, value: number, unit: string) =>
  console.log(`${name}: ${Number(value.toFixed(3))} ${unit}`);

async function graphBuilders(root: string | null): Promise<void> {
  // A mid-sized real config when there is one (explore_next on thousands of states takes minutes).
  let input = fixtureInput('Counter');
  let name = 'Counter fixture';
  if (root && listSpecs(root).some((s) => s.configs.includes('BvecqCursors_dio_write'))) {
    input = loadConfig(root, 'BvecqCursors_dio_write');
    name = 'BvecqCursors_dio_write';
  }
  let t = performance.now();
  const explorer = new ModelExplorer(input.specText, input.cfgText);
  const viaExplore = buildStateGraph(explorer);
  const exploreMs = performance.now() - t;
  t = performance.now();
  await buildStateGraphFromCheck(input.specText, input.cfgText);
  const checkMs = performance.now() - t;
  figure(`graph_explore_next_ms_per_state (${name})`, exploreMs / viaExplore.states.length, 'ms');
  figure(`graph_check_dot_ms_per_state (${name})`, checkMs / viaExplore.states.length, 'ms');
  figure(`graph_explore_over_check_ratio (${name})`, exploreMs / checkMs, 'x');
}

/**
 * Several graphs one after another in this thread vs side by side in the engine workers
 * (buildStateGraphsFromCheck, what testgen's cold generation does): the CI configs of ForkRace
 * (BENCH_GRAPH_SPEC), or the fixtures without a specs/ folder. Wall and process CPU time.
 */
async function graphBatch(root: string | null): Promise<void> {
  const spec = process.env.BENCH_GRAPH_SPEC ?? 'ForkRace';
  const jobs =
    root && listSpecs(root).some((s) => s.spec === spec)
      ? (listSpecs(root).find((s) => s.spec === spec)?.configs ?? []).map((c) =>
          loadConfig(root, c),
        )
      : ['Counter', 'Shapes', 'Values', 'TwoPaths'].map((f) => fixtureInput(f));
  const name = `${jobs.length} graphs of ${root ? spec : 'the fixtures'}`;
  const cpu = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  // Warm the workers first: a fresh WASM instance runs its first check slower.
  await buildStateGraphsFromCheck(jobs.slice(0, engineConcurrency()));
  let t = performance.now();
  let c = cpu();
  let states = 0;
  for (const j of jobs) states += buildStateGraphFromCheckSync(j.specText, j.cfgText).states.length;
  const seqMs = performance.now() - t;
  const seqCpu = cpu() - c;
  t = performance.now();
  c = cpu();
  await buildStateGraphsFromCheck(jobs);
  const parMs = performance.now() - t;
  const parCpu = cpu() - c;
  figure(`graph_batch_sequential_s (${name}, ${states} states)`, seqMs / 1000, 's');
  figure(`graph_batch_parallel_s (${engineConcurrency()} workers)`, parMs / 1000, 's');
  figure('graph_batch_sequential_over_parallel_ratio', seqMs / parMs, 'x');
  figure('graph_batch_cpu_ms_per_state (sequential)', seqCpu / states, 'ms');
  figure('graph_batch_cpu_ms_per_state (parallel, workers included)', parCpu / states, 'ms');
}

async function ciConfigs(root: string | null): Promise<void> {
  if (!root) {
    console.log('# no specs/ folder: CI config figures skipped');
    return;
  }
  let manifest: ReturnType<typeof readManifest> = {};
  try {
    manifest = readManifest(root);
  } catch (error) {
    console.log(`# ${(error as Error).message}: checking every config instead of the CI ones`);
  }
  const configs = listSpecs(root)
    .flatMap((s) => s.configs)
    .filter((c) => Object.keys(manifest).length === 0 || manifest[c]?.ci === true);
  let totalMs = 0;
  let largest: { config: string; distinct: number; ms: number } | null = null;
  let complete = true;
  for (const config of configs) {
    const r = await checkEmbedded(loadConfig(root, config), { timeoutMs });
    totalMs += r.durationMs;
    const done = r.outcome !== 'error';
    if (!done) complete = false;
    console.log(
      `# ${config}: ${r.outcome}${r.error ? ` (${r.error.kind})` : ''}, ${r.distinct} states, ${Math.round(r.durationMs)} ms`,
    );
    figure(`check_ms ${config}`, r.durationMs, 'ms');
    if (done && r.outcome === 'ok' && (!largest || r.distinct > largest.distinct))
      largest = { config, distinct: r.distinct, ms: r.durationMs };
  }
  const t = performance.now();
  await checkSpecs({ root, ciOnly: true, counterexampleDir: null, bounds: { timeoutMs } });
  const parallelMs = performance.now() - t;
  figure(
    `check_all_ci_configs_parallel_s (${engineConcurrency()} workers)`,
    parallelMs / 1000,
    's',
  );
  figure('check_sequential_over_parallel_ratio', totalMs / parallelMs, 'x');
  figure(`check_all_ci_configs_s${complete ? '' : ' (some hit a bound)'}`, totalMs / 1000, 's');
  if (largest)
    figure(
      `embedded_states_per_s (${largest.config}, ${largest.distinct} states)`,
      largest.distinct / (largest.ms / 1000),
      'states/s',
    );
}

let root: string | null = null;
try {
  root = findProjectRoot(process.cwd());
} catch {
  root = null;
}
// BENCH_ONLY=graphs: the graph-building figures alone (the CI config checks take minutes).
await graphBuilders(root);
await graphBatch(root);
if (process.env.BENCH_ONLY !== 'graphs') await ciConfigs(root);
