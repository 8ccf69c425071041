import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAGEVEC_SIZE } from '@pinlab/reference';
import { describe, expect, it } from 'vitest';
import {
  advancePathFor,
  buildFolioQueue,
  bvecqLayoutFor,
  copyLandsAsAdvance,
  folioqLayoutFor,
  getPagesPathFor,
  iterCursorAdapter,
  iterDirectionFor,
  modelNpages,
  userHoleFor,
  userPagesFaultedFor,
} from '../../src/adapters/iter-cursor.ts';
import { compareObservations, formatMismatch } from '../../src/compare.ts';
import { computeExpectation } from '../../src/expect.ts';
import { createEmbeddedStepper } from '../../src/model/engine.ts';
import { seededWalks } from '../../src/model/walk.ts';
import { runOnReference } from '../../src/reference-target.ts';
import type { Scenario } from '../../src/target.ts';

const specs = join(import.meta.dirname, '../../../../specs');
const stepperFor = (config: string) =>
  createEmbeddedStepper(
    'IterCursor',
    readFileSync(join(specs, 'IterCursor.tla'), 'utf8'),
    readFileSync(join(specs, `${config}.cfg`), 'utf8'),
  );

/** The model's expectation for s under profile, and its mismatches with the reference's run. */
function modelVsReference(stepper: ReturnType<typeof stepperFor>, s: Scenario, profile: string) {
  const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, s, profile, {});
  const got = runOnReference(iterCursorAdapter, s, profile);
  return {
    exp,
    mismatches: compareObservations(s, profile, exp.observations, got).map(formatMismatch),
  };
}

describe('IterCursor adapter', () => {
  it('the reference walks, reverts and extracts like the model (fixed design and over-reversion)', () => {
    for (const config of ['IterCursor', 'IterCursor_over_revert']) {
      const stepper = stepperFor(config);
      const walks = seededWalks(
        stepper,
        {},
        { seed: 3, count: 40, depth: 8, spec: 'IterCursor', config, prefix: `${config}/w-` },
      );
      const problems: string[] = [];
      // 6.1: no extraction API and no ITER_FOLIOQ; 6.12 has both (specs/profiles.json).
      for (const [profile, has] of [
        ['linux-6.1', false],
        ['linux-6.12', true],
      ] as const) {
        for (const w of walks) {
          const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, w, profile, {
            ExtractApi: has,
            FolioQueue: has,
          });
          const s = { ...w, actions: w.actions.slice(0, exp.observations.length) };
          const mism = compareObservations(
            s,
            profile,
            exp.observations,
            runOnReference(iterCursorAdapter, s, profile),
          );
          problems.push(...mism.map(formatMismatch));
        }
      }
      expect(problems).toEqual([]);
    }
  }, 180_000);

  it('the reference walks an ITER_BVECQ chain like the model (bvecq RFC)', () => {
    const stepper = stepperFor('IterCursor_bvecq');
    const walks = seededWalks(
      stepper,
      {},
      {
        seed: 5,
        count: 60,
        depth: 8,
        spec: 'IterCursor',
        config: 'IterCursor_bvecq',
        prefix: 'bq-',
      },
    );
    const problems: string[] = [];
    let bvecq = 0;
    for (const w of walks) {
      if (w.actions.some((a) => a.type === 'BVECQ')) bvecq++;
      const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, w, 'bvecq-rfc', {});
      const s = { ...w, actions: w.actions.slice(0, exp.observations.length) };
      const got = runOnReference(iterCursorAdapter, s, 'bvecq-rfc');
      problems.push(
        ...compareObservations(s, 'bvecq-rfc', exp.observations, got).map(formatMismatch),
      );
    }
    expect(bvecq).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  }, 120_000);

  it('ITER_BVECQ: an advance that ends a slot stops on the next one, empty or not (model and reference)', () => {
    const stepper = stepperFor('IterCursor_bvecq');
    const s: Scenario = {
      id: 'bq',
      spec: 'IterCursor',
      config: 'IterCursor_bvecq',
      // Advance 2 ends slot 2 and stops on the empty slot 3: the next Extract lists nothing
      // (and steps past it); the one after that takes slot 4.
      actions: [
        { name: 'Init' },
        { name: 'IterInit', type: 'BVECQ' },
        { name: 'Advance', bytes: 2 },
        { name: 'Extract', maxsize: 6 },
        { name: 'Extract', maxsize: 6 },
      ],
    };
    const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, s, 'bvecq-rfc', {});
    expect(exp.observations.map((o) => o.lastBytes)).toEqual([0, 0, 0, 0, 3]);
    expect(
      compareObservations(
        s,
        'bvecq-rfc',
        exp.observations,
        runOnReference(iterCursorAdapter, s, 'bvecq-rfc'),
      ),
    ).toEqual([]);
  }, 60_000);

  it('counts the pages the remaining bytes touch as iov_iter_npages does (model side)', () => {
    // Vector layout <<0,2,0,3,1>> at in-page offsets <<0,2,0,0,0>>, one page per segment:
    // all 6 bytes touch 3 pages; after 2 bytes (segment 2 done) 2; after 5, 1.
    for (const t of ['IOVEC', 'KVEC', 'BVEC', 'BVECQ']) {
      expect([6, 4, 1, 0].map((c) => modelNpages(t, c, 64))).toEqual([3, 2, 1, 0]);
      expect(modelNpages(t, 6, 1)).toBe(1);
    }
    // One range from in-page offset 2: 6 bytes touch 2 pages, the last 4 from offset 0 one.
    for (const t of ['UBUF', 'XARRAY', 'FOLIOQ']) {
      expect([6, 5, 4, 3, 0].map((c) => modelNpages(t, c, 64))).toEqual([2, 2, 1, 1, 0]);
      expect(modelNpages(t, 6, 1)).toBe(1);
    }
    expect(modelNpages('DISCARD', 6, 64)).toBe(0); // a sink touches no pages
    expect(() => modelNpages('PIPE', 6, 64)).toThrow(/no page count for iterator type PIPE/);
  });

  it('GetPages: iov_iter_get_pages_alloc2 per type, its errors included, as the model says', () => {
    const stepper = stepperFor('IterCursor');
    const get = (maxsize: number) => ({ name: 'GetPages', maxsize });
    const cases: [string, Scenario['actions'], number[]][] = [
      // first_bvec_segment takes the empty first bvec: WARN_ON(!count), -ENOMEM.
      ['BVEC', [get(2)], [-12]],
      // After Advance(1): the rest of bvec 2 (1 byte at in-page offset 3); ending it steps to
      // the empty bvec 3, where the next call fails again; an Advance(0) moves on to bvec 4.
      [
        'BVEC',
        [{ name: 'Advance', bytes: 1 }, get(6), get(6), { name: 'Advance', bytes: 0 }, get(6)],
        [1, -12, 3],
      ],
      ['KVEC', [get(6)], [-14]],
      // first_iovec_segment skips the empty iovec: 2 bytes of iovec 2.
      ['IOVEC', [get(6)], [2]],
      ['UBUF', [get(6)], [6]],
      ['FOLIOQ', [get(2), get(6)], [2, 4]],
      // No case for a sink: -EFAULT, and the cursor stays.
      ['DISCARD', [get(6), { name: 'Advance', bytes: 2 }, get(2)], [-14, -14]],
    ];
    for (const profile of ['linux-6.1', 'linux-6.12'] as const) {
      for (const [type, steps, want] of cases) {
        if (type === 'FOLIOQ' && profile === 'linux-6.1') continue; // no ITER_FOLIOQ in 6.1
        const s: Scenario = {
          id: `get-${type}`,
          spec: 'IterCursor',
          config: 'IterCursor',
          actions: [{ name: 'Init' }, { name: 'IterInit', type }, ...steps],
        };
        const has = profile === 'linux-6.12';
        const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, s, profile, {
          ExtractApi: has,
          FolioQueue: has,
        });
        expect(exp.observations).toHaveLength(s.actions.length);
        const got = s.actions
          .map((a, k) => (a.name === 'GetPages' ? exp.observations[k]?.lastBytes : undefined))
          .filter((b) => b !== undefined);
        expect(got, `${type} under ${profile}`).toEqual(want);
        expect(
          compareObservations(
            s,
            profile,
            exp.observations,
            runOnReference(iterCursorAdapter, s, profile),
          ),
        ).toEqual([]);
      }
    }
  }, 60_000);

  it('realises an Advance by a copy only where the copy leaves the cursor where iov_iter_advance does', () => {
    const U = 1024; // reference bytes per model byte
    for (const t of ['IOVEC', 'KVEC', 'BVEC']) {
      expect(copyLandsAsAdvance(t, 0, 0)).toBe(false); // nothing to copy: the cursor stays
      expect(copyLandsAsAdvance(t, 0, 2 * U)).toBe(false); // ends segment 2, segment 3 is empty
      expect(copyLandsAsAdvance(t, 0, 1 * U)).toBe(true);
      expect(copyLandsAsAdvance(t, 2 * U, 3 * U)).toBe(true); // ends segment 4, segment 5 is not empty
      expect(copyLandsAsAdvance(t, 5 * U, 1 * U)).toBe(true); // the end of the data
    }
    for (const t of ['UBUF', 'XARRAY', 'FOLIOQ'])
      expect(copyLandsAsAdvance(t, 0, 2 * U)).toBe(true);
    // 0 bytes: a one-range iterator or a sink stays put either way; a FOLIOQ cursor at a
    // folio's end and a BVECQ one on an empty slot are stepped on by iov_iter_advance only.
    for (const t of ['UBUF', 'XARRAY', 'DISCARD']) expect(copyLandsAsAdvance(t, 0, 0)).toBe(true);
    for (const t of ['FOLIOQ', 'BVECQ']) expect(copyLandsAsAdvance(t, 0, 0)).toBe(false);
  });

  it('XARRAY over a hole: calls stop at it; the extraction underflow claims bytes with no page', () => {
    const steps: Scenario['actions'] = [
      { name: 'Init' },
      { name: 'IterInit', type: 'XARRAY' },
      { name: 'Extract', maxsize: 6 }, // the 2 bytes before the hole
      { name: 'GetPages', maxsize: 6 }, // at the hole, in-page offset 0: nothing
      { name: 'Extract', maxsize: 6 }, // at the hole, offset 0: 0 - 0 does not wrap
      { name: 'Advance', bytes: 1 },
      { name: 'Extract', maxsize: 2 }, // inside the hole, offset 1: the underflow
      { name: 'GetPages', maxsize: 6 }, // iter_xarray_get_pages: nr == 0 returns 0
    ];
    const cases = [
      ['IterCursor_xarray_hole', 'linux-6.12', [2, 0, 0, 0, 0], [0, 0, 0, 0, 0]],
      [
        'IterCursor_xarray_hole_bug',
        'linux-6.12+xarray_hole_underflow',
        [2, 0, 0, 2, 0],
        [0, 0, 0, 2, 0],
      ],
    ] as const;
    for (const [config, profile, bytes, unbacked] of cases) {
      const stepper = stepperFor(config);
      const s: Scenario = {
        id: `hole-${config}`,
        spec: 'IterCursor',
        config,
        actions: steps,
        constants: { XarrayHole: true },
      };
      const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, s, profile, {});
      expect(exp.observations).toHaveLength(s.actions.length);
      const calls = [2, 3, 4, 6, 7];
      expect(calls.map((k) => exp.observations[k]?.lastBytes)).toEqual([...bytes]);
      expect(calls.map((k) => exp.observations[k]?.lastUnbacked)).toEqual([...unbacked]);
      // The reference (its invariant checks included: the underflow's violations are predicted
      // by lastUnbacked) gives the same.
      expect(
        compareObservations(
          s,
          profile,
          exp.observations,
          runOnReference(iterCursorAdapter, s, profile),
        ),
      ).toEqual([]);
    }
  }, 60_000);

  it('UBUF over an unmapped page or a file page past EOF: copies stop at it, extraction and get_pages pin up to it, -EFAULT inside it (every hole variant)', () => {
    const steps: Scenario['actions'] = [
      { name: 'Init' },
      { name: 'IterInit', type: 'UBUF' },
      { name: 'Copy', bytes: 3 }, // the 2 bytes before the hole
      { name: 'Copy', bytes: 1 }, // at the hole: nothing
      { name: 'Revert', bytes: 2 },
      { name: 'Extract', maxsize: 6 }, // pins the first page: 2 bytes
      { name: 'GetPages', maxsize: 6 }, // at the hole: -EFAULT, cursor unmoved
      { name: 'Revert', bytes: 1 },
      { name: 'GetPages', maxsize: 2 }, // 1 byte before the hole
    ];
    const stepper = stepperFor('IterCursor_user_hole');
    const seen = new Set<string>();
    for (let n = 0; seen.size < 8 && n < 96; n++) {
      const s: Scenario = {
        id: `user-hole-${n}`,
        spec: 'IterCursor',
        config: 'IterCursor_user_hole',
        actions: steps,
        constants: { UserHole: true },
      };
      const profile = 'linux-6.12';
      const variant = `${userHoleFor(s.id, profile)}/${userPagesFaultedFor(s.id, profile)}`;
      if (seen.has(variant)) continue;
      seen.add(variant);
      const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, s, profile, {});
      expect([2, 3, 5, 6, 8].map((k) => exp.observations[k]?.lastBytes)).toEqual([2, 0, 2, -14, 1]);
      expect([2, 3, 5, 6, 8].map((k) => exp.observations[k]?.count)).toEqual([4, 4, 4, 4, 4]);
      const got = runOnReference(iterCursorAdapter, s, profile);
      expect(compareObservations(s, profile, exp.observations, got), variant).toEqual([]);
    }
    // Every way the hole can come about (file_eof: a MAP_PRIVATE file mapping whose second page
    // is past i_size, filemap_fault's VM_FAULT_SIGBUS), with the first page faulted in or not.
    expect(seen.size).toBe(8);
  }, 60_000);

  it('IOVEC with an unmapped iovec (IovecHole): copies stop at it, GUP of it is -EFAULT, an advance past it copies again, the fault-in stops there', () => {
    const steps: Scenario['actions'] = [
      { name: 'Init' },
      { name: 'IterInit', type: 'IOVEC' },
      { name: 'Copy', bytes: 3 }, // segment 2's 2 bytes, not segment 5's after the hole
      { name: 'Copy', bytes: 1 }, // at the hole: nothing
      { name: 'GetPages', maxsize: 6 }, // first_iovec_segment gives the hole: -EFAULT
      { name: 'Extract', maxsize: 2 }, // likewise (6.12)
      { name: 'Advance', bytes: 3 }, // iov_iter_advance: no memory touched
      { name: 'Copy', bytes: 2 }, // segment 5's byte
      { name: 'Revert', bytes: 3 },
      { name: 'Revert', bytes: 2 },
      { name: 'Extract', maxsize: 6 }, // segment 2's 1 byte left
    ];
    const s: Scenario = {
      id: 'iovec-hole',
      spec: 'IterCursor',
      config: 'IterCursor_iovec_hole',
      actions: steps,
      constants: { IovecHole: true },
    };
    const exp = computeExpectation(
      stepperFor('IterCursor_iovec_hole'),
      iterCursorAdapter.observeModel,
      s,
      'linux-6.12',
      {},
    );
    const at = [2, 3, 4, 5, 7, 10];
    expect(at.map((k) => exp.observations[k]?.lastBytes)).toEqual([2, 0, -14, -14, 1, 1]);
    expect(at.map((k) => exp.observations[k]?.count)).toEqual([4, 4, 4, 4, 0, 4]);
    const got = runOnReference(iterCursorAdapter, s, 'linux-6.12');
    expect(compareObservations(s, 'linux-6.12', exp.observations, got)).toEqual([]);
    // fault_in_iov_iter_writeable: from byte 0 the 2 bytes of segment 2 fault in and the loop
    // stops at the unmapped iovec: 3 - 2 left of a 3-byte request, though segment 5 is mapped.
    const f: Scenario = {
      id: 'iovec-hole-fault-in',
      spec: 'IterCursor',
      config: 'IterCursor_fault_in_iovec_hole',
      actions: [
        { name: 'Init' },
        { name: 'IterInit', type: 'IOVEC' },
        { name: 'FaultIn', bytes: 3 },
        { name: 'Advance', bytes: 3 },
        { name: 'FaultIn', bytes: 3 },
      ],
      constants: { IovecHole: true, FaultInCaller: true },
    };
    const fexp = computeExpectation(
      stepperFor('IterCursor_fault_in_iovec_hole'),
      iterCursorAdapter.observeModel,
      f,
      'linux-6.1',
      {},
    );
    expect([2, 4].map((k) => fexp.observations[k]?.lastBytes)).toEqual([1, 3]);
    expect(
      compareObservations(
        f,
        'linux-6.1',
        fexp.observations,
        runOnReference(iterCursorAdapter, f, 'linux-6.1'),
      ),
    ).toEqual([]);
  }, 60_000);

  it.each(['KVEC', 'BVEC'])(
    'the 6.3-6.5 %s extraction runs off the array at an empty segment (extract_zero_skip)',
    (type) => {
      const stepper = stepperFor('IterCursor_extract_zero_skip');
      const s: Scenario = {
        id: 'zero-skip',
        spec: 'IterCursor',
        config: 'IterCursor_extract_zero_skip',
        actions: [{ name: 'Init' }, { name: 'IterInit', type }, { name: 'Extract', maxsize: 6 }],
        constants: { ExtractZeroSkipBug: true },
      };
      // linux-6.12's own constants say the fixed extraction; the design keeps the config's bug.
      for (const [profile, fixed, bytes, count, npages] of [
        ['linux-6.12', true, 2, 4, 2],
        ['linux-6.12+extract_zero_skip', false, 0, 6, null],
      ] as const) {
        const exp = computeExpectation(
          stepper,
          iterCursorAdapter.observeModel,
          s,
          profile,
          fixed ? { ExtractZeroSkipBug: false } : {},
        );
        const last = exp.observations[2];
        expect([last?.lastBytes, last?.count, last?.npages]).toEqual([bytes, count, npages]);
        // The reference gives the same, its iter_count_consistent violation predicted.
        expect(
          compareObservations(
            s,
            profile,
            exp.observations,
            runOnReference(iterCursorAdapter, s, profile),
          ),
        ).toEqual([]);
      }
    },
    60_000,
  );

  it('KVEC extraction before ver #11 lists every byte elsewhere unless the kvec starts a page', () => {
    const steps: Scenario['actions'] = [
      { name: 'Init' },
      { name: 'IterInit', type: 'KVEC' },
      { name: 'Extract', maxsize: 6 }, // kvec 2 (in-page offset 2): offset0 0, 2 bytes misplaced
      { name: 'Extract', maxsize: 2 }, // kvec 4 from its start (offset 0): right
      { name: 'Revert', bytes: 1 },
      { name: 'Extract', maxsize: 6 }, // kvec 4 from byte 1: the page before iov_base
    ];
    const cases = [
      ['IterCursor', 'linux-6.12', [2, 0, 1], [0, 0, 0]],
      ['IterCursor_kvec_offset0', 'linux-6.12+kvec_offset0', [0, 0, 1], [2, 0, 2]],
    ] as const;
    for (const [config, profile, offset0, misplaced] of cases) {
      const stepper = stepperFor(config);
      const s: Scenario = { id: `kvec-${config}`, spec: 'IterCursor', config, actions: steps };
      const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, s, profile, {});
      expect(exp.observations).toHaveLength(s.actions.length);
      const calls = [2, 3, 5];
      expect(calls.map((k) => exp.observations[k]?.lastOffset0)).toEqual([...offset0]);
      expect(calls.map((k) => exp.observations[k]?.lastMisplaced)).toEqual([...misplaced]);
      expect(
        compareObservations(
          s,
          profile,
          exp.observations,
          runOnReference(iterCursorAdapter, s, profile),
        ),
      ).toEqual([]);
    }
  }, 60_000);

  it('alternates GetPages between iov_iter_get_pages_alloc2 and iov_iter_get_pages2', () => {
    const paths = [0, 1, 2, 3].map((n) => getPagesPathFor('IterCursor/tour-1', 'linux-6.12', n));
    expect(new Set(paths)).toEqual(new Set(['iov_iter_get_pages_alloc2', 'iov_iter_get_pages2']));
    expect(paths[0]).not.toBe(paths[1]);
    expect(paths).toEqual(
      [0, 1, 2, 3].map((n) => getPagesPathFor('IterCursor/tour-1', 'linux-6.12', n)),
    );
  });

  it('every FOLIOQ layout (chain, head, large) walks, extracts and reverts as the model says', () => {
    // The pages of each layout hold the iterator's two model pages, FLAT_START into the first.
    expect(buildFolioQueue('chain').first).toBe(30);
    expect(buildFolioQueue('head').pages).toHaveLength(2);
    const large = buildFolioQueue('large');
    expect(large.pages[1]?.folio).toBe(large.pages[0]?.folio); // one order-1 folio
    const cases: [string, Scenario['actions']][] = [
      ['IterCursor', [{ name: 'GetPages', maxsize: 6 }]],
      [
        'IterCursor',
        [
          { name: 'Extract', maxsize: 6 },
          { name: 'Revert', bytes: 3 },
        ],
      ],
      [
        'IterCursor',
        [
          { name: 'Advance', bytes: 3 },
          { name: 'GetPages', maxsize: 2 },
          { name: 'Revert', bytes: 2 },
          { name: 'Advance', bytes: 1 },
          { name: 'Extract', maxsize: 6 },
        ],
      ],
      // Reverting past the start: from slot 0 of the head segment to folioq->prev (NULL).
      ['IterCursor_over_revert', [{ name: 'Revert', bytes: 3 }]],
      [
        'IterCursor_over_revert',
        [
          { name: 'Advance', bytes: 2 },
          { name: 'Revert', bytes: 3 },
        ],
      ],
    ];
    const problems: string[] = [];
    for (const [config, steps] of cases) {
      const seen = new Set<string>();
      const stepper = stepperFor(config);
      // The over-reversion design: linux-6.12 with the reference fault over_revert.
      const profile = config === 'IterCursor' ? 'linux-6.12' : 'linux-6.12+over_revert';
      // Enough ids that every layout is drawn for every case.
      for (let n = 0; n < 12; n++) {
        const id = `${config}/folioq-${n}`;
        seen.add(folioqLayoutFor(id, profile));
        const s: Scenario = {
          id,
          spec: 'IterCursor',
          config,
          actions: [{ name: 'Init' }, { name: 'IterInit', type: 'FOLIOQ' }, ...steps],
        };
        const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, s, profile, {});
        expect(exp.observations).toHaveLength(s.actions.length);
        problems.push(
          ...compareObservations(
            s,
            profile,
            exp.observations,
            runOnReference(iterCursorAdapter, s, profile),
          ).map(formatMismatch),
        );
      }
      expect(seen).toEqual(new Set(['chain', 'head', 'large']));
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('FOLIOQ from the end of a spent segment (FolioqSegEnd): every walk steps to ->next first', () => {
    const built = buildFolioQueue('seg_end');
    // The iterator sits past the last slot of a full segment, the bytes in the next one.
    expect(built.first).toBe(PAGEVEC_SIZE);
    expect(built.q.next?.folios[0]?.page(0)).toBe(built.pages[0]);
    expect(folioqLayoutFor('any', 'linux-6.12', true)).toBe('seg_end');
    // Each first step enters through a different walk: iov_iter_folioq_advance (or a copy:
    // iterate_folioq), iov_iter_extract_folioq_pages, iter_folioq_get_pages.
    const cases: Scenario['actions'][] = [
      [
        { name: 'Advance', bytes: 0 },
        { name: 'Extract', maxsize: 6 },
      ],
      [
        { name: 'Advance', bytes: 3 },
        { name: 'Revert', bytes: 3 },
        { name: 'Extract', maxsize: 2 },
      ],
      [
        { name: 'Extract', maxsize: 6 },
        { name: 'Revert', bytes: 2 },
        { name: 'GetPages', maxsize: 6 },
      ],
      [
        { name: 'GetPages', maxsize: 2 },
        { name: 'Advance', bytes: 2 },
        { name: 'Extract', maxsize: 6 },
      ],
    ];
    const stepper = stepperFor('IterCursor_folioq_seg_end');
    const problems: string[] = [];
    for (const steps of cases) {
      for (let n = 0; n < 6; n++) {
        const s: Scenario = {
          id: `IterCursor_folioq_seg_end/case-${n}`,
          spec: 'IterCursor',
          config: 'IterCursor_folioq_seg_end',
          actions: [{ name: 'Init' }, { name: 'IterInit', type: 'FOLIOQ' }, ...steps],
          constants: { FolioqSegEnd: true },
        };
        const { exp, mismatches } = modelVsReference(stepper, s, 'linux-6.12');
        expect(exp.observations).toHaveLength(s.actions.length);
        // The range starts at in-page offset 0: a first extraction's offset0 is 0.
        if (steps[0]?.name !== 'Advance') expect(exp.observations[2]?.lastOffset0).toBe(0);
        problems.push(...mismatches);
      }
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('both BVECQ layouts (head, after a spent segment) walk, extract and count as the model says', () => {
    const cases: Scenario['actions'][] = [
      [
        { name: 'Advance', bytes: 0 },
        { name: 'Extract', maxsize: 6 },
      ],
      [
        { name: 'Extract', maxsize: 6 },
        { name: 'Extract', maxsize: 6 },
      ],
      [
        { name: 'Advance', bytes: 3 },
        { name: 'Revert', bytes: 3 },
        { name: 'Extract', maxsize: 2 },
      ],
      [
        { name: 'Advance', bytes: 2 },
        { name: 'GetPages', maxsize: 6 },
      ],
    ];
    const stepper = stepperFor('IterCursor_bvecq');
    const problems: string[] = [];
    for (const steps of cases) {
      const seen = new Set<string>();
      for (let n = 0; n < 8; n++) {
        const id = `IterCursor_bvecq/layout-${n}`;
        seen.add(bvecqLayoutFor(id, 'bvecq-rfc', true));
        const s: Scenario = {
          id,
          spec: 'IterCursor',
          config: 'IterCursor_bvecq',
          actions: [{ name: 'Init' }, { name: 'IterInit', type: 'BVECQ' }, ...steps],
        };
        const { exp, mismatches } = modelVsReference(stepper, s, 'bvecq-rfc');
        expect(exp.observations).toHaveLength(s.actions.length);
        problems.push(...mismatches);
      }
      expect(seen).toEqual(new Set(['head', 'after_spent']));
    }
    expect(problems).toEqual([]);
    // Over-reversion configs keep the head layout: nothing lies before the iterator's start.
    expect(bvecqLayoutFor('IterCursor_bvecq/layout-1', 'bvecq-rfc', false)).toBe('head');
  }, 60_000);

  it('reports the BUG of reverting a UBUF before its start', () => {
    const stepper = stepperFor('IterCursor_over_revert');
    const s: Scenario = {
      id: 'x',
      spec: 'IterCursor',
      config: 'IterCursor_over_revert',
      actions: [{ name: 'Init' }, { name: 'IterInit', type: 'UBUF' }, { name: 'Revert', bytes: 1 }],
    };
    const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, s, 'linux-6.12', {});
    expect(exp.observations[2]?.oops).toBe('BUG');
    expect(
      compareObservations(
        s,
        'linux-6.12',
        exp.observations,
        runOnReference(iterCursorAdapter, s, 'linux-6.12'),
      ),
    ).toEqual([]);
  }, 60_000);

  it('realises Advance through every path of the iterator direction in turn', () => {
    const paths = (id: string) => [0, 1, 2, 3].map((n) => advancePathFor(id, 'linux-6.12', n));
    const ids = Array.from({ length: 8 }, (_, n) => `IterCursor/tour-${n}`);
    const dest = ids.find((id) => iterDirectionFor(id, 'linux-6.12') === 'ITER_DEST');
    const source = ids.find((id) => iterDirectionFor(id, 'linux-6.12') === 'ITER_SOURCE');
    if (dest === undefined || source === undefined) throw new Error('8 ids, one direction only');
    expect(new Set(paths(dest))).toEqual(
      new Set(['iov_iter_advance', 'copy_to_iter', 'iov_iter_zero']),
    );
    expect(new Set(paths(source))).toEqual(new Set(['iov_iter_advance', 'copy_from_iter']));
    // Deterministic: the same scenario, profile and ordinal always take the same path.
    expect(paths(dest)).toEqual(paths(dest));
  });

  it('every Advance path, on every iterator type, moves the cursor as the model says', () => {
    const stepper = stepperFor('IterCursor');
    const problems: string[] = [];
    const directions = new Set<string>();
    for (const [type, n] of ['IOVEC', 'KVEC', 'BVEC', 'UBUF', 'XARRAY'].flatMap((t) =>
      [0, 1, 2, 3].map((n) => [t, n] as const),
    )) {
      directions.add(iterDirectionFor(`paths-${type}-${n}`, 'linux-6.12'));
      // Three Advances take the three paths (one of them ends exactly on a segment end, the
      // last is clamped to what is left), with a Revert and an Extract in between.
      const s: Scenario = {
        id: `paths-${type}-${n}`,
        spec: 'IterCursor',
        config: 'IterCursor',
        actions: [
          { name: 'Init' },
          { name: 'IterInit', type },
          { name: 'Advance', bytes: 2 },
          { name: 'Revert', bytes: 1 },
          { name: 'Advance', bytes: 3 },
          { name: 'Extract', maxsize: 2 },
          { name: 'Revert', bytes: 2 },
          { name: 'Advance', bytes: 3 },
        ],
      };
      const exp = computeExpectation(stepper, iterCursorAdapter.observeModel, s, 'linux-6.12', {
        ExtractApi: true,
      });
      expect(exp.observations.length).toBe(s.actions.length);
      problems.push(
        ...compareObservations(
          s,
          'linux-6.12',
          exp.observations,
          runOnReference(iterCursorAdapter, s, 'linux-6.12'),
        ).map(formatMismatch),
      );
    }
    expect(problems).toEqual([]);
    expect(directions).toEqual(new Set(['ITER_DEST', 'ITER_SOURCE']));
  }, 60_000);

  it('a revert of everything consumed walks back over whole segments and folios (IterCursor_revert_whole)', () => {
    const stepper = stepperFor('IterCursor_revert_whole');
    const problems: string[] = [];
    // FOLIOQ on the 'chain' layout: from the end (q1 slot 1) a revert of 6 steps over the
    // order-0 folio of q1 slot 0 (unroll > fsize in iov_iter_folioq_revert) and through
    // folioq->prev into q0 slot 30; the Extract after it must start at offset0 2 there again.
    let chainId = '';
    for (let n = 0; chainId === ''; n++)
      if (folioqLayoutFor(`IterCursor_revert_whole/chain-${n}`, 'linux-6.12') === 'chain')
        chainId = `IterCursor_revert_whole/chain-${n}`;
    for (const type of ['FOLIOQ', 'IOVEC', 'KVEC', 'BVEC', 'UBUF']) {
      const oneRange = type === 'FOLIOQ' || type === 'UBUF';
      const s: Scenario = {
        id: type === 'FOLIOQ' ? chainId : `IterCursor_revert_whole/${type}`,
        spec: 'IterCursor',
        config: 'IterCursor_revert_whole',
        actions: [
          { name: 'Init' },
          { name: 'IterInit', type },
          { name: 'Advance', bytes: 3 },
          { name: 'Advance', bytes: 3 },
          { name: 'Revert', bytes: 6 },
          { name: 'Extract', maxsize: 6 },
          // Back over the extraction (the vector types extracted only 2 bytes).
          { name: 'Revert', bytes: oneRange ? 5 : 2 },
        ],
        constants: { RevertMax: 6 },
      };
      const { exp, mismatches } = modelVsReference(stepper, s, 'linux-6.12');
      expect(exp.observations.map((o) => o.count)).toEqual(
        // One-range types extract all 6 bytes; the vector ones the first non-empty segment (2).
        oneRange ? [0, 6, 3, 0, 6, 0, 5] : [0, 6, 3, 0, 6, 4, 6],
      );
      problems.push(...mismatches);
    }
    expect(problems).toEqual([]);
  });

  it('DISCARD advanced past its end: clamped to 0 (fixed), wrapped below 0 before 5.14 (DiscardAdvanceBug)', () => {
    const actions: Scenario['actions'] = [
      { name: 'Init' },
      { name: 'IterInit', type: 'DISCARD' },
      { name: 'Advance', bytes: 3 },
      { name: 'Advance', bytes: 2 },
      { name: 'Advance', bytes: 3 }, // 1 byte left: past the end
    ];
    const cases = [
      // The fixed iov_iter_advance clamps (every path: iov_iter_advance, the copies, the zero).
      ['IterCursor', 'linux-6.12', {}, [0, 6, 3, 1, 0]],
      // 5.11-5.13: "i->count -= size;" in the ITER_DISCARD arm, before any clamp.
      [
        'IterCursor_discard_advance_bug',
        'linux-6.12+discard_advance_underflow',
        { DiscardAdvanceBug: true },
        [0, 6, 3, 1, -2],
      ],
    ] as const;
    const problems: string[] = [];
    for (const [config, profile, constants, counts] of cases) {
      const s: Scenario = {
        id: `discard-${config}`,
        spec: 'IterCursor',
        config,
        actions,
        constants,
      };
      const { exp, mismatches } = modelVsReference(stepperFor(config), s, profile);
      expect(exp.observations.map((o) => o.count)).toEqual([...counts]);
      // The reference's count, and its iter_count_consistent report (count < 0) predicted from
      // the model's count, match.
      problems.push(...mismatches);
    }
    expect(problems).toEqual([]);
  });

  it('BVEC truncated short of its bio_vecs: e4e535bff2bc (ExtractBvecSkipBug) extracts past count', () => {
    const config = 'IterCursor_extract_bvec_skip_bug';
    const s: Scenario = {
      id: 'bvec-skip',
      spec: 'IterCursor',
      config,
      actions: [
        { name: 'Init' },
        { name: 'IterInit', type: 'BVEC' },
        { name: 'Advance', bytes: 3 }, // 1 byte into segment 4, 1 byte counted
        { name: 'Extract', maxsize: 2 }, // bi_size = 1 + 1: 2 bytes, the second past count
      ],
      constants: { BvecTruncated: true, ExtractBvecSkipBug: true },
    };
    const stepper = stepperFor(config);
    const bug = modelVsReference(stepper, s, 'linux-6.12+extract_bvec_skip_size');
    expect(bug.exp.observations.map((o) => [o.count, o.lastBytes, o.npages])).toEqual([
      [0, 0, 0],
      [4, 0, 2],
      [1, 0, 1],
      [0, 2, 0],
    ]);
    // The reference gives the same, its extract_result_consistent and extract_matches_iterator
    // reports predicted.
    expect(bug.mismatches).toEqual([]);
    // The fixed walk (bi_size = maxsize) returns the 1 byte counted: the model's 2 fails it.
    const fixed = modelVsReference(stepper, s, 'linux-6.12');
    expect(fixed.mismatches.length).toBeGreaterThan(0);
  });

  it('a wrong-sign revert (RevertWrapped) WARNs and leaves the iterator where the model keeps it', () => {
    const stepper = stepperFor('IterCursor_revert_sign');
    const problems: string[] = [];
    for (const type of ['IOVEC', 'UBUF'])
      for (const profile of ['linux-6.1', 'linux-6.12']) {
        const s: Scenario = {
          id: `IterCursor_revert_sign/${type}`,
          spec: 'IterCursor',
          config: 'IterCursor_revert_sign',
          actions: [
            { name: 'Init' },
            { name: 'IterInit', type },
            { name: 'Advance', bytes: 3 },
            { name: 'RevertWrapped', bytes: 2 },
            { name: 'Revert', bytes: 2 },
          ],
          constants: { RevertSignBraino: true },
        };
        const { exp, mismatches } = modelVsReference(stepper, s, profile);
        // The model says: a WARN, count still 3; the next step has no WARN and moves the cursor.
        expect(exp.observations.map((o) => [o.warned, o.count])).toEqual([
          [false, 0],
          [false, 6],
          [false, 3],
          [true, 3],
          [false, 5],
        ]);
        problems.push(...mismatches);
      }
    expect(problems).toEqual([]);
  });
});
