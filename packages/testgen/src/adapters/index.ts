// The registry of spec adapters the reference target drives.
import type { SpecAdapter } from './adapter.ts';
import { bvecqCursorsAdapter } from './bvecq-cursors.ts';
import { forkRaceAdapter } from './fork-race.ts';
import { iterCursorAdapter } from './iter-cursor.ts';
import { netfsExtractAdapter } from './netfs-extract.ts';
import { pinUnpinAdapter } from './pin-unpin.ts';
import { splicePipeAdapter } from './splice-pipe.ts';

export const allAdapters: readonly SpecAdapter[] = [
  forkRaceAdapter,
  iterCursorAdapter,
  splicePipeAdapter,
  pinUnpinAdapter,
  bvecqCursorsAdapter,
  netfsExtractAdapter,
];

export function adapterFor(spec: string): SpecAdapter | undefined {
  return allAdapters.find((a) => a.spec === spec);
}
