// The registry of spec adapters the reference target drives.
import type { SpecAdapter } from './adapter.ts';
import { forkRaceAdapter } from './fork-race.ts';

export const allAdapters: readonly SpecAdapter[] = [forkRaceAdapter];

export function adapterFor(spec: string): SpecAdapter | undefined {
  return allAdapters.find((a) => a.spec === spec);
}
