// Runs every bench module in this folder (see harness.ts) and prints one line per case.
// Usage: tsx bench/index.ts [--ms N] [filter]   (N: timed milliseconds per case, default 1000)
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchCase, BenchResult } from './harness.ts';
import { formatResult, measure } from './harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let ms = 1000;
let filter = '';
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  if (a === '--ms') {
    ms = Number(args[++i]);
    if (!Number.isFinite(ms) || ms <= 0) {
      console.error(`bench: --ms needs a positive number, got ${args[i]}`);
      process.exit(2);
    }
  } else {
    filter = a;
  }
}

const modules = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'harness.ts')
  .sort();
const results: BenchResult[] = [];
console.log(
  `pinlab reference bench: ${ms} ms per case; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  'rates per CPU-second of this process (targets apply to these) and per wall-clock second',
);
for (const f of modules) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { cases?: BenchCase[] };
  if (!Array.isArray(mod.cases)) {
    console.error(`bench: ${f} exports no \`cases\` array; skipped`);
    continue;
  }
  for (const c of mod.cases) {
    if (filter && !`${basename(f, '.ts')}: ${c.name}`.includes(filter)) continue;
    const rates = measure(c, ms);
    const r: BenchResult = {
      module: basename(f, '.ts'),
      name: c.name,
      unit: c.unit,
      ...rates,
      ...(c.target === undefined ? {} : { target: c.target }),
    };
    results.push(r);
    console.log(formatResult(r));
  }
}
if (results.length === 0) console.log('bench: no case matched');
