// `pinlab run`: run the generated suites on a target (the reference under any profile, or a
// Debian kernel in QEMU under its own profile) and compare step by step with the model's
// expectations. Thin: suites and comparison are @pinlab/testgen's; the qemu:<kernel> target is
// @pinlab/kernel-harness's.
import { join } from 'node:path';
import {
  createQemuTarget,
  KernelNotFetchedError,
  KernelSession,
  prepareGuest,
  requireKernel,
} from '@pinlab/kernel-harness';
import {
  allAdapters,
  createReferenceTarget,
  findGeneratedSuites,
  formatMismatch,
  loadSuite,
  runSuite,
  type SuiteData,
  type SuiteRunSummary,
  type Target,
} from '@pinlab/testgen';
import { JSON_OPTION, listOption, stringOption } from '../args.ts';
import { CliError, type Command, EXIT } from '../command.ts';
import { toJson } from '../format.ts';
import { repoRoot } from '../paths.ts';
import { renderTable } from '../table.ts';

interface SuiteOutcome {
  spec: string;
  config: string;
  summary: SuiteRunSummary;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Run the generated suites on the reference or on a kernel in QEMU',
  usage: '--target reference|qemu:<kernel> [spec...] [--profile p]',
  description: `Loads generated-tests/<Spec>/*.suite.json (all specs, or the named ones) and runs
every scenario on the target: \`reference\` runs each profile of specs/profiles.json (or only
--profile), \`qemu:<kernel>\` boots the fetched Debian kernel (pinlab kernel fetch) and runs its
own profile. Each scenario's observations are compared step by step with the model's
expectation; a mismatch names scenario, step, action, expected and observed. Scenarios the target
cannot realise are counted as not applicable, never passed.

Exit codes: 0 all compared scenarios match, 1 a mismatch or a run error, 2 bad usage, 3 the
kernel is not fetched.

Examples:
  pinlab run --target reference
  pinlab run --target reference ForkRace --profile linux-6.1
  pinlab run --target qemu:6.12 ForkRace`,
  options: {
    target: {
      type: 'string',
      valueName: 'reference|qemu:<kernel>',
      description: 'Where to run (required)',
    },
    profile: {
      type: 'string',
      multiple: true,
      valueName: 'name',
      description: 'Only these profiles (reference)',
    },
    json: JSON_OPTION,
  },
  async run({ positionals, options }, io) {
    const root = repoRoot(io.cwd);
    const targetName = stringOption(options.target, 'target');
    if (targetName === undefined)
      throw new CliError('--target is required (reference or qemu:<kernel>)', EXIT.usage);
    const files = findGeneratedSuites(join(root, 'generated-tests'));
    const suites: SuiteData[] = files.map((f) => loadSuite(f));
    const specs = new Set(suites.map((s) => s.spec));
    const unknown = positionals.filter((p) => !specs.has(p));
    if (unknown.length > 0) {
      throw new CliError(
        `no generated suite for ${unknown.join(', ')} (have: ${[...specs].join(', ') || 'none'}; run pinlab gen)`,
        EXIT.usage,
      );
    }
    const chosen = suites.filter((s) => positionals.length === 0 || positionals.includes(s.spec));
    const profiles = listOption(options.profile);
    let target: Target;
    let close = async () => {};
    if (targetName === 'reference') {
      const all = [...new Set(chosen.flatMap((s) => s.profiles))];
      const bad = profiles.filter((p) => !all.includes(p));
      if (bad.length > 0)
        throw new CliError(
          `unknown profile ${bad.join(', ')} (profiles: ${all.join(', ')})`,
          EXIT.usage,
        );
      target = createReferenceTarget(allAdapters, all);
    } else if (targetName.startsWith('qemu:')) {
      const name = targetName.slice('qemu:'.length);
      let kernel: ReturnType<typeof requireKernel>;
      try {
        kernel = requireKernel(name, io.env);
      } catch (e) {
        if (e instanceof KernelNotFetchedError) throw new CliError(e.message, EXIT.missing);
        throw e;
      }
      const guest = await prepareGuest(kernel, { env: io.env });
      const session = new KernelSession(kernel.name, guest.launcher);
      await session.boot();
      close = () => session.close();
      target = createQemuTarget(session, kernel.profile, { specsDir: join(root, 'specs') });
    } else {
      throw new CliError(
        `--target must be reference or qemu:<kernel>, got '${targetName}'`,
        EXIT.usage,
      );
    }
    const outcomes: SuiteOutcome[] = [];
    try {
      for (const suite of chosen) {
        const summary = await runSuite(suite, target, profiles.length > 0 ? profiles : undefined);
        outcomes.push({ spec: suite.spec, config: suite.config, summary });
      }
    } finally {
      await close();
    }
    const failed = outcomes.some((o) => o.summary.failed.length > 0 || o.summary.errors.length > 0);
    if (options.json === true) {
      io.stdout(toJson({ target: target.name, outcomes }));
      return failed ? EXIT.failed : EXIT.ok;
    }
    io.stdout(
      renderTable(
        ['spec', 'config', 'passed', 'failed', 'errors', 'not applicable', 'prefix only'],
        outcomes.map((o) => [
          o.spec,
          o.config,
          o.summary.passed,
          o.summary.failed.length,
          o.summary.errors.length,
          Object.values(o.summary.notApplicable).reduce((a, b) => a + b, 0),
          o.summary.truncated,
        ]),
      ),
    );
    for (const o of outcomes) {
      for (const [reason, n] of Object.entries(o.summary.notApplicable))
        io.stdout(`${o.config}: ${n} not applicable: ${reason}\n`);
      for (const f of o.summary.failed)
        for (const m of f.mismatches) io.stdout(`MISMATCH ${formatMismatch(m)}\n`);
      for (const e of o.summary.errors)
        io.stdout(`ERROR ${e.scenario} [${e.profile}]: ${e.message}\n`);
    }
    return failed ? EXIT.failed : EXIT.ok;
  },
};
