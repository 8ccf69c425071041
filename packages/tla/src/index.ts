// @pinlab/tla: engines (embedded tla-checker, TLC), ITF traces, spec loading, checking against
// the manifest, exploration strategies, replay and model coverage. See README.md.
export { writeFileAtomic } from './atomic.ts';
export type { ConstantValue, TlcConfig } from './cfg.ts';
export { applyConstantOverrides, constantToTla, parseTlcConfig } from './cfg.ts';
export type { CheckSpecsOptions, ConfigCheck } from './check.ts';
export {
  checkSpecs,
  compareWithManifest,
  describeExpect,
  describeOutcome,
  runEngine,
  selectConfigs,
} from './check.ts';
export type { ModelCoverage } from './coverage.ts';
export { modelCoverage } from './coverage.ts';
export { parseDisplayValue } from './display-values.ts';
export { checkEmbedded, precheck } from './embedded.ts';
export type { ModelState } from './embedded-explore.ts';
export { ExploreError, ModelExplorer } from './embedded-explore.ts';
export { engineConcurrency, setEngineConcurrency } from './embedded-worker.ts';
export { engineValueToItf } from './engine-values.ts';
export type { ExploreOptions, ScenarioSource, StatePath, Strategy } from './explore.ts';
export {
  ExploreLimitError,
  exhaustivePaths,
  explore,
  randomPaths,
  tourLowerBound,
  tourPaths,
} from './explore.ts';
export type { ExploreSpecOptions, ExploreSpecResult, ModelHandle } from './explore-spec.ts';
export {
  configGraph,
  exploreSpec,
  openModel,
  openModelForProfile,
  replayUnderProfile,
} from './explore-spec.ts';
export type { GraphFromCheckOptions, GraphJob, GraphJobResult } from './graph-from-check.ts';
export {
  buildStateGraphFromCheck,
  buildStateGraphFromCheckSync,
  buildStateGraphsFromCheck,
  stateGraphFromDot,
  withoutInvariants,
} from './graph-from-check.ts';
export type { ItfMeta, ItfRecord, ItfState, ItfTrace, ItfValue } from './itf.ts';
export {
  canonicalItf,
  ItfError,
  parseItf,
  serializeItf,
  showItf,
  stateValue,
  validateItfTrace,
} from './itf.ts';
export { Prng } from './prng.ts';
export type {
  Manifest,
  ManifestEntry,
  ManifestExpect,
  Profile,
  Profiles,
  SpecFiles,
} from './project.ts';
export {
  findProjectRoot,
  listSpecs,
  loadConfig,
  ProjectError,
  parseManifest,
  parseProfiles,
  profileConstants,
  readManifest,
  readProfiles,
  specsDir,
} from './project.ts';
export type { ReplayResult } from './replay.ts';
export { replay, scenarioActions } from './replay.ts';
export type {
  CheckBounds,
  CheckError,
  CheckErrorKind,
  CheckInput,
  CheckOutcome,
  CheckResult,
  EngineName,
} from './result.ts';
export { DEFAULT_BOUNDS } from './result.ts';
export type { GraphEdge, GraphState, StateGraph } from './state-graph.ts';
export { actionName, buildStateGraph, GraphBoundError, stateKey } from './state-graph.ts';
export type { StepRow } from './step-table.ts';
export { ACTION_VAR, actionLabel, formatStepTable, stepRows } from './step-table.ts';
export type { TlaModuleInfo } from './tla-source.ts';
export { readTlaModule } from './tla-source.ts';
export {
  cachedJarPath,
  checkTlc,
  findJava,
  findTlaToolsJar,
  installTlaTools,
  TLA2TOOLS_RELEASE,
  TlcInstallError,
  TlcMissingError,
  tlcAvailability,
} from './tlc.ts';
export { parseTlcToolOutput, summarizeTlcRun } from './tlc-output.ts';
export { readTlcJsonTrace, tlcTraceToItf } from './tlc-trace.ts';
