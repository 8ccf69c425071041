// Reads the figures a package's `bench` script prints. Two forms are understood, per line:
//   {"bench": "<name>", "value": <number>, "unit": "<unit>"}   (preferred: one JSON object)
//   <name>: <number> <unit>                                      (human form, e.g. `extract 4 KiB: 1,234,567 ops/s`)
//   <name>  <number> <unit> ...                                  (a table row: name, 2+ spaces, first figure;
//                                                                 the rest of the row is ignored)
// Anything else (headings, tables, npm noise) is ignored, so a bench can print freely.
import type { BenchFigure } from '../results.ts';

const NAME_COLON_VALUE =
  /^([^:>]{1,120}):\s+(-?[\d,]*\.?\d+(?:e[-+]?\d+)?)\s*([^\s\d][^\s]*(?:\s\S+)?)?\s*$/i;
const TABLE_ROW = /^([^\s#>].{0,118}?)\s{2,}(-?[\d,]*\.?\d+(?:e[-+]?\d+)?)\s+([^\s\d]\S*)/i;

export function parseBenchOutput(text: string): BenchFigure[] {
  const figures: BenchFigure[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('{')) {
      try {
        const o = JSON.parse(line) as Record<string, unknown>;
        const name = o.bench ?? o.name;
        if (typeof name === 'string' && typeof o.value === 'number' && Number.isFinite(o.value)) {
          figures.push({ name, value: o.value, unit: typeof o.unit === 'string' ? o.unit : '' });
        }
      } catch {
        // not a figure line
      }
      continue;
    }
    const m = NAME_COLON_VALUE.exec(line) ?? TABLE_ROW.exec(line);
    if (m) {
      const value = Number(m[2]!.replace(/,/g, ''));
      if (Number.isFinite(value))
        figures.push({ name: m[1]!.trim(), value, unit: (m[3] ?? '').trim() });
    }
  }
  return figures;
}
