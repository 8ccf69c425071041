// `pinlab bench`: runs each workspace package's `bench` script in turn (never in parallel: the
// figures would measure each other) and collects the figures they print.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from '../results.ts';
import { parseBenchOutput } from './figures.ts';

export interface BenchPackage {
  name: string;
  dir: string;
}

/** Workspace packages (packages/*) that declare a `bench` script, sorted by name. */
export function benchPackages(root: string): BenchPackage[] {
  const dir = join(root, 'packages');
  if (!existsSync(dir)) return [];
  const out: BenchPackage[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const pkgPath = join(dir, entry, 'package.json');
    if (!existsSync(pkgPath)) continue;
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
      name?: string;
      scripts?: Record<string, string>;
    };
    if (pkg.scripts?.bench) out.push({ name: pkg.name ?? entry, dir: join(dir, entry) });
  }
  return out;
}

export function runBenchPackage(
  pkg: BenchPackage,
  timeoutMs: number,
): BenchResults['packages'][number] {
  const res = spawnSync('npm', ['run', '--silent', 'bench'], {
    cwd: pkg.dir,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  const output = `${res.stdout ?? ''}`;
  if (res.error) {
    return { package: pkg.name, figures: [], output, error: `could not run: ${res.error.message}` };
  }
  if (res.status !== 0) {
    const tail = `${res.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
    return {
      package: pkg.name,
      figures: parseBenchOutput(output),
      output,
      error: `bench exited with ${res.status ?? res.signal}: ${tail}`,
    };
  }
  const figures = parseBenchOutput(output);
  return figures.length
    ? { package: pkg.name, figures, output }
    : { package: pkg.name, figures, output, error: 'bench printed no figures' };
}
