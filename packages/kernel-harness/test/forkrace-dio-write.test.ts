// ForkRace's DioWriteSubmit (the parent's O_DIRECT write from its page after fork) on the guest:
// the agent's step and the `written` observation it reports (no QEMU here; the real-kernel
// check is the kernel-harness suite run of ForkRace_dio_write, README "ForkRace realisation").
import type { ScenarioAction } from '@pinlab/testgen';
import { describe, expect, it } from 'vitest';
import type { KernelSession } from '../src/session.ts';
import {
  forkRaceObservations,
  forkRaceScript,
  forkRaceWhyNot,
  supportsForkRace,
} from '../src/specs/forkrace.ts';
import { createQemuTarget } from '../src/target.ts';

const step = (extra: Record<string, unknown> = {}) => ({
  P0: 'PW',
  P1: '',
  C0: '',
  C1: '',
  pipeSeen: null,
  pinsHeld: 0,
  pinDelta: -1,
  err: null,
  earlyCompletion: false,
  ...extra,
});

describe('ForkRace DioWriteSubmit on the guest', () => {
  it('is realised as an agent step with its io and page', () => {
    const actions: ScenarioAction[] = [
      { name: 'Init' },
      { name: 'Fork' },
      { name: 'DioWriteSubmit', io: 2, vpage: 1 },
      { name: 'Write', proc: 'P', vpage: 1 },
      { name: 'IoComplete', io: 2 },
    ];
    expect(actions.every(supportsForkRace)).toBe(true);
    expect(forkRaceScript(actions)).toBe(
      'Init;Fork;DioWriteSubmit:io=2:vpage=1;Write:proc=P:vpage=1;IoComplete:io=2',
    );
    const target = createQemuTarget({ name: 'fake' } as unknown as KernelSession, 'linux-6.12');
    expect(
      target.scenarioSupport?.({
        id: 'ForkRace_dio_write/tour-0',
        spec: 'ForkRace',
        config: 'ForkRace_dio_write',
        actions,
      }),
    ).toBeUndefined();
  });

  it('refuses an io or page the guest has no gate or page for, with the reason', () => {
    for (const a of [
      { name: 'DioWriteSubmit', io: 3, vpage: 0 },
      { name: 'DioWriteSubmit', io: 1, vpage: 2 },
    ]) {
      expect(supportsForkRace(a)).toBe(false);
      expect(forkRaceWhyNot(a)).toMatch(/^DioWriteSubmit: the guest has gates for io 1..2/);
    }
  });

  it('reads written in the adapter form: tags sorted per write, null before any completed', () => {
    const obs = forkRaceObservations(
      {
        obs: [
          step({ written: null }),
          step({ written: '1:PW,D1' }),
          step({ written: '1:PW,D1;2:' }),
        ],
      },
      3,
    );
    expect(obs.map((o) => o.written)).toEqual([null, '1:D1,PW', '1:D1,PW;2:']);
    // An agent that predates the step reports no written at all: null, as before.
    expect(forkRaceObservations({ obs: [step()] }, 1)[0]?.written).toBeNull();
  });

  it('refuses a malformed written', () => {
    for (const bad of ['3:PW', 'PW', '1:pw', 7])
      expect(() => forkRaceObservations({ obs: [step({ written: bad })] }, 1)).toThrow(/written/);
  });
});
