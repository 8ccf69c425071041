// Stepping through a model with tla-checker's explore_init/explore_next. Each state comes back as
// typed JSON (kept raw, to pass back to the engine) and as ITF values; successors carry the
// spec's `action` variable, which is how pinlab knows which step was taken.
import { engineValueToItf } from './engine-values.ts';
import { canonicalItf, type ItfValue } from './itf.ts';
import { loadTlaChecker } from './wasm.ts';

export interface ModelState {
  /** The engine's typed JSON for the state, passed back to explore_next. */
  raw: Record<string, unknown>;
  /** Variable -> ITF value. */
  values: Record<string, ItfValue>;
  /** The engine's TLA+ text of each variable (matches its trace output). */
  display: Record<string, string>;
  /** Canonical text of the state: equal states have equal keys. */
  key: string;
}

export class ExploreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExploreError';
  }
}

interface RawState {
  display: Record<string, string>;
  json: Record<string, unknown>;
}

/** A state from explore's typed JSON: ITF values and the canonical key, in `vars` order. */
function stateFromRaw(vars: readonly string[], s: RawState): ModelState {
  const values: Record<string, ItfValue> = {};
  for (const v of vars) values[v] = engineValueToItf(s.json[v], v);
  const key = vars.map((v) => `${v}=${canonicalItf(values[v] as ItfValue)}`).join(';');
  return { raw: s.json, values, display: s.display, key };
}

/** An explore_* reply as an object, or the ExploreError it reports. */
function exploreReply(text: string, what: string): Record<string, unknown> {
  const out = JSON.parse(text) as Record<string, unknown>;
  if (out.ok !== true) throw new ExploreError(`tla-checker ${what}: ${String(out.error)}`);
  return out;
}

/**
 * The variables and initial states in an explore_init reply (what ModelExplorer opens with):
 * for a reply obtained elsewhere, e.g. in an engine worker next to a check run.
 */
export function initialStatesFromExploreInit(text: string): {
  vars: string[];
  initial: ModelState[];
} {
  const init = exploreReply(text, 'explore_init');
  const vars = init.vars as string[];
  return { vars, initial: (init.states as RawState[]).map((s) => stateFromRaw(vars, s)) };
}

/** One model (spec text + cfg text + constant overrides) opened for stepping. */
export class ModelExplorer {
  readonly vars: string[];
  private readonly successorsCache = new Map<string, ModelState[]>();
  calls = 0;

  constructor(
    readonly specText: string,
    readonly cfgText: string,
    readonly constantsJson = '{}',
  ) {
    const init = this.call(
      () => loadTlaChecker().explore_init(specText, cfgText, constantsJson),
      'explore_init',
    );
    this.vars = init.vars as string[];
    this.initial = (init.states as RawState[]).map((s) => this.toState(s));
  }

  readonly initial: ModelState[];

  /** Successor states of `state`, in the engine's order (deduplicated, cached by state key). */
  successors(state: ModelState): ModelState[] {
    const cached = this.successorsCache.get(state.key);
    if (cached) return cached;
    const out = this.call(
      () =>
        loadTlaChecker().explore_next(
          this.specText,
          this.cfgText,
          this.constantsJson,
          JSON.stringify(state.raw),
        ),
      'explore_next',
    );
    const seen = new Set<string>();
    const next: ModelState[] = [];
    for (const t of out.transitions as { state: RawState }[]) {
      const s = this.toState(t.state);
      if (seen.has(s.key)) continue;
      seen.add(s.key);
      next.push(s);
    }
    this.successorsCache.set(state.key, next);
    return next;
  }

  private toState(s: RawState): ModelState {
    return stateFromRaw(this.vars, s);
  }

  private call(fn: () => string, what: string): Record<string, unknown> {
    this.calls += 1;
    let text: string;
    try {
      text = fn();
    } catch (error) {
      throw new ExploreError(`tla-checker ${what} crashed: ${(error as Error).message}`);
    }
    return exploreReply(text, what);
  }
}
