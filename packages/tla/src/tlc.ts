// The TLC engine: `java -cp tla2tools.jar tlc2.TLC -tool -dumpTrace json FILE`, its jar found
// through TLA2TOOLS_JAR or pinlab's cache (filled by `pinlab tlc install`), its output read by
// tlc-output.ts and its counterexample by tlc-trace.ts, into the same CheckResult as the
// embedded engine.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { parseDisplayValue } from './display-values.ts';
import { precheck } from './embedded.ts';
import type { CheckBounds, CheckError, CheckInput, CheckResult } from './result.ts';
import { DEFAULT_BOUNDS } from './result.ts';
import { summarizeTlcRun } from './tlc-output.ts';
import { readTlcJsonTrace, tlcTraceToItf } from './tlc-trace.ts';
import { traceFromStates } from './trace-build.ts';

/**
 * The pinned TLC release. The SHA-256 is the one published for this release's tla2tools.jar in a
 * public toolchain manifest; it could not be re-verified on the machine this was written on (no
 * download access), so `pinlab tlc install` is the check: a mismatch is refused, never accepted.
 */
export const TLA2TOOLS_RELEASE = {
  version: '1.7.4',
  url: 'https://github.com/tlaplus/tlaplus/releases/download/v1.7.4/tla2tools.jar',
  sha256: '936a262061c914694dfd669a543be24573c45d5aa0ff20a8b96b23d01e050e88',
} as const;

export class TlcMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlcMissingError';
  }
}

export function tlcCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pinlab');
}

export function cachedJarPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(tlcCacheDir(env), `tla2tools-${TLA2TOOLS_RELEASE.version}.jar`);
}

const howToGet = (env: NodeJS.ProcessEnv) =>
  `Run \`pinlab tlc install\` (downloads ${TLA2TOOLS_RELEASE.url} and checks its SHA-256), ` +
  `or download it yourself and run \`pinlab tlc install --from <file>\`, or set TLA2TOOLS_JAR=/path/to/tla2tools.jar ` +
  `(cache: ${cachedJarPath(env)}).`;

/** The tla2tools.jar to use, or a TlcMissingError saying what is missing and how to get it. */
export function findTlaToolsJar(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TLA2TOOLS_JAR;
  if (fromEnv) {
    if (!existsSync(fromEnv))
      throw new TlcMissingError(`TLA2TOOLS_JAR=${fromEnv} does not exist. ${howToGet(env)}`);
    return fromEnv;
  }
  const cached = cachedJarPath(env);
  if (existsSync(cached)) return cached;
  throw new TlcMissingError(`TLC (tla2tools.jar) is not installed. ${howToGet(env)}`);
}

/** The java executable (JAVA env or `java` on PATH), or a TlcMissingError. */
export function findJava(env: NodeJS.ProcessEnv = process.env): string {
  const java = env.JAVA || 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8', env });
  if (probe.error || probe.status !== 0)
    throw new TlcMissingError(
      `TLC needs a Java runtime (11 or later) and \`${java} -version\` failed${probe.error ? `: ${probe.error.message}` : ''}. ` +
        'Install one (Debian: apt-get install default-jre-headless) or set JAVA=/path/to/java.',
    );
  return java;
}

/** Is TLC usable here? `reason` says why not (for skipped differential tests). */
export function tlcAvailability(
  env: NodeJS.ProcessEnv = process.env,
): { available: true; jar: string; java: string } | { available: false; reason: string } {
  try {
    const jar = findTlaToolsJar(env);
    const java = findJava(env);
    return { available: true, jar, java };
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  }
}

export async function checkTlc(
  input: CheckInput,
  bounds: CheckBounds = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<CheckResult> {
  const start = performance.now();
  const b = { ...DEFAULT_BOUNDS, ...bounds };
  const base = {
    engine: 'tlc' as const,
    spec: input.spec,
    config: input.config,
    notes: [] as string[],
  };
  const fail = (error: CheckError): CheckResult => ({
    ...base,
    outcome: 'error',
    distinct: 0,
    depth: 0,
    error,
    durationMs: performance.now() - start,
  });
  const pre = precheck(input);
  if (pre.error?.kind === 'unknown-constant') return fail(pre.error);
  let jar: string;
  let java: string;
  try {
    jar = findTlaToolsJar(env);
    java = findJava(env);
  } catch (error) {
    return fail({ kind: 'missing-tool', message: (error as Error).message });
  }
  const dir = mkdtempSync(join(tmpdir(), 'pinlab-tlc-'));
  try {
    writeFileSync(join(dir, `${input.spec}.tla`), input.specText);
    writeFileSync(join(dir, `${input.config}.cfg`), input.cfgText);
    const tracePath = join(dir, 'trace.json');
    const args = [
      '-XX:+UseParallelGC',
      '-cp',
      jar,
      'tlc2.TLC',
      '-tool',
      '-workers',
      '1',
      '-dumpTrace',
      'json',
      tracePath,
      '-metadir',
      join(dir, 'states'),
      '-config',
      `${input.config}.cfg`,
      `${input.spec}.tla`,
    ];
    const run = await runProcess(java, args, dir, b.timeoutMs, env);
    if (run.timedOut)
      return fail({
        kind: 'time-bound',
        message: `time bound of ${b.timeoutMs} ms exceeded; TLC was stopped`,
      });
    if (run.spawnError)
      return fail({ kind: 'engine-crash', message: `cannot start ${java}: ${run.spawnError}` });
    const summary = summarizeTlcRun(run.output, run.exitCode, input.specPath, input.cfgPath);
    if (summary.outcome === 'error') return fail(summary.error as CheckError);
    const result: CheckResult = {
      ...base,
      outcome: summary.outcome,
      distinct: summary.distinct ?? 0,
      depth: summary.depth ?? 0,
      durationMs: 0,
    };
    if (summary.invariant) result.invariant = summary.invariant;
    if (summary.outcome !== 'ok') {
      result.depth = summary.trace.length;
      if (existsSync(tracePath)) {
        const converted = tlcTraceToItf(
          readTlcJsonTrace(JSON.parse(readFileSync(tracePath, 'utf8'))),
          { specText: input.specText, cfgText: input.cfgText },
          {
            format: 'ITF',
            source: `${input.spec}.tla`,
            config: input.config,
            engine: 'tlc',
            strategy: 'counterexample',
            id: `${input.config}-counterexample`,
          },
        );
        result.counterexample = converted.trace;
        result.depth = converted.trace.states.length;
        result.notes.push(`counterexample ${converted.note}`);
      } else if (summary.trace.length > 0) {
        // No JSON dump (older TLC): read the printed trace states (TLA+ values) instead.
        try {
          const vars = Object.keys(summary.trace[0]?.values ?? {});
          result.counterexample = traceFromStates(
            vars,
            summary.trace.map((t) => ({
              values: Object.fromEntries(
                vars.map((v) => [v, parseDisplayValue(t.values[v] ?? '')]),
              ),
            })),
            {
              format: 'ITF',
              source: `${input.spec}.tla`,
              config: input.config,
              engine: 'tlc',
              strategy: 'counterexample',
              id: `${input.config}-counterexample`,
            },
          );
          result.depth = summary.trace.length;
          result.notes.push('counterexample read from TLC text output (no -dumpTrace json file)');
        } catch (error) {
          result.notes.push(`TLC trace text unreadable: ${(error as Error).message}`);
        }
      } else result.notes.push('TLC gave no counterexample states');
      // TLC's model checker is breadth-first with one worker, so its first trace is shortest.
      result.notes.push('shortest: TLC breadth-first search, one worker');
    }
    result.durationMs = performance.now() - start;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ProcessRun {
  output: string;
  exitCode: number;
  timedOut: boolean;
  spawnError?: string;
}

function runProcess(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): Promise<ProcessRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ output: '', exitCode: -1, timedOut: false, spawnError: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ output: Buffer.concat(chunks).toString('utf8'), exitCode: code ?? -1, timedOut });
    });
  });
}

export class TlcInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlcInstallError';
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Fill the cache with the pinned tla2tools.jar: downloaded (default) or copied from `from`, and
 * accepted only if its SHA-256 is the pinned one. Returns the installed path.
 */
export async function installTlaTools(
  options: {
    from?: string;
    env?: NodeJS.ProcessEnv;
    fetchImpl?: typeof fetch;
    timeoutMs?: number;
  } = {},
): Promise<{ path: string; sha256: string; source: string }> {
  const env = options.env ?? process.env;
  const target = cachedJarPath(env);
  let bytes: Uint8Array;
  let source: string;
  if (options.from) {
    if (!existsSync(options.from)) throw new TlcInstallError(`${options.from} does not exist`);
    bytes = readFileSync(options.from);
    source = options.from;
  } else {
    source = TLA2TOOLS_RELEASE.url;
    const doFetch = options.fetchImpl ?? fetch;
    let response: Response;
    try {
      response = await doFetch(TLA2TOOLS_RELEASE.url, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new TlcInstallError(
        `cannot download ${TLA2TOOLS_RELEASE.url} (${cause}). This machine may have no access to GitHub: ` +
          `download the jar elsewhere (SHA-256 ${TLA2TOOLS_RELEASE.sha256}) and run \`pinlab tlc install --from <file>\`, ` +
          'or set TLA2TOOLS_JAR=/path/to/tla2tools.jar.',
      );
    }
    if (!response.ok)
      throw new TlcInstallError(
        `cannot download ${TLA2TOOLS_RELEASE.url}: HTTP ${response.status} ${response.statusText}`,
      );
    bytes = new Uint8Array(await response.arrayBuffer());
  }
  const digest = sha256(bytes);
  if (digest !== TLA2TOOLS_RELEASE.sha256)
    throw new TlcInstallError(
      `${source}: SHA-256 ${digest} is not the pinned ${TLA2TOOLS_RELEASE.sha256} of tla2tools ${TLA2TOOLS_RELEASE.version}; refusing to install it`,
    );
  writeFileAtomic(target, bytes);
  return { path: target, sha256: digest, source };
}
