// Turns a subcommand's argv into `{ positionals, options }` from its declared OptionSpecs, with
// errors that name the offending option (exit 2) instead of node's generic parse messages.
import { parseArgs } from 'node:util';
import { CliError, type Command, EXIT, type OptionSpec } from './command.ts';

export type ParsedOptions = Record<string, string | boolean | string[] | undefined>;

/** Options every subcommand accepts without declaring them. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'Show this help and exit' },
};

/** The `--json` convention: a command that prints results declares this option as `json`. */
export const JSON_OPTION: OptionSpec = {
  type: 'boolean',
  description: 'Print the results as JSON on stdout (progress and notes stay on stderr)',
};

export function parseCommandArgs(
  command: Command,
  argv: string[],
): { positionals: string[]; options: ParsedOptions } {
  const specs = { ...COMMON_OPTIONS, ...command.options };
  const known = new Map<string, OptionSpec>();
  for (const [name, spec] of Object.entries(specs)) {
    known.set(`--${name}`, spec);
    if (spec.short) known.set(`-${spec.short}`, spec);
  }
  // Report unknown options ourselves so the message can list what the command accepts.
  for (const token of argv) {
    if (token === '--') break;
    if (!token.startsWith('-') || token === '-') continue;
    const flag = token.includes('=') ? token.slice(0, token.indexOf('=')) : token;
    if (/^-\d/.test(flag)) continue; // a negative number given as a value
    if (!known.has(flag)) {
      const accepted = Object.keys(specs)
        .map((n) => `--${n}`)
        .join(', ');
      throw new CliError(
        `unknown option '${flag}' for 'pinlab ${command.name}' (accepted: ${accepted}); see 'pinlab ${command.name} --help'`,
        EXIT.usage,
      );
    }
  }
  const parseSpecs: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }
  > = {};
  for (const [name, spec] of Object.entries(specs)) {
    parseSpecs[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.default !== undefined && !spec.multiple ? { default: spec.default } : {}),
    };
  }
  try {
    const parsed = parseArgs({
      args: argv,
      options: parseSpecs,
      allowPositionals: true,
      strict: true,
    });
    const options: ParsedOptions = { ...(parsed.values as ParsedOptions) };
    return { positionals: parsed.positionals, options };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new CliError(
      `bad arguments for 'pinlab ${command.name}': ${message.replace(/\. To specify a positional.*$/s, '')}; see 'pinlab ${command.name} --help'`,
      EXIT.usage,
    );
  }
}

/** A comma- or repeat-separated list option (`--kernels 6.1,6.12` or `--kernels 6.1 --kernels 6.12`). */
export function listOption(value: string | boolean | string[] | undefined): string[] {
  if (value === undefined || typeof value === 'boolean') return [];
  const parts = Array.isArray(value) ? value : [value];
  return parts
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

export function stringOption(
  value: string | boolean | string[] | undefined,
  name: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value[value.length - 1];
  throw new CliError(`option --${name} needs a value`, EXIT.usage);
}

/** Parses a non-negative integer option, naming the option when the value is not one. */
export function intOption(
  value: string | boolean | string[] | undefined,
  name: string,
): number | undefined {
  const text = stringOption(value, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) {
    throw new CliError(`option --${name} needs a non-negative integer, got '${text}'`, EXIT.usage);
  }
  return Number(text);
}
