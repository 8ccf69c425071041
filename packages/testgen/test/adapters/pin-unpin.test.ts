import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FRAMES, pinUnpinAdapter } from '../../src/adapters/pin-unpin.ts';
import { compareObservations } from '../../src/compare.ts';
import { computeExpectation } from '../../src/expect.ts';
import { createEmbeddedStepper } from '../../src/model/engine.ts';
import type { ModelState, ModelValue } from '../../src/model/value.ts';
import { loadProfiles } from '../../src/profiles.ts';
import { runOnReference } from '../../src/reference-target.ts';
import type { Scenario } from '../../src/target.ts';

const specs = join(import.meta.dirname, '../../../../specs');
const stepper = createEmbeddedStepper(
  'PinUnpin',
  readFileSync(join(specs, 'PinUnpin.tla'), 'utf8'),
  readFileSync(join(specs, 'PinUnpin.cfg'), 'utf8'),
);

// A model function over every frame of the spec (FRAMES as the adapter lists them).
const fn = (m: Record<string, number>): ModelValue => ({
  __fn: FRAMES.map((f) => [f, m[f] ?? 0]),
});
// The block device's variables without WriteOverCache and MapDevice (no cache, no mapping).
const noDevice: ModelState = {
  overCache: false,
  devCached: { __set: [] },
  mapDevice: false,
  devMap: {
    __fn: [
      [1, 'NONE'],
      [2, 'NONE'],
    ],
  },
  devWritten: { __set: [] },
};
const idle = {
  st: 'IDLE',
  iter: 'NONE',
  dir: 'NONE',
  cleanup: 'NONE',
  pages: { __set: [] },
  bytes: 0,
  offset0: 0,
  array: 'NONE',
  err: 'NONE',
};

describe('PinUnpin adapter', () => {
  it('observes pins, refs, vmstat deltas and each bio from a hand-built model state', () => {
    const state: ModelState = {
      pins: fn({ U0: 1, U1: 1 }),
      refs: fn({ X0: 1 }),
      zeroMapped: false,
      cached: { __set: ['X1', 'X0'] },
      pinAcquired: 3,
      pinReleased: 1,
      largeFolio: false,
      x1Zeroed: false,
      filePrivate: false,
      ...noDevice,
      bio: {
        __fn: [
          [
            1,
            {
              st: 'INFLIGHT',
              iter: 'UBUF',
              dir: 'DEST',
              cleanup: 'PIN',
              pages: { __set: ['U1', 'U0'] },
              bytes: 6,
              offset0: 1,
              array: 'NONE',
              err: 'NONE',
            },
          ],
          // An XARRAY I/O over a hole at X0: the spec keeps it INFLIGHT with 0 bytes; the
          // kernel fails it with -EFAULT (block/bio.c), which the observation reports.
          [2, { ...idle, st: 'INFLIGHT', iter: 'XARRAY', dir: 'DEST', cleanup: 'REF', offset0: 2 }],
        ],
      },
      action: { name: 'Init' },
    };
    expect(pinUnpinAdapter.observeModel(undefined, state)).toEqual({
      pins: 'U0=1,U1=1',
      refs: 'X0=1',
      // A pin on a small folio: GUP_PIN_COUNTING_BIAS on its refcount.
      'u0.refcount': 1024,
      'u0.dmaPinned': true,
      pinAcquired: 3,
      pinReleased: 1,
      zeroMapped: false,
      cached: 'X0,X1',
      // No read has completed: the device wrote no frame.
      data: '',
      'bio1.st': 'INFLIGHT',
      'bio1.cleanup': 'PIN',
      'bio1.pages': 'U0,U1',
      'bio1.bytes': 6,
      'bio1.offset0': 1,
      'bio1.array': 'NONE',
      'bio1.err': 'NONE',
      'bio2.st': 'FAILED',
      'bio2.cleanup': 'NONE',
      'bio2.pages': '',
      'bio2.bytes': 0,
      'bio2.offset0': null,
      'bio2.array': 'NONE',
      'bio2.err': 'NONE',
    });
  });

  it('with LargeFolio, counts U0 and U1 (and Q0, Q1) once, as their folio', () => {
    const state: ModelState = {
      pins: fn({ U0: 1, U1: 1, U2: 1 }),
      refs: fn({ Q0: -1, Q1: -1 }),
      zeroMapped: true,
      cached: { __set: ['X0', 'X1'] },
      pinAcquired: 3,
      pinReleased: 0,
      largeFolio: true,
      x1Zeroed: false,
      filePrivate: false,
      ...noDevice,
      bio: {
        __fn: [
          [1, idle],
          [2, idle],
        ],
      },
      action: { name: 'Init' },
    };
    expect(pinUnpinAdapter.observeModel(undefined, state)).toMatchObject({
      pins: 'U0+U1=2,U2=1',
      refs: 'Q0+Q1=-2',
      // A pin on a large folio: 1 on its refcount (and _pincount).
      'u0.refcount': 2,
      'u0.dmaPinned': true,
    });
  });

  it('LargeFolio: the reference pins the large folio per page, _pincount not GUP_PIN_COUNTING_BIAS', () => {
    const cfg = readFileSync(join(specs, 'PinUnpin_large_folio.cfg'), 'utf8');
    const large = createEmbeddedStepper(
      'PinUnpin',
      readFileSync(join(specs, 'PinUnpin.tla'), 'utf8'),
      cfg,
    );
    const profiles = loadProfiles(join(specs, 'profiles.json'));
    for (const profile of ['linux-6.1', 'linux-6.12', 'bvecq-rfc']) {
      const own = profiles.find((p) => p.name === profile)?.constants.PinUnpin ?? {};
      const constants = { ...own, LargeFolio: true };
      const s: Scenario = {
        id: 'PinUnpin/large',
        spec: 'PinUnpin',
        config: 'PinUnpin_large_folio',
        constants,
        actions: [
          { name: 'Init' },
          { name: 'Submit', bio: 1, iter: 'UBUF', dir: 'DEST' },
          ...(profile === 'linux-6.1'
            ? []
            : [{ name: 'Submit', bio: 2, iter: 'QUEUE', dir: 'DEST' }]),
          { name: 'Complete', bio: 1 },
        ],
      };
      const exp = computeExpectation(large, pinUnpinAdapter.observeModel, s, profile, constants);
      expect(exp.stoppedAt).toBeUndefined();
      const observed = runOnReference(pinUnpinAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
      if (profile === 'linux-6.1') {
        expect(observed[1]).toMatchObject({
          refs: 'U0+U1=2',
          'u0.refcount': 2,
          'u0.dmaPinned': false,
        });
      } else {
        expect(observed[1]).toMatchObject({
          pins: 'U0+U1=2',
          'u0.refcount': 2,
          'u0.dmaPinned': true,
          'bio1.pages': 'U0,U1',
        });
        expect(observed[2]).toMatchObject({
          'bio2.pages': 'Q0,Q1',
          'bio2.bytes': 6,
          pins: 'U0+U1=2',
        });
      }
      expect(observed.at(-1)).toMatchObject({
        pins: '',
        refs: '',
        'u0.refcount': 0,
        'u0.dmaPinned': false,
      });
    }
  }, 120_000);

  it('fails naming the variable when the state lacks one', () => {
    expect(() => pinUnpinAdapter.observeModel(undefined, { pins: fn({}) })).toThrow(/refs/);
  });

  // A write from the zero page (IOVEC SOURCE), a read into user pages (UBUF DEST), a kvec and
  // a hole in the page cache: every iterator class, both directions, release of each.
  const scenario: Scenario = {
    id: 'PinUnpin/unit',
    spec: 'PinUnpin',
    config: 'PinUnpin',
    actions: [
      { name: 'Init' },
      { name: 'Submit', bio: 1, iter: 'IOVEC', dir: 'SOURCE' },
      { name: 'Submit', bio: 2, iter: 'UBUF', dir: 'DEST' },
      { name: 'Complete', bio: 1 },
      { name: 'Complete', bio: 2 },
    ],
  };

  it('the reference agrees with the model step by step under every profile', () => {
    const profiles = loadProfiles(join(specs, 'profiles.json'));
    for (const profile of ['linux-6.1', 'linux-6.12', 'bvecq-rfc']) {
      const constants = profiles.find((p) => p.name === profile)?.constants.PinUnpin;
      expect(constants, profile).toBeDefined();
      const exp = computeExpectation(
        stepper,
        pinUnpinAdapter.observeModel,
        scenario,
        profile,
        constants ?? {},
      );
      expect(exp.stoppedAt).toBeUndefined();
      const observed = runOnReference(pinUnpinAdapter, scenario, profile);
      expect(compareObservations(scenario, profile, exp.observations, observed)).toEqual([]);
      // 6.1 takes FOLL_GET refs (zero page included), 6.12 pins U2 and U0/U1 but not the zero page.
      const inFlight = observed[2];
      if (profile === 'linux-6.1') {
        expect(inFlight?.refs).toBe('U0=1,U1=1,U2=1,ZP=1');
        expect(inFlight?.pins).toBe('');
        expect(inFlight?.['bio2.cleanup']).toBe('REF');
      } else {
        expect(inFlight?.pins).toBe('U0=1,U1=1,U2=1');
        expect(inFlight?.pinAcquired).toBe(3);
        expect(inFlight?.['bio1.pages']).toBe('U2,ZP');
        expect(inFlight?.['bio2.cleanup']).toBe('PIN');
      }
      expect(observed[4]).toMatchObject({ pins: '', refs: '', 'bio1.st': 'DONE' });
    }
  }, 120_000);

  it('reports a kvec on 6.1 as refused and the hole in the page cache as a failed I/O', () => {
    const s: Scenario = {
      ...scenario,
      id: 'PinUnpin/kernel',
      actions: [
        { name: 'Init' },
        { name: 'PunchHole', page: 'X0' },
        { name: 'Submit', bio: 1, iter: 'XARRAY', dir: 'DEST' },
        { name: 'Submit', bio: 2, iter: 'KVEC', dir: 'DEST' },
        { name: 'Complete', bio: 1 },
      ],
    };
    const on61 = runOnReference(pinUnpinAdapter, s, 'linux-6.1');
    expect(on61[3]).toMatchObject({ 'bio2.st': 'FAILED', cached: 'X1' });
    expect(on61[4]).toMatchObject({ 'bio1.st': 'FAILED', refs: '' });
    const on612 = runOnReference(pinUnpinAdapter, s, 'linux-6.12');
    expect(on612[3]).toMatchObject({
      'bio2.st': 'INFLIGHT',
      'bio2.bytes': 5,
      'bio2.offset0': 2,
      'bio2.pages': 'K0,K1',
      'bio2.cleanup': 'NONE',
      pins: '',
    });
  });

  it('a QUEUE I/O is a FOLIOQ on 6.12 and a BVECQ on the RFC: listed, not pinned, released by nothing; 6.1 has none', () => {
    const s: Scenario = {
      ...scenario,
      id: 'PinUnpin/queue',
      actions: [
        { name: 'Init' },
        { name: 'Submit', bio: 1, iter: 'QUEUE', dir: 'DEST' },
        { name: 'Complete', bio: 1 },
      ],
    };
    const profiles = loadProfiles(join(specs, 'profiles.json'));
    for (const profile of ['linux-6.12', 'bvecq-rfc']) {
      const constants = profiles.find((p) => p.name === profile)?.constants.PinUnpin ?? {};
      const exp = computeExpectation(stepper, pinUnpinAdapter.observeModel, s, profile, constants);
      const observed = runOnReference(pinUnpinAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
      expect(observed[1]).toMatchObject({
        'bio1.st': 'INFLIGHT',
        'bio1.pages': 'Q0,Q1',
        'bio1.bytes': 6,
        'bio1.offset0': 1,
        'bio1.cleanup': 'NONE',
        pins: '',
        refs: '',
      });
      expect(observed[2]).toMatchObject({ 'bio1.st': 'DONE', pins: '', refs: '' });
    }
    const on61 = profiles.find((p) => p.name === 'linux-6.1')?.constants.PinUnpin ?? {};
    expect(
      computeExpectation(stepper, pinUnpinAdapter.observeModel, s, 'linux-6.1', on61).stoppedAt,
    ).toMatchObject({ step: 1, reason: 'not enabled under this profile' });
    const d = pinUnpinAdapter.createDriver('linux-6.1', s);
    expect(() => d.apply({ name: 'Submit', bio: 1, iter: 'QUEUE', dir: 'DEST' })).toThrow(
      /linux-6.1 has no queue iterator/,
    );
  });

  it('supports exactly the spec actions and rejects bad parameters by name', () => {
    for (const name of [
      'Submit',
      'SubmitSync',
      'SubmitFault',
      'SubmitPartial',
      'Complete',
      'CompleteError',
      'PunchHole',
    ])
      expect(pinUnpinAdapter.supports({ name })).toBe(true);
    expect(pinUnpinAdapter.supports({ name: 'Fork' })).toBe(false);
    const d = pinUnpinAdapter.createDriver('linux-6.12', scenario);
    expect(() => d.apply({ name: 'Submit', bio: 1, iter: 'PIPE', dir: 'DEST' })).toThrow(
      /unknown iterator type PIPE/,
    );
    expect(() => d.apply({ name: 'Submit', bio: '1', iter: 'UBUF', dir: 'DEST' })).toThrow(
      /parameter bio must be a number/,
    );
    expect(() => d.apply({ name: 'Complete', bio: 1 })).toThrow(/not in flight/);
  });

  it('SubmitShortBlock: a 3 KiB extraction on a 4 KiB-block device is trimmed to nothing, released, -EFAULT; SubmitMisalignedAddr: -EINVAL', () => {
    const s: Scenario = {
      ...scenario,
      id: 'PinUnpin/short-block',
      config: 'PinUnpin_large_block',
      constants: { LargeBlock: true },
      actions: [
        { name: 'Init' },
        { name: 'SubmitShortBlock', bio: 1 },
        { name: 'Submit', bio: 2, iter: 'IOVEC', dir: 'SOURCE' },
      ],
    };
    // 6.12: user page 3 pinned (faulted in for writing, so off the zero page) and unpinned again
    // by __bio_iov_iter_get_pages; the later IOVEC write lists the new page U3, not the zero page.
    const obs = runOnReference(pinUnpinAdapter, s, 'linux-6.12');
    expect(obs[1]).toMatchObject({
      'bio1.st': 'FAILED',
      'bio1.pages': '',
      'bio1.bytes': 0,
      pins: '',
      pinAcquired: 1,
      pinReleased: 1,
      zeroMapped: false,
    });
    expect(obs[2]).toMatchObject({ 'bio2.pages': 'U2,U3', pins: 'U2=1,U3=1' });
    // 6.1: a FOLL_GET reference taken and put (put_page), no pin counted.
    const old = runOnReference(pinUnpinAdapter, s, 'linux-6.1');
    expect(old[1]).toMatchObject({
      'bio1.st': 'FAILED',
      refs: '',
      pinAcquired: 0,
      pinReleased: 0,
      zeroMapped: false,
    });
    expect(pinUnpinAdapter.supports({ name: 'SubmitShortBlock' })).toBe(true);
    // MisalignedAddr: lengths on the block, the second iovec's address off: -EINVAL, nothing taken.
    const addr = runOnReference(
      pinUnpinAdapter,
      {
        ...scenario,
        id: 'PinUnpin/misaligned-addr',
        config: 'PinUnpin_misaligned_addr',
        constants: { MisalignedIo: true, MisalignedAddr: true },
        actions: [{ name: 'Init' }, { name: 'SubmitMisalignedAddr', bio: 1, dir: 'DEST' }],
      },
      'linux-6.12',
    );
    expect(addr[1]).toMatchObject({
      'bio1.st': 'FAILED',
      'bio1.pages': '',
      pins: '',
      pinAcquired: 0,
      zeroMapped: true,
    });
    // Without LargeBlock there is no second device.
    const d = pinUnpinAdapter.createDriver('linux-6.12', scenario);
    expect(() => d.apply({ name: 'SubmitShortBlock', bio: 1 })).toThrow(/without LargeBlock/);
  });

  it('SubmitPastEof: the page past the file is -EFAULT with nothing taken; from the file, a short I/O (model agrees)', () => {
    const eofStepper = createEmbeddedStepper(
      'PinUnpin',
      readFileSync(join(specs, 'PinUnpin.tla'), 'utf8'),
      readFileSync(join(specs, 'PinUnpin_file_eof.cfg'), 'utf8'),
    );
    const s: Scenario = {
      ...scenario,
      id: 'PinUnpin/file-eof',
      config: 'PinUnpin_file_eof',
      constants: { FilePrivate: true, FileEof: true },
      actions: [
        { name: 'Init' },
        { name: 'SubmitPastEof', bio: 1, dir: 'DEST', from: 'EOF' },
        { name: 'SubmitPastEof', bio: 2, dir: 'SOURCE', from: 'IN' },
        { name: 'Complete', bio: 2 },
      ],
    };
    const profiles = loadProfiles(join(specs, 'profiles.json'));
    for (const profile of ['linux-6.1', 'linux-6.12']) {
      const constants = profiles.find((p) => p.name === profile)?.constants.PinUnpin ?? {};
      const exp = computeExpectation(
        eofStepper,
        pinUnpinAdapter.observeModel,
        s,
        profile,
        constants,
      );
      expect(exp.stoppedAt).toBeUndefined();
      const observed = runOnReference(pinUnpinAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, observed)).toEqual([]);
      // User page 6 alone: filemap_fault's VM_FAULT_SIGBUS, GUP -EFAULT, no bio, nothing taken.
      expect(observed[1]).toMatchObject({
        'bio1.st': 'FAILED',
        'bio1.pages': '',
        pins: '',
        refs: '',
        p5: 'FILE',
      });
      // From user page 5: F0 taken (6.12 pinned, 6.1 a FOLL_GET ref), 4 KiB of the 8 asked.
      expect(observed[2]).toMatchObject({
        'bio2.st': 'INFLIGHT',
        'bio2.pages': 'F0',
        'bio2.bytes': 4,
      });
      expect(observed[2]?.[profile === 'linux-6.1' ? 'refs' : 'pins']).toBe('F0=1');
      expect(observed[3]).toMatchObject({ 'bio2.st': 'DONE', pins: '', refs: '', wrote: '2=FILE' });
    }
  });

  it('SubmitFault frees the array on every profile (no leak without the fault)', () => {
    const s: Scenario = {
      ...scenario,
      id: 'PinUnpin/fault',
      actions: [{ name: 'Init' }, { name: 'SubmitFault', bio: 1, iter: 'IOVEC' }],
    };
    for (const profile of ['linux-6.1', 'linux-6.12']) {
      const obs = runOnReference(pinUnpinAdapter, s, profile);
      expect(obs[1]).toMatchObject({ 'bio1.st': 'FAILED', 'bio1.array': 'NONE', pins: '' });
    }
  });

  it('SubmitSync takes and releases within the step; CompleteError releases and reports -EIO', () => {
    const s: Scenario = {
      ...scenario,
      id: 'PinUnpin/sync-and-error',
      actions: [
        { name: 'Init' },
        { name: 'SubmitSync', bio: 1, iter: 'IOVEC', dir: 'DEST' },
        { name: 'Submit', bio: 2, iter: 'UBUF', dir: 'SOURCE' },
        { name: 'CompleteError', bio: 2 },
      ],
    };
    const obs = runOnReference(pinUnpinAdapter, s, 'linux-6.12');
    // One pin per page taken and dropped by the synchronous request itself.
    expect(obs[1]).toMatchObject({
      'bio1.st': 'DONE',
      'bio1.pages': 'U2,U3',
      'bio1.err': 'NONE',
      pins: '',
      pinAcquired: 2,
      pinReleased: 2,
      zeroMapped: false,
      // The device's bytes are in both pages of the read (probed in U2 and the new U3).
      data: 'U2,U3',
    });
    expect(obs[2]).toMatchObject({ 'bio2.st': 'INFLIGHT', pins: 'U0=1,U1=1', data: 'U2,U3' });
    expect(obs[3]).toMatchObject({
      'bio2.st': 'DONE',
      'bio2.err': 'EIO',
      pins: '',
      pinReleased: 4,
      // A write moves nothing into memory, failed or not.
      data: 'U2,U3',
    });
    // A read failed by the device (BLK_STS_IOERR) transfers nothing into its pages; one that
    // succeeds fills them. With the v10 kvec offset bug the DMA lands at offset 0 of K0, before
    // the buffer (its probe at offset 2 stays clear), while K1 gets its bytes.
    const reads = (actions: Scenario['actions'], profile: string) =>
      runOnReference(pinUnpinAdapter, { ...scenario, id: 'PinUnpin/data', actions }, profile);
    const failed = reads(
      [
        { name: 'Init' },
        { name: 'Submit', bio: 1, iter: 'BVEC', dir: 'DEST' },
        { name: 'CompleteError', bio: 1 },
      ],
      'linux-6.12',
    );
    expect(failed[2]).toMatchObject({ 'bio1.err': 'EIO', data: '' });
    const kvec: Scenario['actions'] = [
      { name: 'Init' },
      { name: 'Submit', bio: 1, iter: 'KVEC', dir: 'DEST' },
      { name: 'Complete', bio: 1 },
    ];
    expect(reads(kvec, 'linux-6.12')[2]).toMatchObject({ data: 'K0,K1' });
    expect(reads(kvec, 'linux-6.12+kvec_offset0')[2]).toMatchObject({ data: 'K1' });
    // A partial hole punch over X1's first half zeroes it in the cached folio, which stays
    // cached (truncate_inode_partial_folio): X1 no longer holds the read's bytes at its probe.
    const punched = reads(
      [
        { name: 'Init' },
        { name: 'SubmitSync', bio: 1, iter: 'XARRAY', dir: 'DEST' },
        { name: 'PunchPartial' },
      ],
      'linux-6.12',
    );
    expect(punched[1]).toMatchObject({ data: 'X0,X1', cached: 'X0,X1' });
    expect(punched[2]).toMatchObject({ data: 'X0', cached: 'X0,X1' });
    // A short request (SubmitPartial) completes with its byte count, not an error.
    const partial: Scenario = {
      ...scenario,
      id: 'PinUnpin/partial',
      actions: [{ name: 'Init' }, { name: 'SubmitPartial', bio: 1 }, { name: 'Complete', bio: 1 }],
    };
    expect(runOnReference(pinUnpinAdapter, partial, 'linux-6.12')[2]).toMatchObject({
      'bio1.st': 'DONE',
      'bio1.bytes': 3,
      'bio1.err': 'NONE',
    });
  });
});
