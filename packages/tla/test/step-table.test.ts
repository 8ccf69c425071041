import { describe, expect, it } from 'vitest';
import type { ItfTrace } from '../src/itf.ts';
import { formatStepTable, stepRows } from '../src/step-table.ts';

const trace: ItfTrace = {
  '#meta': {
    format: 'ITF',
    source: 'S.tla',
    config: 'S',
    engine: 'embedded',
    strategy: 'counterexample',
    id: 's',
  },
  vars: ['phase', 'ref', 'bio', 'action'],
  states: [
    {
      '#meta': { index: 0 },
      phase: { p1: 'idle', p2: 'idle' },
      ref: [0, 0],
      bio: { '#set': [] },
      action: { name: 'Init' },
    },
    {
      '#meta': { index: 1 },
      phase: { p1: 'submitted', p2: 'idle' },
      ref: [0, 1],
      bio: { '#set': [1] },
      action: { name: 'Submit', proc: 'p1', len: 2 },
    },
    {
      '#meta': { index: 2 },
      phase: { p1: 'submitted', p2: 'idle' },
      ref: [0, 1],
      bio: { '#set': [1] },
      action: { name: 'Nop' },
    },
  ],
};

describe('counterexample step table', () => {
  it('lists the action with its parameters and only what changed, field by field', () => {
    const rows = stepRows(trace);
    expect(rows[1]).toEqual({
      step: 1,
      action: 'Submit(proc="p1", len=2)',
      changes: [
        { variable: 'phase.p1', before: 'idle', after: 'submitted' },
        { variable: 'ref[2]', before: 0, after: 1 },
        { variable: 'bio', before: { '#set': [] }, after: { '#set': [1] } },
      ],
    });
    expect(rows[0]?.changes.map((c) => c.variable)).toEqual(['phase', 'ref', 'bio']);
    expect(rows[2]?.changes).toEqual([]);
  });

  it('renders a readable table', () => {
    expect(formatStepTable(trace)).toBe(
      [
        'step  action                    changed variables',
        '----  ------------------------  -----------------',
        '   0  Init                      phase = [p1 |-> "idle", p2 |-> "idle"]',
        '                                ref = <<0, 0>>',
        '                                bio = {}',
        '   1  Submit(proc="p1", len=2)  phase.p1: "idle" -> "submitted"',
        '                                ref[2]: 0 -> 1',
        '                                bio: {} -> {1}',
        '   2  Nop                       (none)',
        '',
      ].join('\n'),
    );
  });
});
