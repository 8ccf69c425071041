import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTlcConfig } from '@pinlab/tla';
import { describe, expect, it } from 'vitest';
import type { ReferenceDriver, SpecAdapter } from '../../src/adapters/adapter.ts';
import {
  designFor,
  designProfileEntry,
  kernelFor,
  parseDesign,
} from '../../src/adapters/design.ts';
import { allAdapters } from '../../src/adapters/index.ts';
import { iterCursorAdapter } from '../../src/adapters/iter-cursor.ts';
import { pinUnpinAdapter } from '../../src/adapters/pin-unpin.ts';
import { loadProfiles } from '../../src/profiles.ts';
import { runOnReference, TargetRunError } from '../../src/reference-target.ts';
import type { Scenario, StepObservation } from '../../src/target.ts';

const specs = join(import.meta.dirname, '../../../../specs');
const profiles = loadProfiles(join(specs, 'profiles.json'));
/** A cfg's scalar constants (TLA+ strings, integers, booleans) as JSON. */
function cfg(config: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const text = readFileSync(join(specs, `${config}.cfg`), 'utf8');
  for (const [name, v] of parseTlcConfig(text).constants) {
    const t = v.trim();
    if (t === 'TRUE' || t === 'FALSE') out[name] = t === 'TRUE';
    else if (/^-?\d+$/.test(t)) out[name] = Number(t);
    else if (/^"[^"]*"$/.test(t)) out[name] = t.slice(1, -1);
  }
  return out;
}
const knobsOf = (spec: string) => allAdapters.find((a) => a.spec === spec)?.faultKnobs ?? [];

describe('designs (a profile plus reference faults for a bug config)', () => {
  it('parses profile and design names, naming an unknown profile or fault', () => {
    expect(parseDesign('linux-6.12')).toEqual({ profile: 'linux-6.12', faults: [] });
    expect(parseDesign('linux-6.1+iter_pipe_truncate_revert')).toEqual({
      profile: 'linux-6.1',
      faults: ['iter_pipe_truncate_revert'],
    });
    expect(() => parseDesign('linux-9.9+kvec_offset0')).toThrow(
      /unknown kernel profile "linux-9.9"/,
    );
    expect(() => parseDesign('linux-6.12+no_such_bug')).toThrow(/unknown fault "no_such_bug"/);
    const k = kernelFor('linux-6.12+kvec_offset0+over_revert');
    expect(k.profile.name).toBe('linux-6.12');
    expect([...k.faults].sort()).toEqual(['kvec_offset0', 'over_revert']);
  });

  it('maps each bug config with a reference fault to its design, and no other config', () => {
    const design = (spec: string, config: string) => {
      const d = designFor(spec, cfg(config), profiles, knobsOf(spec));
      return d === undefined ? undefined : `${d.profile}+${d.faults.join('+')}`;
    };
    expect(design('PinUnpin', 'PinUnpin_kvec_offset0')).toBe('linux-6.12+kvec_offset0');
    expect(design('PinUnpin', 'PinUnpin_array_leak')).toBe('linux-6.12+extract_array_leak');
    expect(design('IterCursor', 'IterCursor_over_revert')).toBe('linux-6.12+over_revert');
    expect(design('ForkRace', 'ForkRace_foll_get')).toBe('linux-6.12+legacy_foll_get_dio');
    expect(design('ForkRace', 'ForkRace_fork_share_pinned')).toBe('linux-6.12+fork_share_pinned');
    // 6.1's FOLL_GET DIO with the madvise mitigation: 6.12 plus the same legacy fault.
    for (const config of ['ForkRace_dontfork', 'ForkRace_wipeonfork'])
      expect(design('ForkRace', config), config).toBe('linux-6.12+legacy_foll_get_dio');
    // ITER_PIPE without the bio's page ref: 6.1 plus the early extraction series' behaviour.
    for (const config of ['SplicePipe_iter_pipe', 'SplicePipe_iter_pipe_reuse'])
      expect(design('SplicePipe', config), config).toBe('linux-6.1+iter_pipe_truncate_revert');
    // The never-merged ver #20 EOF clip of copy_splice_read, on 6.12.
    expect(design('SplicePipe', 'SplicePipe_eof_limit_v20')).toBe(
      'linux-6.12+direct_splice_eof_limit_v20',
    );
    expect(design('BvecqCursors', 'BvecqCursors_read_too_much')).toBe(
      'bvecq-rfc+bvecq_read_too_much',
    );
    expect(design('PinUnpin', 'PinUnpin_unpin_unpinned')).toBe('linux-6.12+bio_release_unpin_all');
    expect(design('PinUnpin', 'PinUnpin_pin_zero_page')).toBe('linux-6.12+gup_pin_zero_page');
    expect(design('BvecqCursors', 'BvecqCursors_unordered_dio_write')).toBe(
      'bvecq-rfc+bvecq_unordered_dio_write',
    );
    // Fixed designs, configs a profile already is, and bugs without a reference fault.
    for (const [spec, config] of [
      ['PinUnpin', 'PinUnpin'],
      ['PinUnpin', 'PinUnpin_legacy_get_refs'],
      ['PinUnpin', 'PinUnpin_xarray_hole'],
      ['BvecqCursors', 'BvecqCursors'],
      ['IterCursor', 'IterCursor_bvec_kvec_mixup'],
      ['SplicePipe', 'SplicePipe_iter_pipe_get'],
      ['ForkRace', 'ForkRace'],
    ] as const)
      expect(design(spec, config), config).toBeUndefined();
    const entry = designProfileEntry(
      'PinUnpin',
      cfg('PinUnpin_kvec_offset0'),
      profiles,
      pinUnpinAdapter.faultKnobs,
    );
    expect(entry?.name).toBe('linux-6.12+kvec_offset0');
    expect(entry?.constants.PinUnpin?.KvecOffset0Bug).toBe(true);
  });

  it('an over-revert on linux-6.12+over_revert is observed as the model oops, not thrown', () => {
    const scenario: Scenario = {
      id: 'over-revert',
      spec: 'IterCursor',
      config: 'IterCursor_over_revert',
      actions: [
        { name: 'Init' },
        { name: 'IterInit', type: 'IOVEC' },
        { name: 'Advance', bytes: 1 },
        { name: 'Revert', bytes: 3 },
      ],
    };
    const fixed = runOnReference(iterCursorAdapter, scenario, 'linux-6.12');
    const bug = runOnReference(iterCursorAdapter, scenario, 'linux-6.12+over_revert');
    expect(fixed[3]?.oops).toBe('OOB');
    // Same observation, reached through the missing guard and caught by no_over_reversion.
    expect(bug[3]).toEqual(fixed[3]);
  });
});

describe('reference invariants after each replayed step', () => {
  const scenario: Scenario = {
    id: 's',
    spec: 'Fake',
    config: 'Fake',
    actions: [{ name: 'Init' }, { name: 'Step' }, { name: 'Step' }],
  };
  const fake = (predict: boolean): SpecAdapter => ({
    spec: 'Fake',
    observeModel: () => ({}),
    supports: () => true,
    predictedViolations: (_prev, now: StepObservation) =>
      predict && now.broken === true ? ['no_pin_underflow'] : [],
    createDriver: (): ReferenceDriver => {
      let steps = 0;
      return {
        apply: () => {
          steps++;
        },
        observe: () => ({ broken: steps > 0 }),
        violations: () =>
          steps > 0 ? [{ invariant: 'no_pin_underflow', message: 'folio 7: pincount -1' }] : [],
      };
    },
  });

  it('fails the step where a violation the observations do not predict appears', () => {
    expect(() => runOnReference(fake(false), scenario, 'linux-6.12')).toThrow(TargetRunError);
    expect(() => runOnReference(fake(false), scenario, 'linux-6.12')).toThrow(
      /s \[linux-6.12\] step 1 Step: reference invariant no_pin_underflow violated, which the model does not predict: folio 7: pincount -1/,
    );
  });

  it('accepts a violation the observations predict', () => {
    expect(runOnReference(fake(true), scenario, 'linux-6.12')).toHaveLength(3);
  });

  it('a real leak: SubmitFault on linux-6.12+extract_array_leak is predicted by bio.array', () => {
    const s: Scenario = {
      id: 'leak',
      spec: 'PinUnpin',
      config: 'PinUnpin_array_leak',
      actions: [{ name: 'Init' }, { name: 'SubmitFault', bio: 1, iter: 'UBUF' }],
    };
    const obs = runOnReference(pinUnpinAdapter, s, 'linux-6.12+extract_array_leak');
    expect(obs[1]?.['bio1.array']).toBe('ALLOCATED');
    // The same step with the adapter's prediction removed fails on the leak the reference
    // reports: no_leaked_page_arrays is still predicted by the model-invariant table (the model
    // breaks its invariant here), pin_balance_at_quiescence's report of the same array is not.
    const blind: SpecAdapter = { ...pinUnpinAdapter, predictedViolations: () => [] };
    expect(() => runOnReference(blind, s, 'linux-6.12+extract_array_leak')).toThrow(
      'step 1 SubmitFault(bio=1, iter="UBUF"): reference invariant pin_balance_at_quiescence violated, which the model does not predict: 1 extraction page array(s) never freed',
    );
    expect(runOnReference(blind, s, 'linux-6.12')[1]?.['bio1.array']).toBe('NONE');
  });
});
