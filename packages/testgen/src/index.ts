// @pinlab/testgen: spec adapters, expectations per kernel profile, targets and the generator
// of generated-tests/. The Target contract (docs/CONTRACTS.md) lives in target.ts.

export * from './adapters/adapter.ts';
export * from './compare.ts';
export * from './expect.ts';
export * from './model/engine.ts';
export * from './model/value.ts';
export * from './profiles.ts';
export * from './reference-target.ts';
export * from './target.ts';
