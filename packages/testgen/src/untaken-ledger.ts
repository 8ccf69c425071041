// The ledger of untaken reference branches (docs/untaken-branches.json): for each branch no
// generated test takes, why. Sixteen sessions re-derived the reasons from the kernel source each
// time; the ledger keeps them, so the coverage report can show the untaken branches grouped by
// reason, and so the two lists a reviewer needs stand out: the branches with no recorded reason
// (new code, or code that lost its test) and the kernel paths recorded as not modelled yet.
// An entry matches by file and trimmed source line, not by line number (which moves with every
// edit above it), and by arm when it names one.
import { existsSync, readFileSync } from 'node:fs';
import type { UncoveredBranch } from './uncovered-branches.ts';

/**
 * - `guard`: an if whose body throws on arguments or a state no modelled caller produces;
 * - `bug-only`: a violation report or WARN that only a kernel bug trips, none found yet;
 * - `unreachable`: kernel code the reference follows that no caller of the modelled kernels reaches;
 * - `not-modelled`: a kernel path real kernels take that the model does not drive yet (the to-do list);
 * - `harness`: user-space harness or bench composition, not kernel code;
 * - `api`: a default argument or convenience for hand-written callers.
 */
export const LEDGER_WHYS = [
  'guard',
  'bug-only',
  'unreachable',
  'not-modelled',
  'harness',
  'api',
] as const;
export type LedgerWhy = (typeof LEDGER_WHYS)[number];

export interface LedgerEntry {
  readonly file: string;
  readonly source: string;
  /** `<istanbul type> <arm>` as the report prints it (`if 0`); absent: every arm of the line. */
  readonly arm?: string;
  readonly why: LedgerWhy;
  readonly reason: string;
}

export class LedgerError extends Error {
  override name = 'LedgerError';
}

const isWhy = (w: unknown): w is LedgerWhy => LEDGER_WHYS.includes(w as LedgerWhy);

/** Parses and checks a ledger's text; errors name the file and the entry. */
export function parseLedger(text: string, path: string): LedgerEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new LedgerError(`${path}: not JSON (${(e as Error).message})`);
  }
  const branches = (doc as { branches?: unknown } | null)?.branches;
  if (!Array.isArray(branches)) throw new LedgerError(`${path}: no "branches" array`);
  return branches.map((b: unknown, i): LedgerEntry => {
    const e = b as Partial<Record<keyof LedgerEntry, unknown>>;
    const where = `${path}: branches[${i}]`;
    for (const k of ['file', 'source', 'reason'] as const)
      if (typeof e?.[k] !== 'string' || e[k] === '')
        throw new LedgerError(`${where}: "${k}" must be a non-empty string`);
    if (!isWhy(e.why))
      throw new LedgerError(
        `${where}: "why" is ${JSON.stringify(e.why)}, not one of ${LEDGER_WHYS.join(', ')}`,
      );
    if (e.arm !== undefined && (typeof e.arm !== 'string' || !/^[a-z-]+ \d+$/.test(e.arm)))
      throw new LedgerError(`${where}: "arm" must read like "if 0" or "binary-expr 2"`);
    return {
      file: e.file as string,
      source: e.source as string,
      ...(e.arm === undefined ? {} : { arm: e.arm as string }),
      why: e.why,
      reason: e.reason as string,
    };
  });
}

/** The ledger at path, or [] when there is none (a tree without one reports every branch unrecorded). */
export function loadLedger(path: string): LedgerEntry[] {
  return existsSync(path) ? parseLedger(readFileSync(path, 'utf8'), path) : [];
}

export interface LedgerClassification {
  /** Untaken branches per reason kind, in LEDGER_WHYS order, each with its entry. */
  readonly byWhy: Record<LedgerWhy, { branch: UncoveredBranch; entry: LedgerEntry }[]>;
  /** Untaken branches no entry matches. */
  readonly unrecorded: UncoveredBranch[];
  /** Entries that match no untaken branch: taken now, or their source line changed. */
  readonly stale: LedgerEntry[];
}

const keyOf = (file: string, source: string): string => `${file}\n${source}`;

/** Matches the untaken branches against the ledger (an entry with an arm wins over one without). */
export function classifyUntaken(
  untaken: readonly UncoveredBranch[],
  ledger: readonly LedgerEntry[],
): LedgerClassification {
  const byLine = new Map<string, LedgerEntry[]>();
  for (const e of ledger) {
    const k = keyOf(e.file, e.source);
    byLine.set(k, [...(byLine.get(k) ?? []), e]);
  }
  const byWhy = Object.fromEntries(LEDGER_WHYS.map((w) => [w, []])) as unknown as Record<
    LedgerWhy,
    { branch: UncoveredBranch; entry: LedgerEntry }[]
  >;
  const unrecorded: UncoveredBranch[] = [];
  const used = new Set<LedgerEntry>();
  for (const u of untaken) {
    const candidates = byLine.get(keyOf(u.file, u.source)) ?? [];
    const arm = `${u.type} ${u.arm}`;
    const entry =
      candidates.find((e) => e.arm === arm) ?? candidates.find((e) => e.arm === undefined);
    if (entry === undefined) {
      unrecorded.push(u);
      continue;
    }
    used.add(entry);
    byWhy[entry.why].push({ branch: u, entry });
  }
  return { byWhy, unrecorded, stale: ledger.filter((e) => !used.has(e)) };
}
