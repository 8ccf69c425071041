// The `pinlab` entry point (bin/pinlab.js loads it through tsx).
import { runCli } from './cli.ts';
import { commands } from './commands/index.ts';
import { processIO } from './io.ts';

process.exitCode = await runCli(process.argv.slice(2), processIO(), commands);
