// Whole DIO-read vs fork race scenarios per second: a fresh kernel context, device, address
// space, async O_DIRECT read, fork, parent write, completion, checks and tear-down each time.
import { dio_fork_race } from '../src/block/dio_fork_race.ts';
import { createKernel } from '../src/kernel.ts';
import type { BenchCase } from './harness.ts';

const TARGET = 50_000;

function scenario(profile: 'linux-6.1' | 'linux-6.12'): BenchCase {
  return {
    name: `dio_fork_race ${profile}`,
    unit: 'scenarios',
    target: TARGET,
    fn: () => {
      const r = dio_fork_race(createKernel(profile));
      // Keep the result observable so the work cannot be optimised away.
      if (r.parentSeesData === r.childSeesData)
        throw new Error('dio_fork_race: both or neither saw the data');
    },
  };
}

export const cases: BenchCase[] = [scenario('linux-6.1'), scenario('linux-6.12')];
