import type { Scenario } from '@pinlab/testgen';
import { describe, expect, it } from 'vitest';
import type { KernelSession } from '../src/session.ts';
import {
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
  it('a scenario without advice runs; MADV_DONTFORK / MADV_WIPEONFORK ones are not applicable, named', () => {
    expect(forkRaceScenarioSupport(scenario())).toBeUndefined();
    expect(forkRaceScenarioSupport(scenario({ ForkAdvice: 'NONE' }))).toBeUndefined();
    expect(forkRaceScenarioSupport(scenario({ ForkAdvice: 'DONTFORK' }))).toMatch(
      /^ForkAdvice DONTFORK: the guest does not madvise/,
    );
    expect(forkRaceScenarioSupport(scenario({ ForkAdvice: 'WIPEONFORK' }))).toMatch(
      /^ForkAdvice WIPEONFORK:/,
    );
  });

  it('the qemu target reports the reason (no session needed to decide applicability)', () => {
    const target = createQemuTarget({ name: 'fake' } as unknown as KernelSession, 'linux-6.1');
    expect(target.scenarioSupport?.(scenario({ ForkAdvice: 'DONTFORK' }))).toMatch(/ForkAdvice/);
    expect(target.scenarioSupport?.(scenario({ ForkAdvice: 'NONE' }))).toBeUndefined();
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
