// @pinlab/testgen: spec adapters, expectations per kernel profile, targets and the generator
// of generated-tests/. The Target contract (docs/CONTRACTS.md) lives in target.ts.

export * from './adapters/adapter.ts';
export * from './adapters/index.ts';
export * from './branch-coverage.ts';
export * from './compare.ts';
export * from './expect.ts';
export * from './generate.ts';
export * from './mbt.ts';
export * from './model/engine.ts';
export * from './model/value.ts';
export * from './model/walk.ts';
export * from './pipeline.ts';
export * from './profiles.ts';
export * from './reference-target.ts';
export * from './run-suite.ts';
export * from './scenarios.ts';
export * from './suite.ts';
export * from './target.ts';
