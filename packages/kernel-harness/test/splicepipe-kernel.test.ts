// SplicePipe on real kernels in QEMU. Runs only when PINLAB_KERNELS names them (e.g.
// PINLAB_KERNELS=6.1,6.12 after `pinlab kernel fetch all`, whose cache must include ext4);
// otherwise the block is reported as skipped, with the reason in its title.
import type { Scenario } from '@pinlab/testgen';
import { expect, it } from 'vitest';
import { countBySpec, runSuitesOnTarget } from '../src/suites.ts';
import { createQemuTarget } from '../src/target.ts';
import { describeRealKernels } from './real-kernels.ts';
import { specSweepSuites } from './whole-suites.ts';

const CONSTANTS = {
  'linux-6.1': { SpliceImpl: 'ITER_PIPE', BioPageRef: 'GET' },
  'linux-6.12': { SpliceImpl: 'COPY', BioPageRef: 'NONE' },
} as Record<string, Record<string, string>>;

function scenario(profile: string, actions: Scenario['actions']): Scenario {
  return {
    id: 'hand',
    spec: 'SplicePipe',
    config: 'SplicePipe',
    actions,
    constants: {
      FileSize: 2,
      ReadLen: 2,
      PipeSlots: 2,
      LimitToEof: false,
      ...(CONSTANTS[profile] ?? {}),
    },
  };
}

describeRealKernels('SplicePipe', (k) => {
  it('a splice held at the gate is inside the kernel until SpliceReturn; EOF limits it after a truncate', async () => {
    const target = createQemuTarget(k.session, k.profile);
    const obs = await target.run(
      scenario(k.profile, [
        { name: 'Init' },
        { name: 'Truncate', size: 1 },
        { name: 'SpliceSubmit', proc: 'p1' },
        { name: 'DioRevert', proc: 'p1' },
        { name: 'BioComplete', proc: 'p1', page: 1 },
        { name: 'SpliceReturn', proc: 'p1' },
        { name: 'SpliceSubmit', proc: 'p2' },
        { name: 'SpliceReturn', proc: 'p2' },
        { name: 'PipeRead', proc: 'p1' },
        { name: 'Truncate', size: 0 },
      ]),
      k.profile,
    );
    // write: no AppendWrite in a scenario the guest runs (splicePipeWhyNot), so always null;
    // nonblock: no SpliceFullNonblock in these hand scenarios.
    const blank = {
      pipe_p1: '',
      pipeLen_p1: 0,
      pipe_p2: '',
      pipeLen_p2: 0,
      write: null,
      nonblock: null,
      vmsplice: null,
    };
    // Written from the kernel's behaviour, not from the model: a 1-page file gives 1 page
    // whichever splice path (the DIO is clipped to i_size), p1 stays inside splice() while
    // the gate holds its bio, and a truncate between calls only changes i_size.
    expect(obs).toEqual([
      { isize: 2, ret_p1: null, ret_p2: null, ...blank },
      { isize: 1, ret_p1: null, ret_p2: null, ...blank },
      { isize: 1, ret_p1: null, ret_p2: null, ...blank, pipe_p1: null, pipeLen_p1: null },
      { isize: 1, ret_p1: null, ret_p2: null, ...blank, pipe_p1: null, pipeLen_p1: null },
      { isize: 1, ret_p1: null, ret_p2: null, ...blank, pipe_p1: null, pipeLen_p1: null },
      { isize: 1, ret_p1: 1, ret_p2: null, ...blank, pipe_p1: 'D1', pipeLen_p1: 1 },
      {
        isize: 1,
        ret_p1: 1,
        ret_p2: null,
        ...blank,
        pipe_p1: 'D1',
        pipeLen_p1: 1,
        pipe_p2: null,
        pipeLen_p2: null,
      },
      {
        isize: 1,
        ret_p1: 1,
        ret_p2: 1,
        pipe_p1: 'D1',
        pipeLen_p1: 1,
        pipe_p2: 'D1',
        pipeLen_p2: 1,
        write: null,
        nonblock: null,
        vmsplice: null,
      },
      { isize: 1, ret_p1: 1, ret_p2: 1, ...blank, pipe_p2: 'D1', pipeLen_p2: 1 },
      { isize: 0, ret_p1: 1, ret_p2: 1, ...blank, pipe_p2: 'D1', pipeLen_p2: 1 },
    ]);
  }, 120_000);

  it('a splice at EOF returns 0 within its SpliceSubmit step and leaves the pipe empty', async () => {
    const target = createQemuTarget(k.session, k.profile);
    const obs = await target.run(
      scenario(k.profile, [
        { name: 'Init' },
        { name: 'Truncate', size: 0 },
        { name: 'SpliceSubmit', proc: 'p2' },
      ]),
      k.profile,
    );
    expect(obs.at(-1)).toEqual({
      isize: 0,
      ret_p1: null,
      ret_p2: 0,
      pipe_p1: '',
      pipeLen_p1: 0,
      pipe_p2: '',
      pipeLen_p2: 0,
      write: null,
      nonblock: null,
      vmsplice: null,
    });
  }, 120_000);

  it('a file whose i_size ends mid-page: splice() returns the exact bytes, the last pipe buffer holds the tail', async () => {
    const target = createQemuTarget(k.session, k.profile);
    const hand = scenario(k.profile, [
      { name: 'Init' },
      { name: 'SpliceSync', proc: 'p1' },
      { name: 'SpliceSubmit', proc: 'p2' },
      { name: 'PipeRead', proc: 'p1' },
      { name: 'PipeRead', proc: 'p1' },
    ]);
    // i_size 5120: the second page holds 1024 bytes (TailSectors = 2); p2's file is buffered.
    const tail = { ...hand, constants: { ...hand.constants, TailSectors: 2, BufferedProc: 'p2' } };
    const obs = await target.run(tail, k.profile);
    // Written from the kernel's behaviour, not from the model: O_DIRECT (6.1 ITER_PIPE, whose
    // EOF revert shrinks the last pipe buffer; 6.12 copy_splice_read, which pushes the last page
    // with len = remain) and buffered (filemap_splice_read / copy_page_to_iter_pipe) both stop at
    // i_size: 5120 bytes, a whole page and a 1024-byte buffer.
    const none = {
      ret_p2: null,
      pipe_p2: '',
      pipeLen_p2: 0,
      write: null,
      nonblock: null,
      vmsplice: null,
    };
    const both = {
      ret_p2: 1.25,
      pipe_p2: 'D1,D2:1024',
      pipeLen_p2: 2,
      write: null,
      nonblock: null,
      vmsplice: null,
    };
    expect(obs).toEqual([
      { isize: 1.25, ret_p1: null, pipe_p1: '', pipeLen_p1: 0, ...none },
      { isize: 1.25, ret_p1: 1.25, pipe_p1: 'D1,D2:1024', pipeLen_p1: 2, ...none },
      { isize: 1.25, ret_p1: 1.25, pipe_p1: 'D1,D2:1024', pipeLen_p1: 2, ...both },
      { isize: 1.25, ret_p1: 1.25, pipe_p1: 'D2:1024', pipeLen_p1: 1, ...both },
      { isize: 1.25, ret_p1: 1.25, pipe_p1: '', pipeLen_p1: 0, ...both },
    ]);
  }, 120_000);

  it('a partial read() of the oldest pipe buffer keeps it, shorter, before the next one', async () => {
    const target = createQemuTarget(k.session, k.profile);
    const hand = scenario(k.profile, [
      { name: 'Init' },
      { name: 'SpliceSync', proc: 'p1' },
      { name: 'PipeReadPart', proc: 'p1' },
      { name: 'PipeRead', proc: 'p1' },
      { name: 'PipeRead', proc: 'p1' },
    ]);
    const part = { ...hand, constants: { ...hand.constants, PartReadSectors: 1 } };
    const obs = await target.run(part, k.profile);
    // Written from the kernel's behaviour, not from the model: fs/pipe.c pipe_read copies
    // min(512, buf->len) from the first buffer, moves its offset and len and keeps it while len
    // is left, so the pipe holds 3584 bytes of page 1 then page 2 whole; the next read() of
    // what the oldest buffer holds takes those 3584 bytes and releases it, leaving page 2.
    const rest = {
      isize: 2,
      ret_p1: 2,
      ret_p2: null,
      pipe_p2: '',
      pipeLen_p2: 0,
      write: null,
      nonblock: null,
      vmsplice: null,
    };
    expect(obs).toEqual([
      { ...rest, ret_p1: null, pipe_p1: '', pipeLen_p1: 0 },
      { ...rest, pipe_p1: 'D1,D2', pipeLen_p1: 2 },
      { ...rest, pipe_p1: 'D1:3584,D2', pipeLen_p1: 2 },
      { ...rest, pipe_p1: 'D2', pipeLen_p1: 1 },
      { ...rest, pipe_p1: '', pipeLen_p1: 0 },
    ]);
  }, 120_000);

  it('every kernel-realisable generated SplicePipe scenario matches the profile', async () => {
    // The sweep of the spec: kernel.test.ts leaves SplicePipe to it (whole-suites.ts).
    const suites = specSweepSuites('SplicePipe');
    const target = createQemuTarget(k.session, k.profile);
    const t0 = performance.now();
    const outcomes = await runSuitesOnTarget(suites, target, k.profile);
    const ms = performance.now() - t0;
    const c = countBySpec(outcomes).SplicePipe;
    const bad = outcomes.filter((o) => o.outcome === 'failed' || o.outcome === 'error');
    console.log(
      `qemu:${k.name} SplicePipe: run ${c?.run} passed ${c?.passed} failed ${c?.failed} errors ${c?.errors} n/a ${c?.notApplicable} in ${(ms / 1000).toFixed(1)} s`,
    );
    // SplicePipe_part_read (PipeReadPart) on its own line: realised, not only counted.
    const part = outcomes.filter((o) => o.config === 'SplicePipe_part_read');
    const n = (what: string) => part.filter((o) => o.outcome === what).length;
    console.log(
      `qemu:${k.name} SplicePipe_part_read: scenarios ${part.length} passed ${n('passed')} failed ${n('failed')} errors ${n('error')} n/a ${n('not-applicable')}`,
    );
    // SplicePipe_nonblock_full (SpliceFullNonblock: splice(SPLICE_F_NONBLOCK) into a full pipe).
    const nb = outcomes.filter((o) => o.config === 'SplicePipe_nonblock_full');
    const m = (what: string) => nb.filter((o) => o.outcome === what).length;
    console.log(
      `qemu:${k.name} SplicePipe_nonblock_full: scenarios ${nb.length} passed ${m('passed')} failed ${m('failed')} errors ${m('error')} n/a ${m('not-applicable')}`,
    );
    // SplicePipe_vmsplice_empty (VmspliceEmpty: vmsplice of an empty iovec into a full pipe).
    const ve = outcomes.filter((o) => o.config === 'SplicePipe_vmsplice_empty');
    const v = (what: string) => ve.filter((o) => o.outcome === what).length;
    console.log(
      `qemu:${k.name} SplicePipe_vmsplice_empty: scenarios ${ve.length} passed ${v('passed')} failed ${v('failed')} errors ${v('error')} n/a ${v('not-applicable')}`,
    );
    // SplicePipe_buffered_offset(_tail) (SpliceBufferedOffset: a buffered splice from inside a
    // page that the full pipe cuts short, or whose last buffer holds the offset's bytes).
    let b = (_what: string) => 0;
    for (const config of ['SplicePipe_buffered_offset_tail', 'SplicePipe_buffered_offset']) {
      const bo = outcomes.filter((o) => o.config === config);
      b = (what: string) => bo.filter((o) => o.outcome === what).length;
      console.log(
        `qemu:${k.name} ${config}: scenarios ${bo.length} passed ${b('passed')} failed ${b('failed')} errors ${b('error')} n/a ${b('not-applicable')}`,
      );
    }
    // SplicePipe_trunc_mid (TruncateMid: ftruncate into a cached page of the hole).
    const tm = outcomes.filter((o) => o.config === 'SplicePipe_trunc_mid');
    const t = (what: string) => tm.filter((o) => o.outcome === what).length;
    console.log(
      `qemu:${k.name} SplicePipe_trunc_mid: scenarios ${tm.length} passed ${t('passed')} failed ${t('failed')} errors ${t('error')} n/a ${t('not-applicable')}`,
    );
    expect(bad.slice(0, 3).map((o) => `${o.scenario}: ${o.detail}`)).toEqual([]);
    expect(n('passed')).toBeGreaterThan(0);
    expect(t('passed')).toBeGreaterThan(0);
    expect(m('passed')).toBeGreaterThan(0);
    expect(v('passed')).toBeGreaterThan(0);
    expect(b('passed')).toBeGreaterThan(0);
    expect(c?.run).toBeGreaterThan(0);
    expect(c?.passed).toBe(c?.run);
  }, 900_000);
});
