import { describe, expect, it } from 'vitest';
import { AdapterError, booleanConstant } from '../../src/adapters/adapter.ts';
import type { Scenario } from '../../src/target.ts';

const scenario = (constants?: Scenario['constants']): Scenario => ({
  id: 's',
  spec: 'ForkRace',
  config: 'ForkRace',
  actions: [],
  ...(constants === undefined ? {} : { constants }),
});

describe('booleanConstant', () => {
  it('reads a boolean constant, and the fallback when the scenario lacks it', () => {
    expect(
      booleanConstant('ForkRace', scenario({ RegisterWholeBuffer: true }), 'RegisterWholeBuffer'),
    ).toBe(true);
    expect(booleanConstant('ForkRace', scenario(), 'RegisterWholeBuffer')).toBe(false);
    expect(booleanConstant('ForkRace', scenario({}), 'X', true)).toBe(true);
  });

  it('names spec and constant when the value is not a boolean', () => {
    const bad = scenario({ Misaligned: 'yes' });
    expect(() => booleanConstant('BvecqCursors', bad, 'Misaligned')).toThrow(AdapterError);
    expect(() => booleanConstant('BvecqCursors', bad, 'Misaligned')).toThrow(
      'BvecqCursors: Misaligned must be a boolean, got "yes"',
    );
  });
});
