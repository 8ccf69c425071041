import { adapterFor, applicability, type ScenarioAction, type SuiteData } from '@pinlab/testgen';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeRequest, LineSplitter } from '../src/protocol.ts';
import { KernelSession } from '../src/session.ts';
import {
  FORKRACE_MAX_STEPS,
  FORKRACE_SAMPLED_ACTIONS,
  FORKRACE_UNOBSERVABLE,
  forkRaceKernelSample,
  forkRaceNumPages,
  forkRaceObservations,
  forkRaceScenarioSupport,
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
      err: null,
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
      err: null, // the agent's err: the step succeeded
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
    // A failed step: the kernel's error by name, compared with the model's err.
    expect(forkRaceObservations({ obs: [{ ...o, err: 'EFAULT' }] }, 1)[0]?.err).toBe('EFAULT');
    expect(forkRaceObservations({ obs: [{ ...o, err: 'SIGSEGV' }] }, 1)[0]?.err).toBe('SIGSEGV');
    // An agent that reports no err, or something else than a name, is refused.
    expect(() => forkRaceObservations({ obs: [{ ...o, err: undefined }] }, 1)).toThrow(/no err/);
    expect(() => forkRaceObservations({ obs: [{ ...o, err: 14 }] }, 1)).toThrow(/no err/);
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
      // No VFIO mapping (UseVfio): the adapter's dmaSeen is absent, as in every realisable config.
      vfio: 0,
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
      err: null,
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

describe('qemu target page count', () => {
  // `pinlab run --target qemu:<k>` creates the target without a specs folder: the suite's
  // constants (passed by runSuite) must size the observations, or a NumPages = 1 config
  // mismatches at Init (P1 expected null, observed '').
  const guest = {
    name: '6.12',
    exclusive: async () => ({
      obs: [{ P0: '', P1: '', C0: null, C1: null, pinsHeld: 0, pinDelta: 0, err: null }],
    }),
  } as unknown as KernelSession;
  const target = createQemuTarget(guest, 'linux-6.12');
  const init = {
    id: 's',
    spec: 'ForkRace',
    config: 'ForkRace_misaligned',
    actions: [{ name: 'Init' }],
  };

  it('takes NumPages from the scenario constants', async () => {
    const [o] = await target.run({ ...init, constants: { NumPages: 1 } }, 'linux-6.12');
    expect(o).toMatchObject({ P0: '', P1: null });
  });

  it('assumes the guest two pages without constants or a specs folder', async () => {
    const [o] = await target.run(init, 'linux-6.12');
    expect(o).toMatchObject({ P0: '', P1: '' });
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

  it("realises munmap, mprotect, mmap, the child's loads and the failed steps as agent steps", () => {
    const realised: [ScenarioAction, string][] = [
      [{ name: 'Munmap', vpage: 0 }, 'Munmap:vpage=0'],
      [{ name: 'Read', proc: 'C', vpage: 0 }, 'Read:proc=C:vpage=0'],
      [
        { name: 'WriteUnmapped', proc: 'P', vpage: 0, err: 'SIGSEGV' },
        'WriteUnmapped:proc=P:vpage=0',
      ],
      [{ name: 'RegisterUnmapped', vpage: 0, err: 'EFAULT' }, 'RegisterUnmapped:vpage=0'],
      [{ name: 'VmspliceUnmapped', vpage: 0, err: 'EFAULT' }, 'VmspliceUnmapped:vpage=0'],
      [{ name: 'RegisterBusy', vpage: 1, err: 'EBUSY' }, 'RegisterBusy:vpage=1'],
      [{ name: 'UnregisterNone', vpage: 0, err: 'ENXIO' }, 'UnregisterNone:vpage=0'],
      [
        { name: 'FixedReadUnregistered', io: 2, vpage: 0, err: 'EFAULT' },
        'FixedReadUnregistered:io=2:vpage=0',
      ],
      [
        { name: 'FixedReadOutside', io: 1, vpage: 1, err: 'EFAULT' },
        'FixedReadOutside:io=1:vpage=1',
      ],
      [{ name: 'VmspliceFull', vpage: 0, err: 'EAGAIN' }, 'VmspliceFull:vpage=0'],
      [{ name: 'ReadNoVma', proc: 'C', vpage: 0, err: 'SIGSEGV' }, 'ReadNoVma:proc=C:vpage=0'],
      [{ name: 'Protect', vpage: 0 }, 'Protect:vpage=0'],
      [{ name: 'ProtectNone', vpage: 0 }, 'ProtectNone:vpage=0'],
      [{ name: 'Unprotect', vpage: 0 }, 'Unprotect:vpage=0'],
      [
        { name: 'WriteReadOnly', proc: 'C', vpage: 0, err: 'SIGSEGV' },
        'WriteReadOnly:proc=C:vpage=0',
      ],
      [
        { name: 'DioSubmitReadOnly', io: 1, vpage: 0, err: 'EFAULT' },
        'DioSubmitReadOnly:io=1:vpage=0',
      ],
      [{ name: 'RegisterReadOnly', vpage: 0, err: 'EFAULT' }, 'RegisterReadOnly:vpage=0'],
      [{ name: 'MmapExists', vpage: 0, err: 'EEXIST' }, 'MmapExists:vpage=0'],
      [
        { name: 'DioWriteNoAccess', io: 1, vpage: 0, err: 'EFAULT' },
        'DioWriteNoAccess:io=1:vpage=0',
      ],
      [{ name: 'MmapPopulate', vpage: 1 }, 'MmapPopulate:vpage=1'],
      [{ name: 'ProtectHole', err: 'ENOMEM' }, 'ProtectHole'],
      [{ name: 'MadviseHole', err: 'ENOMEM' }, 'MadviseHole'],
    ];
    for (const [a, step] of realised) {
      expect(supportsForkRace(a), a.name).toBe(true);
      // The model's err is the expectation, never sent to the guest.
      expect(forkRaceScript([a])).toBe(step);
    }
    // Outside the guest's gates and pages: not applicable with the reason.
    expect(supportsForkRace({ name: 'Munmap', vpage: 2 })).toBe(false);
    expect(forkRaceWhyNot({ name: 'Munmap', vpage: 2 })).toMatch(/^Munmap: the guest has gates/);
    expect(supportsForkRace({ name: 'WriteReadOnly', proc: 'X', vpage: 0 })).toBe(false);
  });

  it('keeps Exit not applicable: its tear-down checks are not observable in a guest', () => {
    expect(supportsForkRace({ name: 'Exit' })).toBe(false);
    expect(forkRaceWhyNot({ name: 'Exit' })).toMatch(/^Exit: .*reference target only/);
  });

  it("realises VmspliceWhole: the whole buffer in one vmsplice, the model's spliced pages sent to be checked", () => {
    const a = { name: 'VmspliceWhole', spliced: 1 };
    expect(supportsForkRace(a)).toBe(true);
    expect(forkRaceScript([a])).toBe('VmspliceWhole:spliced=1');
    expect(FORKRACE_SAMPLED_ACTIONS.has('VmspliceWhole')).toBe(true);
    // A count the guest's two-page buffer cannot give: not applicable with the reason.
    expect(supportsForkRace({ name: 'VmspliceWhole', spliced: 3 })).toBe(false);
    expect(forkRaceWhyNot({ name: 'VmspliceWhole', spliced: 3 })).toMatch(/two-page buffer/);
  });

  it('realises MmapLazy: the mmap step without MAP_POPULATE', () => {
    const a = { name: 'MmapLazy', vpage: 0 };
    expect(supportsForkRace(a)).toBe(true);
    expect(forkRaceScript([a])).toBe('MmapLazy:vpage=0');
    expect(FORKRACE_SAMPLED_ACTIONS.has('MmapLazy')).toBe(true);
  });

  it('realises RegisterOversized: the registration of the page and an iovec over 1 GiB', () => {
    const a = { name: 'RegisterOversized', vpage: 1, err: 'EFAULT' };
    expect(supportsForkRace(a)).toBe(true);
    expect(forkRaceScript([a])).toBe('RegisterOversized:vpage=1');
    expect(FORKRACE_SAMPLED_ACTIONS.has('RegisterOversized')).toBe(true);
    expect(forkRaceScript([{ name: 'RegisterEmpty', vpage: 0, err: 'EINVAL' }])).toBe(
      'RegisterEmpty:vpage=0',
    );
  });

  it('realises RegisterSparse and RegisterNullBase: a sparse slot before the page', () => {
    const steps: ScenarioAction[] = [
      { name: 'RegisterSparse', vpage: 1 },
      { name: 'RegisterNullBase', vpage: 0, err: 'EFAULT' },
    ];
    for (const a of steps) {
      expect(supportsForkRace(a)).toBe(true);
      expect(forkRaceScript([a])).toBe(`${a.name}:vpage=${a.vpage}`);
      expect(FORKRACE_SAMPLED_ACTIONS.has(a.name)).toBe(true);
    }
  });

  it('realises MadviseWipeFile: madvise(MADV_WIPEONFORK) of the private file buffer', () => {
    const a = { name: 'MadviseWipeFile', err: 'EINVAL' };
    expect(supportsForkRace(a)).toBe(true);
    expect(forkRaceScript([a])).toBe('MadviseWipeFile');
    expect(FORKRACE_SAMPLED_ACTIONS.has('MadviseWipeFile')).toBe(true);
  });

  it('realises MmapFileExists: the private file buffer mapped again over one of its pages', () => {
    const a = { name: 'MmapFileExists', vpage: 1, err: 'EEXIST' };
    expect(supportsForkRace(a)).toBe(true);
    expect(forkRaceScript([a])).toBe('MmapFileExists:vpage=1');
    expect(FORKRACE_SAMPLED_ACTIONS.has('MmapFileExists')).toBe(true);
  });

  it('realises MadviseInvalid, MmapEmpty and MmapTooLong: a bad advice or length', () => {
    for (const [name, err] of [
      ['MadviseInvalid', 'EINVAL'],
      ['MmapEmpty', 'EINVAL'],
      ['MmapTooLong', 'ENOMEM'],
    ] as const) {
      const a = { name, vpage: 0, err };
      expect(supportsForkRace(a)).toBe(true);
      expect(forkRaceScript([a])).toBe(`${name}:vpage=0`);
      expect(FORKRACE_SAMPLED_ACTIONS.has(name)).toBe(true);
    }
  });

  it('realises the misaligned munmap, mprotect, madvise and mmap of a page', () => {
    for (const name of [
      'MunmapMisaligned',
      'ProtectMisaligned',
      'MadviseMisaligned',
      'MmapMisaligned',
    ]) {
      const a = { name, vpage: 0, err: 'EINVAL' };
      expect(supportsForkRace(a)).toBe(true);
      expect(forkRaceScript([a])).toBe(`${name}:vpage=0`);
      expect(FORKRACE_SAMPLED_ACTIONS.has(name)).toBe(true);
    }
  });
});

describe('ForkRace CI sample of the address-space and failed steps', () => {
  const suiteOf = (scenarios: { id: string; actions: ScenarioAction[] }[]): SuiteData => ({
    generated: 'test',
    spec: 'ForkRace',
    config: 'ForkRace_test',
    seed: 1,
    regenerate: '',
    profiles: ['linux-6.12'],
    constants: { 'linux-6.12': { NumPages: 1 } },
    scenarios: scenarios.map((s) => ({ ...s, origin: 'tour', expect: {} })),
  });
  const munmap: ScenarioAction = { name: 'Munmap', vpage: 0 };
  const fork: ScenarioAction = { name: 'Fork' };
  const segv: ScenarioAction = { name: 'WriteUnmapped', proc: 'P', vpage: 0, err: 'SIGSEGV' };

  it('keeps every scenario without such a step and the first to take each neighbouring pair', () => {
    const suite = suiteOf([
      { id: 'old', actions: [{ name: 'Init' }, fork] },
      { id: 'a', actions: [{ name: 'Init' }, munmap, segv] },
      { id: 'same-pairs', actions: [{ name: 'Init' }, munmap, segv] },
      { id: 'new-pair', actions: [{ name: 'Init' }, munmap, segv, munmap] },
      { id: 'exit', actions: [{ name: 'Init' }, munmap, { name: 'Exit' }] }, // n/a: kept
      { id: 'long', actions: [{ name: 'Init' }, ...Array(40).fill(munmap)] }, // n/a: kept
    ]);
    expect(forkRaceKernelSample(suite, 'linux-6.12').scenarios.map((s) => s.id)).toEqual([
      'old',
      'a',
      'new-pair',
      'exit',
      'long',
    ]);
    // Parameters tell steps apart: Munmap of page 1 is a new pair.
    const other = suiteOf([
      { id: 'a', actions: [{ name: 'Init' }, munmap] },
      { id: 'b', actions: [{ name: 'Init' }, { name: 'Munmap', vpage: 1 }] },
    ]);
    expect(forkRaceKernelSample(other, 'linux-6.12').scenarios).toHaveLength(2);
    expect(
      forkRaceScenarioSupport({
        id: 'long',
        spec: 'ForkRace',
        config: 'ForkRace_test',
        actions: Array(FORKRACE_MAX_STEPS + 1).fill(fork),
      }),
    ).toMatch(/more than 34 steps/);
  });

  it('leaves other specs alone', () => {
    const suite = { ...suiteOf([]), spec: 'PinUnpin' };
    expect(forkRaceKernelSample(suite, 'linux-6.12')).toBe(suite);
  });
});
