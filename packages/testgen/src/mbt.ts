// Model-based testing with fast-check: action sequences drawn from the model (each step picks
// one of explore_next's successors by a drawn number), run on the reference under a profile,
// compared step by step with the model's observations. fast-check shrinks a failure to a
// minimal choice list, i.e. a minimal sequence the model still enables. A failure is saved to
// .pinlab/mbt/ so `pinlab gen --freeze <file>` can turn it into a checked-in regression test.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { SpecAdapter } from './adapters/adapter.ts';
import { writeFileAtomic } from './atomic.ts';
import { compareObservations, formatMismatch, type Mismatch } from './compare.ts';
import { computeExpectation } from './expect.ts';
import type { Constants, ModelStepper } from './model/engine.ts';
import { canonicalJson } from './model/value.ts';
import { walkByChoices } from './model/walk.ts';
import { type FrozenScenario, frozenPath, GenUsageError } from './pipeline.ts';
import { runOnReference } from './reference-target.ts';
import { type ItfTraceLike, scenarioFromItf } from './scenarios.ts';
import type { Scenario, ScenarioAction } from './target.ts';

export interface MbtOptions {
  readonly stepper: ModelStepper;
  readonly adapter: SpecAdapter;
  readonly config: string;
  readonly profile: string;
  readonly constants: Constants;
  readonly seed: number;
  readonly numRuns: number;
  readonly maxDepth: number;
  /** fast-check's replay path of a previous failure. */
  readonly path?: string;
}

/** A failing sequence as saved for `pinlab gen --freeze`. */
export interface MbtFailure {
  readonly spec: string;
  readonly config: string;
  readonly profile: string;
  readonly seed: number;
  readonly path: string;
  readonly actions: ScenarioAction[];
  readonly mismatches: string[];
}

export type MbtResult =
  | { readonly ok: true; readonly runs: number }
  | { readonly ok: false; readonly failure: MbtFailure };

function mismatchesOf(
  opts: MbtOptions,
  choices: readonly number[],
): { scenario: Scenario; mismatches: Mismatch[] } {
  // Draw under the profile's own constants, so every drawn action is enabled under it.
  const walk = walkByChoices(opts.stepper, opts.constants, choices);
  const scenario: Scenario = {
    id: `${opts.config}/mbt`,
    spec: opts.adapter.spec,
    config: opts.config,
    actions: walk.actions,
    constants: opts.constants,
  };
  const expected = computeExpectation(
    opts.stepper,
    opts.adapter.observeModel,
    scenario,
    opts.profile,
    opts.constants,
  );
  let observed: ReturnType<typeof runOnReference>;
  try {
    observed = runOnReference(opts.adapter, scenario, opts.profile, expected.observations);
  } catch (e) {
    const step = scenario.actions.length - 1;
    return {
      scenario,
      mismatches: [
        {
          scenario: scenario.id,
          profile: opts.profile,
          step,
          action: '(run)',
          key: 'error',
          expected: null,
          observed: (e as Error).message,
        },
      ],
    };
  }
  return {
    scenario,
    mismatches: compareObservations(scenario, opts.profile, expected.observations, observed),
  };
}

export function modelBasedCheck(opts: MbtOptions): MbtResult {
  const property = fc.property(
    fc.array(fc.nat({ max: 63 }), { maxLength: opts.maxDepth }),
    (choices) => {
      return mismatchesOf(opts, choices).mismatches.length === 0;
    },
  );
  const details = fc.check(property, {
    seed: opts.seed,
    numRuns: opts.numRuns,
    ...(opts.path !== undefined ? { path: opts.path } : {}),
  });
  if (!details.failed || details.counterexample === null)
    return { ok: true, runs: details.numRuns };
  const [choices] = details.counterexample;
  const { scenario, mismatches } = mismatchesOf(opts, choices);
  return {
    ok: false,
    failure: {
      spec: opts.adapter.spec,
      config: opts.config,
      profile: opts.profile,
      seed: details.seed,
      path: details.counterexamplePath ?? '',
      actions: [...scenario.actions],
      mismatches: mismatches.map(formatMismatch),
    },
  };
}

/** Saves a failure where `pinlab gen --freeze` finds it; returns the path. */
export function saveMbtFailure(root: string, failure: MbtFailure): string {
  const path = join(
    root,
    '.pinlab',
    'mbt',
    `${failure.spec}-${failure.profile}-${failure.seed}.json`,
  );
  writeFileAtomic(path, `${JSON.stringify(failure, null, 2)}\n`);
  return path;
}

function itfAsFailure(trace: ItfTraceLike & { '#meta': { strategy?: string } }): MbtFailure {
  const s = scenarioFromItf(trace);
  return {
    spec: s.spec,
    config: s.config,
    profile: 'itf',
    seed: 0,
    path: trace['#meta'].strategy ?? 'itf',
    actions: [...s.actions],
    mismatches: [],
  };
}

/**
 * Appends a saved failure's sequence to packages/testgen/frozen/<Spec>.json (unless already
 * there); `pinlab gen` then makes it a scenario of the config's suite, under every profile.
 */
export function freezeSequence(root: string, failurePath: string): { id: string; path: string } {
  if (!existsSync(failurePath)) throw new GenUsageError(`--freeze: ${failurePath} does not exist`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(failurePath, 'utf8'));
  } catch (e) {
    throw new GenUsageError(`--freeze: ${failurePath} is not JSON: ${(e as Error).message}`);
  }
  // An ITF trace (e.g. a counterexample saved by `pinlab check`) freezes as its action sequence.
  const failure: MbtFailure =
    data !== null && typeof data === 'object' && '#meta' in data
      ? itfAsFailure(data as ItfTraceLike & { '#meta': { strategy?: string } })
      : (data as MbtFailure);
  if (
    typeof failure.spec !== 'string' ||
    typeof failure.config !== 'string' ||
    !Array.isArray(failure.actions)
  ) {
    throw new GenUsageError(
      `--freeze: ${failurePath} is not a saved model-based-testing failure (needs spec, config, actions)`,
    );
  }
  if (failure.actions[0]?.name !== 'Init')
    throw new GenUsageError(`--freeze: ${failurePath}: the sequence must start with Init`);
  const path = frozenPath(root, failure.spec);
  const list: FrozenScenario[] = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as FrozenScenario[])
    : [];
  const same = list.find((f) => canonicalJson(f.actions) === canonicalJson(failure.actions));
  if (same !== undefined) return { id: same.id, path };
  const id =
    failure.profile === 'itf'
      ? `${failure.config}/${failure.path}`
      : `${failure.config}/frozen-${failure.profile}-${failure.seed}`;
  list.push({
    id,
    config: failure.config,
    actions: failure.actions,
    note:
      failure.profile === 'itf'
        ? `ITF ${failure.path} of ${failure.config}`
        : `fast-check seed ${failure.seed} path ${failure.path}: ${failure.mismatches[0] ?? ''}`,
  });
  writeFileAtomic(path, `${JSON.stringify(list, null, 2)}\n`);
  return { id, path };
}
