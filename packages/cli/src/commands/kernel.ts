// `pinlab kernel fetch|list|run`: Debian kernels for the qemu:<kernel> targets. Thin: the work is
// @pinlab/kernel-harness's (fetchKernel, cachedKernel, runKernelTargets).
import {
  cachedKernel,
  fetchKernel,
  KERNELS,
  KernelFetchError,
  KernelNotFetchedError,
  type KernelReport,
  MissingModuleError,
  MissingToolError,
  runKernelTargets,
} from '@pinlab/kernel-harness';
import { JSON_OPTION } from '../args.ts';
import { CliError, type Command, EXIT, type ExitCode } from '../command.ts';
import { toJson } from '../format.ts';
import { repoRoot } from '../paths.ts';

function kernelNames(positionals: string[]): string[] {
  const asked = positionals.length === 0 ? ['all'] : positionals;
  const names = asked.flatMap((n) => (n === 'all' ? Object.keys(KERNELS) : [n]));
  for (const n of names) {
    if (KERNELS[n] === undefined) {
      throw new CliError(
        `unknown kernel "${n}": use ${Object.keys(KERNELS).join(', ')} or all`,
        EXIT.usage,
      );
    }
  }
  return [...new Set(names)];
}

/** Harness errors -> CLI exit codes (3: something missing, with what to do). */
function asCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (
    e instanceof KernelNotFetchedError ||
    e instanceof MissingToolError ||
    e instanceof MissingModuleError
  ) {
    return new CliError((e as Error).message, EXIT.missing);
  }
  if (e instanceof KernelFetchError) return new CliError(`${e.kind}: ${e.message}`, EXIT.missing);
  return new CliError(`internal error: ${(e as Error).stack ?? String(e)}`, EXIT.internal);
}

export const kernelFetchCommand: Command = {
  name: 'kernel fetch',
  summary: 'Download Debian 6.1 / 6.12 kernels for the qemu targets (private apt, verified)',
  usage: '[6.1|6.12|all]',
  description: `Downloads Debian's linux-image package (6.1 from bookworm-security, 6.12 from trixie)
with apt-get download under a private APT_CONFIG (its own sources list, lists and cache; the
machine's apt setup is untouched; signatures checked with debian-archive-keyring), keeps vmlinuz
and the modules the guest needs (dm-mod, dm-delay, loop and their dependencies), runs depmod and
caches the result under ~/.cache/pinlab/kernels/<kernel>/<package version> (or $PINLAB_CACHE).

Exit codes: 0 fetched, 2 unknown kernel, 3 mirror unreachable, package or module missing.`,
  options: {
    json: JSON_OPTION,
    force: { type: 'boolean', description: 'Re-extract even if cached' },
  },
  async run({ positionals, options }, io): Promise<ExitCode> {
    const names = kernelNames(positionals);
    const out = [];
    for (const n of names) {
      try {
        out.push(
          await fetchKernel(n, {
            env: io.env,
            force: options.force === true,
            log: (l) => io.stderr(`${l}\n`),
          }),
        );
      } catch (e) {
        throw asCliError(e);
      }
    }
    if (options.json === true) io.stdout(toJson(out));
    else
      for (const k of out)
        io.stdout(`${k.name}\t${k.release}\t${k.packageVersion}\t${k.vmlinuz}\n`);
    return EXIT.ok;
  },
};

export const kernelListCommand: Command = {
  name: 'kernel list',
  summary: 'List the kernels in the cache and the profile each must match',
  options: { json: JSON_OPTION },
  async run(_args, io): Promise<ExitCode> {
    const rows = Object.keys(KERNELS).map((n) => {
      const k = cachedKernel(n, io.env);
      return {
        name: n,
        profile: KERNELS[n]?.profile,
        cached: k !== null,
        release: k?.release ?? null,
        packageVersion: k?.packageVersion ?? null,
      };
    });
    if (_args.options.json === true) {
      io.stdout(toJson(rows));
      return EXIT.ok;
    }
    for (const r of rows) {
      const state = r.cached
        ? `${r.release} (${r.packageVersion})`
        : `not fetched: pinlab kernel fetch ${r.name}`;
      io.stdout(`${r.name}\t${r.profile}\t${state}\n`);
    }
    return EXIT.ok;
  },
};

function summarise(r: KernelReport): string {
  const fr = r.forkRaceRuns.map((x) => `${x.engine} ${x.parentLost}/${x.raced} lost`).join(', ');
  const pins = r.pinDeltas.map((p) => `${p.case}: +${p.acquired}/-${p.released}`).join('; ');
  const specs = Object.entries(r.perSpec)
    .map(([s, c]) => `${s} ${c.passed}/${c.run} passed, ${c.notApplicable} n/a`)
    .join('; ');
  return [
    `qemu:${r.name} ${r.release} (${r.profile}) ${r.ok ? 'OK' : 'FAILED'}`,
    `  boot ${r.timing.bootMs.join(', ')} ms; experiments ${r.timing.experimentsMs} ms; scenarios ${r.timing.scenariosMs} ms`,
    `  fork race: ${r.forkRace.outcome} (${fr})`,
    `  pins: ${pins}`,
    `  other checks: ${r.extra.filter((e) => e.ok).length}/${r.extra.length} ok`,
    `  scenarios: ${specs || 'none generated yet'}`,
    ...r.failures.map((f) => `  FAILED ${f.spec}/${f.scenario}: ${f.detail ?? ''}`),
    ...r.extra
      .filter((e) => !e.ok)
      .map(
        (e) =>
          `  FAILED ${e.case}: expected ${JSON.stringify(e.expected)}, observed ${JSON.stringify(e.observed)}`,
      ),
    ...r.faults.map((f) => `  fault: ${f.kind}: ${f.message}`),
    '',
  ].join('\n');
}

export const kernelRunCommand: Command = {
  name: 'kernel run',
  summary: 'Boot kernels in QEMU, run the experiments and generated scenarios, write kernels.json',
  usage: '[6.1|6.12|all]',
  description: `Boots each kernel once under QEMU (TCG), runs the fork-race and pin-count experiments
and every generated scenario the guest can realise, and writes .pinlab/results/kernels.json.
With --kernel and --modules, runs a kernel you built (profile from its version or --profile).

Exit codes: 0 every kernel matched its profile, 1 a departure, 3 a kernel or tool is missing.`,
  options: {
    json: JSON_OPTION,
    kernel: { type: 'string', valueName: 'bzImage', description: 'Your own kernel image' },
    modules: {
      type: 'string',
      valueName: 'dir',
      description: 'Its modules (lib/modules/<release> with modules.dep)',
    },
    profile: {
      type: 'string',
      valueName: 'linux-6.1|linux-6.12',
      description: 'Profile for --kernel',
    },
    runs: { type: 'string', valueName: 'n', description: 'Fork-race runs per engine (default 10)' },
  },
  async run({ positionals, options }, io): Promise<ExitCode> {
    const custom =
      typeof options.kernel === 'string'
        ? {
            bzImage: options.kernel,
            modulesDir: String(options.modules ?? ''),
            ...(typeof options.profile === 'string' ? { profile: options.profile } : {}),
          }
        : undefined;
    if (custom !== undefined && custom.modulesDir === '')
      throw new CliError('--kernel needs --modules DIR', EXIT.usage);
    const names = custom !== undefined && positionals.length === 0 ? [] : kernelNames(positionals);
    const runs = options.runs === undefined ? 10 : Number(options.runs);
    if (!Number.isInteger(runs) || runs < 1)
      throw new CliError(
        `--runs must be a positive integer, got ${String(options.runs)}`,
        EXIT.usage,
      );
    let result: Awaited<ReturnType<typeof runKernelTargets>>;
    try {
      result = await runKernelTargets({
        kernels: names,
        ...(custom !== undefined ? { custom } : {}),
        root: repoRoot(io.cwd),
        forkRaceRuns: runs,
        env: io.env,
        log: (l) => io.stderr(`${l}\n`),
      });
    } catch (e) {
      throw asCliError(e);
    }
    if (options.json === true) io.stdout(toJson(result.reports));
    else for (const r of result.reports) io.stdout(summarise(r));
    io.stderr(`wrote ${result.path}\n`);
    return result.reports.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
  },
};

export const kernelCommands: Command[] = [kernelFetchCommand, kernelListCommand, kernelRunCommand];
