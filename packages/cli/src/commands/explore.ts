// `pinlab explore`: turn a config's behaviours into ITF scenarios with one strategy.
// Thin: the work is @pinlab/tla's exploreSpec.
import {
  ExploreLimitError,
  exploreSpec,
  GraphBoundError,
  listSpecs,
  ProjectError,
  type Strategy,
} from '@pinlab/tla';
import { intOption, JSON_OPTION, stringOption } from '../args.ts';
import { CliError, type Command, EXIT } from '../command.ts';
import { toJson } from '../format.ts';
import { repoRoot } from '../paths.ts';

const STRATEGIES: Strategy[] = ['exhaustive', 'tour', 'random'];

export const exploreCommand: Command = {
  name: 'explore',
  summary: 'Generate ITF scenarios from a spec config (exhaustive, transition tour, random walks)',
  usage: '<spec>',
  description: `Builds the reachable state graph of a config with the embedded engine and writes
scenarios as ITF traces (<out>/<config>-<strategy>-<n>.itf.json):
  exhaustive  every behaviour up to --depth steps
  tour        every edge of the state graph, in as few scenarios as the greedy tour finds
              (--depth caps a scenario's length)
  random      --count seeded random walks of --depth steps
Same spec, config, strategy and seed give byte-identical files.

Examples:
  pinlab explore ForkRace --strategy tour --out scenarios/
  pinlab explore ForkRace --config ForkRace_foll_get --strategy random --seed 7 --count 50`,
  options: {
    config: {
      type: 'string',
      valueName: 'config',
      description: "Config name (default: the spec's fixed design, <spec>.cfg)",
    },
    strategy: {
      type: 'string',
      default: 'tour',
      valueName: 'exhaustive|tour|random',
      description: 'Exploration strategy',
    },
    depth: {
      type: 'string',
      valueName: 'n',
      description: 'Steps per scenario (default 10; tour: longest scenario, default 500)',
    },
    seed: { type: 'string', valueName: 's', default: '1', description: 'Seed of the random walks' },
    count: {
      type: 'string',
      valueName: 'n',
      default: '100',
      description: 'Number of random walks',
    },
    out: {
      type: 'string',
      valueName: 'dir',
      description: 'Write the scenarios to this folder (default .pinlab/scenarios/<config>)',
    },
    'max-states': {
      type: 'string',
      valueName: 'n',
      description: 'Refuse state graphs larger than this (default 200000)',
    },
    json: JSON_OPTION,
  },
  async run({ positionals, options }, io) {
    if (positionals.length !== 1)
      throw new CliError('pinlab explore needs exactly one spec name', EXIT.usage);
    const spec = positionals[0] as string;
    const root = repoRoot(io.cwd);
    if (!listSpecs(root).some((s) => s.spec === spec))
      throw new CliError(
        `unknown spec ${spec}; specs: ${listSpecs(root)
          .map((s) => s.spec)
          .join(', ')}`,
        EXIT.usage,
      );
    const strategy = stringOption(options.strategy, 'strategy') as Strategy;
    if (!STRATEGIES.includes(strategy))
      throw new CliError(`--strategy must be one of ${STRATEGIES.join(', ')}`, EXIT.usage);
    const config = stringOption(options.config, 'config') ?? spec;
    const depth = intOption(options.depth, 'depth');
    const maxStates = intOption(options['max-states'], 'max-states');
    const outDir = stringOption(options.out, 'out') ?? `${root}/.pinlab/scenarios/${config}`;
    try {
      const r = await exploreSpec({
        root,
        config,
        strategy,
        seed: intOption(options.seed, 'seed') ?? 1,
        count: intOption(options.count, 'count') ?? 100,
        ...(depth !== undefined ? { depth } : {}),
        ...(maxStates !== undefined ? { maxStates } : {}),
        outDir,
      });
      if (options.json === true)
        io.stdout(toJson({ spec: r.spec, config: r.config, graph: r.graph, files: r.files }));
      else
        io.stdout(
          `${r.config}: ${r.graph.states} states, ${r.graph.edges} transitions, actions ${r.graph.actions.join(', ')}\n` +
            `${strategy}: ${r.scenarios.length} scenarios${strategy === 'tour' ? ` (at least ${r.graph.tourLowerBound} needed)` : ''}, ${r.scenarios.reduce((n, s) => n + s.states.length - 1, 0)} steps, written to ${outDir}\n`,
        );
      return EXIT.ok;
    } catch (error) {
      if (error instanceof ProjectError || error instanceof ExploreLimitError)
        throw new CliError(error.message, EXIT.usage);
      if (error instanceof GraphBoundError)
        throw new CliError(
          `${error.message}; raise --max-states or use a smaller config`,
          EXIT.failed,
        );
      throw error;
    }
  },
};
