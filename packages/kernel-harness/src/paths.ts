// Where the harness keeps what it downloads and builds: ~/.cache/pinlab (or $PINLAB_CACHE).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PINLAB_CACHE;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return join(homedir(), '.cache', 'pinlab');
}

/** Extracted kernels, one folder per Debian package version: kernels/<kernel>/<version>. */
export function kernelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'kernels');
}
