// Atomic file writes (temp file in the same folder, then rename), as docs/CONTRACTS.md asks of
// generated files. Kept local so the harness does not depend on @pinlab/tla for three lines.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
