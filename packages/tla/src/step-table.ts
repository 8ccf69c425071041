// A counterexample as a readable table: one row per step with the action taken and the
// variables it changed (old -> new), which is how a kernel reviewer reads a trace.
import { canonicalItf, type ItfTrace, type ItfValue, showItf } from './itf.ts';

export interface StepRow {
  step: number;
  action: string;
  changes: { variable: string; before?: ItfValue; after: ItfValue }[];
}

/** The variable holding each step's action record (docs/CONTRACTS.md). */
export const ACTION_VAR = 'action';

export function actionLabel(value: ItfValue | undefined): string {
  if (value === undefined) return '?';
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as Record<string, unknown>).name === 'string'
  ) {
    const rec = value as Record<string, ItfValue>;
    const params = Object.keys(rec)
      .filter((k) => k !== 'name')
      .map((k) => `${k}=${showItf(rec[k] as ItfValue)}`);
    return params.length > 0 ? `${rec.name as string}(${params.join(', ')})` : (rec.name as string);
  }
  return showItf(value);
}

const isRecord = (v: ItfValue | undefined): v is Record<string, ItfValue> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  !Object.keys(v).some((k) => k.startsWith('#'));

/**
 * The changes between two values as `path: before -> after` leaves: records with the same fields
 * and sequences of the same length are compared field by field (`phase.p1`, `ref[2]`, 1-based as
 * in TLA+), so a step shows what moved rather than two whole functions.
 */
function diffValues(
  path: string,
  before: ItfValue,
  after: ItfValue,
  out: StepRow['changes'],
): void {
  if (canonicalItf(before) === canonicalItf(after)) return;
  if (isRecord(before) && isRecord(after)) {
    const b: Record<string, ItfValue> = before;
    const a: Record<string, ItfValue> = after;
    const keys = Object.keys(b);
    if (keys.length === Object.keys(a).length && keys.every((k) => k in a)) {
      for (const k of keys) diffValues(`${path}.${k}`, b[k] as ItfValue, a[k] as ItfValue, out);
      return;
    }
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((b, i) => {
      diffValues(`${path}[${i + 1}]`, b, after[i] as ItfValue, out);
    });
    return;
  }
  out.push({ variable: path, before, after });
}

export function stepRows(trace: ItfTrace): StepRow[] {
  const vars = trace.vars.filter((v) => v !== ACTION_VAR);
  return trace.states.map((state, step) => {
    const previous = step > 0 ? trace.states[step - 1] : undefined;
    const changes: StepRow['changes'] = [];
    for (const v of vars) {
      const after = state[v] as ItfValue;
      const before = previous?.[v] as ItfValue | undefined;
      if (before === undefined) changes.push({ variable: v, after });
      else diffValues(v, before, after, changes);
    }
    return { step, action: actionLabel(state[ACTION_VAR] as ItfValue | undefined), changes };
  });
}

/** Plain-text step table (step, action, changed variables) for terminals and reports. */
export function formatStepTable(trace: ItfTrace, maxValueWidth = 60): string {
  const clip = (s: string) => (s.length > maxValueWidth ? `${s.slice(0, maxValueWidth - 1)}…` : s);
  const rows = stepRows(trace).map((r) => ({
    step: String(r.step),
    action: r.action,
    changes: r.changes.map((c) =>
      c.before === undefined
        ? `${c.variable} = ${clip(showItf(c.after))}`
        : `${c.variable}: ${clip(showItf(c.before))} -> ${clip(showItf(c.after))}`,
    ),
  }));
  const stepWidth = Math.max(4, ...rows.map((r) => r.step.length));
  const actionWidth = Math.max(6, ...rows.map((r) => r.action.length));
  const lines = [
    `${'step'.padStart(stepWidth)}  ${'action'.padEnd(actionWidth)}  changed variables`,
  ];
  lines.push(`${'-'.repeat(stepWidth)}  ${'-'.repeat(actionWidth)}  ${'-'.repeat(17)}`);
  for (const r of rows) {
    const [first = '(none)', ...rest] = r.changes;
    lines.push(`${r.step.padStart(stepWidth)}  ${r.action.padEnd(actionWidth)}  ${first}`);
    for (const c of rest) lines.push(`${''.padStart(stepWidth)}  ${''.padEnd(actionWidth)}  ${c}`);
  }
  return `${lines.join('\n')}\n`;
}
