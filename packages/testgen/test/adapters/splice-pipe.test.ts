import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splicePipeAdapter } from '../../src/adapters/splice-pipe.ts';
import { compareObservations, formatMismatch } from '../../src/compare.ts';
import { computeExpectation } from '../../src/expect.ts';
import { type Constants, createEmbeddedStepper } from '../../src/model/engine.ts';
import type { ModelState } from '../../src/model/value.ts';
import { runOnReference } from '../../src/reference-target.ts';
import type { Scenario } from '../../src/target.ts';

const specs = join(import.meta.dirname, '../../../../specs');
const stepperFor = (config: string) =>
  createEmbeddedStepper(
    'SplicePipe',
    readFileSync(join(specs, 'SplicePipe.tla'), 'utf8'),
    readFileSync(join(specs, `${config}.cfg`), 'utf8'),
  );

/** The model's observations of `s` under `profile` and `constants` (config's state graph) equal `obs`. */
function expectModelAgrees(
  s: Scenario,
  profile: string,
  config: string,
  constants: Constants,
  obs: ReturnType<typeof runOnReference>,
): void {
  const exp = computeExpectation(
    stepperFor(config),
    splicePipeAdapter.observeModel,
    s,
    profile,
    constants,
  );
  expect(exp.stoppedAt).toBeUndefined();
  expect(compareObservations(s, profile, exp.observations, obs).map(formatMismatch)).toEqual([]);
}

const fn = (pairs: [unknown, unknown][]) => ({ __fn: pairs });
const seq = (xs: unknown[]) => ({ __tuple: xs });
const set = (xs: unknown[]) => ({ __set: xs });
const JUNK = { kind: 'junk', by: 'none', idx: 0 };

const CONSTANTS = {
  '6.1': {
    FileSize: 2,
    ReadLen: 2,
    PipeSlots: 2,
    SpliceImpl: 'ITER_PIPE',
    BioPageRef: 'GET',
    LimitToEof: false,
    BufferedProc: 'none',
  },
  '6.12': {
    FileSize: 2,
    ReadLen: 2,
    PipeSlots: 2,
    SpliceImpl: 'COPY',
    BioPageRef: 'NONE',
    LimitToEof: false,
    BufferedProc: 'none',
  },
} as const;

/** The syzbot race: submit, truncate to one page, revert, the bios complete last first, return. */
// The truncate lands before the DIO samples dio->i_size, with the blocks past it still mapped
// (specs/SplicePipe.tla: Truncate is truncate_setsize), so both splices issue a bio per page.
const race: Scenario['actions'] = [
  { name: 'Init' },
  { name: 'Truncate', size: 1 },
  { name: 'SpliceSubmit', proc: 'p1' },
  { name: 'DioRevert', proc: 'p1' },
  { name: 'BioComplete', proc: 'p1', page: 2 },
  { name: 'BioComplete', proc: 'p1', page: 1 },
  { name: 'SpliceReturn', proc: 'p1' },
  { name: 'SpliceSubmit', proc: 'p2' },
  { name: 'DioRevert', proc: 'p2' },
  { name: 'BioComplete', proc: 'p2', page: 2 },
  { name: 'BioComplete', proc: 'p2', page: 1 },
  { name: 'SpliceReturn', proc: 'p2' },
  { name: 'PipeRead', proc: 'p1' },
  { name: 'PipeRead', proc: 'p2' },
  { name: 'Finished' },
];

describe('SplicePipe adapter', () => {
  it('observes phases, results, pipe contents, refs and frames freed under a bio from a hand-built state', () => {
    // ITER_PIPE without bio refs after the revert: p1's page 2 (frame 2) was freed under its bio
    // and reallocated to p2's pipe, where p1's DMA then landed.
    const state = {
      isize: 1,
      phase: fn([
        ['p1', 'trimmed'],
        ['p2', 'done'],
      ]),
      nread: fn([
        ['p1', 2],
        ['p2', 0],
      ]),
      buf: fn([
        [
          'p1',
          fn([
            [1, 1],
            [2, 2],
          ]),
        ],
        [
          'p2',
          fn([
            [1, 0],
            [2, 0],
          ]),
        ],
      ]),
      bio: fn([
        ['p1', set([1])],
        ['p2', set([])],
      ]),
      pipe: fn([
        ['p1', seq([{ frame: 1, page: 1, off: 0 }])],
        [
          'p2',
          seq([
            { frame: 2, page: 1, off: 0 },
            { frame: 3, page: 2, off: 0 },
          ]),
        ],
      ]),
      ref: fn([
        [1, 1],
        [2, 1],
        [3, 0],
      ]),
      content: fn([
        [1, JUNK],
        [2, { kind: 'data', by: 'p1', idx: 2 }],
        [3, { kind: 'zero', by: 'none', idx: 0 }],
      ]),
      ret: fn([
        ['p1', 1],
        ['p2', 2],
      ]),
      err: fn([
        ['p1', 0],
        ['p2', 0],
      ]),
      cache: fn([
        [1, 0],
        [2, 0],
      ]),
      mapped: 2,
      wret: -1,
      nbret: 0,
      vmret: -1,
      overAlloc: 0,
      fullFail: 0,
      pastEof: 0,
      tail: 0,
      retTail: fn([
        ['p1', 0],
        ['p2', 0],
      ]),
      retOff: fn([
        ['p1', 0],
        ['p2', 0],
      ]),
      action: { name: 'BioComplete', proc: 'p1', page: 2 },
    } as unknown as ModelState;
    expect(splicePipeAdapter.observeModel(undefined, state)).toEqual({
      isize: 1,
      phase_p1: 'trimmed',
      ret_p1: null,
      pipe_p1: null, // p1's splice holds pipe_lock
      pipeLen_p1: null,
      phase_p2: 'done',
      ret_p2: 2,
      pipe_p2: 'X2,Z',
      pipeLen_p2: 2,
      framesInUse: 2,
      refs: 2,
      cached: 0,
      bioFreed: 0,
      allocPastEof: 0,
      failFull: 0,
      pastEof: 0,
      write: null, // no AppendWrite yet
      nonblock: null, // no SpliceFullNonblock yet
      vmsplice: null, // no VmspliceEmpty yet
    });
    // A file whose i_size ends mid-page (TailSectors): i_size and ret in pages with the fraction
    // the guest's bytes / 4096 gives, and the last buffer of the read tagged with its length.
    expect(
      splicePipeAdapter.observeModel(undefined, {
        ...state,
        isize: 2,
        tail: 2,
        retTail: fn([
          ['p1', 0],
          ['p2', 6],
        ]),
      } as unknown as ModelState),
    ).toMatchObject({ isize: 1.25, ret_p2: 1.75, pipe_p2: 'X2,Z:3072', pipeLen_p2: 2 });
    // A partial read() (PipeReadPart) has taken off sectors from the oldest buffer's start: it
    // shows the bytes left, on a whole page and on the tail buffer alike.
    expect(
      splicePipeAdapter.observeModel(undefined, {
        ...state,
        pipe: fn([
          ['p1', seq([{ frame: 1, page: 1, off: 0 }])],
          [
            'p2',
            seq([
              { frame: 2, page: 1, off: 1 },
              { frame: 3, page: 2, off: 2 },
            ]),
          ],
        ]),
        tail: 2,
        retTail: fn([
          ['p1', 0],
          ['p2', 6],
        ]),
      } as unknown as ModelState),
    ).toMatchObject({ pipe_p2: 'X2:3584,Z:2048', pipeLen_p2: 2 });
    // A splice from 512 bytes into page 1 (SpliceBufferedOffset, retOff 1): ret less those
    // bytes, the first buffer from its offset; a read that ended inside its last page (retTail)
    // shows that buffer's bytes.
    expect(
      splicePipeAdapter.observeModel(undefined, {
        ...state,
        retOff: fn([
          ['p1', 0],
          ['p2', 1],
        ]),
        pipe: fn([
          ['p1', seq([{ frame: 1, page: 1, off: 0 }])],
          [
            'p2',
            seq([
              { frame: 2, page: 1, off: 1 },
              { frame: 3, page: 2, off: 0 },
            ]),
          ],
        ]),
      } as unknown as ModelState),
    ).toMatchObject({ ret_p2: 1.875, pipe_p2: 'X2:3584,Z', pipeLen_p2: 2 });
    expect(
      splicePipeAdapter.observeModel(undefined, {
        ...state,
        retOff: fn([
          ['p1', 0],
          ['p2', 1],
        ]),
        retTail: fn([
          ['p1', 0],
          ['p2', 1],
        ]),
        pipe: fn([
          ['p1', seq([{ frame: 1, page: 1, off: 0 }])],
          [
            'p2',
            seq([
              { frame: 2, page: 1, off: 1 },
              { frame: 3, page: 2, off: 0 },
            ]),
          ],
        ]),
      } as unknown as ModelState),
    ).toMatchObject({ ret_p2: 1, pipe_p2: 'X2:3584,Z:512', pipeLen_p2: 2 });
    // Pages allocated past EOF under the ver #20 promise (the model's overAlloc).
    expect(
      splicePipeAdapter.observeModel(undefined, {
        ...state,
        overAlloc: 2,
      } as unknown as ModelState),
    ).toMatchObject({ allocPastEof: 2 });
    // Splices failed after their read met a full pipe (the model's fullFail).
    expect(
      splicePipeAdapter.observeModel(undefined, {
        ...state,
        fullFail: 1,
      } as unknown as ModelState),
    ).toMatchObject({ failFull: 1 });
    // An AppendWrite's result: one page written, or -ENOSPC as the errno the guest would print.
    expect(
      splicePipeAdapter.observeModel(undefined, { ...state, wret: 1 } as unknown as ModelState),
    ).toMatchObject({ write: 1 });
    expect(
      splicePipeAdapter.observeModel(undefined, { ...state, wret: -28 } as unknown as ModelState),
    ).toMatchObject({ write: 'error 28' });
    // SpliceFullNonblock's -EAGAIN (nbret 0: none yet).
    expect(splicePipeAdapter.observeModel(undefined, state)).toMatchObject({ nonblock: null });
    expect(
      splicePipeAdapter.observeModel(undefined, { ...state, nbret: -11 } as unknown as ModelState),
    ).toMatchObject({ nonblock: 'error 11' });
    // VmspliceEmpty's 0 bytes (vmret -1: none yet).
    expect(splicePipeAdapter.observeModel(undefined, state)).toMatchObject({ vmsplice: null });
    expect(
      splicePipeAdapter.observeModel(undefined, { ...state, vmret: 0 } as unknown as ModelState),
    ).toMatchObject({ vmsplice: 0 });
    // A failed splice() shows its errno, as the QEMU guest reports it: "error 11" (-EAGAIN).
    const failed = {
      ...state,
      err: fn([
        ['p1', 0],
        ['p2', -11],
      ]),
    } as unknown as ModelState;
    expect(splicePipeAdapter.observeModel(undefined, failed)).toMatchObject({
      ret_p1: null,
      ret_p2: 'error 11',
    });
    const freed = {
      ...state,
      ref: fn([
        [1, 0],
        [2, 1],
        [3, 0],
      ]),
    } as unknown as ModelState;
    expect(splicePipeAdapter.observeModel(undefined, freed)).toMatchObject({
      bioFreed: 1,
      framesInUse: 1,
    });
    // p1's page-2 bio still in flight on frame 2, which p2's pipe now holds (ref 1): freed under
    // the bio and reused, so it counts although its refcount is not 0 (the reference never
    // reuses a folio: its old one stays freed).
    const reused = {
      ...state,
      bio: fn([
        ['p1', set([1, 2])],
        ['p2', set([])],
      ]),
    } as unknown as ModelState;
    expect(splicePipeAdapter.observeModel(undefined, reused)).toMatchObject({ bioFreed: 1 });
  });

  for (const [profile, kernel] of [
    ['linux-6.1', '6.1'],
    ['linux-6.12', '6.12'],
  ] as const) {
    it(`${profile}: a buffered splice hands the page-cache pages to the pipe, which keeps them past a truncate`, () => {
      const s: Scenario = {
        id: 'unit',
        spec: 'SplicePipe',
        config: 'SplicePipe_buffered',
        actions: [
          { name: 'Init' },
          { name: 'SpliceSubmit', proc: 'p2' },
          { name: 'Truncate', size: 0 },
          { name: 'PipeRead', proc: 'p2' },
          { name: 'SpliceSubmit', proc: 'p1' },
          { name: 'PipeRead', proc: 'p2' },
          { name: 'Finished' },
        ],
        constants: { ...CONSTANTS[kernel], BufferedProc: 'p2' },
      };
      const obs = runOnReference(splicePipeAdapter, s, profile);
      // One step: two pages read into the page cache and put in the pipe by reference (cache ref
      // + pipe ref each, no copy), nothing pinned.
      expect(obs[1]).toMatchObject({ phase_p2: 'done', ret_p2: 2, pipe_p2: 'D1,D2', cached: 2 });
      expect(obs[1]).toMatchObject({ framesInUse: 2, refs: 4 });
      // truncate_inode_pages drops the cache's refs; the pipe's keep the data.
      expect(obs[2]).toMatchObject({ isize: 0, cached: 0, pipe_p2: 'D1,D2', refs: 2 });
      expect(obs[3]).toMatchObject({ pipe_p2: 'D2', framesInUse: 1 });
      expect(obs[4]).toMatchObject({ phase_p1: 'done', ret_p1: 0 }); // O_DIRECT at EOF
      expect(obs[5]).toMatchObject({ framesInUse: 0, refs: 0 });
      expectModelAgrees(
        s,
        profile,
        'SplicePipe_buffered',
        { ...CONSTANTS[kernel], BufferedProc: 'p2' },
        obs,
      );
    });
  }

  for (const [profile, kernel] of [
    ['linux-6.1', '6.1'],
    ['linux-6.12', '6.12'],
  ] as const) {
    it(`${profile}: a truncate while the buffered splice holds its folios: only the pages below the new i_size go into the pipe`, () => {
      const constants = { ...CONSTANTS[kernel], BufferedProc: 'p2', BufferedRace: true };
      const s: Scenario = {
        id: 'unit',
        spec: 'SplicePipe',
        config: 'SplicePipe_buffered_race',
        actions: [
          { name: 'Init' },
          { name: 'BufferedGetPages', proc: 'p2' },
          { name: 'Truncate', size: 1 },
          { name: 'BufferedFinish', proc: 'p2' },
          { name: 'PipeRead', proc: 'p2' },
        ],
        constants,
      };
      const obs = runOnReference(splicePipeAdapter, s, profile);
      // filemap_get_pages: both pages read into the cache, a batch ref each; pipe_lock held.
      expect(obs[1]).toMatchObject({ phase_p2: 'reading', pipe_p2: null, cached: 2, refs: 4 });
      // The truncate drops page 2 from the cache; the batch keeps its folio.
      expect(obs[2]).toMatchObject({ isize: 1, cached: 1, refs: 3, framesInUse: 2 });
      // i_size read again: page 1 only; folio_batch_release frees page 2's folio.
      expect(obs[3]).toMatchObject({ phase_p2: 'done', ret_p2: 1, pipe_p2: 'D1', refs: 2 });
      expect(obs[3]).toMatchObject({ framesInUse: 1 });
      expect(obs[4]).toMatchObject({ pipe_p2: '', refs: 1, framesInUse: 1 });
      expectModelAgrees(s, profile, 'SplicePipe_buffered_race', constants, obs);
    });
  }

  for (const [profile, kernel] of [
    ['linux-6.1', '6.1'],
    ['linux-6.12', '6.12'],
  ] as const) {
    it(`${profile}: splice(SPLICE_F_NONBLOCK) into a full pipe fails -EAGAIN and changes nothing`, () => {
      const constants = {
        ...CONSTANTS[kernel],
        FileSize: 1,
        ReadLen: 1,
        PipeSlots: 1,
        Frames: 2,
        BufferedProc: 'p2',
        SpliceNonblock: true,
      };
      const s: Scenario = {
        id: 'unit',
        spec: 'SplicePipe',
        config: 'SplicePipe_nonblock_full',
        actions: [
          { name: 'Init' },
          { name: 'SpliceSubmit', proc: 'p2' },
          { name: 'SpliceFullNonblock', proc: 'p2' },
          { name: 'SpliceSync', proc: 'p1' },
          { name: 'SpliceFullNonblock', proc: 'p1' },
        ],
        constants,
      };
      const obs = runOnReference(splicePipeAdapter, s, profile);
      expect(obs[1]).toMatchObject({ ret_p2: 1, pipe_p2: 'D1', nonblock: null, refs: 2 });
      // wait_for_space: -EAGAIN before any read; the pipe, the cache and the refs stay.
      expect(obs[2]).toMatchObject({ pipe_p2: 'D1', nonblock: 'error 11', refs: 2, cached: 1 });
      expect(obs[3]).toMatchObject({ ret_p1: 1, pipe_p1: 'D1', framesInUse: 2 });
      // The O_DIRECT file's too: no page allocated (the frame pool is full anyway).
      expect(obs[4]).toMatchObject({ pipe_p1: 'D1', nonblock: 'error 11', framesInUse: 2 });
      expectModelAgrees(s, profile, 'SplicePipe_nonblock_full', constants, obs);
    });

    it(`${profile}: vmsplice of a zero-length iovec into a full pipe returns 0 and changes nothing`, () => {
      const constants = {
        ...CONSTANTS[kernel],
        FileSize: 1,
        ReadLen: 1,
        PipeSlots: 1,
        Frames: 2,
        BufferedProc: 'p2',
        EmptyVmsplice: true,
      };
      const s: Scenario = {
        id: 'unit',
        spec: 'SplicePipe',
        config: 'SplicePipe_vmsplice_empty',
        actions: [
          { name: 'Init' },
          { name: 'SpliceSubmit', proc: 'p2' },
          { name: 'VmspliceEmpty', proc: 'p2' },
          { name: 'SpliceSync', proc: 'p1' },
          { name: 'VmspliceEmpty', proc: 'p1' },
          { name: 'PipeRead', proc: 'p1' },
        ],
        constants,
      };
      const obs = runOnReference(splicePipeAdapter, s, profile);
      expect(obs[1]).toMatchObject({ ret_p2: 1, pipe_p2: 'D1', vmsplice: null, refs: 2 });
      // sys_vmsplice: an empty iovec is 0 before wait_for_space (not -EAGAIN, no sleep); the
      // pipe, the cache and the refs stay.
      expect(obs[2]).toMatchObject({
        pipe_p2: 'D1',
        pipeLen_p2: 1,
        vmsplice: 0,
        refs: 2,
        cached: 1,
      });
      expect(obs[3]).toMatchObject({ ret_p1: 1, pipe_p1: 'D1', framesInUse: 2 });
      expect(obs[4]).toMatchObject({ pipe_p1: 'D1', pipeLen_p1: 1, vmsplice: 0, framesInUse: 2 });
      // The pipe still holds only p1's one buffer.
      expect(obs[5]).toMatchObject({ pipe_p1: '', pipeLen_p1: 0 });
      expectModelAgrees(s, profile, 'SplicePipe_vmsplice_empty', constants, obs);
    });
  }

  for (const [profile, kernel] of [
    ['linux-6.1', '6.1'],
    ['linux-6.12', '6.12'],
  ] as const) {
    it(`${profile}: a buffered splice from inside a page stops short when the pipe is full, or at i_size`, () => {
      const constants = {
        ...CONSTANTS[kernel],
        FileSize: 3,
        ReadLen: 2,
        PipeSlots: 2,
        Frames: 3,
        BufferedProc: 'p2',
        BufferedOffSectors: 1,
      };
      const s: Scenario = {
        id: 'unit',
        spec: 'SplicePipe',
        config: 'SplicePipe_buffered_offset',
        actions: [
          { name: 'Init' },
          { name: 'SpliceBufferedOffset', proc: 'p2', off: 1 },
          { name: 'PipeRead', proc: 'p2' },
          { name: 'Truncate', size: 1 },
          { name: 'PipeRead', proc: 'p2' },
          { name: 'SpliceSync', proc: 'p1' },
        ],
        constants,
      };
      const obs = runOnReference(splicePipeAdapter, s, profile);
      // 2 slots from offset 512: [512, 4096) and page 2; page 3 is fetched (cached) but the pipe
      // is full (6.1 copy_page_to_iter_pipe returns 0, 6.12 filemap_splice_read "goto out").
      expect(obs[1]).toMatchObject({ ret_p2: 1.875, pipe_p2: 'D1:3584,D2', cached: 3, refs: 5 });
      expect(obs[2]).toMatchObject({ pipe_p2: 'D2', refs: 4 });
      // The truncate drops pages 2 and 3 from the cache; the pipe keeps page 2's folio.
      expect(obs[3]).toMatchObject({ pipe_p2: 'D2', cached: 1, framesInUse: 2 });
      expect(obs[5]).toMatchObject({ ret_p1: 1, pipe_p1: 'D1' });
      expectModelAgrees(s, profile, 'SplicePipe_buffered_offset', constants, obs);
    });
  }

  for (const [profile, kernel] of [
    ['linux-6.1', '6.1'],
    ['linux-6.12', '6.12'],
  ] as const) {
    it(`${profile}: a truncate inside a cached page of the hole keeps the folio, zeroed past i_size`, () => {
      const constants = {
        ...CONSTANTS[kernel],
        FileSize: 0,
        ExtendSize: 1,
        ReadLen: 1,
        PipeSlots: 1,
        Frames: 2,
        BufferedProc: 'p2',
        TruncTailSectors: 2,
      };
      const s: Scenario = {
        id: 'unit',
        spec: 'SplicePipe',
        config: 'SplicePipe_trunc_mid',
        actions: [
          { name: 'Init' },
          { name: 'Truncate', size: 1 },
          { name: 'SpliceSubmit', proc: 'p2' },
          { name: 'TruncateMid', size: 1, sectors: 2 },
          { name: 'SpliceSync', proc: 'p1' },
          { name: 'PipeRead', proc: 'p2' },
        ],
        constants,
      };
      const obs = runOnReference(splicePipeAdapter, s, profile);
      // The buffered splice caches the zeroed hole folio and puts it in its pipe.
      expect(obs[2]).toMatchObject({ ret_p2: 1, pipe_p2: 'Z', cached: 1, refs: 2 });
      // ftruncate to 1024 bytes: the folio stays cached (truncate_inode_partial_folio), the pipe
      // buffer still reads a page of zeroes.
      expect(obs[3]).toMatchObject({ isize: 0.25, pipe_p2: 'Z', cached: 1, refs: 2 });
      // An O_DIRECT splice after it stops at the mid-page i_size.
      expect(obs[4]).toMatchObject({ ret_p1: 0.25, pipe_p1: 'Z:1024' });
      expect(obs[5]).toMatchObject({ pipe_p2: '', cached: 1 });
      expectModelAgrees(s, profile, 'SplicePipe_trunc_mid', constants, obs);
    });
  }

  it('BufferedProc must name a process or none', () => {
    const s: Scenario = {
      id: 'unit',
      spec: 'SplicePipe',
      config: 'SplicePipe_buffered',
      actions: [{ name: 'Init' }],
      constants: { ...CONSTANTS['6.12'], BufferedProc: 'p3' },
    };
    expect(() => runOnReference(splicePipeAdapter, s, 'linux-6.12')).toThrow(
      /BufferedProc must be one of p1, p2, none, got "p3"/,
    );
  });

  for (const [profile, kernel, config] of [
    ['linux-6.1', '6.1', 'SplicePipe_iter_pipe_get'],
    ['linux-6.12', '6.12', 'SplicePipe'],
  ] as const) {
    it(`${profile}: the truncate race on the reference, step by step, equals the model`, () => {
      const s: Scenario = {
        id: 'unit',
        spec: 'SplicePipe',
        config,
        actions: race,
        constants: CONSTANTS[kernel],
      };
      const obs = runOnReference(splicePipeAdapter, s, profile);
      // After the revert to the truncated dio->i_size: 6.1 has already released page 2's pipe buffer (its bio
      // still holds a ref: 2 frames live); COPY keeps both pages in its array until the return.
      expect(obs[3]).toMatchObject({ phase_p1: 'trimmed', framesInUse: 2, bioFreed: 0 });
      expect(obs[3]?.refs).toBe(kernel === '6.1' ? 3 : 2);
      expect(obs[6]).toMatchObject({ ret_p1: 1, pipe_p1: 'D1', framesInUse: 1, refs: 1 });
      expect(obs[11]).toMatchObject({ ret_p2: 1, pipe_p2: 'D1', framesInUse: 2 });
      expect(obs[14]).toMatchObject({ pipe_p1: '', pipe_p2: '', framesInUse: 0, refs: 0 });
      expectModelAgrees(s, profile, config, CONSTANTS[kernel], obs);
    });
  }

  for (const [profile, impl, bioRef] of [
    ['linux-6.1', 'ITER_PIPE', 'GET'],
    ['linux-6.12', 'COPY', 'NONE'],
  ] as const) {
    it(`${profile}: an O_DIRECT append extends i_size and maps its block; past the extent it is -ENOSPC`, () => {
      const constants = {
        Frames: 3,
        FileSize: 0,
        ReadLen: 1,
        PipeSlots: 1,
        SpliceImpl: impl,
        BioPageRef: bioRef,
        LimitToEof: false,
        BufferedProc: 'none',
        ExtendSize: 0,
        DioAppend: true,
      };
      const s: Scenario = {
        id: 'unit',
        spec: 'SplicePipe',
        config: 'SplicePipe_append',
        actions: [
          { name: 'Init' },
          { name: 'AppendWrite', proc: 'p1', pages: 1 },
          { name: 'AppendWrite', proc: 'p2', pages: 1 },
          { name: 'SpliceSync', proc: 'p1' },
          { name: 'Truncate', size: 0 },
          { name: 'AppendWrite', proc: 'p2', pages: 1 },
          { name: 'PipeRead', proc: 'p1' },
          { name: 'AppendWrite', proc: 'p1', pages: 0 },
          { name: 'AppendWrite', proc: 'p1', pages: 1 },
        ],
        constants,
      };
      const obs = runOnReference(splicePipeAdapter, s, profile);
      expect(obs.map((o) => [o.isize, o.write])).toEqual([
        [0, null],
        [1, 1],
        [1, 'error 28'], // the one-page extent is full
        [1, 'error 28'],
        [0, 'error 28'],
        [1, 1], // the block stayed mapped past the truncate: rewritten, i_size back to one page
        [1, 1],
        [1, 0], // an empty write: 0 even with the extent full
        [1, 'error 28'],
      ]);
      // The splice reads the written page with a bio (D1), not the device's stale block (J) nor
      // a hole (Z); the writer's buffer page is gone after each write.
      expect(obs[3]).toMatchObject({ ret_p1: 1, pipe_p1: 'D1', framesInUse: 1 });
      expect(obs[5]?.framesInUse).toBe(1);
      expectModelAgrees(s, profile, 'SplicePipe_append', constants, obs);
    });
  }

  it('ver #19 under the ver #20 promise: pages allocated past EOF, counted and caught by splice_within_eof', () => {
    // SplicePipe_eof_limit_v19's constants; the design is linux-6.12 plus the v20 design and the
    // missing clip (adapters/design.ts), whose suite profile name is the design name.
    const constants = {
      Frames: 3,
      FileSize: 2,
      ReadLen: 2,
      PipeSlots: 2,
      SpliceImpl: 'COPY',
      BioPageRef: 'NONE',
      LimitToEof: true,
      BufferedProc: 'none',
      MisalignedSplice: false,
      ExtendSize: 0,
      DioAppend: false,
      EofRevert: true,
      EofClip: false,
    };
    const design = 'linux-6.12+direct_splice_eof_limit_v20+direct_splice_no_eof_limit';
    const s: Scenario = {
      id: 'unit',
      spec: 'SplicePipe',
      config: 'SplicePipe_eof_limit_v19',
      actions: [
        { name: 'Init' },
        { name: 'Truncate', size: 1 },
        { name: 'SpliceSubmit', proc: 'p1' },
        { name: 'DioRevert', proc: 'p1' },
        { name: 'BioComplete', proc: 'p1', page: 1 },
        { name: 'BioComplete', proc: 'p1', page: 2 },
        { name: 'SpliceReturn', proc: 'p1' },
        { name: 'Truncate', size: 0 },
        { name: 'SpliceSubmit', proc: 'p2' },
      ],
      constants,
    };
    // Two pages allocated for a one-page file (one past EOF, counted when the splice returns),
    // then at EOF two more for p2's empty two-slot pipe (all past EOF, freed again).
    const obs = runOnReference(splicePipeAdapter, s, design);
    expect(obs.map((o) => o.allocPastEof)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 3]);
    expect(obs[6]).toMatchObject({ ret_p1: 1, pipe_p1: 'D1' });
    expect(obs[8]).toMatchObject({ ret_p2: 0, pipe_p2: '' });
    expectModelAgrees(s, design, 'SplicePipe_eof_limit_v19', constants, obs);
    // The v20 design (the clip) on the same file: one page read for the one-page file, none
    // allocated at EOF: nothing past EOF, and nothing to catch.
    const v20 = runOnReference(
      splicePipeAdapter,
      {
        ...s,
        config: 'SplicePipe_eof_limit_v20',
        actions: [
          { name: 'Init' },
          { name: 'Truncate', size: 1 },
          { name: 'SpliceSync', proc: 'p1' },
          { name: 'Truncate', size: 0 },
          { name: 'SpliceSubmit', proc: 'p2' },
        ],
        constants: { ...constants, EofClip: true },
      },
      'linux-6.12+direct_splice_eof_limit_v20',
    );
    expect(v20.map((o) => o.allocPastEof)).toEqual([0, 0, 0, 0, 0]);
    expect(v20[2]).toMatchObject({ ret_p1: 1, pipe_p1: 'D1', framesInUse: 1 });
  });

  it('without the clip to the pipe room (before 3253d9d09337): a read that fills the pipe fails -EAGAIN, counted and caught by splice_fill_not_failed', () => {
    // SplicePipe_no_room_clip's constants: two pages asked, one free slot per pipe.
    const constants = {
      Frames: 3,
      FileSize: 2,
      ReadLen: 2,
      PipeSlots: 1,
      SpliceImpl: 'ITER_PIPE',
      BioPageRef: 'GET',
      LimitToEof: false,
      BufferedProc: 'none',
      MisalignedSplice: false,
      ExtendSize: 0,
      DioAppend: false,
      EofRevert: true,
      EofClip: true,
      PipeRoomClip: false,
    };
    const design = 'linux-6.1+splice_no_pipe_room_clip';
    const s: Scenario = {
      id: 'unit',
      spec: 'SplicePipe',
      config: 'SplicePipe_no_room_clip',
      actions: [
        { name: 'Init' },
        { name: 'SpliceSubmit', proc: 'p1' },
        { name: 'DioRevert', proc: 'p1' },
        { name: 'BioComplete', proc: 'p1', page: 1 },
        { name: 'SpliceReturn', proc: 'p1' },
        { name: 'SpliceSync', proc: 'p2' },
      ],
      constants,
    };
    // p1's split read: the first page's bio is in flight when the dio fails (counted at
    // submission), and the return discards that page; p2's whole splice() fails the same way.
    const obs = runOnReference(splicePipeAdapter, s, design);
    expect(obs.map((o) => o.failFull)).toEqual([0, 1, 1, 1, 1, 2]);
    expect(obs[4]).toMatchObject({ ret_p1: 'error 11', pipe_p1: '', framesInUse: 0 });
    expect(obs[5]).toMatchObject({ ret_p2: 'error 11', pipe_p2: '', framesInUse: 0 });
    expectModelAgrees(s, design, 'SplicePipe_no_room_clip', constants, obs);
    // 6.1 as shipped (the clip): each splice() reads the one page that fits, nothing to catch.
    const clipped = runOnReference(
      splicePipeAdapter,
      {
        ...s,
        actions: [{ name: 'Init' }, { name: 'SpliceSync', proc: 'p1' }],
        constants: { ...constants, PipeRoomClip: true },
      },
      'linux-6.1',
    );
    expect(clipped[1]).toMatchObject({ ret_p1: 1, pipe_p1: 'D1', failFull: 0 });
  });

  it('the buffered splice bounded by the i_size sampled before its folios were uptodate (before 620a324b744a): a truncate in between leaves it returning the truncated pages', () => {
    // SplicePipe_isize_race's constants.
    const constants = {
      ...CONSTANTS['6.12'],
      BufferedProc: 'p2',
      BufferedRace: true,
      IsizeRecheck: false,
    };
    const design = 'linux-6.12+splice_isize_before_uptodate';
    const s: Scenario = {
      id: 'unit',
      spec: 'SplicePipe',
      config: 'SplicePipe_isize_race',
      actions: [
        { name: 'Init' },
        { name: 'BufferedGetPages', proc: 'p2' },
        { name: 'Truncate', size: 0 },
        { name: 'BufferedFinish', proc: 'p2' },
      ],
      constants,
    };
    const obs = runOnReference(splicePipeAdapter, s, design);
    expect(obs.map((o) => o.pastEof)).toEqual([0, 0, 0, 2]);
    expect(obs[3]).toMatchObject({ isize: 0, ret_p2: 2, pipe_p2: 'D1,D2', cached: 0 });
    expectModelAgrees(s, design, 'SplicePipe_isize_race', constants, obs);
    // 6.12 as shipped reads i_size again: nothing spliced past the truncate.
    const fixed = runOnReference(
      splicePipeAdapter,
      { ...s, constants: { ...constants, IsizeRecheck: true } },
      'linux-6.12',
    );
    expect(fixed[3]).toMatchObject({ ret_p2: 0, pipe_p2: '', pastEof: 0 });
  });

  it('the frame pool bounds the reference: a second splice gets the one free frame', () => {
    const s: Scenario = {
      id: 'unit',
      spec: 'SplicePipe',
      config: 'SplicePipe',
      actions: [
        { name: 'Init' },
        { name: 'SpliceSubmit', proc: 'p1' },
        { name: 'SpliceSubmit', proc: 'p2' },
      ],
      constants: CONSTANTS['6.12'],
    };
    const obs = runOnReference(splicePipeAdapter, s, 'linux-6.12');
    expect(obs.map((o) => o.framesInUse)).toEqual([0, 2, 3]);
  });

  it('supports: the spec actions only; bad parameters name the action', () => {
    for (const name of [
      'SpliceSubmit',
      'Truncate',
      'DioRevert',
      'BioComplete',
      'SpliceReturn',
      'PipeRead',
      'AppendWrite',
      'Finished',
    ]) {
      expect(splicePipeAdapter.supports({ name })).toBe(true);
    }
    expect(splicePipeAdapter.supports({ name: 'Vmsplice' })).toBe(false);
    const bad: Scenario = {
      id: 'unit',
      spec: 'SplicePipe',
      config: 'SplicePipe',
      actions: [{ name: 'Init' }, { name: 'Truncate', size: 'one' }],
      constants: CONSTANTS['6.12'],
    };
    expect(() => runOnReference(splicePipeAdapter, bad, 'linux-6.12')).toThrow(
      /Truncate: parameter size must be a number/,
    );
    expect(() =>
      runOnReference(
        splicePipeAdapter,
        { ...bad, actions: [{ name: 'Init' }, { name: 'DioRevert', proc: 'p1' }] },
        'linux-6.12',
      ),
    ).toThrow(/p1 has no splice in progress/);
  });
});
