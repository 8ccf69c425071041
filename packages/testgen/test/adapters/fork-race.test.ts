import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forkRaceAdapter } from '../../src/adapters/fork-race.ts';
import { compareObservations } from '../../src/compare.ts';
import { computeExpectation } from '../../src/expect.ts';
import { type Constants, createEmbeddedStepper } from '../../src/model/engine.ts';
import { runOnReference } from '../../src/reference-target.ts';
import type { Scenario } from '../../src/target.ts';

const specs = join(import.meta.dirname, '../../../../specs');
const stepper = createEmbeddedStepper(
  'ForkRace',
  readFileSync(join(specs, 'ForkRace.tla'), 'utf8'),
  readFileSync(join(specs, 'ForkRace.cfg'), 'utf8'),
);
const base = { NumPages: 1, MaxFrames: 3, UseFixedBuffers: false, UseVmsplice: false };
/**
 * FileBacked's buffer (page 1 the file's page-cache page, only loaded) under an O_DIRECT write
 * holding it as `hold` does, with its failed steps: the constants the file-buffer cases share.
 */
const fileBufferWrite = (hold: string) => ({
  ...base,
  NumPages: 2,
  MaxFrames: 6,
  NumIOs: 1,
  UseDioWrite: true,
  LastPageLoadedOnly: true,
  FileBacked: true,
  UseFailedSteps: true,
  DioHold: hold,
});

/** UseVfio's file buffer (page 1 the page-cache page, only loaded) under a profile's constants. */
const vfioFileBuffer = (hold: string, unshare: boolean, frames: number) => ({
  ...base,
  NumPages: 2,
  MaxFrames: frames,
  NumIOs: 1,
  LastPageLoadedOnly: true,
  FileBacked: true,
  UseVfio: true,
  DioHold: hold,
  LongtermRoUnshare: unshare,
});

/** The model's expectation for s under profile with the scenario's constants. */
const expectationOf = (s: Scenario, profile: string, constants: Constants) =>
  computeExpectation(stepper, forkRaceAdapter.observeModel, s, profile, constants);

// The race of kernel-facts.md: O_DIRECT read in flight, fork, the parent writes another byte of
// the same page, the read completes.
const race: Scenario = {
  id: 'ForkRace/race',
  spec: 'ForkRace',
  config: 'ForkRace',
  constants: base,
  actions: [
    { name: 'Init' },
    { name: 'DioSubmit', io: 1, vpage: 0 },
    { name: 'Fork' },
    { name: 'Write', proc: 'P', vpage: 0 },
    { name: 'IoComplete', io: 1 },
  ],
};

/**
 * A buffered read (BufferedRead and `constants`) after Init, on linux-6.12 (FOLL_PIN) and
 * linux-6.1 (FOLL_GET) alike: the model's [P0, C0, pinDelta, gupRefs, lost] per step are `want`
 * and the reference observes what the model does.
 */
function expectBufferedRead(
  config: string,
  constants: Constants,
  steps: Scenario['actions'],
  want: unknown[][],
): void {
  for (const [profile, hold] of [
    ['linux-6.12', 'FOLL_PIN'],
    ['linux-6.1', 'FOLL_GET'],
  ] as const) {
    const c = { ...base, BufferedRead: true, ...constants, DioHold: hold };
    const s: Scenario = {
      ...race,
      id: `ForkRace/${config}`,
      config,
      constants: c,
      actions: [{ name: 'Init' }, ...steps],
    };
    const exp = expectationOf(s, profile, c);
    expect(exp.stoppedAt).toBeUndefined();
    const seen = exp.observations.map((o) => [o.P0, o.C0, o.pinDelta, o.gupRefs, o.lost]);
    expect(seen).toEqual(want);
    const observed = runOnReference(forkRaceAdapter, s, profile);
    expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
  }
}

describe('ForkRace adapter', () => {
  it('6.1 (FOLL_GET) hands the read data to the child; 6.12 (FOLL_PIN) keeps it in the parent', () => {
    const cases = [
      ['linux-6.1', 'FOLL_GET', 'PW', 'D1'],
      ['linux-6.12', 'FOLL_PIN', 'D1,PW', ''],
    ] as const;
    for (const [profile, hold, parentTags, childTags] of cases) {
      const exp = computeExpectation(stepper, forkRaceAdapter.observeModel, race, profile, {
        DioHold: hold,
      });
      const s = { ...race, constants: { ...base, DioHold: hold } };
      expect(exp.stoppedAt).toBeUndefined();
      const last = exp.observations[4];
      expect(last?.P0).toBe(parentTags);
      expect(last?.C0).toBe(childTags);
      const observed = runOnReference(forkRaceAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
    }
  }, 120_000);

  it('io_uring fixed buffers and vmsplice agree with the model step by step', () => {
    const s: Scenario = {
      ...race,
      id: 'ForkRace/fixed',
      config: 'ForkRace',
      constants: { ...base, UseFixedBuffers: true, UseVmsplice: true, DioHold: 'FOLL_GET' },
      actions: [
        { name: 'Init' },
        { name: 'RegisterBuffer', vpage: 0 },
        { name: 'FixedRead', io: 1, vpage: 0 },
        { name: 'Vmsplice', vpage: 0 },
        { name: 'Fork' },
        { name: 'IoComplete', io: 1 },
        { name: 'PipeRead' },
        { name: 'UnregisterBuffer', vpage: 0 },
      ],
    };
    const exp = computeExpectation(stepper, forkRaceAdapter.observeModel, s, 'linux-6.1', {
      DioHold: 'FOLL_GET',
      UseFixedBuffers: true,
      UseVmsplice: true,
    });
    expect(exp.stoppedAt).toBeUndefined();
    expect(exp.observations.map((o) => o.pinsHeld)).toEqual([0, 1, 1, 1, 1, 1, 1, 0]);
    expect(
      compareObservations(
        s,
        'linux-6.1',
        exp.observations,
        runOnReference(forkRaceAdapter, s, 'linux-6.1'),
      ),
    ).toEqual([]);
  }, 120_000);

  it('a sparse slot before the page: the fixed read names slot 1, the unregistration unpins past the slot', () => {
    const constants = {
      ...base,
      UseFixedBuffers: true,
      UseFailedSteps: true,
      UseRegisterOversized: true,
      DioHold: 'FOLL_PIN',
    };
    const s: Scenario = {
      ...race,
      id: 'ForkRace/sparse',
      config: 'ForkRace_register_oversized',
      constants,
      actions: [
        { name: 'Init' },
        { name: 'RegisterNullBase', vpage: 0, err: 'EFAULT' },
        { name: 'RegisterSparse', vpage: 0 },
        { name: 'FixedRead', io: 1, vpage: 0 },
        { name: 'IoComplete', io: 1 },
        { name: 'UnregisterBuffer', vpage: 0 },
      ],
    };
    const exp = expectationOf(s, 'linux-6.12', constants);
    expect(exp.stoppedAt).toBeUndefined();
    expect(exp.observations.map((o) => o.err)).toEqual([null, 'EFAULT', null, null, null, null]);
    // The failed registration leaves no pin; the sparse one pins the page once, until unregistered.
    expect(exp.observations.map((o) => o.pinsHeld)).toEqual([0, 0, 1, 1, 1, 0]);
    expect(exp.observations[4]?.P0).toBe('D1');
    const observed = runOnReference(forkRaceAdapter, s, 'linux-6.12');
    expect(compareObservations(s, 'linux-6.12', exp.observations, observed)).toEqual([]);
  }, 120_000);

  it('munmap with a read in flight, then failed steps on the unmapped page: err observed', () => {
    const constants = {
      ...base,
      UseFixedBuffers: true,
      UseMunmap: true,
      UseFailedSteps: true,
      DioHold: 'FOLL_PIN',
    };
    const s: Scenario = {
      ...race,
      id: 'ForkRace/munmap',
      config: 'ForkRace_munmap_fixed_buffers',
      constants,
      actions: [
        { name: 'Init' },
        { name: 'DioSubmit', io: 1, vpage: 0 },
        { name: 'Munmap', vpage: 0 },
        { name: 'RegisterUnmapped', vpage: 0, err: 'EFAULT' },
        { name: 'IoComplete', io: 1 },
        { name: 'WriteUnmapped', proc: 'P', vpage: 0, err: 'SIGSEGV' },
      ],
    };
    const exp = expectationOf(s, 'linux-6.12', constants);
    expect(exp.stoppedAt).toBeUndefined();
    expect(exp.observations.map((o) => o.err)).toEqual([
      null,
      null,
      null,
      'EFAULT',
      null,
      'SIGSEGV',
    ]);
    // The pin keeps the unmapped page until the read completes; the parent maps nothing.
    expect(exp.observations.map((o) => o.pinsHeld)).toEqual([0, 1, 1, 1, 0, 0]);
    expect(exp.observations.map((o) => o.P0)).toEqual(['', '', null, null, null, null]);
    const observed = runOnReference(forkRaceAdapter, s, 'linux-6.12');
    expect(compareObservations(s, 'linux-6.12', exp.observations, observed)).toEqual([]);
    // A reference whose store did not fault would be caught by the err observation.
    const doctored = observed.map((o, i) => (i === 5 ? { ...o, err: null } : o));
    expect(compareObservations(s, 'linux-6.12', exp.observations, doctored)).not.toEqual([]);
  }, 120_000);

  it('a registration that fails after pinning leaves no pin: fork then shares the page', () => {
    const constants = {
      ...base,
      UseFixedBuffers: true,
      UseFailedSteps: true,
      UseRegisterOversized: true,
      NumIOs: 1,
      DioHold: 'FOLL_PIN',
    };
    const s: Scenario = {
      ...race,
      id: 'ForkRace/register-oversized',
      config: 'ForkRace_register_oversized',
      constants,
      actions: [
        { name: 'Init' },
        { name: 'RegisterOversized', vpage: 0, err: 'EFAULT' },
        { name: 'Fork' },
        { name: 'Write', proc: 'P', vpage: 0 },
      ],
    };
    const exp = expectationOf(s, 'linux-6.12', constants);
    expect(exp.stoppedAt).toBeUndefined();
    expect(exp.observations.map((o) => o.err)).toEqual([null, 'EFAULT', null, null]);
    expect(exp.observations.map((o) => o.pinsHeld)).toEqual([0, 0, 0, 0]);
    expect(exp.observations.map((o) => o.parentHasPinned)).toEqual([false, true, true, true]);
    // No pin at fork: the page is shared (the child maps it), the parent's store copies it.
    expect(exp.observations.map((o) => o.livePages)).toEqual([1, 1, 1, 2]);
    const observed = runOnReference(forkRaceAdapter, s, 'linux-6.12');
    expect(compareObservations(s, 'linux-6.12', exp.observations, observed)).toEqual([]);
    // A reference that kept the first iovec's pin would be caught by pinsHeld.
    const doctored = observed.map((o, i) => (i === 1 ? { ...o, pinsHeld: 1, pinDelta: 1 } : o));
    expect(compareObservations(s, 'linux-6.12', exp.observations, doctored)).not.toEqual([]);
  }, 120_000);

  it('misaligned munmap, mprotect, madvise and mmap of the page fail EINVAL and change nothing', () => {
    const constants = {
      ...base,
      UseFixedBuffers: true,
      UseFailedSteps: true,
      UseMisaligned: true,
      NumIOs: 1,
      DioHold: 'FOLL_PIN',
    };
    const names = ['MunmapMisaligned', 'ProtectMisaligned', 'MadviseMisaligned', 'MmapMisaligned'];
    const s: Scenario = {
      ...race,
      id: 'ForkRace/misaligned',
      config: 'ForkRace_misaligned',
      constants,
      actions: [
        { name: 'Init' },
        { name: 'DioSubmit', io: 1, vpage: 0 },
        ...names.map((name) => ({ name, vpage: 0, err: 'EINVAL' })),
        { name: 'Fork' },
        { name: 'Write', proc: 'P', vpage: 0 },
        { name: 'IoComplete', io: 1 },
      ],
    };
    const exp = expectationOf(s, 'linux-6.12', constants);
    expect(exp.stoppedAt).toBeUndefined();
    expect(exp.observations.map((o) => o.err)).toEqual([
      null,
      null,
      'EINVAL',
      'EINVAL',
      'EINVAL',
      'EINVAL',
      null,
      null,
      null,
    ]);
    // The read in flight lands in the parent's page, which it still maps after the four calls.
    expect(exp.observations.at(-1)?.P0).toBe('D1,PW');
    const observed = runOnReference(forkRaceAdapter, s, 'linux-6.12');
    expect(compareObservations(s, 'linux-6.12', exp.observations, observed)).toEqual([]);
  }, 120_000);

  it("Exit tears both processes down: every page freed but the pipe buffer's, the ring unpinned", () => {
    const constants = {
      ...base,
      UseFixedBuffers: true,
      UseVmsplice: true,
      UseExit: true,
      DioHold: 'FOLL_PIN',
    };
    const s: Scenario = {
      ...race,
      id: 'ForkRace/exit',
      config: 'ForkRace_exit',
      constants,
      actions: [
        { name: 'Init' },
        { name: 'RegisterBuffer', vpage: 0 },
        { name: 'DioSubmit', io: 1, vpage: 0 },
        { name: 'Vmsplice', vpage: 0 },
        { name: 'Fork' },
        { name: 'IoComplete', io: 1 },
        { name: 'Exit' },
        { name: 'PipeRead' },
      ],
    };
    const exp = expectationOf(s, 'linux-6.12', constants);
    expect(exp.stoppedAt).toBeUndefined();
    // The registered, read-into page is copied for the child at fork (two pages); Exit frees the
    // child's copy and unpins the ring, the pipe's reference keeps the parent's page until read.
    expect(exp.observations.map((o) => o.livePages)).toEqual([1, 1, 1, 1, 2, 2, 1, 0]);
    expect(exp.observations.map((o) => o.pinsHeld)).toEqual([0, 1, 2, 2, 2, 1, 0, 0]);
    expect(exp.observations[7]?.pipeSeen).toBe('D1');
    const observed = runOnReference(forkRaceAdapter, s, 'linux-6.12');
    expect(compareObservations(s, 'linux-6.12', exp.observations, observed)).toEqual([]);
    // A reference that leaked a page at exit would be caught by the livePages observation.
    const doctored = observed.map((o, i) => (i === 6 ? { ...o, livePages: 2 } : o));
    expect(compareObservations(s, 'linux-6.12', exp.observations, doctored)).not.toEqual([]);
  }, 120_000);

  it("a page mprotect'ed read-only keeps its read on 6.1 too; stores SIGSEGV, reads into it EFAULT", () => {
    const constants = {
      ...base,
      UseProtect: true,
      UseFailedSteps: true,
      DioHold: 'FOLL_GET',
    };
    const s: Scenario = {
      ...race,
      id: 'ForkRace/readonly',
      config: 'ForkRace_readonly',
      constants,
      actions: [
        { name: 'Init' },
        { name: 'DioSubmit', io: 1, vpage: 0 },
        { name: 'Protect', vpage: 0 },
        { name: 'DioSubmitReadOnly', io: 2, vpage: 0, err: 'EFAULT' },
        { name: 'Fork' },
        { name: 'WriteReadOnly', proc: 'P', vpage: 0, err: 'SIGSEGV' },
        { name: 'IoComplete', io: 1 },
      ],
    };
    const exp = expectationOf(s, 'linux-6.1', constants);
    expect(exp.stoppedAt).toBeUndefined();
    expect(exp.observations.map((o) => o.err)).toEqual([
      null,
      null,
      null,
      'EFAULT',
      null,
      'SIGSEGV',
      null,
    ]);
    // FOLL_GET, yet no store can move the parent off the page: the read lands in the parent's.
    expect(exp.observations[6]?.P0).toBe('D1');
    expect(exp.observations[6]?.lost).toBe('');
    const observed = runOnReference(forkRaceAdapter, s, 'linux-6.1');
    expect(compareObservations(s, 'linux-6.1', exp.observations, observed)).toEqual([]);
  }, 120_000);

  it('a PROT_NONE page is read through /proc/self/mem: the read in flight lands, nothing lost', () => {
    // The parent's load of its PROT_NONE page faults (access_error); the observation reads the
    // page as the guest's view_of does, through access_remote_vm (FOLL_FORCE), in both kernels.
    const constants = {
      ...base,
      UseFixedBuffers: true,
      UseProtect: true,
      UseUnprotect: true,
      UseFailedSteps: true,
      UseDioWrite: true,
      UseProtNone: true,
    };
    const s: Scenario = {
      ...race,
      id: 'ForkRace/prot_none',
      config: 'ForkRace_prot_none',
      constants,
      actions: [
        { name: 'Init' },
        { name: 'DioSubmit', io: 1, vpage: 0 },
        { name: 'ProtectNone', vpage: 0 },
        { name: 'Fork' },
        { name: 'IoComplete', io: 1 },
      ],
    };
    for (const [profile, DioHold] of [
      ['linux-6.1', 'FOLL_GET'],
      ['linux-6.12', 'FOLL_PIN'],
    ] as const) {
      const c = { ...constants, DioHold };
      const exp = expectationOf({ ...s, constants: c }, profile, c);
      expect(exp.stoppedAt).toBeUndefined();
      expect(exp.observations[4]?.P0).toBe('D1');
      expect(exp.observations[4]?.lost).toBe('');
      const observed = runOnReference(forkRaceAdapter, { ...s, constants: c }, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
    }
  }, 120_000);

  /**
   * Register (vpage), Fork, the parent's then the child's store to page 1, per profile: what the
   * model expects (pins held, the registration's err, live pages per step; parentHasPinned from
   * the registration on, whether or not it failed: MMF_HAS_PINNED is set by the pin) and the
   * reference agreeing. Two pages, one I/O, fixed buffers; `constants` adds the case's own.
   */
  const expectRegisteredAcrossFork = (
    id: string,
    config: string,
    constants: Constants,
    vpage: number,
    cases: readonly (readonly [
      profile: string,
      hold: string,
      check: boolean,
      pins: readonly number[],
      err: string | null,
      live: readonly number[],
    ])[],
  ): void => {
    for (const [profile, hold, check, pins, err, live] of cases) {
      const c = {
        ...base,
        NumPages: 2,
        MaxFrames: 6,
        NumIOs: 1,
        UseFixedBuffers: true,
        ...constants,
        DioHold: hold,
        IoUringFileCheck: check,
      };
      const s: Scenario = {
        ...race,
        id,
        config,
        constants: c,
        actions: [
          { name: 'Init' },
          { name: 'RegisterBuffer', vpage },
          { name: 'Fork' },
          { name: 'Write', proc: 'P', vpage: 1 },
          { name: 'Write', proc: 'C', vpage: 1 },
        ],
      };
      const exp = expectationOf(s, profile, c);
      expect(exp.stoppedAt).toBeUndefined();
      expect(exp.observations.map((o) => o.pinsHeld)).toEqual(pins);
      expect(exp.observations.map((o) => o.err)).toEqual([null, err, null, null, null]);
      expect(exp.observations.map((o) => o.parentHasPinned)).toEqual([
        false,
        true,
        true,
        true,
        true,
      ]);
      expect(exp.observations.map((o) => o.livePages)).toEqual(live);
      expect(exp.observations.map((o) => o.P1)).toEqual(['', '', '', 'PW', 'PW']);
      expect(exp.observations.map((o) => o.C1)).toEqual([null, null, '', '', 'CW']);
      const observed = runOnReference(forkRaceAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
    }
  };

  it('a fixed buffer over the private file mapping: 6.1 refuses it after pinning, 6.12 registers the copy', () => {
    // FileBacked with UseFixedBuffers: IORING_REGISTER_BUFFERS of page 1 (the page-cache page,
    // mapped read-only). The FOLL_WRITE pin copies it first (wp_page_copy) on both kernels; 6.1's
    // io_pin_pages then finds the file vma and unpins (-EOPNOTSUPP, the model's regErr), 6.12
    // registers the copy, which fork copies for the child (pinned, exclusive). On 6.1 fork shares
    // the unpinned copy and the parent's store copies it again.
    expectRegisteredAcrossFork(
      'ForkRace/file-fixed-buffers',
      'ForkRace_file_fixed_buffers',
      { LastPageLoadedOnly: true, FileBacked: true },
      1,
      [
        ['linux-6.12', 'FOLL_PIN', false, [0, 1, 1, 1, 1], null, [2, 2, 3, 3, 3]],
        ['linux-6.1', 'FOLL_GET', true, [0, 0, 0, 0, 0], 'EOPNOTSUPP', [2, 2, 2, 3, 3]],
      ],
    );
  }, 120_000);

  it('a whole buffer from an anonymous page into a file page: 6.1 refuses it (EINVAL) after pinning, 6.12 registers it', () => {
    // LastPageFile with RegisterWholeBuffer: IORING_REGISTER_BUFFERS of one iovec over page 0
    // (anonymous vma) and page 1 (a populated private file mapping right after it). Both pages
    // are pinned first; 6.1's io_pin_pages then finds vmas[1]->vm_file != vmas[0]->vm_file and
    // unpins (-EINVAL, the model's regErr), 6.12 registers both, which fork then copies for the
    // child (pinned, exclusive). On 6.1 fork shares both pages and the parent's store copies one.
    expectRegisteredAcrossFork(
      'ForkRace/file-tail-fixed-buffers',
      'ForkRace_file_tail_fixed_buffers',
      { RegisterWholeBuffer: true, LastPageFile: true },
      0,
      [
        ['linux-6.12', 'FOLL_PIN', false, [0, 2, 2, 2, 2], null, [2, 2, 4, 4, 4]],
        ['linux-6.1', 'FOLL_GET', true, [0, 0, 0, 0, 0], 'EINVAL', [2, 2, 2, 3, 3]],
      ],
    );
  }, 120_000);

  it('a read-only VFIO mapping of the file page: 6.12 unshares it and stays coherent, 6.1 pins the page-cache page', () => {
    // UseVfio: VFIO_IOMMU_MAP_DMA (IOMMU_READ) of page 1, the page-cache page a load mapped:
    // vaddr_get_pfns' read-only FOLL_LONGTERM pin. 6.12 (LongtermRoUnshare) unshares first and
    // pins an anonymous copy, which fork copies for the child and the parent's store reuses: the
    // device reads PW. 6.1 pins the page-cache page; the parent's store copies away from it and
    // the device keeps reading the file (LongtermPinStaysWithParent broken). The unmap unpins.
    const cases = [
      ['linux-6.12', 'FOLL_PIN', true, ['', '', 'PW', null], [2, 3, 3, 3]],
      ['linux-6.1', 'FOLL_GET', false, ['', '', '', null], [2, 2, 3, 3]],
    ] as const;
    for (const [profile, hold, unshare, seen, live] of cases) {
      const c = vfioFileBuffer(hold, unshare, 6);
      const s: Scenario = {
        ...race,
        id: 'ForkRace/vfio-readonly',
        config: 'ForkRace_vfio_readonly',
        constants: c,
        actions: [
          { name: 'Init' },
          { name: 'VfioMapDma', vpage: 1 },
          { name: 'Fork' },
          { name: 'Write', proc: 'P', vpage: 1 },
          { name: 'VfioUnmapDma', vpage: 1 },
        ],
      };
      const exp = expectationOf(s, profile, c);
      expect(exp.stoppedAt).toBeUndefined();
      expect(exp.observations.map((o) => o.dmaSeen)).toEqual([undefined, ...seen]);
      expect(exp.observations.map((o) => o.P1)).toEqual(['', '', '', 'PW', 'PW']);
      expect(exp.observations.map((o) => o.pinsHeld)).toEqual([0, 1, 1, 1, 0]);
      expect(exp.observations.slice(1).map((o) => o.livePages)).toEqual(live);
      const observed = runOnReference(forkRaceAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
    }
  }, 120_000);

  it('the read-only VFIO mapping in a full memory cgroup: 6.12 fails -ENOMEM (no page to unshare into), 6.1 pins', () => {
    // UseAllocFail, MaxFrames 5: after fork the child's stores copy page 0 and the page-cache
    // page, the last two frames. 6.12's unshare fault then cannot get a page (VM_FAULT_OOM ->
    // -ENOMEM from __get_user_pages): VFIO_IOMMU_MAP_DMA fails, nothing pinned, MMF_HAS_PINNED
    // set. 6.1 pins the page-cache page, no page needed.
    const cases = [
      ['linux-6.12', 'FOLL_PIN', true, 'ENOMEM', null, 0],
      ['linux-6.1', 'FOLL_GET', false, null, '', 1],
    ] as const;
    for (const [profile, hold, unshare, err, seen, pins] of cases) {
      const c = { ...vfioFileBuffer(hold, unshare, 5), UseAllocFail: true };
      const s: Scenario = {
        ...race,
        id: 'ForkRace/vfio-nomem',
        config: 'ForkRace_vfio_nomem',
        constants: c,
        actions: [
          { name: 'Init' },
          { name: 'Fork' },
          { name: 'Write', proc: 'C', vpage: 0 },
          { name: 'Write', proc: 'C', vpage: 1 },
          { name: 'VfioMapDma', vpage: 1 },
        ],
      };
      const exp = expectationOf(s, profile, c);
      expect(exp.stoppedAt).toBeUndefined();
      const last = exp.observations[4];
      expect([last?.err, last?.dmaSeen, last?.pinsHeld, last?.parentHasPinned]).toEqual([
        err,
        seen,
        pins,
        true,
      ]);
      const observed = runOnReference(forkRaceAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
    }
  }, 120_000);

  it('a buffered AIO read (the device opened without O_DIRECT) is done inside io_submit, nothing pinned', () => {
    // BufferedRead: blkdev_read_iter -> filemap_read copies into the parent's page at submission
    // (no pin, no ref) and aio_rw_done completes it; a fork after it loses nothing, and a read
    // after fork COW-faults the parent a page of its own: the child keeps the bytes from before.
    expectBufferedRead(
      'ForkRace_buffered_read',
      { NumIOs: 2, UseChildExit: true },
      [
        { name: 'DioSubmit', io: 1, vpage: 0 },
        { name: 'Fork' },
        { name: 'DioSubmit', io: 2, vpage: 0 },
      ],
      [
        ['', null, 0, 0, ''],
        ['D1', null, 0, 0, ''],
        ['D1', 'D1', 0, 0, ''],
        ['D1,D2', 'D1', 0, 0, ''],
      ],
    );
  }, 120_000);

  it('an io_uring buffered read in flight at fork copies into the parent at completion', () => {
    // BufferedUring: IORING_OP_READ waits on the page-cache folio's read (IOCB_WAITQ), nothing
    // touched, pinned or referenced; at IoComplete the task_work retry copies into the parent's
    // page as the parent maps it then: COW broken in the parent, the child keeps the old bytes.
    expectBufferedRead(
      'ForkRace_buffered_uring',
      { NumIOs: 1, BufferedUring: true },
      [{ name: 'DioSubmit', io: 1, vpage: 0 }, { name: 'Fork' }, { name: 'IoComplete', io: 1 }],
      [
        ['', null, 0, 0, ''],
        ['', null, 0, 0, ''],
        ['', '', 0, 0, ''],
        ['D1', '', 0, 0, ''],
      ],
    );
  }, 120_000);

  it('a private file mapping: the write from the page-cache page across fork sends the file', () => {
    // FileBacked: page 1 maps the file's page-cache page (only loaded); an O_DIRECT write from
    // it holds that page (6.12 a pin, 6.1 a FOLL_GET ref), fork maps it in the child too, each
    // store copies it, and the device gets the file's bytes (no tag). MADV_WIPEONFORK of the
    // file buffer first: -EINVAL (anonymous memory only), nothing changes.
    for (const [profile, hold, pins] of [
      ['linux-6.12', 'FOLL_PIN', [0, 0, 1, 1, 1, 1, 0]],
      ['linux-6.1', 'FOLL_GET', [0, 0, 0, 0, 0, 0, 0]],
    ] as const) {
      const constants = { ...fileBufferWrite(hold), UseChildExit: true };
      const s: Scenario = {
        ...race,
        id: 'ForkRace/file-private',
        config: 'ForkRace_file_private',
        constants,
        actions: [
          { name: 'Init' },
          { name: 'MadviseWipeFile', err: 'EINVAL' },
          { name: 'DioWriteSubmit', io: 1, vpage: 1 },
          { name: 'Fork' },
          { name: 'Write', proc: 'P', vpage: 1 },
          { name: 'Write', proc: 'C', vpage: 1 },
          { name: 'IoComplete', io: 1 },
        ],
      };
      const exp = expectationOf(s, profile, constants);
      expect(exp.stoppedAt).toBeUndefined();
      expect(exp.observations.map((o) => o.pinsHeld)).toEqual(pins);
      // Page 0's copy and the mapped page-cache page, then the child's mapping of it costs no
      // page (no copy at fork), each store a copy; the page-cache page stays held until the write
      // completes, then only its cache holds it.
      expect(exp.observations.map((o) => o.err)).toEqual([
        null,
        'EINVAL',
        null,
        null,
        null,
        null,
        null,
      ]);
      expect(exp.observations.map((o) => o.livePages)).toEqual([2, 2, 2, 2, 3, 4, 3]);
      expect(exp.observations.map((o) => o.P1)).toEqual(['', '', '', '', 'PW', 'PW', 'PW']);
      expect(exp.observations.map((o) => o.C1)).toEqual([null, null, null, '', '', 'CW', 'CW']);
      expect(exp.observations[6]?.written).toBe('1:');
      const observed = runOnReference(forkRaceAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
    }
  }, 120_000);

  it('a private file mapping: mmap(MAP_FIXED_NOREPLACE) of the file over a page fails, nothing moves', () => {
    // FileBacked with UseMmapFixed: the file mapped again over page 1 (the page-cache page an
    // O_DIRECT write holds) and over page 0 (its private copy): do_mmap's -EEXIST, the pin or
    // ref, the pages and what they hold stay as they were.
    for (const [profile, hold, pins] of [
      ['linux-6.12', 'FOLL_PIN', [0, 1, 1, 1, 0]],
      ['linux-6.1', 'FOLL_GET', [0, 0, 0, 0, 0]],
    ] as const) {
      const constants = { ...fileBufferWrite(hold), UseMmapFixed: true };
      const s: Scenario = {
        ...race,
        id: 'ForkRace/file-mmap-exists',
        config: 'ForkRace_file_mmap_exists',
        constants,
        actions: [
          { name: 'Init' },
          { name: 'DioWriteSubmit', io: 1, vpage: 1 },
          { name: 'MmapFileExists', vpage: 1, err: 'EEXIST' },
          { name: 'MmapFileExists', vpage: 0, err: 'EEXIST' },
          { name: 'IoComplete', io: 1 },
        ],
      };
      const exp = expectationOf(s, profile, constants);
      expect(exp.stoppedAt).toBeUndefined();
      expect(exp.observations.map((o) => o.pinsHeld)).toEqual(pins);
      expect(exp.observations.map((o) => o.err)).toEqual([null, null, 'EEXIST', 'EEXIST', null]);
      expect(exp.observations.map((o) => o.livePages)).toEqual([2, 2, 2, 2, 2]);
      expect(exp.observations.map((o) => o.P1)).toEqual(['', '', '', '', '']);
      expect(exp.observations[4]?.written).toBe('1:');
      const observed = runOnReference(forkRaceAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
    }
  }, 120_000);

  it('a page of a THP: fork copies it for the child while pinned, and a shared page is never reused', () => {
    // HugeBuffer: the parent's page is page 0 of an order-9 folio. 6.12 pins it: fork splits the
    // THP and copies every page for the child (livePages counts the child's copy of page 0 only:
    // the copies of the other 511 pages are not the model's). 6.1 refs it: fork shares it, the
    // parent's store copies its page (the read is lost) and so does the child's, though nothing
    // else maps the THP at page 0 then (a large folio's page is never reused). livePages leaves
    // the THP out once nothing the model tracks maps or holds it: the last step's 2 are the two
    // copies (an order-0 page would be reused: the same count, one frame fewer in the model).
    for (const [profile, hold, live, lost] of [
      ['linux-6.12', 'FOLL_PIN', [1, 1, 2, 2, 2, 2], ['', '', '', '', '', '']],
      ['linux-6.1', 'FOLL_GET', [1, 1, 1, 2, 2, 2], ['', '', '', '', '1', '1']],
    ] as const) {
      const constants = { ...base, NumIOs: 1, HugeBuffer: true, DioHold: hold };
      const s: Scenario = {
        ...race,
        id: 'ForkRace/huge',
        config: 'ForkRace_huge',
        constants,
        actions: [
          { name: 'Init' },
          { name: 'DioSubmit', io: 1, vpage: 0 },
          { name: 'Fork' },
          { name: 'Write', proc: 'P', vpage: 0 },
          { name: 'IoComplete', io: 1 },
          { name: 'Write', proc: 'C', vpage: 0 },
        ],
      };
      const exp = expectationOf(s, profile, constants);
      expect(exp.stoppedAt).toBeUndefined();
      expect(exp.observations.map((o) => o.livePages)).toEqual(live);
      expect(exp.observations.map((o) => o.lost)).toEqual(lost);
      const observed = runOnReference(forkRaceAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
    }
  }, 120_000);
});
