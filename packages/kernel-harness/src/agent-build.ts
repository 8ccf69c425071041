// Compiles the guest agent (guest/agent.c) with `gcc -static`. The binary is never checked in;
// it is rebuilt when the source changes and cached under the cache root by source hash.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './apt.ts';
import { cacheRoot } from './paths.ts';

export const AGENT_SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'guest', 'agent.c');

export const AGENT_CFLAGS = ['-static', '-O2', '-Wall', '-Werror', '-s'];

const building = new Map<string, Promise<string>>();

/** Builds (once per source hash; concurrent callers share the build) and returns the path. */
export function buildAgent(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const key = cacheRoot(env);
  let p = building.get(key);
  if (p === undefined) {
    p = compileAgent(env);
    building.set(key, p);
    p.catch(() => building.delete(key));
  }
  return p;
}

async function compileAgent(env: NodeJS.ProcessEnv): Promise<string> {
  const source = readFileSync(AGENT_SOURCE);
  const hash = createHash('sha256')
    .update(source)
    .update(AGENT_CFLAGS.join(' '))
    .digest('hex')
    .slice(0, 16);
  const out = join(cacheRoot(env), 'agent', `pinlab-agent-${hash}`);
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const r = await run('gcc', [...AGENT_CFLAGS, '-o', tmp, AGENT_SOURCE]);
  if (r.code !== 0)
    throw new Error(
      `gcc -static failed building the guest agent:\n${r.stderr.trim()}\n(needs gcc and libc6-dev)`,
    );
  renameSync(tmp, out);
  return out;
}
