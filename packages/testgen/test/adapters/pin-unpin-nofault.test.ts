// PinUnpin with Nofault (PinUnpin_nofault): the driver sets i->nofault on what it submits, the
// reference's GUP refuses the write fault user page 3's zero page needs, and FaultIn
// (fault_in_iov_iter_writeable) breaks it; the model says the same under every profile.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pinUnpinAdapter } from '../../src/adapters/pin-unpin.ts';
import { compareObservations } from '../../src/compare.ts';
import { computeExpectation } from '../../src/expect.ts';
import { createEmbeddedStepper } from '../../src/model/engine.ts';
import { loadProfiles } from '../../src/profiles.ts';
import { runOnReference } from '../../src/reference-target.ts';
import type { Scenario, ScenarioAction } from '../../src/target.ts';

const specs = join(import.meta.dirname, '../../../../specs');
const stepper = createEmbeddedStepper(
  'PinUnpin',
  readFileSync(join(specs, 'PinUnpin.tla'), 'utf8'),
  readFileSync(join(specs, 'PinUnpin_nofault.cfg'), 'utf8'),
);

const actions: ScenarioAction[] = [
  { name: 'Init' },
  { name: 'Submit', bio: 1, iter: 'IOVEC', dir: 'DEST' },
  { name: 'SubmitPartial', bio: 2 },
  { name: 'Complete', bio: 1 },
  { name: 'FaultIn', buffer: 'UNMAPPED' },
  { name: 'FaultIn', buffer: 'PARTIAL' },
];

describe('PinUnpin adapter, Nofault', () => {
  for (const nofault of [true, false]) {
    it(`the reference agrees with the model under every profile (Nofault ${nofault})`, () => {
      const profiles = loadProfiles(join(specs, 'profiles.json'));
      for (const profile of ['linux-6.1', 'linux-6.12', 'bvecq-rfc']) {
        const base = profiles.find((p) => p.name === profile)?.constants.PinUnpin;
        expect(base, profile).toBeDefined();
        const constants = { ...base, LargeFolio: false, Nofault: nofault };
        const scenario: Scenario = {
          id: `PinUnpin_nofault/${nofault}`,
          spec: 'PinUnpin',
          config: 'PinUnpin_nofault',
          // Without Nofault there is no FaultIn: the model stops before it.
          actions: nofault ? actions : actions.slice(0, 4),
          constants,
        };
        const exp = computeExpectation(
          stepper,
          pinUnpinAdapter.observeModel,
          scenario,
          profile,
          constants,
        );
        expect(exp.stoppedAt).toBeUndefined();
        const observed = runOnReference(pinUnpinAdapter, scenario, profile);
        expect(compareObservations(scenario, profile, exp.observations, observed)).toEqual([]);
        const taken = profile === 'linux-6.1' ? 'refs' : 'pins';
        if (nofault) {
          // Short: user page 2 only, the zero page left mapped; the partial read fails at once.
          expect(observed[1]).toMatchObject({
            'bio1.pages': 'U2',
            'bio1.bytes': 2,
            zeroMapped: true,
            [taken]: 'U2=1',
          });
          expect(observed[2]).toMatchObject({ 'bio2.st': 'FAILED', 'bio2.bytes': 0 });
          // The fault-in breaks the zero page and takes nothing.
          // Nothing to fault in where no vma is; the partial buffer's page 3 leaves the zero
          // page, and no pin or ref is taken for it.
          expect(observed[4]).toMatchObject({ zeroMapped: true, pins: '', refs: '' });
          expect(observed[5]).toMatchObject({ zeroMapped: false, pins: '', refs: '' });
        } else {
          expect(observed[1]).toMatchObject({ 'bio1.bytes': 6, zeroMapped: false });
          expect(observed[2]).toMatchObject({ 'bio2.st': 'INFLIGHT', 'bio2.bytes': 3 });
        }
      }
    }, 120_000);
  }
});
