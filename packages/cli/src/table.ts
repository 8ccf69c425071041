// A plain-text table printer for terminal output: left-aligned text, right-aligned numbers
// (numbers given as numbers or already formatted, e.g. `1,234`).

export type Cell = string | number | boolean | null | undefined;

export function renderTable(headers: string[], rows: Cell[][]): string {
  const text = (c: Cell) => (c === null || c === undefined ? '-' : String(c));
  const numeric = headers.map((_, i) =>
    rows.every((r) => {
      const c = r[i];
      return (
        c === undefined ||
        c === null ||
        typeof c === 'number' ||
        (typeof c === 'string' && /^-?[\d,]*\.?\d+$/.test(c))
      );
    }),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i]).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(headers), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of rows) out.push(line(headers.map((_, i) => text(row[i]))));
  return `${out.join('\n')}\n`;
}
