// `pinlab gen`: write (or --check) generated-tests/ from specs/. Thin: the work is
// @pinlab/testgen's generateAsync() (graphs built side by side); --freeze adds a model-based-testing counterexample to the
// checked-in frozen sequences first.
import {
  freezeSequence,
  GenerateError,
  GenUsageError,
  generateAsync,
  ProfileError,
} from '@pinlab/testgen';
import { intOption, JSON_OPTION, stringOption } from '../args.ts';
import { CliError, type Command, EXIT } from '../command.ts';
import { toJson } from '../format.ts';
import { repoRoot } from '../paths.ts';
import { renderTable } from '../table.ts';

export const genCommand: Command = {
  name: 'gen',
  summary: 'Generate the vitest suites of generated-tests/ from the specs (or --check them)',
  usage: '[spec...]',
  description: `For each spec with a testgen adapter (or only the named ones) and each of its CI
configs (specs/manifest.json), draws seeded walks from the model, adds the frozen sequences of
packages/testgen/frozen/<Spec>.json and any ITF scenarios of --scenarios, computes for every
profile of specs/profiles.json the observations the model expects at each step, and writes
generated-tests/<Spec>/<config>.suite.json and .test.ts. Output is byte-identical for the same
specs, profiles and seed; files without the generated header are never touched.

--check writes nothing and fails (exit 1) naming every stale, missing or orphaned file.
--freeze <file> adds the failing sequence a model-based test saved (.pinlab/mbt/*.json) to the
frozen sequences, then regenerates.

Examples:
  pinlab gen
  pinlab gen ForkRace --seed 7
  pinlab gen --check
  pinlab gen --freeze .pinlab/mbt/ForkRace-linux-6.12-42.json`,
  options: {
    check: {
      type: 'boolean',
      description: 'Fail if checked-in files differ from what would be generated',
    },
    seed: { type: 'string', valueName: 'n', description: 'Seed of the walks (default 1)' },
    walks: { type: 'string', valueName: 'n', description: 'Walks per config (default 8)' },
    depth: { type: 'string', valueName: 'n', description: 'Steps per walk (default 10)' },
    scenarios: {
      type: 'string',
      valueName: 'dir',
      description: 'Also use the ITF scenarios (*.itf.json) in this folder',
    },
    freeze: {
      type: 'string',
      valueName: 'file',
      description: 'Freeze a saved model-based-testing counterexample first',
    },
    json: JSON_OPTION,
  },
  async run({ positionals, options }, io) {
    const root = repoRoot(io.cwd);
    const seed = intOption(options.seed, 'seed');
    const count = intOption(options.walks, 'walks');
    const depth = intOption(options.depth, 'depth');
    const check = options.check === true;
    try {
      const freeze = stringOption(options.freeze, 'freeze');
      if (freeze !== undefined) {
        if (check) throw new CliError('--freeze and --check cannot be combined', EXIT.usage);
        const frozen = freezeSequence(root, freeze);
        io.stderr(`froze ${frozen.id} into ${frozen.path}\n`);
      }
      const scenariosDir = stringOption(options.scenarios, 'scenarios');
      const result = await generateAsync({
        root,
        specs: positionals,
        check,
        ...(seed !== undefined ? { seed } : {}),
        ...(count !== undefined || depth !== undefined
          ? { walks: { count: count ?? 8, depth: depth ?? 10 } }
          : {}),
        ...(scenariosDir !== undefined ? { scenariosDir } : {}),
        ...(io.isTTY ? { onProgress: (m: string) => io.stderr(`gen ${m}\n`) } : {}),
      });
      if (options.json === true) io.stdout(toJson(result));
      else {
        io.stdout(
          renderTable(
            [
              'spec',
              'config',
              'scenarios',
              'not applicable (scenario x profile)',
              'compared over a prefix',
            ],
            result.suites.map((s) => [s.spec, s.config, s.scenarios, s.notApplicable, s.truncated]),
          ),
        );
        if (check) {
          io.stdout(
            result.stale.length === 0
              ? 'generated-tests/ is up to date\n'
              : `stale generated files (run \`npx pinlab gen\`):\n${result.stale.map((f) => `  generated-tests/${f}`).join('\n')}\n`,
          );
        } else {
          io.stdout(
            `written ${result.written.length}, unchanged ${result.unchanged.length}, removed ${result.removed.length}\n`,
          );
        }
      }
      return check && result.stale.length > 0 ? EXIT.failed : EXIT.ok;
    } catch (error) {
      if (
        error instanceof GenUsageError ||
        error instanceof ProfileError ||
        error instanceof GenerateError
      ) {
        throw new CliError(error.message, EXIT.usage);
      }
      throw error;
    }
  },
};
