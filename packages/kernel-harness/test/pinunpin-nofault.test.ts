// The Nofault PinUnpin config is not applicable on the guest: i->nofault is set only inside gfs2
// and btrfs direct I/O, never on the block device's O_DIRECT requests the guest makes; the other
// configs stay applicable.
import { describe, expect, it } from 'vitest';
import { pinUnpinScenarioSupport } from '../src/specs/pinunpin.ts';

const scenario = (constants: Record<string, string | number | boolean>) => ({
  id: 's',
  spec: 'PinUnpin',
  config: 'PinUnpin_nofault',
  actions: [{ name: 'Init' }],
  constants,
});

describe('PinUnpin Nofault on the guest', () => {
  it('refuses a Nofault scenario with its reason', () => {
    expect(pinUnpinScenarioSupport(scenario({ Nofault: true, LargeFolio: false }))).toMatch(
      /^Nofault: i->nofault is set only by gfs2\/btrfs direct I\/O/,
    );
  });
  it('accepts the configs without it', () => {
    expect(
      pinUnpinScenarioSupport(scenario({ Nofault: false, LargeFolio: false })),
    ).toBeUndefined();
  });
});
