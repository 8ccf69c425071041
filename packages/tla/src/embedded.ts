// The embedded engine: tla-checker (WASM) in a worker thread for checking, and its explore API
// in process for re-deriving counterexamples with typed values.
//
// What tla-checker lacks and how pinlab works around it:
// - no search depth in its report: the check exports the state graph (DOT) and pinlab counts BFS
//   levels itself (initial states are the first nodes in discovery order);
// - counterexamples only as text: pinlab walks explore_init/explore_next, matching each printed
//   state, to get typed values, then writes ITF;
// - "shortest" is not promised: pinlab re-checks with max depth = trace length - 1 and requires
//   the violation to disappear (the engine stops at the first violation it meets, so a shorter
//   one would show up there);
// - violated invariant reported by index: mapped back to the cfg's INVARIANT list;
// - no time bound through its WASM API, and an unparsable definition is silently dropped:
//   the worker is terminated on timeout, and a bracket check plus the definition line table
//   turn "definition X not found" into a syntax error with file and line;
// - constants a cfg assigns but the module does not declare are accepted silently: rejected here.
import { parseTlcConfig, type TlcConfig } from './cfg.ts';
import { parseDisplayValue } from './display-values.ts';
import { bfsDepth, parseDotGraph } from './dot-graph.ts';
import { ExploreError, ModelExplorer, type ModelState } from './embedded-explore.ts';
import { type RawCheckOutput, runCheckInWorker } from './embedded-worker.ts';
import type { ItfValue } from './itf.ts';
import { findPrecedenceProblems } from './precedence.ts';
import type { CheckBounds, CheckError, CheckInput, CheckResult } from './result.ts';
import { DEFAULT_BOUNDS } from './result.ts';
import { findBracketProblems, readTlaModule, type TlaModuleInfo } from './tla-source.ts';
import { type HasValues, traceFromStates } from './trace-build.ts';
import { parseTraceText } from './trace-text.ts';

/** Problems found before running any engine: syntax (brackets, header) and unknown constants. */
export function precheck(input: CheckInput): {
  module?: TlaModuleInfo;
  cfg?: TlcConfig;
  error?: CheckError;
} {
  // Unbalanced brackets first (the engine would drop a definition), then precedence the two
  // engines read differently (each would check its own meaning of the same text).
  const syntax =
    findBracketProblems(input.specText)[0] ?? findPrecedenceProblems(input.specText)[0];
  if (syntax)
    return {
      error: {
        kind: 'syntax',
        message: `${input.specPath}:${syntax.line}:${syntax.column}: ${syntax.message}`,
        file: input.specPath,
        line: syntax.line,
      },
    };
  let module: TlaModuleInfo;
  try {
    module = readTlaModule(input.specText);
  } catch (error) {
    return {
      error: {
        kind: 'syntax',
        message: `${input.specPath}:1: ${(error as Error).message}`,
        file: input.specPath,
        line: 1,
      },
    };
  }
  let cfg: TlcConfig;
  try {
    cfg = parseTlcConfig(input.cfgText);
  } catch (error) {
    return {
      module,
      error: {
        kind: 'config',
        message: `${input.cfgPath}: ${(error as Error).message}`,
        file: input.cfgPath,
      },
    };
  }
  const unknown = [...cfg.constants.keys()].filter((c) => !module.constants.includes(c));
  if (unknown.length > 0)
    return {
      module,
      cfg,
      error: {
        kind: 'unknown-constant',
        message: `${input.cfgPath}: unknown constant ${unknown.join(', ')}; ${module.name} declares ${module.constants.join(', ') || 'no constants'}`,
        file: input.cfgPath,
      },
    };
  return { module, cfg };
}

export async function checkEmbedded(
  input: CheckInput,
  bounds: CheckBounds = {},
): Promise<CheckResult> {
  const start = performance.now();
  const b = { ...DEFAULT_BOUNDS, ...bounds };
  const base = {
    engine: 'embedded' as const,
    spec: input.spec,
    config: input.config,
    notes: [] as string[],
  };
  const fail = (error: CheckError, distinct = 0): CheckResult => ({
    ...base,
    outcome: 'error',
    distinct,
    depth: 0,
    error,
    durationMs: performance.now() - start,
  });
  const pre = precheck(input);
  if (pre.error || !pre.module || !pre.cfg) return fail(pre.error as CheckError);
  const { cfg } = pre;

  const reply = await runCheckInWorker(
    {
      specText: input.specText,
      cfgText: input.cfgText,
      maxStates: b.maxStates,
      maxDepth: b.maxDepth,
      allowDeadlock: !cfg.checkDeadlock,
      exportDot: true,
    },
    b.timeoutMs,
  );
  if (reply.kind === 'timeout')
    return fail({
      kind: 'time-bound',
      message: `time bound of ${b.timeoutMs} ms exceeded before the check finished`,
    });
  if (reply.kind === 'crash')
    return fail({
      kind: 'engine-crash',
      message: `tla-checker crashed: ${reply.message.split('\n')[0]}`,
    });
  const out = reply.output;
  const errorType = out.error_type;

  if (out.success) {
    const depth = searchDepth(input, out);
    return {
      ...base,
      outcome: 'ok',
      distinct: out.states_explored,
      depth,
      durationMs: performance.now() - start,
    };
  }
  if (errorType === 'InvariantViolation' || errorType === 'Deadlock') {
    const invariant =
      errorType === 'InvariantViolation' ? invariantName(cfg, out.error_message) : undefined;
    const result: CheckResult = {
      ...base,
      outcome: errorType === 'Deadlock' ? 'deadlock' : 'invariant',
      distinct: out.states_explored,
      depth: 0,
      durationMs: 0,
    };
    if (invariant) result.invariant = invariant;
    try {
      const { vars, states } = deriveCounterexample(input, out);
      result.depth = states.length;
      result.counterexample = traceFromStates(vars, states, {
        format: 'ITF',
        source: `${input.spec}.tla`,
        config: input.config,
        engine: 'embedded',
        strategy: 'counterexample',
        id: `${input.config}-counterexample`,
      });
      const shortest = await verifyShortest(input, cfg, states.length, b.timeoutMs);
      result.notes.push(shortest);
    } catch (error) {
      result.notes.push(`counterexample not rebuilt: ${(error as Error).message}`);
    }
    result.durationMs = performance.now() - start;
    return result;
  }
  return fail(mapEngineError(input, out), out.states_explored);
}

function invariantName(cfg: TlcConfig, message: string | null): string {
  const index = /Invariant (\d+) violated/.exec(message ?? '')?.[1];
  const name = index === undefined ? undefined : cfg.invariants[Number(index)];
  return name ?? `invariant #${index ?? '?'}`;
}

/** BFS levels of the exported graph, initial states being the first nodes discovered. */
function searchDepth(input: CheckInput, out: RawCheckOutput): number {
  if (!out.dot) return 0;
  const graph = parseDotGraph(out.dot);
  const initialCount = new ModelExplorer(input.specText, input.cfgText).initial.length;
  return bfsDepth(
    graph,
    Array.from({ length: initialCount }, (_, i) => i),
  );
}

/** The engine's text trace, found again state by state through explore_init/explore_next. */
/**
 * The engine's text trace as typed states. The printed values are read directly (same printer
 * as explore's `display`, whose reading display-values.ts is tested against the typed JSON);
 * only if that fails is each state found again by stepping the model, which costs one
 * explore_next call (tens of ms on the pinlab specs) per step.
 */
function deriveCounterexample(
  input: CheckInput,
  out: RawCheckOutput,
): { vars: string[]; states: HasValues[] } {
  const text = out.trace?.join('\n');
  if (!text) throw new Error('the engine gave no trace');
  const wanted = parseTraceText(text);
  try {
    const vars = Object.keys(wanted[0] ?? {});
    const states = wanted.map((w) => {
      const values: Record<string, ItfValue> = {};
      for (const v of vars) values[v] = parseDisplayValue(w[v] as string);
      return { values };
    });
    if (vars.length > 0) return { vars, states };
  } catch {
    // fall through to stepping the model
  }
  return stepCounterexample(input, wanted);
}

function stepCounterexample(
  input: CheckInput,
  wanted: Record<string, string>[],
): { vars: string[]; states: ModelState[] } {
  const explorer = new ModelExplorer(input.specText, input.cfgText);
  const matches = (s: ModelState, w: Record<string, string>) =>
    explorer.vars.every((v) => s.display[v] === w[v]);
  const states: ModelState[] = [];
  let candidates = explorer.initial;
  for (const [i, w] of wanted.entries()) {
    const found = candidates.find((s) => matches(s, w));
    if (!found)
      throw new ExploreError(
        `state ${i} of the engine's trace is not a successor of state ${i - 1}`,
      );
    states.push(found);
    candidates = explorer.successors(found);
  }
  return { vars: explorer.vars, states };
}

async function verifyShortest(
  input: CheckInput,
  cfg: TlcConfig,
  length: number,
  timeoutMs: number,
): Promise<string> {
  if (length <= 1) return 'shortest: the violation is in an initial state';
  const reply = await runCheckInWorker(
    {
      specText: input.specText,
      cfgText: input.cfgText,
      maxStates: DEFAULT_BOUNDS.maxStates,
      maxDepth: length - 1,
      allowDeadlock: !cfg.checkDeadlock,
      exportDot: false,
    },
    timeoutMs,
  );
  if (reply.kind !== 'done')
    throw new Error(`shortest-trace verification did not finish (${reply.kind})`);
  const t = reply.output.error_type;
  if (t === 'InvariantViolation' || t === 'Deadlock')
    throw new Error(
      `a shorter violation exists (found within depth ${length - 1}); the engine's trace is not shortest`,
    );
  return `shortest: verified no violation within depth ${length - 1}`;
}

function mapEngineError(input: CheckInput, out: RawCheckOutput): CheckError {
  const type = out.error_type ?? 'unknown';
  const message = out.error_message ?? '(no message)';
  switch (type) {
    case 'MaxStatesExceeded':
      return { kind: 'state-bound', message: `state bound exceeded: ${message}` };
    case 'MaxDepthExceeded':
      return { kind: 'depth-bound', message: `depth bound exceeded: ${message}` };
    case 'MaxTimeExceeded':
      return { kind: 'time-bound', message: `time bound exceeded: ${message}` };
    case 'MissingConstants':
      return { kind: 'config', message: `${input.cfgPath}: ${message}`, file: input.cfgPath };
    case 'ConfigError': {
      // tla-checker drops a definition it cannot parse, then reports it as missing.
      const name = /definition '(\w+)' not found/.exec(message)?.[1];
      const line = name ? lineOfDefinitionText(input.specText, name) : undefined;
      if (name && line !== undefined)
        return {
          kind: 'syntax',
          message: `${input.specPath}:${line}: definition ${name} could not be parsed by tla-checker (${message})`,
          file: input.specPath,
          line,
        };
      return { kind: 'config', message: `${input.cfgPath}: ${message}`, file: input.cfgPath };
    }
    case 'ParseError':
    case 'SyntaxError':
      return { kind: 'syntax', message: `${input.specPath}: ${message}`, file: input.specPath };
    default:
      return { kind: 'evaluation', message: `${type}: ${message}` };
  }
}

function lineOfDefinitionText(text: string, name: string): number | undefined {
  const lines = text.split('\n');
  const re = new RegExp(`^${name}\\s*(\\([^)]*\\))?\\s*==`);
  const index = lines.findIndex((l) => re.test(l));
  return index === -1 ? undefined : index + 1;
}
