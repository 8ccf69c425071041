// Loading saved results: verify.json (written by `pinlab verify`), bench.json (`pinlab bench`)
// and kernels.json (the kernel harness). Each is checked enough that a broken or foreign file
// gives an error naming the file, not a crash deep in the renderer.
import { existsSync, readFileSync } from 'node:fs';
import { CliError, EXIT } from './command.ts';
import type { BenchResults, VerifyResults } from './results.ts';

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, EXIT.usage);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`, EXIT.usage);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function loadVerifyResults(path: string): VerifyResults {
  if (!existsSync(path)) {
    throw new CliError(
      `no verify results at ${path}: run 'pinlab verify' first (it writes them and the report)`,
      EXIT.missing,
    );
  }
  const doc = readJsonFile(path);
  if (!isObject(doc) || doc.schema !== 1) {
    throw new CliError(`${path} is not a pinlab verify results file (schema 1)`, EXIT.usage);
  }
  for (const key of ['checks', 'scenarios', 'kernels', 'skipped', 'errors'] as const) {
    if (!Array.isArray(doc[key])) {
      throw new CliError(`${path}: "${key}" must be a list`, EXIT.usage);
    }
  }
  return doc as unknown as VerifyResults;
}

/** bench.json when present and well formed; a broken file is an error, a missing one is not. */
export function loadBenchResults(path: string): BenchResults | undefined {
  if (!existsSync(path)) return undefined;
  const doc = readJsonFile(path);
  if (!isObject(doc) || !Array.isArray(doc.packages) || typeof doc.generatedAt !== 'string') {
    throw new CliError(`${path} is not a pinlab bench results file`, EXIT.usage);
  }
  return doc as unknown as BenchResults;
}
