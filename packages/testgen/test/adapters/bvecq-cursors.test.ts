import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FOLL_PIN,
  type Kernel,
  type Page,
  page_folio,
  try_grab_folio,
  with_kernel,
} from '@pinlab/reference';
import { describe, expect, it } from 'vitest';
import { bvecqCursorsAdapter } from '../../src/adapters/bvecq-cursors.ts';
import { designFor } from '../../src/adapters/design.ts';
import { brokenModelInvariants } from '../../src/adapters/model-invariants.ts';
import { compareObservations, formatMismatch } from '../../src/compare.ts';
import { computeExpectation } from '../../src/expect.ts';
import { createEmbeddedStepper } from '../../src/model/engine.ts';
import type { ModelState } from '../../src/model/value.ts';
import { seededWalks } from '../../src/model/walk.ts';
import { loadProfiles } from '../../src/profiles.ts';
import { createReferenceTarget, runOnReference } from '../../src/reference-target.ts';
import type { Scenario, StepObservation } from '../../src/target.ts';
import { applicability } from '../../src/target.ts';

const specs = join(import.meta.dirname, '../../../../specs');
const stepperFor = (config: string) =>
  createEmbeddedStepper(
    'BvecqCursors',
    readFileSync(join(specs, 'BvecqCursors.tla'), 'utf8'),
    readFileSync(join(specs, `${config}.cfg`), 'utf8'),
  );

const fn = (pairs: [number, unknown][]) => ({ __fn: pairs });
const READ = { Op: 'READ', NSeg: 3, Layout: 1, SubreqMax: 2, MaxRetries: 1 } as const;
const RFC = {
  StrictDioSequence: true,
  CheckTooMuch: true,
  PosRefs: 'ALL',
  AdvanceV1Bug: false,
  AdvanceV3Bug: false,
} as const;
const WRITE = { ...READ, Op: 'DIO_WRITE' } as const;

const scenario = (
  actions: Scenario['actions'],
  constants: Scenario['constants'] = READ,
): Scenario => ({
  id: 'unit',
  spec: 'BvecqCursors',
  config: 'BvecqCursors',
  actions,
  constants: { ...constants, ...RFC },
});

/** The reference checks the model-invariant table predicts at a step ending in now. */
const tablePredicts = (now: StepObservation): string[] =>
  brokenModelInvariants('BvecqCursors', undefined, now, { name: 'Retry', start: 0 }).flatMap(
    (c) => c.reportedAs,
  );

/** A model state's request error, pins and bug flags as every fixed run leaves them. */
const NO_BUG_FLAGS = {
  reqError: false,
  pins: 0,
  parkedDisp: false,
  parkedSub: false,
  rollFreed: false,
  posOnFreed: false,
  copySegs: 0,
  bounced: 0,
  dispLag: false,
  advWarn: false,
};

describe('BvecqCursors adapter', () => {
  it('observes cursors, folio states, subrequests and segment safety from a hand-built model state', () => {
    const state = {
      load: 3,
      dispatch: 3,
      collect: 2,
      fstate: fn([
        [0, 'uptodate'],
        [1, 'uptodate'],
        [2, 'filled'],
      ]),
      subreqs: { __tuple: [{ start: 2, len: 1, st: 'ok', xfer: 1, tries: 1 }] },
      segRef: fn([
        [1, 0],
        [2, 0],
        [3, 4],
      ]),
      segFreed: fn([
        [1, true],
        [2, true],
        [3, false],
      ]),
      ...NO_BUG_FLAGS,
      action: { name: 'Complete', start: 2, outcome: 'ok' },
    } as unknown as ModelState;
    expect(bvecqCursorsAdapter.observeModel(undefined, state)).toEqual({
      load: 3,
      dispatch: 3,
      collect: 2,
      fstate: 'uptodate,uptodate,filled',
      subreqs: '2+1:ok/1/1',
      reqError: false,
      pinned: 0,
      segUseAfterFree: false,
    });
    const broken = {
      ...state,
      segRef: fn([
        [1, 1],
        [2, 0],
        [3, 4],
      ]),
    } as unknown as ModelState;
    expect(bvecqCursorsAdapter.observeModel(undefined, broken).segUseAfterFree).toBe(true);
    // A position left on a freed segment (PosRefs = "COLLECT_ONLY" at the Layout 5 boundary).
    const parkedOnFreed = { ...state, posOnFreed: true } as unknown as ModelState;
    expect(bvecqCursorsAdapter.observeModel(undefined, parkedOnFreed).segUseAfterFree).toBe(true);
    // copySegs is observed only when a copy exists (SubreqCopy), so other configs keep theirs.
    const copied = { ...state, copySegs: 2 } as unknown as ModelState;
    expect(bvecqCursorsAdapter.observeModel(undefined, copied).copySegs).toBe(2);
    const sealed = { ...state, bounced: 59 } as unknown as ModelState;
    expect(bvecqCursorsAdapter.observeModel(undefined, sealed).bounced).toBe(59);
    // dispLag is observed only when true (AdvanceV1Bug), and the model-invariant table predicts
    // the write cursor check from it (DispatchCursorAtDispatch).
    const lagging = bvecqCursorsAdapter.observeModel(undefined, {
      ...state,
      dispLag: true,
    } as unknown as ModelState);
    expect(lagging.dispLag).toBe(true);
    expect(tablePredicts(lagging)).toContain('bvecq_write_cursor_order');
  });

  it('advWarn is observed only when true (AdvanceV3Bug) and predicts the write cursor check', () => {
    const warned = bvecqCursorsAdapter.observeModel(undefined, {
      load: 1,
      dispatch: 1,
      collect: 1,
      fstate: fn([
        [0, 'uptodate'],
        [1, 'absent'],
        [2, 'absent'],
      ]),
      subreqs: { __tuple: [] },
      segRef: fn([[1, 3]]),
      segFreed: fn([[1, false]]),
      ...NO_BUG_FLAGS,
      advWarn: true,
      action: { name: 'Retry', start: 0 },
    } as unknown as ModelState);
    expect(warned.advWarn).toBe(true);
    expect(tablePredicts(warned)).toEqual(['bvecq_write_cursor_order']);
    expect(bvecqCursorsAdapter.predictedViolations?.(undefined, warned)).toEqual([]);
    const v3 = { ...WRITE, ...RFC, AdvanceV3Bug: true };
    const d = designFor(
      'BvecqCursors',
      v3,
      loadProfiles(join(specs, 'profiles.json')),
      bvecqCursorsAdapter.faultKnobs ?? [],
    );
    expect(d).toEqual({ profile: 'bvecq-rfc', faults: ['bvecq_pos_advance_v3'] });
  });

  it('the advance_v1 config runs on bvecq-rfc+bvecq_pos_advance_v1', () => {
    const v1 = { ...WRITE, ...RFC, Misaligned: true, AdvanceV1Bug: true };
    const d = designFor(
      'BvecqCursors',
      v1,
      loadProfiles(join(specs, 'profiles.json')),
      bvecqCursorsAdapter.faultKnobs ?? [],
    );
    expect(d).toEqual({ profile: 'bvecq-rfc', faults: ['bvecq_pos_advance_v1'] });
  });

  it('the collect_only_refs config runs on bvecq-rfc+bvecq_collect_only_refs', () => {
    const collectOnly = { ...READ, ...RFC, NSeg: 2, Layout: 5, PosRefs: 'COLLECT_ONLY' };
    const d = designFor(
      'BvecqCursors',
      collectOnly,
      loadProfiles(join(specs, 'profiles.json')),
      bvecqCursorsAdapter.faultKnobs ?? [],
    );
    expect(d).toEqual({ profile: 'bvecq-rfc', faults: ['bvecq_collect_only_refs'] });
  });

  it('drives one read through load, dispatch, retry, completion and collection', () => {
    const s = scenario([
      { name: 'Init' },
      { name: 'Load' },
      { name: 'Load' },
      { name: 'Dispatch', len: 2 },
      { name: 'Complete', start: 0, outcome: 'retry' },
      { name: 'Retry', start: 0 },
      { name: 'Complete', start: 0, outcome: 'ok' },
      { name: 'Collect' },
    ]);
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs.map((o) => [o.load, o.dispatch, o.collect, o.fstate, o.subreqs])).toEqual([
      [0, 0, 0, 'absent,absent,absent', ''],
      [1, 0, 0, 'locked,absent,absent', ''],
      [2, 0, 0, 'locked,locked,absent', ''],
      [2, 2, 0, 'locked,locked,absent', '0+2:inflight/0/0'],
      [2, 2, 0, 'locked,locked,absent', '0+2:retry/0/0'],
      [2, 2, 0, 'locked,locked,absent', '0+2:inflight/0/1'],
      [2, 2, 0, 'filled,filled,absent', '0+2:ok/2/1'],
      [2, 2, 2, 'uptodate,uptodate,absent', ''],
    ]);
    expect(obs.every((o) => o.reqError === false && o.segUseAfterFree === false)).toBe(true);
    // And the model predicts the same at every step.
    const stepper = stepperFor('BvecqCursors');
    const exp = computeExpectation(stepper, bvecqCursorsAdapter.observeModel, s, 'bvecq-rfc', RFC);
    expect(compareObservations(s, 'bvecq-rfc', exp.observations, obs).map(formatMismatch)).toEqual(
      [],
    );
  });

  it('a too-much answer fails the subrequest (-EIO), and the failed request is abandoned', () => {
    const s = scenario([
      { name: 'Init' },
      { name: 'Load' },
      { name: 'Load' },
      { name: 'Dispatch', len: 1 },
      { name: 'Complete', start: 0, outcome: 'too_much' },
      { name: 'Collect' },
      { name: 'Abandon' },
      { name: 'Finished' },
    ]);
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs[4]).toMatchObject({ subreqs: '0+1:failed/0/0', fstate: 'locked,locked,absent' });
    expect(obs[5]).toMatchObject({ collect: 1, reqError: true, fstate: 'failed,locked,absent' });
    expect(obs[6]).toMatchObject({ dispatch: 2, collect: 2, fstate: 'failed,failed,absent' });
    const exp = computeExpectation(
      stepperFor('BvecqCursors'),
      bvecqCursorsAdapter.observeModel,
      s,
      'bvecq-rfc',
      RFC,
    );
    expect(compareObservations(s, 'bvecq-rfc', exp.observations, obs).map(formatMismatch)).toEqual(
      [],
    );
  });

  it('seeded READ walks: the reference matches the model at every step', () => {
    const stepper = stepperFor('BvecqCursors');
    const walks = seededWalks(
      stepper,
      {},
      { seed: 7, count: 30, depth: 14, spec: 'BvecqCursors', config: 'BvecqCursors', prefix: 'w-' },
    );
    const problems: string[] = [];
    for (const w of walks) {
      const s = { ...w, constants: { ...READ, ...RFC } };
      const exp = computeExpectation(
        stepper,
        bvecqCursorsAdapter.observeModel,
        s,
        'bvecq-rfc',
        RFC,
      );
      const cut = { ...s, actions: s.actions.slice(0, exp.observations.length) };
      problems.push(
        ...compareObservations(
          cut,
          'bvecq-rfc',
          exp.observations,
          runOnReference(bvecqCursorsAdapter, cut, 'bvecq-rfc'),
        ).map(formatMismatch),
      );
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('supports: every spec action; DIO_WRITE runs on the reference except over the one-segment layout', () => {
    for (const name of [
      'Load',
      'LoadFault',
      'LoadShort',
      'Dispatch',
      'Complete',
      'Retry',
      'Collect',
      'Abandon',
      'Finished',
    ])
      expect(bvecqCursorsAdapter.supports({ name })).toBe(true);
    expect(bvecqCursorsAdapter.supports({ name: 'Splice' })).toBe(false);
    const target = createReferenceTarget([bvecqCursorsAdapter], ['bvecq-rfc']);
    const read = scenario([{ name: 'Init' }, { name: 'Load' }]);
    const write = scenario([{ name: 'Init' }, { name: 'Load' }], WRITE);
    const oneSeg = scenario([{ name: 'Init' }], { ...WRITE, NSeg: 1, Layout: 4 });
    expect(applicability(target, read, 'bvecq-rfc')).toEqual({ applicable: true });
    expect(applicability(target, write, 'bvecq-rfc')).toEqual({ applicable: true });
    const app = applicability(target, oneSeg, 'bvecq-rfc');
    expect(app.applicable ? '' : app.reason).toMatch(/Op=DIO_WRITE with Layout 4/);
    const bad = scenario([{ name: 'Init' }], { ...WRITE, Op: 'MMAP' } as never);
    expect(() => bvecqCursorsAdapter.createDriver('bvecq-rfc', bad)).toThrow(/unknown Op "MMAP"/);
    const boundaryWrite = scenario([{ name: 'Init' }], { ...WRITE, NSeg: 2, Layout: 5 });
    const boundary = applicability(target, boundaryWrite, 'bvecq-rfc');
    expect(boundary.applicable ? '' : boundary.reason).toMatch(/Op=DIO_WRITE with Layout 5/);
  });

  it('Layout 5: the read window crosses into a second segment, which the collector frees', () => {
    const SEG = { ...READ, NSeg: 2, Layout: 5 } as const;
    const actions: Scenario['actions'] = [
      { name: 'Init' },
      { name: 'Load' },
      { name: 'Load' },
      { name: 'Dispatch', len: 2 },
      { name: 'Load' },
      { name: 'Dispatch', len: 1 },
      { name: 'Complete', start: 0, outcome: 'ok' },
      { name: 'Complete', start: 2, outcome: 'ok' },
      { name: 'Collect' },
      { name: 'Collect' },
      { name: 'Finished' },
    ];
    const driver = bvecqCursorsAdapter.createDriver('bvecq-rfc', scenario(actions, SEG));
    // The window starts with nothing of its own loaded (the prelude's folios are not slots).
    expect(driver.observe()).toMatchObject({
      load: 0,
      dispatch: 0,
      collect: 0,
      fstate: 'absent,absent,absent',
    });
    for (const a of actions.slice(1, 5)) driver.apply(a);
    expect(driver.observe()).toMatchObject({
      load: 3,
      dispatch: 2,
      fstate: 'locked,locked,locked',
      subreqs: '0+2:inflight/0/0',
      segUseAfterFree: false,
    });
    for (const a of actions.slice(5)) {
      driver.apply(a);
      expect(driver.violations?.() ?? []).toEqual([]);
    }
    expect(driver.observe()).toMatchObject({
      load: 3,
      dispatch: 3,
      collect: 3,
      fstate: 'uptodate,uptodate,uptodate',
      subreqs: '',
      segUseAfterFree: false,
    });
  });
});

describe('BvecqCursors adapter, DIO write', () => {
  const modelMismatches = (s: Scenario, profile: string, config: string, constants: object) => {
    const exp = computeExpectation(
      stepperFor(config),
      bvecqCursorsAdapter.observeModel,
      s,
      profile,
      constants as never,
    );
    const cut = { ...s, actions: s.actions.slice(0, exp.observations.length) };
    expect(exp.observations.length).toBe(s.actions.length);
    return compareObservations(
      cut,
      profile,
      exp.observations,
      runOnReference(bvecqCursorsAdapter, cut, profile),
    ).map(formatMismatch);
  };

  it('LoadFault: an unmapped user buffer fails the request at extraction, nothing pinned or loaded, as the model says', () => {
    const s = scenario([{ name: 'Init' }, { name: 'LoadFault' }, { name: 'Finished' }], WRITE);
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs.map((o) => [o.load, o.reqError, o.pinned, o.fstate])).toEqual([
      [0, false, 0, 'absent,absent,absent'],
      [0, true, 0, 'absent,absent,absent'],
      [0, true, 0, 'absent,absent,absent'],
    ]);
    expect(modelMismatches(s, 'bvecq-rfc', 'BvecqCursors_dio_write', RFC)).toEqual([]);
  });

  it('LoadShort: a user buffer whose last page is unmapped is cut to the pages before it; only they are pinned, written and released, as the model says', () => {
    const s = scenario(
      [
        { name: 'Init' },
        { name: 'LoadShort', len: 2 },
        { name: 'Dispatch', len: 2 },
        { name: 'Complete', start: 0, outcome: 'ok' },
        { name: 'Collect' },
        { name: 'Finished' },
      ],
      { ...WRITE, UnmappedTail: true } as never,
    );
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs.map((o) => [o.load, o.dispatch, o.collect, o.reqError, o.pinned, o.fstate])).toEqual(
      [
        [0, 0, 0, false, 0, 'absent,absent,absent'],
        [2, 0, 0, false, 2, 'locked,locked,absent'],
        [2, 2, 0, false, 2, 'locked,locked,absent'],
        [2, 2, 0, false, 2, 'filled,filled,absent'],
        [2, 2, 2, false, 2, 'uptodate,uptodate,absent'],
        [2, 2, 2, false, 0, 'uptodate,uptodate,absent'],
      ],
    );
    expect(modelMismatches(s, 'bvecq-rfc', 'BvecqCursors_dio_write_unmapped_tail', RFC)).toEqual(
      [],
    );
  });

  it('a short write lands its first page; the retry accounts it and reissues only the rest, as the model says', () => {
    const s = scenario(
      [
        { name: 'Init' },
        { name: 'Load' },
        { name: 'Dispatch', len: 2 },
        { name: 'Complete', start: 0, outcome: 'short' },
        { name: 'Retry', start: 0 },
        { name: 'Complete', start: 1, outcome: 'ok' },
        { name: 'Collect' },
        { name: 'Dispatch', len: 1 },
        { name: 'Complete', start: 2, outcome: 'ok' },
        { name: 'Collect' },
        { name: 'Finished' },
      ],
      WRITE,
    );
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs.slice(3, 7).map((o) => [o.collect, o.fstate, o.subreqs])).toEqual([
      [0, 'filled,locked,locked', '0+2:retry/1/0'],
      [1, 'uptodate,locked,locked', '1+1:inflight/0/1'],
      [1, 'uptodate,filled,locked', '1+1:ok/1/1'],
      [2, 'uptodate,uptodate,locked', ''],
    ]);
    expect(modelMismatches(s, 'bvecq-rfc', 'BvecqCursors_dio_write', RFC)).toEqual([]);
  });

  // One 30-page DIO write sent as a single subrequest (Layout 6, SubreqMax 30) that comes back
  // short once and is retried: what the copy and the sealed designs are compared on.
  const WHOLE_30 = { Op: 'DIO_WRITE', NSeg: 2, Layout: 6, SubreqMax: 30, MaxRetries: 1 };
  const WHOLE_30_SHORT_THEN_RETRY: Scenario['actions'] = [
    { name: 'Init' },
    { name: 'Load' },
    { name: 'Dispatch', len: 30 },
    { name: 'Complete', start: 0, outcome: 'short' },
    { name: 'Retry', start: 0 },
    { name: 'Complete', start: 1, outcome: 'ok' },
    { name: 'Collect' },
    { name: 'Finished' },
  ];

  it('SubreqCopy: the whole 30-page write goes out of a two-segment copy, the retry of the rest out of a one-segment copy; pins stay with the request, as the model says', () => {
    const COPY = { ...WHOLE_30, SubreqCopy: true };
    const s = scenario(WHOLE_30_SHORT_THEN_RETRY, COPY as never);
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs.map((o) => [o.copySegs, o.pinned, o.subreqs])).toEqual([
      [undefined, 0, ''],
      [undefined, 30, ''],
      [2, 30, '0+30:inflight/0/0'],
      [2, 30, '0+30:retry/1/0'],
      [1, 30, '1+29:inflight/0/1'],
      [1, 30, '1+29:ok/29/1'],
      [undefined, 30, ''],
      [undefined, 0, ''],
    ]);
    expect(obs.at(-1)?.fstate).toBe(Array(30).fill('uptodate').join(','));
    expect(
      modelMismatches(s, 'bvecq-rfc', 'BvecqCursors_dio_write_copy', { ...COPY, ...RFC }),
    ).toEqual([]);
  });

  it('Sealed: each send goes out of a bounce buffer whose 30 pages are freed (never unpinned); the reissue after a short write bounces the 29 left, as the model says', () => {
    const SEALED = { ...WHOLE_30, Sealed: true };
    const s = scenario(WHOLE_30_SHORT_THEN_RETRY, SEALED as never);
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs.map((o) => [o.bounced, o.bounceLive, o.pinned])).toEqual([
      [undefined, undefined, 0],
      [undefined, undefined, 30],
      [30, undefined, 30],
      [30, undefined, 30],
      [59, undefined, 30],
      [59, undefined, 30],
      [59, undefined, 30],
      [59, undefined, 0],
    ]);
    expect(obs.at(-1)?.fstate).toBe(Array(30).fill('uptodate').join(','));
    expect(
      modelMismatches(s, 'bvecq-rfc', 'BvecqCursors_dio_write_sealed', { ...SEALED, ...RFC }),
    ).toEqual([]);
  });

  it('a misaligned user buffer pins one page more, and subrequests cut mid-slot still land the right bytes', () => {
    const s = scenario(
      [
        { name: 'Init' },
        { name: 'Load' },
        { name: 'Dispatch', len: 1 },
        { name: 'Complete', start: 0, outcome: 'retry' },
        { name: 'Retry', start: 0 },
        { name: 'Complete', start: 0, outcome: 'ok' },
        { name: 'Collect' },
        { name: 'Dispatch', len: 2 },
        { name: 'Complete', start: 1, outcome: 'ok' },
        { name: 'Collect' },
        { name: 'Finished' },
      ],
      { ...WRITE, Misaligned: true } as never,
    );
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs.map((o) => [o.pinned, o.fstate])).toEqual([
      [0, 'absent,absent,absent'],
      [4, 'locked,locked,locked'],
      [4, 'locked,locked,locked'],
      [4, 'locked,locked,locked'],
      [4, 'locked,locked,locked'],
      [4, 'filled,locked,locked'],
      [4, 'uptodate,locked,locked'],
      [4, 'uptodate,locked,locked'],
      [4, 'uptodate,filled,filled'],
      [4, 'uptodate,uptodate,uptodate'],
      [0, 'uptodate,uptodate,uptodate'],
    ]);
    expect(modelMismatches(s, 'bvecq-rfc', 'BvecqCursors_dio_write_misaligned', RFC)).toEqual([]);
  });

  it('one Load pins the whole buffer; subrequests go one at a time, a retry reissues the range, the data lands', () => {
    const s = scenario(
      [
        { name: 'Init' },
        { name: 'Load' },
        { name: 'Dispatch', len: 2 },
        { name: 'Complete', start: 0, outcome: 'retry' },
        { name: 'Retry', start: 0 },
        { name: 'Complete', start: 0, outcome: 'ok' },
        { name: 'Collect' },
        { name: 'Dispatch', len: 1 },
        { name: 'Complete', start: 2, outcome: 'ok' },
        { name: 'Collect' },
        { name: 'Finished' },
      ],
      WRITE,
    );
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs.map((o) => [o.load, o.dispatch, o.collect, o.fstate, o.subreqs])).toEqual([
      [0, 0, 0, 'absent,absent,absent', ''],
      [3, 0, 0, 'locked,locked,locked', ''],
      [3, 2, 0, 'locked,locked,locked', '0+2:inflight/0/0'],
      [3, 2, 0, 'locked,locked,locked', '0+2:retry/0/0'],
      [3, 2, 0, 'locked,locked,locked', '0+2:inflight/0/1'],
      [3, 2, 0, 'filled,filled,locked', '0+2:ok/2/1'],
      [3, 2, 2, 'uptodate,uptodate,locked', ''],
      [3, 3, 2, 'uptodate,uptodate,locked', '2+1:inflight/0/0'],
      [3, 3, 2, 'uptodate,uptodate,filled', '2+1:ok/1/0'],
      [3, 3, 3, 'uptodate,uptodate,uptodate', ''],
      [3, 3, 3, 'uptodate,uptodate,uptodate', ''],
    ]);
    // The whole buffer stays pinned until the request ends.
    expect(obs.map((o) => o.pinned)).toEqual([0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0]);
    expect(modelMismatches(s, 'bvecq-rfc', 'BvecqCursors_dio_write', RFC)).toEqual([]);
  });

  it('an ENOSPC fails the subrequest, ends the request and releases every page unwritten', () => {
    const s = scenario(
      [
        { name: 'Init' },
        { name: 'Load' },
        { name: 'Dispatch', len: 1 },
        { name: 'Complete', start: 0, outcome: 'ok' },
        { name: 'Collect' },
        { name: 'Dispatch', len: 1 },
        { name: 'Complete', start: 1, outcome: 'error' },
        { name: 'Collect' },
        { name: 'Abandon' },
        { name: 'Finished' },
      ],
      WRITE,
    );
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs[6]).toMatchObject({ subreqs: '1+1:failed/0/0', reqError: false });
    expect(obs[7]).toMatchObject({ collect: 2, reqError: true, fstate: 'uptodate,failed,locked' });
    expect(obs[7]).toMatchObject({ pinned: 3 });
    expect(obs[8]).toMatchObject({
      dispatch: 3,
      collect: 3,
      fstate: 'uptodate,failed,failed',
      pinned: 0,
    });
    expect(modelMismatches(s, 'bvecq-rfc', 'BvecqCursors_dio_write', RFC)).toEqual([]);
  });

  it('a kernel (ITER_BVEC) source is listed, not pinned, and its bytes land all the same', () => {
    const s = scenario(
      [
        { name: 'Init' },
        { name: 'Load' },
        { name: 'Dispatch', len: 2 },
        { name: 'Complete', start: 0, outcome: 'ok' },
        { name: 'Collect' },
        { name: 'Dispatch', len: 1 },
        { name: 'Complete', start: 2, outcome: 'ok' },
        { name: 'Collect' },
        { name: 'Finished' },
      ],
      { ...WRITE, WriteSource: 'KERNEL' } as never,
    );
    const obs = runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc');
    expect(obs.map((o) => o.pinned)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(obs[8]).toMatchObject({ fstate: 'uptodate,uptodate,uptodate', collect: 3 });
    expect(modelMismatches(s, 'bvecq-rfc', 'BvecqCursors_dio_write_kernel_source', RFC)).toEqual(
      [],
    );
    const bad = scenario([{ name: 'Init' }], { ...WRITE, WriteSource: 'DMA' } as never);
    expect(() => bvecqCursorsAdapter.createDriver('bvecq-rfc', bad)).toThrow(
      /unknown WriteSource "DMA"/,
    );
  });

  it('a page still pinned after the request ended is a pin-balance violation (the check can fail)', () => {
    const s = scenario([{ name: 'Init' }, { name: 'Load' }, { name: 'Finished' }], WRITE);
    const driver = bvecqCursorsAdapter.createDriver('bvecq-rfc', s);
    driver.apply({ name: 'Load' });
    // A second pin on the buffer's first page that no one releases.
    const wreq = (driver as unknown as { wreq: { buffer: { bv: { bv_page: unknown }[] } } }).wreq;
    const page = wreq.buffer.bv[0]?.bv_page as Page;
    with_kernel((driver as unknown as { k: Kernel }).k, () =>
      try_grab_folio(page_folio(page), 1, FOLL_PIN),
    );
    driver.apply({ name: 'Finished' });
    const v = driver.violations?.() ?? [];
    expect(v.map((x) => x.invariant)).toContain('pin_balance_at_quiescence');
  });

  it('seeded DIO write walks: the reference matches the model at every step', () => {
    const stepper = stepperFor('BvecqCursors_dio_write');
    const walks = seededWalks(
      stepper,
      {},
      {
        seed: 11,
        count: 30,
        depth: 12,
        spec: 'BvecqCursors',
        config: 'BvecqCursors_dio_write',
        prefix: 'w-',
      },
    );
    const problems: string[] = [];
    for (const w of walks)
      problems.push(
        ...modelMismatches(
          { ...w, constants: { ...WRITE, ...RFC } },
          'bvecq-rfc',
          'BvecqCursors_dio_write',
          RFC,
        ),
      );
    expect(problems).toEqual([]);
  }, 120_000);

  it('the unordered config runs on bvecq-rfc+bvecq_unordered_dio_write: the write hole is observed and predicted', () => {
    const cfgText = readFileSync(join(specs, 'BvecqCursors_unordered_dio_write.cfg'), 'utf8');
    const unordered = { ...WRITE, ...RFC, StrictDioSequence: false };
    const d = designFor(
      'BvecqCursors',
      unordered,
      loadProfiles(join(specs, 'profiles.json')),
      bvecqCursorsAdapter.faultKnobs ?? [],
    );
    expect(d).toEqual({ profile: 'bvecq-rfc', faults: ['bvecq_unordered_dio_write'] });
    expect(cfgText).toMatch(/StrictDioSequence = FALSE/);
    const s: Scenario = {
      id: 'unit',
      spec: 'BvecqCursors',
      config: 'BvecqCursors_unordered_dio_write',
      constants: unordered,
      actions: [
        { name: 'Init' },
        { name: 'Load' },
        { name: 'Dispatch', len: 1 },
        { name: 'Dispatch', len: 1 },
        { name: 'Complete', start: 1, outcome: 'ok' },
        { name: 'Complete', start: 0, outcome: 'error' },
        { name: 'Collect' },
      ],
    };
    const design = 'bvecq-rfc+bvecq_unordered_dio_write';
    const obs = runOnReference(bvecqCursorsAdapter, s, design);
    expect(obs[6]).toMatchObject({ fstate: 'failed,filled,locked', reqError: true });
    expect(
      modelMismatches(s, design, 'BvecqCursors_unordered_dio_write', {
        StrictDioSequence: false,
        CheckTooMuch: true,
      }),
    ).toEqual([]);
    // Without the fault the second back-to-back Dispatch is refused: the strict code.
    expect(() => runOnReference(bvecqCursorsAdapter, s, 'bvecq-rfc')).toThrow(
      /step 3 Dispatch.*gave nothing/,
    );
  });
});
