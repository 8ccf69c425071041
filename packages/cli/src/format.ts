// Small formatting helpers shared by the commands and the report.

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

/** 12345 -> "12,345": figures in tables and the report read more easily grouped. */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatNumber(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return formatCount(n);
  return n.toFixed(digits);
}

/** Stable JSON for `--json` output and saved results: two-space indent, trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `count: reason` for each entry of a reason -> count record, joined by `sep`. */
export function reasonLines(reasons: Record<string, number> | undefined, sep = '\n'): string {
  return Object.entries(reasons ?? {})
    .map(([why, n]) => `${n}: ${why}`)
    .join(sep);
}
