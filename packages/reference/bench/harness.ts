// The benchmark harness. A bench module is any bench/*.ts file other than index.ts and
// harness.ts that exports `cases: BenchCase[]`; `npm run bench -w @pinlab/reference` runs every
// case of every module and prints operations per second. Figures only: nothing asserts on time.

export interface BenchCase {
  /** Shown in the report, e.g. "iov_iter_advance UBUF 512B". */
  readonly name: string;
  /** What one operation is, e.g. "ops" or "scenarios". */
  readonly unit: string;
  /** Operations performed by one call of fn (default 1). */
  readonly opsPerCall?: number;
  /** Target rate on the reference machine, printed as a ratio. */
  readonly target?: number;
  /** Called once before timing; its result is passed to fn. */
  readonly setup?: () => unknown;
  /** One timed call. Keep it allocation-light: this is the hot path being measured. */
  readonly fn: (state: unknown) => void;
}

export interface BenchResult {
  readonly module: string;
  readonly name: string;
  readonly unit: string;
  /** Operations per second of this process's CPU time (user + system, all threads). */
  readonly opsPerCpuSec: number;
  /** Operations per second of wall-clock time. */
  readonly opsPerSec: number;
  readonly target?: number;
}

export interface Rates {
  readonly opsPerSec: number;
  readonly opsPerCpuSec: number;
}

/**
 * Times fn in batches until this process has used minMs of CPU time (or ten times that of wall
 * time has passed), after a warm-up of half that, so the JIT has settled. Both rates are
 * returned: on a shared machine (several processes per core) the wall-clock rate mostly
 * measures the neighbours, the CPU-time rate measures this code.
 */
export function measure(c: BenchCase, minMs: number): Rates {
  const state = c.setup?.();
  const per = c.opsPerCall ?? 1;
  const run = (ms: number): Rates => {
    let calls = 0;
    let batch = 1;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let t = t0;
    let cpuMs = 0;
    while (cpuMs < ms && t - t0 < 10 * ms) {
      for (let i = 0; i < batch; i++) c.fn(state);
      calls += batch;
      t = performance.now();
      const cpu = process.cpuUsage(cpu0);
      cpuMs = (cpu.user + cpu.system) / 1000;
      if (cpuMs < ms / 20) batch *= 2;
    }
    return {
      opsPerSec: (calls * per * 1000) / (t - t0),
      opsPerCpuSec: (calls * per * 1000) / cpuMs,
    };
  };
  run(minMs / 2); // warm-up
  return run(minMs);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatResult(r: BenchResult): string {
  const cpu = `${fmt(r.opsPerCpuSec)} ${r.unit}/cpu-s`;
  const wall = `${fmt(r.opsPerSec)} ${r.unit}/s wall`;
  const vs =
    r.target === undefined
      ? ''
      : `  target ${fmt(r.target)}: ${(r.opsPerCpuSec / r.target).toFixed(2)}x`;
  return `${`${r.module}: ${r.name}`.padEnd(48)} ${cpu.padStart(28)} ${wall.padStart(28)}${vs}`;
}
