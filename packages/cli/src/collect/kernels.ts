// Kernel results for the side-by-side table, read from .pinlab/results/kernels.json (written by
// @pinlab/kernel-harness). Until the harness's shape is settled this accepts either a list of
// KernelColumn-like entries or `{ kernels: [...] }`, and ignores what it does not know.
import { existsSync, readFileSync } from 'node:fs';
import { CliError, EXIT } from '../command.ts';
import type { KernelColumn } from '../results.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function kernelColumnsFromDoc(doc: unknown, source: string): KernelColumn[] {
  const list = Array.isArray(doc)
    ? doc
    : isObject(doc) && Array.isArray(doc.kernels)
      ? doc.kernels
      : undefined;
  if (!list)
    throw new CliError(`${source}: expected a list of kernels or { "kernels": [...] }`, EXIT.usage);
  return list.map((raw, i) => {
    if (!isObject(raw))
      throw new CliError(`${source}: kernels[${i}] must be an object`, EXIT.usage);
    const name = String(raw.name ?? raw.kernel ?? `kernel ${i}`);
    const col: KernelColumn = { name, profile: String(raw.profile ?? `linux-${name}`) };
    if (typeof raw.release === 'string') col.release = raw.release;
    if (isObject(raw.forkRace)) col.forkRace = raw.forkRace as KernelColumn['forkRace'];
    if (Array.isArray(raw.pinDeltas)) col.pinDeltas = raw.pinDeltas as KernelColumn['pinDeltas'];
    if (isObject(raw.scenarios)) col.scenarios = raw.scenarios as KernelColumn['scenarios'];
    if (typeof raw.note === 'string') col.note = raw.note;
    return col;
  });
}

export function kernelColumnsFromFile(path: string): KernelColumn[] | undefined {
  if (!existsSync(path)) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`, EXIT.usage);
  }
  return kernelColumnsFromDoc(doc, path);
}
