// Compiles the guest agent (guest/agent.c) with `gcc -static`. The binary is never checked in;
// it is rebuilt when the source changes and cached under the cache root by source hash.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './apt.ts';
import { cacheRoot } from './paths.ts';

export const GUEST_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'guest');
/** The translation unit; it #includes the per-spec files beside it. */
export const AGENT_SOURCE = join(GUEST_DIR, 'agent.c');

/** Every guest source (agent.c and the spec files it includes), in a stable order. */
function guestSources(): string[] {
  return readdirSync(GUEST_DIR)
    .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
    .sort()
    .map((f) => join(GUEST_DIR, f));
}

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
  const h = createHash('sha256');
  for (const f of guestSources()) h.update(f.slice(GUEST_DIR.length)).update(readFileSync(f));
  const hash = h.update(AGENT_CFLAGS.join(' ')).digest('hex').slice(0, 16);
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
