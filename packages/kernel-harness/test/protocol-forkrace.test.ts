import { adapterFor, applicability, type ScenarioAction } from '@pinlab/testgen';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeRequest, LineSplitter } from '../src/protocol.ts';
import { KernelSession } from '../src/session.ts';
import {
  FORKRACE_UNOBSERVABLE,
  forkRaceNumPages,
  forkRaceObservations,
  forkRaceScript,
  forkRaceWhyNot,
  supportsForkRace,
} from '../src/specs/forkrace.ts';
import { createQemuTarget } from '../src/target.ts';

describe('agent protocol', () => {
  it('encodes flat requests and refuses what the agent cannot parse', () => {
    expect(encodeRequest({ id: 1, op: 'dio', size: 4096, engine: 'aio' })).toBe(
      '{"id":1,"op":"dio","size":4096,"engine":"aio"}\n',
    );
    expect(() => encodeRequest({ id: 1, op: 'x', size: 1.5 })).toThrow(/integers only/);
    expect(() => encodeRequest({ id: 1, op: 'x', s: 'a"b' })).toThrow(/quotes/);
    expect(() => encodeRequest({ id: 1, op: 'x', 'bad key': 1 })).toThrow(/plain identifier/);
  });

  it('decodes every message kind and names garbage', () => {
    expect(decodeMessage('{"event":"ready","release":"6.1.0","delayMs":300}')).toEqual({
      kind: 'ready',
      release: '6.1.0',
      delayMs: 300,
    });
    expect(decodeMessage('{"id":3,"ok":true,"result":{"res":512}}')).toMatchObject({
      kind: 'response',
      id: 3,
      ok: true,
    });
    expect(decodeMessage('{"id":null,"ok":false,"error":"malformed request"}')).toMatchObject({
      ok: false,
      error: 'malformed request',
    });
    expect(() => decodeMessage('garbage')).toThrow(/not JSON/);
    expect(() => decodeMessage('{"what":1}')).toThrow(/unknown message/);
  });

  it('splits a stream into lines across chunks', () => {
    const s = new LineSplitter();
    expect(s.push('{"a"')).toEqual([]);
    expect(s.push(':1}\r\n{"b":2}\n{"c"')).toEqual(['{"a":1}', '{"b":2}']);
    expect(s.push(':3}\n')).toEqual(['{"c":3}']);
  });
});

describe('ForkRace realisation', () => {
  const actions: ScenarioAction[] = [
    { name: 'Init' },
    { name: 'DioSubmit', io: 1, vpage: 0 },
    { name: 'Fork' },
    { name: 'Write', proc: 'P', vpage: 0 },
    { name: 'IoComplete', io: 1 },
  ];

  it('turns actions into the agent step script', () => {
    expect(forkRaceScript(actions)).toBe(
      'Init;DioSubmit:io=1:vpage=0;Fork;Write:proc=P:vpage=0;IoComplete:io=1',
    );
    expect(supportsForkRace({ name: 'DioSubmit', io: 3, vpage: 0 })).toBe(false);
    expect(supportsForkRace({ name: 'Teleport' })).toBe(false);
    expect(() => forkRaceScript([{ name: 'Teleport' }])).toThrow(/cannot run in the guest/);
  });

  it('reads the agent observations and refuses a run where a gate leaked', () => {
    const o = {
      P0: '',
      P1: '',
      C0: null,
      C1: null,
      pipeSeen: null,
      pinsHeld: 1,
      pinDelta: 1,
      earlyCompletion: false,
    };
    const want = {
      P0: '',
      P1: '',
      C0: null,
      C1: null,
      pipeSeen: null,
      pinsHeld: 1,
      pinDelta: 1,
      err: null, // a script that returned observations had no failed step
      written: null, // no O_DIRECT write completed (the agent reports none)
    };
    expect(forkRaceObservations({ obs: [o, o] }, 2)).toEqual([want, want]);
    expect(() => forkRaceObservations({ obs: [{ ...o, pinsHeld: undefined }] }, 1)).toThrow(
      /no pinsHeld/,
    );
    expect(forkRaceObservations({ obs: [{ ...o, P0: 'D1,D2,PW,CW' }] }, 1)[0]?.P0).toBe(
      'CW,D1,D2,PW',
    );
    // A one-page model (NumPages = 1): the adapter reports its missing page as null.
    expect(forkRaceObservations({ obs: [{ ...o, P1: 'D1', C1: '' }] }, 1, 1)[0]).toMatchObject({
      P1: null,
      C1: null,
    });
    expect(forkRaceNumPages('CONSTANTS\n    NumPages = 1\n    MaxFrames = 4\n')).toBe(1);
    expect(forkRaceNumPages(null)).toBe(2);
    expect(() => forkRaceObservations({ obs: [o] }, 2)).toThrow(/1 observations for 2 steps/);
    expect(() => forkRaceObservations({ obs: [{ ...o, earlyCompletion: true }] }, 1)).toThrow(
      /gate failed/,
    );
  });

  it('reports exactly the adapter observation keys, less the unobservable ones', () => {
    const fn = (pairs: [unknown, unknown][]) => ({ __fn: pairs });
    const state = {
      pte: fn([
        [
          'P',
          fn([
            [0, { frame: 1, write: true }],
            [1, { frame: 2, write: true }],
          ]),
        ],
        [
          'C',
          fn([
            [0, { frame: 0, write: false }],
            [1, { frame: 0, write: false }],
          ]),
        ],
      ]),
      data: fn([
        [1, { __set: [] }],
        [2, { __set: [] }],
      ]),
      pins: { __tuple: [0, 0] },
      refs: { __tuple: [0, 0] },
      hasPinned: fn([
        ['P', false],
        ['C', false],
      ]),
      forked: false,
      pipe: { st: 'EMPTY', frame: 0, seen: { __set: [] } },
      io: { __tuple: [{ st: 'IDLE', kind: 'NONE', vpage: 0, frame: 0 }] },
      written: { __tuple: [{ __set: [] }] },
      action: { name: 'Init' },
    };
    const adapter = adapterFor('ForkRace');
    expect(adapter).toBeDefined();
    // biome-ignore lint/suspicious/noExplicitAny: a hand-built model state
    const modelKeys = Object.keys(adapter?.observeModel(undefined, state as any) ?? {}).sort();
    const o = {
      P0: '',
      P1: '',
      C0: null,
      C1: null,
      pipeSeen: null,
      pinsHeld: 0,
      pinDelta: 0,
      earlyCompletion: false,
    };
    const kernelKeys = Object.keys(forkRaceObservations({ obs: [o] }, 1)[0] ?? {});
    expect([...kernelKeys, ...FORKRACE_UNOBSERVABLE].sort()).toEqual(modelKeys);
  });

  it('is a Target that runs only its own profile and supports only realised specs', async () => {
    const t = createQemuTarget(
      new KernelSession('6.1', () => {
        throw new Error('no VM in this test');
      }),
      'linux-6.1',
    );
    expect(t.name).toBe('qemu:6.1');
    expect(t.profiles).toEqual(['linux-6.1']);
    expect(t.supports('ForkRace', { name: 'Fork' })).toBe(true);
    expect(t.supports('BvecqCursors', { name: 'Init' })).toBe(false);
    await expect(
      t.run({ id: 'x', spec: 'ForkRace', config: 'ForkRace', actions }, 'linux-6.12'),
    ).rejects.toThrow(/runs profile linux-6.1/);
  });
});

describe('qemu target applicability reasons', () => {
  const target = createQemuTarget(
    new KernelSession('6.12', () => {
      throw new Error('no VM in this test');
    }),
    'linux-6.12',
  );
  const scenario = (actions: ScenarioAction[]) => ({
    id: 's',
    spec: 'ForkRace',
    config: 'ForkRace',
    actions: [{ name: 'Init' }, ...actions],
  });

  it('says why an action the guest refuses is not realisable', () => {
    expect(
      applicability(target, scenario([{ name: 'DioSubmit', io: 3, vpage: 0 }]), 'linux-6.12'),
    ).toEqual({
      applicable: false,
      reason:
        'target qemu:6.12: DioSubmit: the guest has gates for io 1..2, pages vpage 0..1 and processes P and C only',
    });
  });

  it('keeps the plain reason for an action without one, and runs what it supports', () => {
    expect(applicability(target, scenario([{ name: 'Teleport' }]), 'linux-6.12')).toMatchObject({
      applicable: false,
      reason: 'target qemu:6.12 cannot realise ForkRace action Teleport',
    });
    expect(applicability(target, scenario([{ name: 'Fork' }]), 'linux-6.12')).toEqual({
      applicable: true,
    });
  });

  it('reports the reference-only actions (munmap, zero-page read, failed steps, exit, mprotect) not applicable with a reason', () => {
    const refOnly: ScenarioAction[] = [
      { name: 'Munmap', vpage: 0 },
      { name: 'Read', proc: 'C', vpage: 0 },
      { name: 'WriteUnmapped', proc: 'P', vpage: 0, err: 'SIGSEGV' },
      { name: 'RegisterUnmapped', vpage: 0, err: 'EFAULT' },
      { name: 'VmspliceUnmapped', vpage: 0, err: 'EFAULT' },
      { name: 'RegisterBusy', vpage: 0, err: 'EBUSY' },
      { name: 'UnregisterNone', vpage: 0, err: 'ENXIO' },
      { name: 'FixedReadUnregistered', io: 1, vpage: 0, err: 'EFAULT' },
      { name: 'VmspliceFull', vpage: 0, err: 'EAGAIN' },
      { name: 'ReadNoVma', proc: 'C', vpage: 0, err: 'SIGSEGV' },
      { name: 'Exit' },
      { name: 'Protect', vpage: 0 },
      { name: 'WriteReadOnly', proc: 'P', vpage: 0, err: 'SIGSEGV' },
      { name: 'DioSubmitReadOnly', io: 1, vpage: 0, err: 'EFAULT' },
      { name: 'RegisterReadOnly', vpage: 0, err: 'EFAULT' },
      { name: 'MmapExists', vpage: 0, err: 'EEXIST' },
      { name: 'ProtectNone', vpage: 0 },
      { name: 'DioWriteNoAccess', io: 1, vpage: 0, err: 'EFAULT' },
      { name: 'MmapPopulate', vpage: 1 },
    ];
    for (const a of refOnly) {
      expect(supportsForkRace(a)).toBe(false);
      expect(forkRaceWhyNot(a)).toMatch(new RegExp(`^${a.name}: .*reference target only`));
    }
  });
});
