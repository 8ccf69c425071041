// The NetfsExtract adapter: hand-written scenarios whose observations are spelled out, replayed
// on the model (expectations) and on the reference (runOnReference), which must agree step by
// step; and the three historical bugs observed on their designs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kvecShapeFor, netfsExtractAdapter } from '../../src/adapters/netfs-extract.ts';
import { compareObservations } from '../../src/compare.ts';
import { computeExpectation } from '../../src/expect.ts';
import type { Constants } from '../../src/model/engine.ts';
import { createEmbeddedStepper } from '../../src/model/engine.ts';
import { loadProfiles } from '../../src/profiles.ts';
import { runOnReference } from '../../src/reference-target.ts';
import type { Scenario, StepObservation } from '../../src/target.ts';

const specs = join(import.meta.dirname, '../../../../specs');
const spec = readFileSync(join(specs, 'NetfsExtract.tla'), 'utf8');
const stepperFor = (cfg: string) =>
  createEmbeddedStepper('NetfsExtract', spec, readFileSync(join(specs, `${cfg}.cfg`), 'utf8'));
const profiles = loadProfiles(join(specs, 'profiles.json'));
const constantsOf = (profile: string): Constants => {
  const c = profiles.find((p) => p.name === profile)?.constants.NetfsExtract;
  if (c === undefined) throw new Error(`${profile} does not constrain NetfsExtract`);
  return c;
};

/** Model expectation and reference run of one scenario; they must agree at every step. */
function agree(scenario: Scenario, profile: string, constants: Constants): StepObservation[] {
  const exp = computeExpectation(
    stepperFor(scenario.config),
    netfsExtractAdapter.observeModel,
    scenario,
    profile,
    constants,
  );
  expect(exp.stoppedAt).toBeUndefined();
  const observed = runOnReference(netfsExtractAdapter, scenario, profile);
  expect(compareObservations(scenario, profile, exp.observations, observed)).toEqual([]);
  return observed;
}

const scenario = (config: string, actions: Scenario['actions']): Scenario => ({
  id: `hand-${config}`,
  spec: 'NetfsExtract',
  config,
  actions: [{ name: 'Init' }, ...actions],
});

describe('NetfsExtract adapter', () => {
  it('a user buffer: BVEC then SG extraction pin each page once per holder, the iterator advances by what is described, release unpins', () => {
    const s = scenario('NetfsExtract', [
      { name: 'Open', iter: 'UBUF' },
      { name: 'ExtractBvec', len: 2 },
      { name: 'ExtractSg', len: 8, limit: 4 },
      { name: 'Release', slot: 1 },
      { name: 'Release', slot: 2 },
    ]);
    const o = agree(s, 'linux-6.12', constantsOf('linux-6.12'));
    expect(o[2]).toMatchObject({ pos: 2, ret: 2, pins: 'U0=1', 'slot1.elems': 'U0+1:2' });
    expect(o[3]).toMatchObject({
      pos: 6,
      pins: 'U0=2,U1=1',
      'slot2.form': 'SG',
      'slot2.elems': 'U0+3:1,U1+0:3',
      'slot2.pinned': true,
    });
    expect(o[5]).toMatchObject({ pins: '', 'slot1.form': 'NONE', 'slot2.form': 'NONE' });
  });

  it('kernel iterators are listed, never pinned; RDMA maps one SGE per page part and unmaps on release; a mapping failure maps nothing and ends the extracting', () => {
    const ok = agree(
      scenario('NetfsExtract', [
        { name: 'Open', iter: 'KVEC' },
        { name: 'ExtractRdma', len: 8, limit: 4, fail: 0 },
        { name: 'Release', slot: 1 },
      ]),
      'linux-6.12',
      constantsOf('linux-6.12'),
    );
    expect(ok[2]).toMatchObject({ pins: '', mapped: 2, 'slot1.elems': 'K0+2:2,K1+0:3', ret: 5 });
    expect(ok[3]).toMatchObject({ mapped: 0 });
    const failed = agree(
      scenario('NetfsExtract', [
        { name: 'Open', iter: 'BVEC' },
        { name: 'ExtractRdma', len: 8, limit: 4, fail: 2 },
      ]),
      'linux-6.12',
      constantsOf('linux-6.12'),
    );
    expect(failed[2]).toMatchObject({ ret: -5, pos: 0, mapped: 0, 'slot1.form': 'NONE' });
  });

  it('KVEC as one piece across its pages or as a piece per page: the same elements, returns and advances, whether an extraction spans both kvecs or sg_max stops it at the first', () => {
    // Scenario ids that pick each shape (a stable hash of id and profile).
    const idFor = (shape: string): string => {
      for (let n = 0; n < 64; n++)
        if (kvecShapeFor(`hand-kvec-${n}`, 'linux-6.12') === shape) return `hand-kvec-${n}`;
      throw new Error(`no id picks ${shape}`);
    };
    for (const shape of ['crossing', 'pieces']) {
      const actions: Scenario['actions'] = [
        { name: 'Init' },
        { name: 'Open', iter: 'KVEC' },
        { name: 'ExtractSg', len: 2, limit: 1 },
        { name: 'ExtractSg', len: 8, limit: 4 },
        { name: 'Release', slot: 1 },
        { name: 'Release', slot: 2 },
      ];
      const base = { spec: 'NetfsExtract', config: 'NetfsExtract', actions };
      const o = agree({ ...base, id: idFor(shape) }, 'linux-6.12', constantsOf('linux-6.12'));
      expect(o[2]).toMatchObject({ pos: 2, ret: 2, 'slot1.elems': 'K0+2:2' });
      expect(o[3]).toMatchObject({ pos: 5, ret: 3, 'slot2.elems': 'K1+0:3' });
      const spanning: Scenario['actions'] = [
        { name: 'Init' },
        { name: 'Open', iter: 'KVEC' },
        { name: 'ExtractSg', len: 8, limit: 1 },
        { name: 'ExtractRdma', len: 8, limit: 4, fail: 0 },
      ];
      const s = agree(
        { ...base, actions: spanning, id: idFor(shape) },
        'linux-6.12',
        constantsOf('linux-6.12'),
      );
      // sg_max runs out after the first page part: the rest stays in the iterator.
      expect(s[2]).toMatchObject({ pos: 2, ret: 2, 'slot1.elems': 'K0+2:2' });
      expect(s[3]).toMatchObject({ pos: 5, ret: 3, mapped: 1, 'slot2.elems': 'K1+0:3' });
      const whole = agree(
        {
          ...base,
          actions: [
            { name: 'Init' },
            { name: 'Open', iter: 'KVEC' },
            { name: 'ExtractSg', len: 8, limit: 4 },
          ],
          id: idFor(shape),
        },
        'linux-6.12',
        constantsOf('linux-6.12'),
      );
      expect(whole[2]).toMatchObject({ pos: 5, ret: 5, 'slot1.elems': 'K0+2:2,K1+0:3' });
    }
  });

  it('bvecq-rfc: RDMA takes ITER_BVECQ only, across the chain’s two segments; netfs_extract_user_iter is gone', () => {
    const o = agree(
      scenario('NetfsExtract_bvecq', [
        { name: 'Open', iter: 'BVECQ' },
        { name: 'ExtractRdma', len: 8, limit: 4, fail: 0 },
      ]),
      'bvecq-rfc',
      constantsOf('bvecq-rfc'),
    );
    expect(o[2]).toMatchObject({ 'slot1.elems': 'Q0+0:4,Q1+1:2', mapped: 2 });
    const refused = agree(
      scenario('NetfsExtract_bvecq', [
        { name: 'Open', iter: 'KVEC' },
        { name: 'ExtractRdma', len: 8, limit: 4, fail: 0 },
      ]),
      'bvecq-rfc',
      constantsOf('bvecq-rfc'),
    );
    expect(refused[2]).toMatchObject({ ret: -5, mapped: 0 });
    const noBvec = computeExpectation(
      stepperFor('NetfsExtract_bvecq'),
      netfsExtractAdapter.observeModel,
      scenario('NetfsExtract_bvecq', [
        { name: 'Open', iter: 'UBUF' },
        { name: 'ExtractBvec', len: 8 },
      ]),
      'bvecq-rfc',
      constantsOf('bvecq-rfc'),
    );
    expect(noBvec.stoppedAt?.step).toBe(2);
  });

  it('warned: the walkers WARN at a short chain end (reaching it or starting there), on no other step', () => {
    const folioq = agree(
      scenario('NetfsExtract_short_chain', [
        { name: 'Open', iter: 'FOLIOQ_SHORT' },
        { name: 'ExtractSg', len: 2, limit: 4 },
        { name: 'ExtractSg', len: 8, limit: 4 },
        { name: 'Release', slot: 1 },
        { name: 'ExtractSg', len: 2, limit: 1 },
        { name: 'ExtractRdma', len: 2, limit: 1, fail: 0 },
      ]),
      'linux-6.12',
      constantsOf('linux-6.12'),
    );
    // extract_folioq_to_sg: WARN_ON_ONCE(ret < iter->count) reaching the end, then
    // WARN_ON_ONCE(!folioq) (0) starting there; smb_extract_folioq_to_rdma: -EIO with its WARN.
    expect(folioq.map((o) => o.warned)).toEqual([false, false, false, true, false, true, true]);
    expect(folioq[3]).toMatchObject({ pos: 8, ret: 6 });
    expect(folioq[5]).toMatchObject({ pos: 8, ret: 0 });
    expect(folioq[6]).toMatchObject({ pos: 8, ret: -5 });
    const bvecq = agree(
      scenario('NetfsExtract_bvecq_short_chain', [
        { name: 'Open', iter: 'BVECQ_SHORT' },
        { name: 'ExtractRdma', len: 2, limit: 4, fail: 0 },
        { name: 'ExtractRdma', len: 8, limit: 4, fail: 0 },
      ]),
      'bvecq-rfc',
      constantsOf('bvecq-rfc'),
    );
    // the bvecq walk reaches the end with bytes still wanted: WARN_ON_ONCE(maxsize > 0), -EIO
    expect(bvecq.map((o) => o.warned)).toEqual([false, false, false, true]);
    expect(bvecq[3]).toMatchObject({ ret: -5, mapped: 1 });
  });

  it('the historical bugs show on their designs, and the fixed reference does not show them', () => {
    const kvec = scenario('NetfsExtract_kvec_sg_len', [
      { name: 'Open', iter: 'KVEC' },
      { name: 'ExtractSg', len: 8, limit: 4 },
    ]);
    const bug = { ...constantsOf('linux-6.12'), KvecSgLenBug: true };
    const o = agree(kvec, 'linux-6.12+kvec_sg_length', bug);
    // Elements overlap past their page: 8 bytes described for 5 extracted.
    expect(o[2]).toMatchObject({ 'slot1.elems': 'K0+2:5,K1+0:3', 'slot1.bytes': 5, pos: 5 });
    // (and the first element's bytes past K0's part are not the iterator's: ElementsMatchIterator)
    expect(netfsExtractAdapter.predictedViolations?.(o[1], o[2] as StepObservation)).toEqual([
      'sg_elements_match_iterator',
      'sg_element_within_folio',
      'extract_describes_exactly',
    ]);
    const fixed = agree(kvec, 'linux-6.12', constantsOf('linux-6.12'));
    expect(fixed[2]).toMatchObject({ 'slot1.elems': 'K0+2:2,K1+0:3', 'slot1.bytes': 5 });
    expect(
      netfsExtractAdapter.predictedViolations?.(fixed[1], fixed[2] as StepObservation),
    ).toEqual([]);

    // extract_xarray_to_sg before "scatterlist: Fix offset in folio calc in
    // extract_xarray_to_sg()": X1 gets X0's in-folio offset (2) and the length from there.
    const xa = scenario('NetfsExtract_xarray_sg_offset', [
      { name: 'Open', iter: 'XARRAY' },
      { name: 'ExtractSg', len: 8, limit: 4 },
    ]);
    const off = agree(xa, 'linux-6.12+xarray_sg_offset', {
      ...constantsOf('linux-6.12'),
      XarraySgOffsetBug: true,
    });
    expect(off[2]).toMatchObject({ 'slot1.elems': 'X0+2:2,X1+2:2', 'slot1.bytes': 4, pos: 4 });
    expect(netfsExtractAdapter.predictedViolations?.(off[1], off[2] as StepObservation)).toEqual([
      'sg_elements_match_iterator',
    ]);
    const xaFixed = agree(xa, 'linux-6.12', constantsOf('linux-6.12'));
    expect(xaFixed[2]).toMatchObject({ 'slot1.elems': 'X0+2:2,X1+0:4', 'slot1.bytes': 6, pos: 6 });

    const rdma = scenario('NetfsExtract_rdma_unwind', [
      { name: 'Open', iter: 'FOLIOQ' },
      { name: 'ExtractRdma', len: 8, limit: 4, fail: 2 },
    ]);
    const leak = agree(rdma, 'linux-6.12+rdma_unwind_post_decrement', {
      ...constantsOf('linux-6.12'),
      RdmaUnwindBug: true,
    });
    expect(leak[2]).toMatchObject({ ret: -5, mapped: 1 });
    expect(netfsExtractAdapter.predictedViolations?.(leak[1], leak[2] as StepObservation)).toEqual([
      'rdma_mappings_owned',
    ]);

    // netfs_extract_user_iter from the hole of UBUF_HOLE: the code before "netfs: fix error
    // handling in netfs_extract_user_iter()" returns 0 with an empty BVEC the caller holds; the
    // fixed code returns -EFAULT, nothing held, pinned or advanced.
    const hole = scenario('NetfsExtract_extract_empty', [
      { name: 'Open', iter: 'UBUF_HOLE' },
      { name: 'ExtractBvec', len: 8 },
      { name: 'ExtractBvec', len: 2 },
    ]);
    const empty = agree(hole, 'linux-6.12+netfs_extract_user_iter_empty', {
      ...constantsOf('linux-6.12'),
      ExtractEmptyBug: true,
    });
    expect(empty[2]).toMatchObject({ pos: 3, ret: 3, pins: 'U3=1', 'slot1.elems': 'U3+1:3' });
    expect(empty[3]).toMatchObject({ pos: 3, ret: 0, 'slot2.form': 'BVEC', 'slot2.bytes': 0 });
    expect(
      netfsExtractAdapter.predictedViolations?.(empty[2], empty[3] as StepObservation),
    ).toEqual(['extraction_not_empty']);
    const failed = agree(hole, 'linux-6.12', constantsOf('linux-6.12'));
    expect(failed[3]).toMatchObject({ pos: 3, ret: -14, pins: 'U3=1', 'slot2.form': 'NONE' });
  });
});
