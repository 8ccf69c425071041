// The LargeFolio PinUnpin config is not applicable on the guest (no mTHP set-up there), with a
// named reason; the small-folio configs stay applicable, and the per-folio observations are
// listed as unobservable.
import { describe, expect, it } from 'vitest';
import { PINUNPIN_UNOBSERVABLE, pinUnpinScenarioSupport } from '../src/specs/pinunpin.ts';

const scenario = (constants: Record<string, string | number | boolean> | undefined) => ({
  id: 's',
  spec: 'PinUnpin',
  config: 'PinUnpin',
  actions: [{ name: 'Init' }],
  ...(constants === undefined ? {} : { constants }),
});

describe('PinUnpin LargeFolio on the guest', () => {
  it('refuses a LargeFolio scenario with its reason', () => {
    expect(pinUnpinScenarioSupport(scenario({ LargeFolio: true }))).toMatch(
      /^LargeFolio: .*large anonymous folio/,
    );
  });
  it('accepts the small-folio configs', () => {
    expect(pinUnpinScenarioSupport(scenario({ LargeFolio: false }))).toBeUndefined();
    expect(pinUnpinScenarioSupport(scenario(undefined))).toBeUndefined();
  });
  it('lists the folio observations as unobservable', () => {
    expect(PINUNPIN_UNOBSERVABLE).toEqual(expect.arrayContaining(['u0.refcount', 'u0.dmaPinned']));
  });
});
