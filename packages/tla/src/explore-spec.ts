// The functions behind `pinlab explore` and the test generator: load a config (optionally under
// a profile's constants), build its state graph, run a strategy, write ITF scenarios atomically;
// replay a scenario under a profile.
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import type { ConstantValue } from './cfg.ts';
import { ModelExplorer } from './embedded-explore.ts';
import { type ExploreOptions, explore, tourLowerBound } from './explore.ts';
import { buildStateGraphFromCheck, type GraphFromCheckOptions } from './graph-from-check.ts';
import { type ItfTrace, serializeItf } from './itf.ts';
import { loadConfig, ProjectError, profileConstants, readProfiles } from './project.ts';
import { type ReplayResult, replay, scenarioActions } from './replay.ts';
import type { StateGraph } from './state-graph.ts';

export interface ModelHandle {
  spec: string;
  config: string;
  explorer: ModelExplorer;
}

/** Open a config for stepping, with constant overrides (e.g. a profile's) applied to its cfg. */
export function openModel(
  root: string,
  config: string,
  overrides: Record<string, ConstantValue> = {},
): ModelHandle {
  const input = loadConfig(root, config, overrides);
  return { spec: input.spec, config, explorer: new ModelExplorer(input.specText, input.cfgText) };
}

/** Open a config under a kernel profile; undefined when the profile does not constrain the spec. */
export function openModelForProfile(
  root: string,
  config: string,
  profile: string,
): ModelHandle | undefined {
  const spec = loadConfig(root, config).spec;
  const constants = profileConstants(readProfiles(root), profile, spec);
  return constants === undefined ? undefined : openModel(root, config, constants);
}

export interface ExploreSpecOptions extends ExploreOptions {
  root: string;
  config: string;
  /** Where to write `<id>.itf.json` files; omitted: nothing written. */
  outDir?: string;
  maxStates?: number;
}

export interface ExploreSpecResult {
  spec: string;
  config: string;
  graph: { states: number; edges: number; actions: string[]; tourLowerBound: number };
  scenarios: ItfTrace[];
  files: string[];
}

/** The reachable graph of a config, from one check run (see graph-from-check.ts). */
export function configGraph(
  root: string,
  config: string,
  options: GraphFromCheckOptions = {},
): Promise<StateGraph> {
  const input = loadConfig(root, config);
  return buildStateGraphFromCheck(input.specText, input.cfgText, options);
}

export async function exploreSpec(options: ExploreSpecOptions): Promise<ExploreSpecResult> {
  const model = { spec: loadConfig(options.root, options.config).spec };
  const graph = await configGraph(
    options.root,
    options.config,
    options.maxStates ? { maxStates: options.maxStates } : {},
  );
  const scenarios = explore(
    graph,
    { spec: model.spec, config: options.config, engine: 'embedded' },
    options,
  );
  const files: string[] = [];
  if (options.outDir) {
    for (const s of scenarios) {
      const path = join(options.outDir, `${s['#meta'].id}.itf.json`);
      writeFileAtomic(path, serializeItf(s));
      files.push(path);
    }
  }
  return {
    spec: model.spec,
    config: options.config,
    graph: {
      states: graph.states.length,
      edges: graph.edgeCount,
      actions: graph.actions,
      tourLowerBound: tourLowerBound(graph),
    },
    scenarios,
    files,
  };
}

/** Replay a scenario's actions in its config under `profile`'s constants. */
export function replayUnderProfile(
  root: string,
  scenario: ItfTrace,
  profile: string,
): ReplayResult | { ok: false; notApplicable: string } {
  const config = scenario['#meta'].config;
  const model = openModelForProfile(root, config, profile);
  if (!model)
    return { ok: false, notApplicable: `profile ${profile} does not constrain this spec` };
  return replay(model.explorer, scenarioActions(scenario));
}

export { ProjectError };
