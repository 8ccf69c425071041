// Kernel results for the side-by-side table, read from .pinlab/results/kernels.json (written by
// @pinlab/kernel-harness). Until the harness's shape is settled this accepts either a list of
// KernelColumn-like entries or `{ kernels: [...] }`, and ignores what it does not know.
import { existsSync, readFileSync } from 'node:fs';
import { expectedParentLoses, type KernelReport } from '@pinlab/kernel-harness';
import { CliError, EXIT } from '../command.ts';
import type { KernelColumn, ScenarioRun } from '../results.ts';
import { kernelScenarioRuns } from './kernel-runs.ts';

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
    if (Array.isArray(raw.pinDeltas)) {
      col.pinDeltas = (raw.pinDeltas as Record<string, unknown>[]).map((p) => ({
        case: String(p.case),
        acquired: Number(p.acquired),
        released: Number(p.released),
        ...(typeof p.expected === 'number' ? { expected: p.expected } : {}),
      }));
    }
    if (isObject(raw.scenarios)) col.scenarios = raw.scenarios as KernelColumn['scenarios'];
    if (typeof raw.note === 'string') col.note = raw.note;
    return col;
  });
}

export function kernelColumnsFromFile(
  path: string,
  opts: { withModel?: boolean } = {},
): KernelColumn[] | undefined {
  if (!existsSync(path)) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`, EXIT.usage);
  }
  const columns = kernelColumnsFromDoc(doc, path);
  if (!opts.withModel) return columns;
  // The model's column per profile, from the expectations the harness recorded with each case.
  const models: KernelColumn[] = [];
  for (const k of columns) {
    if (models.some((m) => m.profile === k.profile)) continue;
    const pins = (k.pinDeltas ?? []).filter((p) => p.expected !== undefined);
    if (!pins.length) continue;
    models.push({
      name: `model:${k.profile}`,
      profile: k.profile,
      forkRace: {
        outcome: expectedParentLoses(k.profile, 'aio') ? 'parent-loses-data' : 'parent-keeps-data',
      },
      pinDeltas: pins.map((p) => ({ case: p.case, acquired: p.expected!, released: p.expected! })),
    });
  }
  return [...columns, ...models];
}

/** Scenario rows of the harness's kernel reports (entries with `perSpec`), if any. */
export function kernelRunsFromFile(path: string): ScenarioRun[] {
  if (!existsSync(path)) return [];
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { kernels?: unknown };
  const list = Array.isArray(doc) ? doc : Array.isArray(doc.kernels) ? doc.kernels : [];
  return list
    .filter(
      (k): k is KernelReport => isObject(k) && isObject(k.perSpec) && Array.isArray(k.failures),
    )
    .flatMap(kernelScenarioRuns);
}
