// The registry of `pinlab` subcommands. Each engineer adds one import and one entry for their
// command file; help and dispatch are generated from this list.
import type { Command } from '../command.ts';
import { benchCommand } from './bench.ts';
import { checkCommand } from './check.ts';
import { exploreCommand } from './explore.ts';
import { genCommand } from './gen.ts';
import { kernelCommands } from './kernel.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';
import { tlcInstallCommand } from './tlc.ts';
import { verifyCommand } from './verify.ts';

export const commands: Command[] = [
  benchCommand,
  reportCommand,
  checkCommand,
  exploreCommand,
  tlcInstallCommand,
  verifyCommand,
  ...kernelCommands,
  genCommand,
  runCommand,
];
