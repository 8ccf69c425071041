// Help text generated from the Command objects, so `--help` can never drift from what a
// command actually accepts.
import { COMMON_OPTIONS } from './args.ts';
import { type Command, EXIT, type OptionSpec } from './command.ts';

const EXIT_TEXT: Record<number, string> = {
  [EXIT.ok]: 'success',
  [EXIT.failed]: 'a check failed (result departs from the manifest, a scenario failed)',
  [EXIT.usage]: 'bad usage or bad input (unknown spec/option, malformed file)',
  [EXIT.missing]: 'a tool or kernel is missing (the message says how to get it)',
  [EXIT.internal]: 'internal error (a bug in pinlab)',
};

export function exitCodesText(): string {
  return Object.entries(EXIT_TEXT)
    .map(([code, text]) => `  ${code}  ${text}`)
    .join('\n');
}

function optionLine(name: string, spec: OptionSpec): [string, string] {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  const value = spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : '';
  const extra: string[] = [];
  if (spec.multiple) extra.push('repeatable');
  if (spec.default !== undefined && spec.default !== false) extra.push(`default: ${spec.default}`);
  const suffix = extra.length ? ` (${extra.join(', ')})` : '';
  return [`${short}--${name}${value}`, `${spec.description}${suffix}`];
}

function columns(rows: [string, string][], indent = 2): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([l, r]) => `${' '.repeat(indent)}${l.padEnd(width)}  ${r}`).join('\n');
}

export function commandHelp(command: Command): string {
  const usage = `pinlab ${command.name}${Object.keys(command.options).length ? ' [options]' : ''}${command.usage ? ` ${command.usage}` : ''}`;
  const parts = [`Usage: ${usage}`, '', command.summary];
  if (command.description) parts.push('', command.description.trimEnd());
  const opts = { ...command.options, ...COMMON_OPTIONS };
  parts.push('', 'Options:', columns(Object.entries(opts).map(([n, s]) => optionLine(n, s))));
  parts.push('', 'Exit codes:', exitCodesText());
  return `${parts.join('\n')}\n`;
}

/** Help for the whole tool, or for a group such as `kernel` (its subcommands). */
export function overviewHelp(commands: Command[], version: string, group?: string): string {
  const shown = group ? commands.filter((c) => c.name.startsWith(`${group} `)) : commands;
  const rows = [...shown]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c): [string, string] => [c.name, c.summary]);
  const head = group
    ? `Usage: pinlab ${group} <command> [options]`
    : `pinlab ${version}: formal models, generated tests and kernel runs for iov_iter page pinning\n\nUsage: pinlab <command> [options]`;
  return `${[
    head,
    '',
    'Commands:',
    columns(rows),
    '',
    'Options:',
    columns([
      ['-h, --help', 'Show help (also: pinlab <command> --help)'],
      ...(group ? [] : ([['--version', 'Print the version']] as [string, string][])),
    ]),
    '',
    'Exit codes:',
    exitCodesText(),
    '',
    `Run 'pinlab <command> --help' for a command's options.`,
  ].join('\n')}\n`;
}
