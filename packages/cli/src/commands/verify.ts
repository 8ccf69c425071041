// `pinlab verify`: the main job. Checks the specs, compares generated-tests/ with a fresh
// generation, runs the suites on the reference (and kernels), then writes the report.
import { resolve } from 'node:path';
import { writeFileAtomic } from '@pinlab/tla';
import { JSON_OPTION, listOption, stringOption } from '../args.ts';
import { pinlabVersion } from '../cli.ts';
import { CliError, type Command, EXIT, type ExitCode } from '../command.ts';
import { toJson } from '../format.ts';
import { defaultReportDir, repoRoot, verifyResultsPath } from '../paths.ts';
import { writeReport } from '../report/write.ts';
import { describeResult, isFailure, type VerifyResults } from '../results.ts';
import { renderTable } from '../table.ts';
import { runVerify, STEPS, type StepName, type VerifySteps } from '../verify/pipeline.ts';
import { realSteps, validateOnly } from '../verify/steps.ts';

function summaryText(r: VerifyResults, reportDir: string): string {
  const lines: string[] = [];
  const failing = r.checks.filter((c) => !c.passed);
  if (failing.length) {
    lines.push(
      renderTable(
        ['config', 'expected', 'actual', 'why'],
        failing.map((c) => [
          c.config,
          describeResult(c.expect),
          describeResult(c.actual),
          c.message ?? '',
        ]),
      ),
    );
  }
  if (r.scenarios.length) {
    lines.push(
      renderTable(
        ['target', 'profile', 'spec', 'run', 'passed', 'failed', 'n/a'],
        r.scenarios.map((s) => [
          s.target,
          s.profile,
          s.spec,
          s.run,
          s.passed,
          s.failed,
          s.notApplicable,
        ]),
      ),
    );
  }
  if (r.generated && !r.generated.upToDate) {
    lines.push(
      `generated-tests/ is stale: run 'pinlab gen' (${r.generated.differences.length} files differ)\n`,
    );
  }
  for (const e of r.errors) lines.push(`error in ${e.step}: ${e.message}\n`);
  lines.push(`${isFailure(r) ? 'FAILED' : 'PASSED'}: report in ${reportDir}/index.html\n`);
  return lines.join('\n');
}

/** Builds the verify command around a set of steps (tests pass fakes). */
export function makeVerifyCommand(
  stepsFor: (io: Parameters<Command['run']>[1]) => VerifySteps,
): Command {
  return {
    name: 'verify',
    summary:
      'Check all specs, regenerate and compare scenarios, run them everywhere, write the report',
    usage: '[spec-or-config...]',
    description: `The main job, for a fresh clone and for CI:
  1. model-check every config of specs/ with the embedded engine (or --engine tlc) against
     specs/manifest.json;
  2. regenerate the scenarios and compare them with generated-tests/ ('pinlab gen --check');
  3. run the generated suites on the reference implementation under every kernel profile;
  4. measure coverage (actions, transitions, reference branches) and draw small state graphs;
  5. when QEMU and fetched kernels are there (or --kernels asks), run the suites on the kernels;
  6. write pinlab-report/ (index.html, junit.xml, results.json) and .pinlab/results/verify.json.
Every step it skips is listed with the reason, on stderr and in the report. The report folder
is replaced only when the run completes: an interrupted run leaves the previous one intact.

Exit codes: 0 everything as expected, 1 a check or scenario failed or generated-tests/ is stale,
2 bad input (unknown spec, broken config, bad option), 3 a requested kernel or tool is missing.

Examples:
  pinlab verify
  pinlab verify ForkRace --skip branches
  pinlab verify --kernels 6.1,6.12 --out /tmp/report`,
    options: {
      engine: {
        type: 'string',
        default: 'embedded',
        valueName: 'embedded|tlc',
        description: 'Model checker',
      },
      kernels: {
        type: 'string',
        multiple: true,
        valueName: 'list',
        description:
          "Kernels to run the suites on, e.g. 6.1,6.12 (missing ones are an error); 'none' for none; default: those fetched, when QEMU is installed",
      },
      skip: {
        type: 'string',
        multiple: true,
        valueName: 'steps',
        description: `Steps to leave out (comma-separated): ${STEPS.join(', ')}`,
      },
      out: {
        type: 'string',
        short: 'o',
        valueName: 'dir',
        description: 'Report folder (default: pinlab-report/)',
      },
      json: JSON_OPTION,
    },
    async run({ positionals, options }, io) {
      const engine = stringOption(options.engine, 'engine') ?? 'embedded';
      if (engine !== 'embedded' && engine !== 'tlc') {
        throw new CliError(`--engine must be embedded or tlc, got '${engine}'`, EXIT.usage);
      }
      const skip = listOption(options.skip);
      const unknownSteps = skip.filter((s) => !(STEPS as readonly string[]).includes(s));
      if (unknownSteps.length) {
        throw new CliError(
          `--skip: unknown step ${unknownSteps.join(', ')}; steps: ${STEPS.join(', ')}`,
          EXIT.usage,
        );
      }
      const kernelList = listOption(options.kernels);
      const kernels =
        kernelList.length === 0 ? 'auto' : kernelList.includes('none') ? [] : kernelList;
      const root = repoRoot(io.cwd);
      validateOnly(root, positionals);
      const out = resolve(io.cwd, stringOption(options.out, 'out') ?? defaultReportDir(root));
      const results = await runVerify(
        { root, engine, only: positionals, kernels, skip: new Set(skip as StepName[]) },
        io,
        stepsFor(io),
        { version: pinlabVersion(), now: io.env.PINLAB_NOW ?? new Date().toISOString() },
      );
      // Only a completed run reaches here: save the results, then swap the report in whole.
      writeFileAtomic(verifyResultsPath(root), toJson(results));
      const files = writeReport(results, out);
      if (options.json) io.stdout(toJson(results));
      else io.stdout(summaryText(results, files.dir));
      return verifyExitCode(results);
    },
  };
}

/** Like `pinlab check`: bad specs or configs are bad input (2), a missing engine is 3. */
export function verifyExitCode(results: VerifyResults): ExitCode {
  const kinds = new Set(results.checks.map((c) => c.errorKind).filter((k) => k !== undefined));
  if (kinds.has('syntax') || kinds.has('config') || kinds.has('unknown-constant'))
    return EXIT.usage;
  if (kinds.has('missing-tool')) return EXIT.missing;
  return isFailure(results) ? EXIT.failed : EXIT.ok;
}

export const verifyCommand = makeVerifyCommand(realSteps);
