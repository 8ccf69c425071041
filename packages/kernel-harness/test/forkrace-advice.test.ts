import type { Scenario } from '@pinlab/testgen';
import { describe, expect, it } from 'vitest';
import type { KernelSession } from '../src/session.ts';
import {
  forkRaceObservations,
  forkRaceRequest,
  forkRaceScenarioSupport,
  forkRaceScript,
  forkRaceWhyNot,
  supportsForkRace,
} from '../src/specs/forkrace.ts';
import { createQemuTarget } from '../src/target.ts';

const scenario = (constants?: Scenario['constants']): Scenario => ({
  id: 'ForkRace_dontfork/tour-0',
  spec: 'ForkRace',
  config: 'ForkRace_dontfork',
  actions: [{ name: 'Init' }, { name: 'DioSubmit', io: 1, vpage: 0 }, { name: 'Fork' }],
  ...(constants === undefined ? {} : { constants }),
});

describe('ForkRace ForkAdvice (madvise before fork) on the guest', () => {
  it('the request carries the advice (NONE when the config predates it); an unknown one is named', () => {
    expect(forkRaceRequest(scenario())).toEqual({
      steps: 'Init;DioSubmit:io=1:vpage=0;Fork',
      advice: 'NONE',
    });
    for (const advice of ['NONE', 'DONTFORK', 'WIPEONFORK']) {
      expect(forkRaceScenarioSupport(scenario({ ForkAdvice: advice }))).toBeUndefined();
      expect(forkRaceRequest(scenario({ ForkAdvice: advice })).advice).toBe(advice);
    }
    expect(forkRaceScenarioSupport(scenario({ ForkAdvice: 'MERGEABLE' }))).toMatch(
      /^ForkAdvice MERGEABLE: the guest knows only NONE, DONTFORK, WIPEONFORK/,
    );
    expect(() => forkRaceRequest(scenario({ ForkAdvice: 'MERGEABLE' }))).toThrow(/MERGEABLE/);
  });

  it('a whole-buffer io_uring registration (RegisterWholeBuffer) is not applicable, with the reason', () => {
    expect(forkRaceScenarioSupport(scenario({ RegisterWholeBuffer: false }))).toBeUndefined();
    expect(forkRaceScenarioSupport(scenario({ RegisterWholeBuffer: true }))).toMatch(
      /^RegisterWholeBuffer: the guest registers each page on its own ring/,
    );
    // LastPageFile (ForkRace_file_tail_fixed_buffers): an anonymous page with a file page after it.
    expect(
      forkRaceScenarioSupport(scenario({ RegisterWholeBuffer: true, LastPageFile: true })),
    ).toMatch(/^LastPageFile: the guest's buffer is one mapping/);
    // BufferedRead (ForkRace_buffered_read): the gate would block a read without O_DIRECT.
    expect(forkRaceScenarioSupport(scenario({ BufferedRead: true }))).toMatch(
      /^BufferedRead: the script's reads go through a gate/,
    );
    // BufferedUring (ForkRace_buffered_uring): the gate fails the folio's readahead bio.
    expect(forkRaceScenarioSupport(scenario({ BufferedRead: true, BufferedUring: true }))).toMatch(
      /^BufferedUring: the gate \(a suspended dm device\) fails/,
    );
    expect(() =>
      forkRaceRequest(scenario({ RegisterWholeBuffer: true, LastPageFile: true })),
    ).toThrow(/LastPageFile/);
    expect(forkRaceScenarioSupport(scenario({ AdviseFirstPageOnly: true }))).toMatch(
      /^AdviseFirstPageOnly: the guest applies ForkAdvice to its whole buffer/,
    );
  });

  it('a private file buffer asks the guest for file = 1, a zero-page buffer for loaded = NumPages, a THP for huge = 1', () => {
    const file = { LastPageLoadedOnly: true, FileBacked: true };
    expect(forkRaceScenarioSupport(scenario(file))).toBeUndefined();
    expect(forkRaceRequest(scenario(file))).toEqual({
      steps: 'Init;DioSubmit:io=1:vpage=0;Fork',
      advice: 'NONE',
      file: 1,
    });
    expect(forkRaceRequest(scenario({ FileBacked: false })).file).toBeUndefined();
    // Two anonymous pages, the last only loaded (ForkRace_zero_page_two_pages): loaded = 2.
    const two = { LastPageLoadedOnly: true, NumPages: 2 };
    expect(forkRaceScenarioSupport(scenario(two))).toBeUndefined();
    expect(forkRaceRequest(scenario(two)).loaded).toBe(2);
    expect(forkRaceScenarioSupport(scenario({ LastPageLoadedOnly: true, NumPages: 3 }))).toMatch(
      /^LastPageLoadedOnly with NumPages 3: the guest's buffer has one or two pages/,
    );
    // A page of a transparent huge page (ForkRace_huge): huge = 1.
    expect(forkRaceScenarioSupport(scenario({ HugeBuffer: true }))).toBeUndefined();
    expect(forkRaceRequest(scenario({ HugeBuffer: true }))).toEqual({
      steps: 'Init;DioSubmit:io=1:vpage=0;Fork',
      advice: 'NONE',
      huge: 1,
    });
    expect(forkRaceRequest(scenario({ HugeBuffer: false })).huge).toBeUndefined();
    // One anonymous page only loaded (ForkRace_zero_page): loaded = 1.
    const zero = { LastPageLoadedOnly: true, NumPages: 1 };
    expect(forkRaceScenarioSupport(scenario(zero))).toBeUndefined();
    expect(forkRaceRequest(scenario(zero))).toEqual({
      steps: 'Init;DioSubmit:io=1:vpage=0;Fork',
      advice: 'NONE',
      loaded: 1,
    });
  });

  it('the qemu target runs advised scenarios and refuses an unknown advice with the reason', () => {
    const target = createQemuTarget({ name: 'fake' } as unknown as KernelSession, 'linux-6.1');
    expect(target.scenarioSupport?.(scenario({ ForkAdvice: 'DONTFORK' }))).toBeUndefined();
    expect(target.scenarioSupport?.(scenario({ ForkAdvice: 'MERGEABLE' }))).toMatch(/ForkAdvice/);
  });

  it('a child that maps no page is reported null, as the model does', () => {
    const o = {
      P0: 'D1',
      P1: '',
      C0: null,
      C1: null,
      pipeSeen: null,
      pinsHeld: 0,
      pinDelta: 0,
      err: null,
    };
    expect(forkRaceObservations({ obs: [o] }, 1, 1)[0]).toMatchObject({ P0: 'D1', C0: null });
  });
});

describe('ForkRace ChildExit on the guest', () => {
  it('is realised (a ChildExit step in the script); other refusals keep their reasons', () => {
    expect(supportsForkRace({ name: 'ChildExit' })).toBe(true);
    expect(forkRaceScript([{ name: 'Init' }, { name: 'Fork' }, { name: 'ChildExit' }])).toBe(
      'Init;Fork;ChildExit',
    );
    expect(forkRaceWhyNot({ name: 'Write', proc: 'X', vpage: 0 })).toMatch(/^Write: the guest/);
    expect(forkRaceWhyNot({ name: 'Teleport' })).toBeUndefined();
    const target = createQemuTarget({ name: 'fake' } as unknown as KernelSession, 'linux-6.12');
    expect(
      target.scenarioSupport?.({
        ...scenario(),
        actions: [{ name: 'Init' }, { name: 'ChildExit' }],
      }),
    ).toBeUndefined();
  });
});
