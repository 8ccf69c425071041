// SplicePipe on the qemu target without a kernel: which actions and scenarios the guest can
// realise (and why not), the agent's step script, and the guest's answer in the adapter's keys.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario, ScenarioAction } from '@pinlab/testgen';
import { findGeneratedSuites, loadSuite, planScenario, RUN_ELSEWHERE } from '@pinlab/testgen';
import { describe, expect, it } from 'vitest';
import { modulesForConfig, parseKconfig } from '../src/modules.ts';
import type { KernelSession } from '../src/session.ts';
import {
  SPLICEPIPE_NA,
  splicePipeObservations,
  splicePipeRequest,
  splicePipeScenarioSupport,
  splicePipeScript,
  splicePipeWhyNot,
  supportsSplicePipe,
} from '../src/specs/splicepipe.ts';
import { createQemuTarget } from '../src/target.ts';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

const LINUX_61 = {
  FileSize: 2,
  ReadLen: 2,
  PipeSlots: 2,
  LimitToEof: false,
  SpliceImpl: 'ITER_PIPE',
  BioPageRef: 'GET',
};
const LINUX_612 = { ...LINUX_61, SpliceImpl: 'COPY', BioPageRef: 'NONE' };

/** A scenario under the given constants (null: none known). */
function sc(
  actions: ScenarioAction[],
  constants: Scenario['constants'] | null = LINUX_612,
): Scenario {
  return {
    id: 't',
    spec: 'SplicePipe',
    config: 'SplicePipe',
    actions: [{ name: 'Init' }, ...actions],
    ...(constants === null ? {} : { constants }),
  };
}

const splice = (p: string, pages = 2): ScenarioAction[] => [
  { name: 'SpliceSubmit', proc: p },
  { name: 'DioRevert', proc: p },
  ...Array.from({ length: pages }, (_, i) => ({ name: 'BioComplete', proc: p, page: i + 1 })),
  { name: 'SpliceReturn', proc: p },
];

describe('SplicePipe needs ext4 in the guest', () => {
  it('loads ext4 and crc32c_generic when they are modules, and names the symbol when absent', () => {
    const base = 'CONFIG_BLK_DEV_DM=y\nCONFIG_DM_DELAY=y\nCONFIG_BLK_DEV_LOOP=y\n';
    expect(
      modulesForConfig(parseKconfig(`${base}CONFIG_EXT4_FS=m\nCONFIG_CRYPTO_CRC32C=m\n`)),
    ).toEqual(['ext4', 'crc32c_generic']);
    expect(() =>
      modulesForConfig(
        parseKconfig(`${base}# CONFIG_EXT4_FS is not set\nCONFIG_CRYPTO_CRC32C=y\n`),
      ),
    ).toThrow(/CONFIG_EXT4_FS is not enabled in this kernel \(SplicePipe/);
  });
});

describe('SplicePipe actions the guest realises', () => {
  it('accepts the spec actions with their parameters and refuses anything else', () => {
    expect(supportsSplicePipe({ name: 'SpliceSubmit', proc: 'p1' })).toBe(true);
    expect(supportsSplicePipe({ name: 'BioComplete', proc: 'p2', page: 2 })).toBe(true);
    expect(supportsSplicePipe({ name: 'Truncate', size: 0 })).toBe(true);
    expect(supportsSplicePipe({ name: 'Finished' })).toBe(true);
    expect(supportsSplicePipe({ name: 'SpliceSubmit', proc: 'p3' })).toBe(false);
    expect(supportsSplicePipe({ name: 'BioComplete', proc: 'p1', page: 0 })).toBe(false);
    expect(supportsSplicePipe({ name: 'Truncate', size: -1 })).toBe(false);
    expect(supportsSplicePipe({ name: 'Vmsplice', vpage: 0 })).toBe(false);
    expect(supportsSplicePipe({ name: 'VmspliceEmpty', proc: 'p2' })).toBe(true);
    expect(supportsSplicePipe({ name: 'VmspliceEmpty', proc: 'p3' })).toBe(false);
    expect(supportsSplicePipe({ name: 'SpliceSync', proc: 'p1' })).toBe(true);
    expect(supportsSplicePipe({ name: 'SpliceSync', proc: 'p3' })).toBe(false);
    expect(supportsSplicePipe({ name: 'TruncateMid', size: 1, sectors: 2 })).toBe(true);
    expect(supportsSplicePipe({ name: 'TruncateMid', size: 0, sectors: 2 })).toBe(false);
    expect(supportsSplicePipe({ name: 'TruncateMid', size: 1, sectors: 8 })).toBe(false);
  });

  it('realises a truncate inside a page (TruncateMid): the step with its size and sectors', () => {
    const actions: ScenarioAction[] = [
      { name: 'Init' },
      { name: 'Truncate', size: 1 },
      { name: 'SpliceSubmit', proc: 'p2' },
      { name: 'TruncateMid', size: 1, sectors: 2 },
      { name: 'SpliceSync', proc: 'p1' },
    ];
    expect(splicePipeScript(actions)).toBe(
      'Init;Truncate:size=1;SpliceSubmit:proc=p2;TruncateMid:size=1:sectors=2;SpliceSubmit:proc=p1;SpliceReturn:proc=p1',
    );
    // Between splice() calls only, as Truncate.
    const inSplice = sc([
      { name: 'SpliceSubmit', proc: 'p1' },
      { name: 'TruncateMid', size: 1, sectors: 2 },
    ]);
    expect(splicePipeScenarioSupport(inSplice)).toBe(SPLICEPIPE_NA.truncateInSplice);
  });

  it('writes the step script and the request from the scenario constants', () => {
    const s = sc([
      ...splice('p1', 1),
      { name: 'Truncate', size: 0 },
      { name: 'PipeRead', proc: 'p1' },
    ]);
    expect(splicePipeScript(s.actions)).toBe(
      'Init;SpliceSubmit:proc=p1;DioRevert:proc=p1;BioComplete:proc=p1:page=1;SpliceReturn:proc=p1;Truncate:size=0;PipeRead:proc=p1',
    );
    expect(splicePipeRequest(s)).toMatchObject({ fileSize: 2, readLen: 2, pipeSlots: 2 });
    expect(() => splicePipeScript([{ name: 'Fork' }])).toThrow(/Fork cannot run in the guest/);
  });

  it('realises a partial pipe read (PipeReadPart): partReadBytes in the request, the step in the script', () => {
    const part = { ...LINUX_612, FileSize: 1, ReadLen: 1, PipeSlots: 1, PartReadSectors: 1 };
    const actions: ScenarioAction[] = [
      { name: 'Init' },
      { name: 'SpliceSync', proc: 'p1' },
      { name: 'PipeReadPart', proc: 'p1' },
      { name: 'PipeRead', proc: 'p1' },
    ];
    expect(supportsSplicePipe({ name: 'PipeReadPart', proc: 'p1' })).toBe(true);
    expect(supportsSplicePipe({ name: 'PipeReadPart', proc: 'p3' })).toBe(false);
    expect(splicePipeWhyNot({ name: 'PipeReadPart', proc: 'p1' })).toBeUndefined();
    expect(splicePipeScenarioSupport(sc(actions, part))).toBeUndefined();
    expect(splicePipeScript(actions)).toBe(
      'Init;SpliceSubmit:proc=p1;SpliceReturn:proc=p1;PipeReadPart:proc=p1;PipeRead:proc=p1',
    );
    expect(splicePipeRequest(sc(actions, part))).toMatchObject({ partReadBytes: 512 });
    // No PartReadSectors (every other config): no partial read.
    expect(splicePipeRequest(sc([], LINUX_612))).toMatchObject({ partReadBytes: 0 });
    expect(splicePipeScenarioSupport(sc([], { ...part, PartReadSectors: 8 }))).toBe(
      SPLICEPIPE_NA.constants,
    );
  });

  it('realises a file whose i_size ends mid-page (TailSectors): tailBytes in the request, fractions in the observations', () => {
    const tail = { ...LINUX_61, BufferedProc: 'p2', TailSectors: 2 };
    const s = sc([{ name: 'SpliceSync', proc: 'p1' }], tail);
    expect(splicePipeScenarioSupport(s)).toBeUndefined();
    expect(splicePipeRequest(s)).toMatchObject({ fileSize: 2, tailBytes: 1024, buffered: 2 });
    // Whole pages when the scenario does not say (every config but SplicePipe_partial_tail).
    expect(splicePipeRequest(sc([], LINUX_612))).toMatchObject({ tailBytes: 0 });
    // A tail of a page or more, or on an empty file, is no shape the guest makes.
    expect(splicePipeScenarioSupport(sc([], { ...tail, TailSectors: 8 }))).toBe(
      SPLICEPIPE_NA.constants,
    );
    expect(splicePipeScenarioSupport(sc([], { ...tail, FileSize: 0 }))).toBe(
      SPLICEPIPE_NA.constants,
    );
    // i_size 5120 and a splice of it: 1.25 pages, the pipe's last buffer 1024 bytes long.
    const obs = splicePipeObservations(
      {
        obs: [
          {
            isizeBytes: 5120,
            isizeBytesOther: 5120,
            retBytes_p1: 5120,
            pipe_p1: 'D1,D2:1024',
            pipeLen_p1: 2,
            retBytes_p2: null,
            pipe_p2: '',
            pipeLen_p2: 0,
          },
        ],
      },
      1,
    );
    expect(obs[0]).toMatchObject({ isize: 1.25, ret_p1: 1.25, pipe_p1: 'D1,D2:1024' });
  });

  it('realises SpliceSync as SpliceSubmit then SpliceReturn, keeping the observation after the return', () => {
    const actions: ScenarioAction[] = [
      { name: 'Init' },
      { name: 'SpliceSync', proc: 'p1' },
      { name: 'PipeRead', proc: 'p1' },
    ];
    expect(splicePipeScript(actions)).toBe(
      'Init;SpliceSubmit:proc=p1;SpliceReturn:proc=p1;PipeRead:proc=p1',
    );
    const at = (ret: number | null, pipe: string | null, inSplice: boolean) => ({
      isizeBytes: 8192,
      isizeBytesOther: 8192,
      retBytes_p1: ret,
      pipe_p1: pipe,
      pipeLen_p1: pipe === null ? null : pipe === '' ? 0 : pipe.split(',').length,
      inSplice_p1: inSplice,
      wchan_p1: inSplice ? '__iomap_dio_rw' : '',
      retBytes_p2: null,
      pipe_p2: '',
      pipeLen_p2: 0,
    });
    const obs = splicePipeObservations(
      {
        obs: [
          at(null, '', false),
          at(null, null, true),
          at(8192, 'D1,D2', false),
          at(8192, 'D2', false),
        ],
      },
      actions,
    );
    expect(obs.map((o) => [o.ret_p1, o.pipe_p1])).toEqual([
      [null, ''],
      [2, 'D1,D2'],
      [2, 'D2'],
    ]);
    // The guest answers per guest step: one observation short is an error.
    expect(() => splicePipeObservations({ obs: [at(null, '', false)] }, actions)).toThrow(
      /1 observations for 4 steps/,
    );
    // The frame pool is followed through the two guest steps: a SpliceSync that the model's
    // pool cuts short is not applicable, as its split form is.
    const short = sc([
      { name: 'SpliceSync', proc: 'p1' },
      { name: 'SpliceSync', proc: 'p2' },
    ]);
    expect(splicePipeScenarioSupport(short)).toBe(SPLICEPIPE_NA.framePool);
    expect(splicePipeScenarioSupport(sc([{ name: 'SpliceSync', proc: 'p1' }]))).toBeUndefined();
    // At EOF with no free frame the model's copy_splice_read fails with -ENOMEM (it allocates
    // before it reads), where a real kernel returns 0: not applicable either.
    const atEof: ScenarioAction[] = [
      { name: 'SpliceSync', proc: 'p1' },
      { name: 'Truncate', size: 0 },
      { name: 'SpliceSubmit', proc: 'p2' },
    ];
    expect(splicePipeScenarioSupport(sc(atEof, { ...LINUX_612, Frames: 2 }))).toBe(
      SPLICEPIPE_NA.framePool,
    );
    expect(splicePipeScenarioSupport(sc(atEof, { ...LINUX_612, Frames: 3 }))).toBeUndefined();
  });
});

describe('SplicePipe SpliceMisaligned in the guest', () => {
  it('is the guest SpliceSubmit from pos=1, observed once; -ENOMEM of the model pool is not applicable', () => {
    expect(supportsSplicePipe({ name: 'SpliceMisaligned', proc: 'p2' })).toBe(true);
    expect(supportsSplicePipe({ name: 'SpliceMisaligned', proc: 'p3' })).toBe(false);
    const actions: ScenarioAction[] = [
      { name: 'Init' },
      { name: 'SpliceMisaligned', proc: 'p1' },
      { name: 'Truncate', size: 0 },
      { name: 'SpliceMisaligned', proc: 'p2' },
    ];
    expect(splicePipeScript(actions)).toBe(
      'Init;SpliceSubmit:proc=p1:pos=1;Truncate:size=0;SpliceSubmit:proc=p2:pos=1',
    );
    const at = (isize: number, r1: number | null, r2: number | null) => ({
      isizeBytes: isize,
      isizeBytesOther: isize,
      retBytes_p1: r1,
      pipe_p1: '',
      pipeLen_p1: 0,
      retBytes_p2: r2,
      pipe_p2: '',
      pipeLen_p2: 0,
    });
    const obs = splicePipeObservations(
      { obs: [at(8192, null, null), at(8192, -22, null), at(0, -22, null), at(0, -22, 0)] },
      actions,
    );
    expect(obs.map((o) => [o.ret_p1, o.ret_p2])).toEqual([
      [null, null],
      ['error 22', null],
      ['error 22', null],
      ['error 22', 0],
    ]);
    // The model's copy_splice_read allocates before the read fails: with the one frame held by
    // p1's pipe it says -ENOMEM where a real kernel has the page: not applicable. The 6.1
    // ITER_PIPE read fails its alignment check before it appends a page: applicable.
    const one = { ...LINUX_612, FileSize: 1, ReadLen: 1, PipeSlots: 1, Frames: 1 };
    const short = sc(
      [
        { name: 'SpliceSync', proc: 'p1' },
        { name: 'SpliceMisaligned', proc: 'p2' },
      ],
      one,
    );
    expect(splicePipeScenarioSupport(short)).toBe(SPLICEPIPE_NA.framePool);
    expect(
      splicePipeScenarioSupport({
        ...short,
        constants: { ...one, SpliceImpl: 'ITER_PIPE', BioPageRef: 'GET' },
      }),
    ).toBeUndefined();
    expect(
      splicePipeScenarioSupport(
        sc(
          [
            { name: 'SpliceSync', proc: 'p1' },
            { name: 'PipeRead', proc: 'p1' },
            { name: 'SpliceMisaligned', proc: 'p2' },
          ],
          one,
        ),
      ),
    ).toBeUndefined();
  });
});

describe('SplicePipe SpliceBufferedOffset in the guest', () => {
  it('is the guest SpliceSubmit of the buffered process from off * 512; the frames it fetches are counted', () => {
    expect(supportsSplicePipe({ name: 'SpliceBufferedOffset', proc: 'p2', off: 1 })).toBe(true);
    expect(supportsSplicePipe({ name: 'SpliceBufferedOffset', proc: 'p2', off: 8 })).toBe(false);
    expect(supportsSplicePipe({ name: 'SpliceBufferedOffset', proc: 'p3', off: 1 })).toBe(false);
    const actions: ScenarioAction[] = [
      { name: 'Init' },
      { name: 'SpliceBufferedOffset', proc: 'p2', off: 1 },
      { name: 'PipeRead', proc: 'p2' },
    ];
    expect(splicePipeScript(actions)).toBe('Init;SpliceSubmit:proc=p2:pos=512;PipeRead:proc=p2');
    const at = (r2: number | null, pipe2: string) => ({
      isizeBytes: 12288,
      isizeBytesOther: 12288,
      retBytes_p1: null,
      pipe_p1: '',
      pipeLen_p1: 0,
      retBytes_p2: r2,
      pipe_p2: pipe2,
      pipeLen_p2: pipe2 === '' ? 0 : pipe2.split(',').length,
    });
    const obs = splicePipeObservations(
      { obs: [at(null, ''), at(7680, 'D1:3584,D2'), at(7680, 'D2')] },
      actions,
    );
    expect(obs.map((o) => [o.ret_p2, o.pipe_p2])).toEqual([
      [null, ''],
      [1.875, 'D1:3584,D2'],
      [1.875, 'D2'],
    ]);
    // Three pages fetched into the model's three frames (two in the pipe, the third cached
    // only): p1's O_DIRECT splice then gets none from the model, not applicable; after a truncate
    // to one page and the pipe drained it gets two.
    const k = {
      ...LINUX_612,
      FileSize: 3,
      ReadLen: 3,
      Frames: 3,
      BufferedProc: 'p2',
      BufferedOffSectors: 1,
    };
    const off = { name: 'SpliceBufferedOffset', proc: 'p2', off: 1 };
    expect(splicePipeScenarioSupport(sc([off, { name: 'SpliceSync', proc: 'p1' }], k))).toBe(
      SPLICEPIPE_NA.framePool,
    );
    expect(
      splicePipeScenarioSupport(
        sc(
          [
            off,
            { name: 'Truncate', size: 1 },
            { name: 'PipeRead', proc: 'p2' },
            { name: 'PipeRead', proc: 'p2' },
            { name: 'SpliceSync', proc: 'p1' },
          ],
          k,
        ),
      ),
    ).toBeUndefined();
  });
});

describe('SplicePipe on a sparse file in the guest', () => {
  it('runs a whole splice of the hole (SpliceSync) but not its split steps, which cannot be held', () => {
    const sparse = { ...LINUX_612, FileSize: 0, ExtendSize: 2 };
    const grow = { name: 'Truncate', size: 2 };
    // FileSize 0 is an empty file the guest creates; the growing Truncate is an ftruncate.
    expect(splicePipeRequest(sc([grow, { name: 'SpliceSync', proc: 'p1' }], sparse))).toMatchObject(
      {
        fileSize: 0,
      },
    );
    expect(splicePipeScenarioSupport(sc([grow, { name: 'SpliceSync', proc: 'p1' }], sparse))).toBe(
      undefined,
    );
    expect(splicePipeScenarioSupport(sc([grow, ...splice('p1', 0)], sparse))).toBe(
      SPLICEPIPE_NA.holeOnly,
    );
    expect(
      splicePipeScenarioSupport(
        sc([grow, ...splice('p1', 0)], { ...sparse, ...LINUX_61, FileSize: 0 }),
      ),
    ).toBe(SPLICEPIPE_NA.holeOnly);
    // At EOF (before the file grows) the splice returns at once in the model too.
    expect(splicePipeScenarioSupport(sc([{ name: 'SpliceSubmit', proc: 'p1' }], sparse))).toBe(
      undefined,
    );
    // A file with a mapped page still holds its bio at the gate.
    expect(splicePipeScenarioSupport(sc([...splice('p1', 1)], { ...sparse, FileSize: 1 }))).toBe(
      undefined,
    );
  });
});

describe('SplicePipe scenarios the guest realises (scenarioSupport)', () => {
  it('runs whole splices with truncates and pipe reads between them', () => {
    const s = sc([
      { name: 'Truncate', size: 1 },
      ...splice('p1', 1),
      { name: 'PipeRead', proc: 'p1' },
      ...splice('p2', 1),
    ]);
    expect(splicePipeScenarioSupport(s)).toBeUndefined();
    expect(splicePipeScenarioSupport({ ...s, constants: LINUX_61 })).toBeUndefined();
  });

  it('accepts the other process reading its pipe while a splice is held', () => {
    const s = sc([
      { name: 'Truncate', size: 1 },
      ...splice('p2', 1),
      { name: 'SpliceSubmit', proc: 'p1' },
      { name: 'PipeRead', proc: 'p2' },
      { name: 'DioRevert', proc: 'p1' },
      { name: 'BioComplete', proc: 'p1', page: 1 },
      { name: 'SpliceReturn', proc: 'p1' },
    ]);
    expect(splicePipeScenarioSupport(s)).toBeUndefined();
  });

  it('refuses a truncate inside a splice call (the race window), before or after the revert', () => {
    const before = sc([
      { name: 'SpliceSubmit', proc: 'p1' },
      { name: 'Truncate', size: 0 },
      { name: 'DioRevert', proc: 'p1' },
    ]);
    const after = sc([
      { name: 'SpliceSubmit', proc: 'p1' },
      { name: 'DioRevert', proc: 'p1' },
      { name: 'Truncate', size: 1 },
    ]);
    expect(splicePipeScenarioSupport(before)).toBe(SPLICEPIPE_NA.truncateInSplice);
    expect(splicePipeScenarioSupport(after)).toBe(SPLICEPIPE_NA.truncateInSplice);
  });

  it('accepts two splices in flight at once when the model gives each all its pages', () => {
    // 6.1: p1's bios complete (freeing the page its revert dropped) before p2 submits; 6.12:
    // copy_splice_read's array holds both of p1's pages until its SpliceReturn.
    const s: ScenarioAction[] = [
      { name: 'Truncate', size: 1 },
      { name: 'SpliceSubmit', proc: 'p1' },
      { name: 'DioRevert', proc: 'p1' },
      { name: 'BioComplete', proc: 'p1', page: 1 },
      { name: 'BioComplete', proc: 'p1', page: 2 },
      { name: 'SpliceSubmit', proc: 'p2' },
      { name: 'SpliceReturn', proc: 'p1' },
    ];
    expect(splicePipeScenarioSupport(sc(s, LINUX_61))).toBeUndefined();
    expect(splicePipeScenarioSupport(sc(s, LINUX_612))).toBe(SPLICEPIPE_NA.framePool);
  });

  it('refuses a splice the model frame pool cuts short, and accepts it once frames are free', () => {
    // p1's pipe holds 2 of the 3 frames: p2 asks 2 pages and the model gives it 1.
    const short = sc([...splice('p1'), { name: 'SpliceSubmit', proc: 'p2' }]);
    expect(splicePipeScenarioSupport(short)).toBe(SPLICEPIPE_NA.framePool);
    const drained = sc([
      ...splice('p1'),
      { name: 'PipeRead', proc: 'p1' },
      { name: 'SpliceSubmit', proc: 'p2' },
    ]);
    expect(splicePipeScenarioSupport(drained)).toBeUndefined();
    // 6.1: the revert under a truncate to 1 drops page 2 from the pipe, but the bio's ref holds
    // it (its block is still mapped in the model) until its BioComplete, before SpliceReturn.
    const held = sc(
      [
        { name: 'Truncate', size: 1 },
        { name: 'SpliceSubmit', proc: 'p1' },
        { name: 'DioRevert', proc: 'p1' },
        { name: 'BioComplete', proc: 'p1', page: 1 },
        { name: 'BioComplete', proc: 'p1', page: 2 },
        { name: 'SpliceReturn', proc: 'p1' },
        { name: 'SpliceSubmit', proc: 'p2' },
      ],
      LINUX_61,
    );
    expect(splicePipeScenarioSupport(held)).toBeUndefined();
  });

  it('refuses constants it cannot realise or does not know', () => {
    expect(splicePipeScenarioSupport(sc([], null))).toBe(SPLICEPIPE_NA.constants);
    expect(splicePipeScenarioSupport(sc([], { ...LINUX_612, PipeSlots: 3 }))).toBe(
      SPLICEPIPE_NA.constants,
    );
    expect(splicePipeScenarioSupport(sc([], { ...LINUX_612, SpliceImpl: 'SPLICE' }))).toBe(
      SPLICEPIPE_NA.constants,
    );
    expect(() => splicePipeRequest(sc([], null))).toThrow(/constants unknown/);
  });

  it('realises a buffered splice (BufferedProc): one step with the gate open, its file opened without O_DIRECT', () => {
    const buffered = { ...LINUX_612, BufferedProc: 'p2' };
    const s = sc(
      [
        { name: 'SpliceSubmit', proc: 'p2' },
        { name: 'Truncate', size: 0 },
        { name: 'PipeRead', proc: 'p2' },
      ],
      buffered,
    );
    expect(splicePipeScenarioSupport(s)).toBeUndefined();
    expect(splicePipeRequest(s)).toMatchObject({ buffered: 2, fileSize: 2 });
    expect(splicePipeRequest(sc([], LINUX_61))).toMatchObject({ buffered: 0 });
    // The page cache shares the frame pool: two cached pages in p2's pipe leave one frame, so
    // p1's O_DIRECT splice of two pages is cut short by the model: not applicable.
    const short = sc(
      [
        { name: 'SpliceSubmit', proc: 'p2' },
        { name: 'SpliceSubmit', proc: 'p1' },
      ],
      buffered,
    );
    expect(splicePipeScenarioSupport(short)).toBe(SPLICEPIPE_NA.framePool);
    // After a truncate to 0 the cache's refs are gone and p2's reads free the frames.
    const freed = sc(
      [
        { name: 'SpliceSubmit', proc: 'p2' },
        { name: 'Truncate', size: 1 },
        { name: 'PipeRead', proc: 'p2' },
        { name: 'PipeRead', proc: 'p2' },
        { name: 'SpliceSubmit', proc: 'p1' },
      ],
      buffered,
    );
    expect(splicePipeScenarioSupport(freed)).toBeUndefined();
    expect(splicePipeScenarioSupport(sc([], { ...LINUX_612, BufferedProc: 'p3' }))).toBe(
      SPLICEPIPE_NA.constants,
    );
  });

  it('classifies every generated SplicePipe scenario, with some realisable under each kernel profile', () => {
    expect(splicePipeWhyNot({ name: 'AppendWrite', proc: 'p1' })).toBe(SPLICEPIPE_NA.appendWrite);
    expect(splicePipeWhyNot({ name: 'BufferedGetPages', proc: 'p2' })).toBe(
      SPLICEPIPE_NA.bufferedRace,
    );
    expect(splicePipeWhyNot({ name: 'SpliceSubmit', proc: 'p1' })).toBeUndefined();
    const known = new Set(Object.values(SPLICEPIPE_NA).map((r) => `target qemu:test: ${r}`));
    for (const profile of ['linux-6.1', 'linux-6.12']) {
      // The qemu target itself (its supports/whyNot/scenarioSupport), on a session it never runs.
      const target = createQemuTarget({ name: 'test' } as KernelSession, profile);
      const counts = new Map<string, number>();
      for (const f of findGeneratedSuites(join(repo, 'generated-tests', 'SplicePipe'))) {
        const suite = loadSuite(f);
        for (const s of suite.scenarios) {
          const plan = planScenario(suite, s, profile, target);
          const key = plan.kind === 'run' ? 'run' : plan.reason;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      expect(counts.get('run') ?? 0).toBeGreaterThan(100);
      // RUN_ELSEWHERE: stored once, run in an earlier config of the spec (testgen runIn).
      for (const reason of counts.keys())
        if (reason !== 'run' && reason !== RUN_ELSEWHERE) expect(known).toContain(reason);
      expect(counts.get(`target qemu:test: ${SPLICEPIPE_NA.truncateInSplice}`)).toBeGreaterThan(0);
      expect(counts.get(`target qemu:test: ${SPLICEPIPE_NA.framePool}`)).toBeGreaterThan(0);
      // SplicePipe_append's AppendWrite: not applicable with its reason, not a bare refusal.
      expect(counts.get(`target qemu:test: ${SPLICEPIPE_NA.appendWrite}`)).toBeGreaterThan(0);
      // SplicePipe_buffered_race's split buffered splice: not applicable with its reason.
      expect(counts.get(`target qemu:test: ${SPLICEPIPE_NA.bufferedRace}`)).toBeGreaterThan(0);
    }
  }, 60_000);
});

describe("the guest's answer in the adapter's keys", () => {
  const idle = { pipe_p2: '', pipeLen_p2: 0, retBytes_p2: null };
  it('converts bytes to pages and keeps p locked while its splice is inside the kernel', () => {
    const obs = splicePipeObservations(
      {
        obs: [
          {
            isizeBytes: 8192,
            isizeBytesOther: 8192,
            retBytes_p1: null,
            pipe_p1: '',
            pipeLen_p1: 0,
            ...idle,
          },
          {
            isizeBytes: 4096,
            isizeBytesOther: 4096,
            retBytes_p1: null,
            pipe_p1: null,
            pipeLen_p1: null,
            inSplice_p1: true,
            wchan_p1: '__iomap_dio_rw',
            ...idle,
          },
          {
            isizeBytes: 4096,
            isizeBytesOther: 4096,
            retBytes_p1: 4096,
            pipe_p1: 'D1',
            pipeLen_p1: 1,
            // SpliceFullNonblock's splice(SPLICE_F_NONBLOCK) into the full pipe: -EAGAIN.
            nbRetBytes: -11,
            // VmspliceEmpty's vmsplice() of an empty iovec into it: 0 bytes.
            vmRetBytes: 0,
            ...idle,
          },
        ],
      },
      3,
    );
    expect(obs).toEqual([
      {
        isize: 2,
        ret_p1: null,
        pipe_p1: '',
        pipeLen_p1: 0,
        ret_p2: null,
        pipe_p2: '',
        pipeLen_p2: 0,
        write: null,
        nonblock: null,
        vmsplice: null,
      },
      {
        isize: 1,
        ret_p1: null,
        pipe_p1: null,
        pipeLen_p1: null,
        ret_p2: null,
        pipe_p2: '',
        pipeLen_p2: 0,
        write: null,
        nonblock: null,
        vmsplice: null,
      },
      {
        isize: 1,
        ret_p1: 1,
        pipe_p1: 'D1',
        pipeLen_p1: 1,
        ret_p2: null,
        pipe_p2: '',
        pipeLen_p2: 0,
        write: null,
        nonblock: 'error 11',
        vmsplice: 0,
      },
    ]);
  });

  it('shows a failed splice and a partial page as values that cannot match a page count', () => {
    const [o] = splicePipeObservations(
      {
        obs: [
          {
            isizeBytes: 6144,
            isizeBytesOther: 6144,
            retBytes_p1: -22,
            pipe_p1: '',
            pipeLen_p1: 0,
            ...idle,
            retBytes_p2: 0,
          },
        ],
      },
      1,
    );
    expect(o).toMatchObject({ isize: 1.5, ret_p1: 'error 22', ret_p2: 0 });
  });

  it('fails when a held splice returned early, a key is missing, or steps are missing', () => {
    const early = {
      isizeBytes: 0,
      isizeBytesOther: 0,
      retBytes_p1: null,
      pipe_p1: null,
      pipeLen_p1: null,
      ...idle,
    };
    expect(() => splicePipeObservations({ obs: [early] }, 1)).toThrow(/gate failed/);
    const elsewhere = { ...early, inSplice_p1: true, wchan_p1: 'pipe_wait_writable' };
    expect(() => splicePipeObservations({ obs: [elsewhere] }, 1)).toThrow(
      /sleeps in "pipe_wait_writable", not in __iomap_dio_rw/,
    );
    expect(() => splicePipeObservations({ obs: [{ ...idle, pipe_p1: '' }] }, 1)).toThrow(
      /no isizeBytes/,
    );
    expect(() => splicePipeObservations({ obs: [] }, 2)).toThrow(/0 observations for 2 steps/);
    const apart = { ...early, pipe_p1: '', pipeLen_p1: 0, isizeBytesOther: 4096 };
    expect(() => splicePipeObservations({ obs: [apart] }, 1)).toThrow(/files differ in size/);
  });
});
