// The CommandIO of a real process. Writes go straight to the streams; `isTTY` follows stderr
// because that is where progress is drawn.
import type { CommandIO } from './command.ts';

export function processIO(): CommandIO {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    isTTY: Boolean(process.stderr.isTTY) && process.env.CI === undefined,
    cwd: process.cwd(),
    env: process.env,
  };
}

/** An in-memory CommandIO for tests and for running commands inside other commands (verify). */
export function bufferIO(
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): CommandIO & {
  out: string[];
  err: string[];
} {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => {
      out.push(t);
    },
    stderr: (t) => {
      err.push(t);
    },
    isTTY: false,
    cwd,
    env,
  };
}
