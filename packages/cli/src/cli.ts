// Dispatch: finds the subcommand named by the leading words of argv (longest match, so
// `kernel fetch` wins over a group `kernel`), parses its options and maps every failure to one
// of the documented exit codes.
import { readFileSync } from 'node:fs';
import { parseCommandArgs } from './args.ts';
import { CliError, type Command, type CommandIO, EXIT, type ExitCode } from './command.ts';
import { commandHelp, overviewHelp } from './help.ts';

export function pinlabVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

interface Resolved {
  command?: Command;
  /** The words that named a group (e.g. `kernel`) when no full command matched. */
  group?: string;
  rest: string[];
}

export function resolveCommand(commands: Command[], argv: string[]): Resolved {
  const words: string[] = [];
  for (const token of argv) {
    if (token.startsWith('-')) break;
    words.push(token);
  }
  for (let n = words.length; n > 0; n--) {
    const name = words.slice(0, n).join(' ');
    const command = commands.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(n) };
  }
  for (let n = words.length; n > 0; n--) {
    const prefix = words.slice(0, n).join(' ');
    if (commands.some((c) => c.name.startsWith(`${prefix} `))) {
      return { group: prefix, rest: argv.slice(n) };
    }
  }
  return { rest: argv };
}

function suggestion(commands: Command[], word: string): string {
  const names = [...new Set(commands.map((c) => c.name.split(' ')[0]!))];
  const near = names.filter(
    (n) => n.startsWith(word.slice(0, 2)) || word.startsWith(n) || n.includes(word),
  );
  return near.length ? ` (did you mean: ${near.join(', ')}?)` : '';
}

export async function runCli(
  argv: string[],
  io: CommandIO,
  commands: Command[],
): Promise<ExitCode> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
      const out = overviewHelp(commands, pinlabVersion());
      if (argv.length === 0) {
        io.stderr(out);
        return EXIT.usage;
      }
      io.stdout(out);
      return EXIT.ok;
    }
    if (argv[0] === '--version' || argv[0] === '-V') {
      io.stdout(`${pinlabVersion()}\n`);
      return EXIT.ok;
    }
    if (argv[0] === 'help') {
      const target = resolveCommand(commands, argv.slice(1));
      if (target.command) io.stdout(commandHelp(target.command));
      else if (target.group) io.stdout(overviewHelp(commands, pinlabVersion(), target.group));
      else if (argv.length === 1) io.stdout(overviewHelp(commands, pinlabVersion()));
      else throw new CliError(`unknown command '${argv.slice(1).join(' ')}'; run 'pinlab --help'`);
      return EXIT.ok;
    }
    const { command, group, rest } = resolveCommand(commands, argv);
    if (!command) {
      if (group) {
        const wantsHelp = rest.includes('--help') || rest.includes('-h');
        const text = overviewHelp(commands, pinlabVersion(), group);
        if (wantsHelp && rest.every((t) => t === '--help' || t === '-h')) {
          io.stdout(text);
          return EXIT.ok;
        }
        const next = rest.find((t) => !t.startsWith('-'));
        throw new CliError(
          next
            ? `unknown command 'pinlab ${group} ${next}'; run 'pinlab ${group} --help'`
            : `'pinlab ${group}' needs a subcommand; run 'pinlab ${group} --help'`,
        );
      }
      const first = argv[0]!;
      if (first.startsWith('-')) {
        throw new CliError(`unknown option '${first}'; run 'pinlab --help'`);
      }
      throw new CliError(
        `unknown command '${first}'${suggestion(commands, first)}; run 'pinlab --help' for the list`,
      );
    }
    const args = parseCommandArgs(command, rest);
    if (args.options.help) {
      io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    delete args.options.help;
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`pinlab: ${err.message}\n`);
      return err.code;
    }
    const detail = err instanceof Error ? err.message : String(err);
    io.stderr(`pinlab: internal error: ${detail}\n`);
    if (io.env.PINLAB_DEBUG && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    io.stderr(
      'hint: this is a bug in pinlab, not in your input. Rerun with PINLAB_DEBUG=1 for the stack trace and report it with the command line used.\n',
    );
    return EXIT.internal;
  }
}
