// Model checking for verify and the report: @pinlab/tla's checkSpecs (every config compared
// with specs/manifest.json) mapped to the report's ConfigResult, counterexamples turned from ITF
// into plain step tables.
import { type ConfigCheck, checkSpecs, type EngineName, type ItfTrace } from '@pinlab/tla';
import { plainValue } from '../report/values.ts';
import type { ActualResult, ConfigResult, Counterexample, TraceStep } from '../results.ts';

export function traceSteps(trace: ItfTrace): TraceStep[] {
  return trace.states.map((state) => {
    const vars: Record<string, unknown> = {};
    let action: TraceStep['action'] = { name: '?' };
    for (const [k, v] of Object.entries(state)) {
      if (k === '#meta') continue;
      const plain = plainValue(v);
      if (k === 'action' && plain && typeof plain === 'object' && !Array.isArray(plain)) {
        const a = plain as Record<string, string | number | boolean>;
        action = { ...a, name: String(a.name ?? '?') };
      } else vars[k] = plain;
    }
    return { action, vars };
  });
}

function actualOf(c: ConfigCheck): ActualResult {
  const r = c.result;
  switch (r.outcome) {
    case 'ok':
      return 'ok';
    case 'invariant':
      return { invariant: r.invariant ?? '?' };
    case 'deadlock':
      return { deadlock: true };
    default:
      return { error: `${r.error?.kind ?? 'error'}: ${r.error?.message ?? 'check failed'}` };
  }
}

export function toConfigResult(c: ConfigCheck): ConfigResult {
  const out: ConfigResult = {
    config: c.config,
    spec: c.spec,
    engine: c.engine,
    expect: c.expect,
    actual: actualOf(c),
    passed: c.passed,
    distinct: c.result.distinct,
    depth: c.result.depth,
    timeMs: c.result.durationMs,
  };
  if (c.message) out.message = c.message;
  if (c.result.error) out.errorKind = c.result.error.kind;
  if (c.expectedDistinct !== undefined) out.expectedDistinct = c.expectedDistinct;
  if (c.expectedDepth !== undefined) out.expectedDepth = c.expectedDepth;
  if (c.result.counterexample) {
    const cx: Counterexample = {
      invariant: c.result.invariant ?? (c.result.outcome === 'deadlock' ? 'deadlock' : '?'),
      steps: traceSteps(c.result.counterexample),
    };
    out.counterexample = cx;
  }
  return out;
}

/** The configs' results, plus each counterexample as ITF (for marking it on the state graph). */
export async function checkAll(opts: {
  root: string;
  engine: EngineName;
  only: string[];
  env: NodeJS.ProcessEnv;
  onStart?: (config: string, index: number, total: number) => void;
  onResult?: (result: ConfigResult) => void;
}): Promise<{ results: ConfigResult[]; traces: Map<string, ItfTrace> }> {
  const checks = await checkSpecs({
    root: opts.root,
    engine: opts.engine,
    only: opts.only,
    env: opts.env,
    ...(opts.onStart ? { onStart: opts.onStart } : {}),
    ...(opts.onResult ? { onResult: (c: ConfigCheck) => opts.onResult?.(toConfigResult(c)) } : {}),
  });
  const traces = new Map<string, ItfTrace>();
  for (const c of checks)
    if (c.result.counterexample) traces.set(c.config, c.result.counterexample);
  return { results: checks.map(toConfigResult), traces };
}
