// The registry of `pinlab` subcommands. Each engineer adds one import and one entry for their
// command file; help and dispatch are generated from this list.
import type { Command } from '../command.ts';

export const commands: Command[] = [];
