// Where the CLI reads and writes, relative to the repository root.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError, EXIT } from './command.ts';

/** The repository root: the nearest folder upward holding both `specs/` and `package.json`. */
export function repoRoot(cwd: string): string {
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, 'specs')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new CliError(
        `no pinlab checkout found in ${cwd} or above (looked for a folder with specs/ and package.json); run pinlab from the repository`,
        EXIT.usage,
      );
    }
    dir = parent;
  }
}

export const resultsDir = (root: string) => join(root, '.pinlab', 'results');
export const verifyResultsPath = (root: string) => join(resultsDir(root), 'verify.json');
export const benchResultsPath = (root: string) => join(resultsDir(root), 'bench.json');
export const kernelsResultsPath = (root: string) => join(resultsDir(root), 'kernels.json');
export const defaultReportDir = (root: string) => join(root, 'pinlab-report');
