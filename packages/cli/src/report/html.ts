// HTML and XML text helpers for the report: everything interpolated goes through `esc`, so a
// spec or kernel string can never break the page.

export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A stable, HTML-id-safe slug (`ForkRace_FollGet` -> `forkrace_follget`). */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Compact one-line rendering of a plain JSON value for tables (`{a: 1, b: [x, y]}`). */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `<<${value.map(showValue).join(', ')}>>`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `[${entries.map(([k, v]) => `${k} |-> ${showValue(v)}`).join(', ')}]`;
}

export function table(headers: string[], rows: string[][], cls = ''): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function badge(ok: boolean, text?: string): string {
  return `<span class="badge ${ok ? 'pass' : 'fail'}">${esc(text ?? (ok ? 'pass' : 'FAIL'))}</span>`;
}
