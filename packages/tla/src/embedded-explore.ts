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
    const values: Record<string, ItfValue> = {};
    for (const v of this.vars ?? Object.keys(s.json)) values[v] = engineValueToItf(s.json[v], v);
    const key = this.vars.map((v) => `${v}=${canonicalItf(values[v] as ItfValue)}`).join(';');
    return { raw: s.json, values, display: s.display, key };
  }

  private call(fn: () => string, what: string): Record<string, unknown> {
    this.calls += 1;
    let text: string;
    try {
      text = fn();
    } catch (error) {
      throw new ExploreError(`tla-checker ${what} crashed: ${(error as Error).message}`);
    }
    const out = JSON.parse(text) as Record<string, unknown>;
    if (out.ok !== true) throw new ExploreError(`tla-checker ${what}: ${String(out.error)}`);
    return out;
  }
}
