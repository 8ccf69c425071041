// Atomic file writes: every generated file (ITF scenarios, generated tests, reports) goes through
// here so a reader never sees a half-written file and an interrupted run leaves the old file.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** Write `text` to `path` via a temp file in the same folder, then rename (atomic on POSIX). */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  counter += 1;
  const temp = join(dir, `.${basename(path)}.${process.pid}.${counter}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
