// The shape every `pinlab` subcommand takes. Subcommands stay thin: they parse options and call
// a function of the package that owns the work (see docs/CONTRACTS.md).

/** Exit codes shared by every subcommand (documented in `pinlab --help`). */
export const EXIT = {
  ok: 0,
  /** A check failed: a result departs from the manifest, a scenario's observation from its expectation. */
  failed: 1,
  /** Bad usage or bad input: unknown spec, malformed spec/config/trace, unknown option. */
  usage: 2,
  /** A tool or kernel is missing; the message says what and how to get it. */
  missing: 3,
  /** An internal error (a bug in pinlab). */
  internal: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Where a subcommand writes. Progress is drawn only when `isTTY` (stderr is a terminal). */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  description: string;
  /** Shown in help as the value's name, e.g. `--engine <embedded|tlc>`. */
  valueName?: string;
}

export interface Command {
  /** Space-separated path, e.g. `check` or `kernel fetch`. */
  name: string;
  summary: string;
  /** Positional arguments as shown in help, e.g. `[spec...]`. */
  usage?: string;
  /** Longer help: what it does, examples, exit codes specific to it. */
  description?: string;
  options: Record<string, OptionSpec>;
  run(
    args: {
      positionals: string[];
      options: Record<string, string | boolean | string[] | undefined>;
    },
    io: CommandIO,
  ): Promise<ExitCode>;
}

/** Thrown for bad usage or bad input; the CLI prints the message and exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: ExitCode = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
