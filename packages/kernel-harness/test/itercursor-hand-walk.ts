// The hand-written IterCursor walk both IterCursor guest tests run (on the host build of the
// guest code and in QEMU): over the zero-length first segment, across segment 2's end into
// segment 4, past the end (clamped to 0), back across the zero-length segment 3.
import type { ScenarioAction } from '@pinlab/testgen';

export function handWalk(type: string): ScenarioAction[] {
  return [
    { name: 'Init' },
    { name: 'IterInit', type },
    { name: 'Advance', bytes: 0 },
    { name: 'Advance', bytes: 2 },
    { name: 'Advance', bytes: 1 },
    { name: 'Advance', bytes: 3 },
    { name: 'Advance', bytes: 3 },
    { name: 'Revert', bytes: 3 },
    { name: 'Revert', bytes: 2 },
  ];
}
