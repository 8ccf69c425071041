// A private apt setup: its own sources list, lists, cache and status, so `apt-get download` can
// fetch Debian kernel packages without touching the machine's apt configuration. Signature
// checking stays on: the sources line names the keyring apt must verify the Release file with,
// and apt checks every downloaded .deb against the hashes of the signed index.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelSource } from './kernels.ts';

export interface AptRoot {
  dir: string;
  configFile: string;
}

export function sourcesList(k: KernelSource): string {
  return `deb [arch=amd64 signed-by=${k.keyring}] ${k.mirror} ${k.suite} main\n`;
}

/** apt.conf text that points every directory apt reads or writes into `dir`. */
export function aptConfig(dir: string): string {
  const q = (s: string) => `"${s}"`;
  return [
    `Dir::Etc::SourceList ${q(join(dir, 'sources.list'))};`,
    `Dir::Etc::SourceParts ${q(join(dir, 'sources.list.d'))};`,
    `Dir::Etc::Parts ${q(join(dir, 'apt.conf.d'))};`,
    `Dir::Etc::Preferences ${q(join(dir, 'preferences'))};`,
    `Dir::Etc::PreferencesParts ${q(join(dir, 'preferences.d'))};`,
    `Dir::State ${q(join(dir, 'state'))};`,
    `Dir::State::Lists ${q(join(dir, 'state', 'lists'))};`,
    `Dir::State::status ${q(join(dir, 'state', 'status'))};`,
    `Dir::Cache ${q(join(dir, 'cache'))};`,
    `Dir::Cache::archives ${q(join(dir, 'cache', 'archives'))};`,
    'APT::Architecture "amd64";',
    'APT::Architectures { "amd64"; };',
    'Acquire::Languages "none";',
    'Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";',
    // Downloads land in our own folder; apt's _apt sandbox user could not write there.
    'APT::Sandbox::User "root";',
    'Acquire::Retries "2";',
    'Acquire::http::Timeout "20";',
    '',
  ].join('\n');
}

export function prepareAptRoot(dir: string, k: KernelSource): AptRoot {
  for (const sub of [
    'sources.list.d',
    'apt.conf.d',
    'preferences.d',
    'state/lists/partial',
    'cache/archives/partial',
  ]) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  writeFileSync(join(dir, 'sources.list'), sourcesList(k));
  writeFileSync(join(dir, 'state', 'status'), '');
  const configFile = join(dir, 'apt.conf');
  writeFileSync(configFile, aptConfig(dir));
  return { dir, configFile };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new MissingToolError(cmd) : e);
    });
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

export class MissingToolError extends Error {
  constructor(readonly tool: string) {
    super(`"${tool}" is not installed (on Debian: apt-get install ${debianPackageFor(tool)})`);
    this.name = 'MissingToolError';
  }
}

function debianPackageFor(tool: string): string {
  const map: Record<string, string> = {
    'apt-get': 'apt',
    'apt-cache': 'apt',
    'dpkg-deb': 'dpkg',
    depmod: 'kmod',
    gcc: 'gcc libc6-dev',
    'qemu-system-x86_64': 'qemu-system-x86',
    busybox: 'busybox-static',
    xz: 'xz-utils',
    zstd: 'zstd',
  };
  return map[tool] ?? tool;
}

/** Classified apt failures, so the user reads "mirror unreachable" rather than apt's log. */
export class KernelFetchError extends Error {
  constructor(
    readonly kind:
      | 'mirror-unreachable'
      | 'signature'
      | 'package-missing'
      | 'module-missing'
      | 'apt',
    message: string,
  ) {
    super(message);
    this.name = 'KernelFetchError';
  }
}

export function classifyAptUpdate(k: KernelSource, r: RunResult): KernelFetchError | null {
  const text = `${r.stdout}\n${r.stderr}`;
  if (/NO_PUBKEY|not signed|EXPKEYSIG|BADSIG|The following signatures/.test(text)) {
    return new KernelFetchError(
      'signature',
      `apt could not verify ${k.mirror} ${k.suite}: ${firstErrorLine(text)}`,
    );
  }
  if (
    /Could not resolve|Failed to fetch|Temporary failure|Connection failed|Unable to connect|timed out/i.test(
      text,
    )
  ) {
    return new KernelFetchError(
      'mirror-unreachable',
      `the Debian mirror ${k.mirror} (${k.suite}) is unreachable: ${firstErrorLine(text)}`,
    );
  }
  if (r.code !== 0)
    return new KernelFetchError(
      'apt',
      `apt-get update failed (exit ${r.code}): ${firstErrorLine(text)}`,
    );
  return null;
}

function firstErrorLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  return lines.find((l) => /^(E:|W:|Err)/.test(l)) ?? lines.find((l) => l !== '') ?? '(no output)';
}
