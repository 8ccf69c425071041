// The result shapes the report and JUnit are rendered from. `pinlab verify` assembles a
// `VerifyResults` from the producing packages (@pinlab/tla, @pinlab/testgen,
// @pinlab/kernel-harness, the bench scripts) through the adapters in `collect/`, and saves it as
// `.pinlab/results/verify.json`, so `pinlab report` can re-render without re-running anything.

/** What a config must give, as in specs/manifest.json. */
export type ExpectedResult = 'ok' | { invariant: string } | { deadlock: true } | null;

/** What the engine gave. `error` is an engine or parse error (never a pass). */
export type ActualResult =
  | 'ok'
  | { invariant: string }
  | { deadlock: true }
  | { error: string }
  | { skipped: string };

/** One step of a counterexample: the action that led to the state, and the state's variables. */
export interface TraceStep {
  /** The spec's `action` record: `name` plus its parameters. */
  action: { name: string; [param: string]: string | number | boolean };
  /** Every other variable, as plain JSON (ITF sets/maps flattened by `plainValue`). */
  vars: Record<string, unknown>;
}

export interface Counterexample {
  invariant: string;
  steps: TraceStep[];
  /** Optional lane hints for the sequence diagram; inferred from the trace when absent. */
  lanes?: { processes?: string[]; pages?: string[]; io?: string[] };
}

/** A state graph small enough to draw. `covered` marks transitions the scenarios took. */
export interface StateGraph {
  nodes: { id: string; label: string; init?: boolean; violating?: boolean }[];
  edges: { from: string; to: string; action: string; covered?: boolean }[];
  /** True when the graph was cut at a node limit (drawn anyway, and said so). */
  truncated?: boolean;
}

export interface ConfigResult {
  /** Config file name without `.cfg` (`ForkRace_FollGet`). */
  config: string;
  spec: string;
  engine: 'embedded' | 'tlc';
  expect: ExpectedResult;
  actual: ActualResult;
  /** Whether `actual` matches `expect` (and the manifest's counts, when the engine gives them). */
  passed: boolean;
  /** Why it did not pass, in one line (mismatch in result, distinct states, depth...). */
  message?: string;
  distinct?: number;
  depth?: number;
  expectedDistinct?: number;
  expectedDepth?: number;
  timeMs: number;
  /** For an engine error: its kind (`syntax`, `config`, `unknown-constant`, `missing-tool`...). */
  errorKind?: string;
  counterexample?: Counterexample;
  graph?: StateGraph;
}

/** One (target, profile, spec) run of the generated suites. */
export interface ScenarioRun {
  target: string;
  profile: string;
  spec: string;
  run: number;
  passed: number;
  failed: number;
  notApplicable: number;
  timeMs?: number;
  failures: { scenario: string; step?: number; message: string }[];
  /** Why some scenarios were not applicable (reason -> count). */
  notApplicableReasons?: Record<string, number>;
  /**
   * Of `run`: scenarios a kernel target checked over their longest realisable prefix only (the
   * rest of the scenario has a step the guest cannot make), by that step and why.
   */
  prefixOnly?: number;
  prefixOnlyReasons?: Record<string, number>;
}

/** Generated files compared with `generated-tests/` (gen --check). */
export interface GeneratedCheck {
  upToDate: boolean;
  files: number;
  /** Files that differ, are missing, or are stale. */
  differences: { file: string; kind: 'changed' | 'missing' | 'stale' }[];
}

export interface CoverageItem {
  name: string;
  covered: number;
  total: number;
  /** Names not covered (actions, transitions, branches), for the reader to act on. */
  missed?: string[];
}

export interface CoverageResults {
  /** Per spec: which actions the scenarios exercise. */
  actions: (CoverageItem & { spec: string })[];
  /** Per spec: distinct (state, action, state) transitions exercised over the model's total. */
  transitions: (CoverageItem & { spec: string })[];
  /** Reference implementation branches hit by the generated suites (per file or module). */
  referenceBranches: CoverageItem[];
}

/** One kernel (or the model under a profile) in the side-by-side table. */
export interface KernelColumn {
  /** `6.1`, `6.12`, or `model:linux-6.12` for the model's prediction. */
  name: string;
  release?: string;
  profile: string;
  /** The DIO-read vs fork race: who ends up with the data. */
  forkRace?: {
    outcome: 'parent-keeps-data' | 'parent-loses-data' | 'unknown';
    runs?: number;
    lost?: number;
  };
  /** nr_foll_pin_acquired/released deltas; `expected` is what the model predicts for the profile. */
  pinDeltas?: { case: string; acquired: number; released: number; expected?: number }[];
  scenarios?: { run: number; passed: number; failed: number; notApplicable: number };
  note?: string;
}

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
}

export interface BenchResults {
  generatedAt: string;
  packages: { package: string; figures: BenchFigure[]; output?: string; error?: string }[];
}

/** A step of verify that did not run, and why (shown in the report and on stderr). */
export interface Skip {
  what: string;
  why: string;
}

export interface VerifyResults {
  /** Schema version of this file, bumped on incompatible change. */
  schema: 1;
  pinlabVersion: string;
  /** ISO time; set from PINLAB_NOW or the clock (the only non-deterministic field). */
  generatedAt: string;
  engine: 'embedded' | 'tlc';
  checks: ConfigResult[];
  generated?: GeneratedCheck;
  scenarios: ScenarioRun[];
  coverage?: CoverageResults;
  kernels: KernelColumn[];
  bench?: BenchResults;
  skipped: Skip[];
  /** Whole-step failures (e.g. the generator threw): each makes verify fail. */
  errors: { step: string; message: string }[];
}

export function isFailure(results: VerifyResults): boolean {
  return (
    results.errors.length > 0 ||
    results.checks.some((c) => !c.passed) ||
    results.scenarios.some((s) => s.failed > 0) ||
    (results.generated !== undefined && !results.generated.upToDate)
  );
}

export function describeResult(r: ExpectedResult | ActualResult): string {
  if (r === null) return '(not in manifest)';
  if (r === 'ok') return 'ok';
  if ('invariant' in r) return `violates ${r.invariant}`;
  if ('deadlock' in r) return 'deadlock';
  if ('skipped' in r) return `skipped: ${r.skipped}`;
  return `error: ${r.error}`;
}
