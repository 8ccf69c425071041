// One QEMU guest running the agent: launch, wait for the agent, send requests, watch for death.
// The process behind a guest is abstracted (GuestProcess) so the watchdog logic is tested with
// a fake process, without QEMU.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { MissingToolError } from './apt.ts';
import {
  type AgentRequest,
  type AgentResult,
  decodeMessage,
  encodeRequest,
  LineSplitter,
  type RequestParams,
} from './protocol.ts';
import { ConsoleTail, classifyConsoleLine, VmFault } from './watchdog.ts';

export interface GuestProcess {
  /** The guest console (ttyS0). */
  console: Readable;
  /** The agent channel (ttyS1), once connected. */
  channel: Promise<Duplex>;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  kill(): void;
}

export type Launcher = () => GuestProcess;

export interface VmOptions {
  /** From launch until the agent says ready. */
  bootTimeoutMs?: number;
  /** Added to each request's own timeout before the guest is declared hung. */
  hangMarginMs?: number;
}

interface Pending {
  resolve: (r: AgentResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class AgentError extends Error {
  override name = 'AgentError';
}

export class Vm {
  readonly console = new ConsoleTail(60);
  release = '';
  delayMs = 0;
  /** ms from launch to the agent's ready line. */
  bootMs = 0;
  fault: VmFault | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private channel: Duplex | null = null;
  private readyWaiter: { resolve: () => void; reject: (e: Error) => void } | null = null;

  private constructor(
    private readonly proc: GuestProcess,
    private readonly opts: Required<VmOptions>,
  ) {}

  static async boot(launch: Launcher, options: VmOptions = {}): Promise<Vm> {
    const opts = {
      bootTimeoutMs: options.bootTimeoutMs ?? 90_000,
      hangMarginMs: options.hangMarginMs ?? 15_000,
    };
    const started = performance.now();
    const vm = new Vm(launch(), opts);
    const ready = new Promise<void>((resolve, reject) => {
      vm.readyWaiter = { resolve, reject };
    });
    vm.watch();
    const timer = setTimeout(
      () => vm.die('boot-timeout', `the agent was not ready ${opts.bootTimeoutMs} ms after launch`),
      opts.bootTimeoutMs,
    );
    try {
      await ready;
    } finally {
      clearTimeout(timer);
    }
    vm.bootMs = performance.now() - started;
    return vm;
  }

  private watch(): void {
    const con = new LineSplitter();
    this.proc.console.setEncoding('utf8');
    this.proc.console.on('data', (chunk: string) => {
      for (const line of con.push(chunk)) {
        this.console.add(line);
        const verdict = classifyConsoleLine(line);
        if (verdict !== null) this.die(verdict.kind, verdict.message);
      }
    });
    this.proc.exited.then((code) => this.die('qemu-exit', `QEMU exited (code ${code})`));
    this.proc.channel.then(
      (ch) => {
        this.channel = ch;
        const split = new LineSplitter();
        ch.setEncoding('utf8');
        ch.on('data', (chunk: string) => {
          for (const line of split.push(chunk)) this.onMessage(line);
        });
        ch.on('error', () => {});
      },
      (e: Error) => this.die('qemu-exit', `cannot connect to the agent channel: ${e.message}`),
    );
  }

  private onMessage(line: string): void {
    let msg: ReturnType<typeof decodeMessage>;
    try {
      msg = decodeMessage(line);
    } catch (e) {
      this.console.add(`[agent channel] ${(e as Error).message}`);
      // A broken answer still names its request: fail that one instead of waiting for a hang.
      const id = /^\{"id":(\d+)/.exec(line);
      const p = id === null ? undefined : this.pending.get(Number(id[1]));
      if (p !== undefined) {
        this.pending.delete(Number(id?.[1]));
        clearTimeout(p.timer);
        p.reject(e as Error);
      }
      return;
    }
    if (msg.kind === 'ready') {
      this.release = msg.release;
      this.delayMs = msg.delayMs;
      this.readyWaiter?.resolve();
      this.readyWaiter = null;
      return;
    }
    if (msg.kind === 'setup-failed') {
      this.die(
        'agent-setup',
        `the agent could not set up its devices on ${msg.release}: ${msg.error}`,
      );
      return;
    }
    if (msg.id === null) return;
    const p = this.pending.get(msg.id);
    if (p === undefined) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new AgentError(msg.error));
  }

  /** Marks the guest dead: every waiter fails with the fault and the console tail. */
  private die(kind: VmFault['kind'], message: string): void {
    if (this.fault !== null) return;
    // Let the console catch up a moment? No: the tail we have is what we report; QEMU is killed.
    this.fault = new VmFault(kind, message, this.console.get());
    this.proc.kill();
    this.readyWaiter?.reject(this.fault);
    this.readyWaiter = null;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(this.fault);
    }
    this.pending.clear();
  }

  get alive(): boolean {
    return this.fault === null;
  }

  /**
   * Runs one agent operation. `timeoutSec` bounds the worker inside the guest (it is killed by
   * SIGALRM and reported); if the guest does not answer within that plus a margin, the guest
   * is declared hung and killed.
   */
  request(op: string, params: RequestParams = {}, timeoutSec = 30): Promise<AgentResult> {
    if (this.fault !== null) return Promise.reject(this.fault);
    const ch = this.channel;
    if (ch === null) return Promise.reject(new AgentError('the agent channel is not connected'));
    const id = this.nextId++;
    const req: AgentRequest = { ...params, id, op, timeoutSec };
    return new Promise<AgentResult>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.die(
            'hung',
            `no answer to request ${id} (${op}) within ${timeoutSec} s + margin: guest hung`,
          ),
        timeoutSec * 1000 + this.opts.hangMarginMs,
      );
      this.pending.set(id, { resolve, reject, timer });
      ch.write(encodeRequest(req));
    });
  }

  close(): void {
    if (this.fault === null) this.fault = new VmFault('qemu-exit', 'closed by the host', []);
    this.proc.kill();
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(this.fault);
    }
    this.pending.clear();
  }
}

export interface QemuOptions {
  accel?: 'tcg' | 'kvm';
  memoryMb?: number;
  cpus?: number;
  qemu?: string;
  /** Extra kernel command line words (e.g. for a user's own kernel). */
  extraAppend?: string;
}

export function kernelCmdline(): string {
  return [
    'console=ttyS0 loglevel=4',
    // panic=-1 with -no-reboot: a panic ends QEMU at once, after the console printed the reason.
    'panic=-1 rdinit=/init',
    'mitigations=off nokaslr tsc=reliable no_timer_check i8042.nokbd i8042.noaux',
    // Boot time under TCG (console timestamps, 6.12 on a loaded 2-core host): rodata=off skips
    // mark_rodata_ro and the CONFIG_DEBUG_WX page-table walk behind it (init/main.c
    // mark_readonly: ~3.5 s of 22 s), acpi=off the ACPI table and AML set-up (the guest has no
    // ACPI device it needs: its two serial ports are legacy ISA 8250s). Neither touches the
    // mm, block or io_uring paths the experiments observe.
    'rodata=off acpi=off',
    // memfd_secret(2) (PinUnpin SecretRest): Debian 6.1.192 mm/secretmem.c has it off by default
    // ("static bool secretmem_enable __ro_after_init;", module_param_named(enable, ...):
    // memfd_secret fails -ENOSYS without it); 6.12 defaults it on ("= 1"). CONFIG_SECRETMEM=y in
    // both kernels' configs. It changes nothing else (secretmem_init registers its mount only).
    'secretmem.enable=1',
  ].join(' ');
}

/** `bootKernel` is the file given to -kernel: an ELF vmlinux boots by PVH (faster) or a bzImage. */
export function qemuArgs(
  bootKernel: string,
  initrd: string,
  socketPath: string,
  opts: QemuOptions = {},
): string[] {
  const accel = opts.accel ?? 'tcg';
  return [
    '-machine',
    `pc,accel=${accel}`,
    '-cpu',
    accel === 'kvm' ? 'host' : 'max',
    '-smp',
    String(opts.cpus ?? 1),
    '-m',
    String(opts.memoryMb ?? 256),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-nic',
    'none',
    '-kernel',
    bootKernel,
    '-initrd',
    initrd,
    '-append',
    [kernelCmdline(), opts.extraAppend ?? ''].join(' ').trim(),
    '-chardev',
    'stdio,id=con,signal=off',
    '-serial',
    'chardev:con',
    '-chardev',
    `socket,id=agent,path=${socketPath},server=on,wait=off`,
    '-serial',
    'chardev:agent',
  ];
}

/** The executable `cmd` resolves to on PATH (or itself when it is a path), null when none. */
export function findOnPath(cmd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates =
    isAbsolute(cmd) || cmd.includes('/')
      ? [cmd]
      : (env.PATH ?? '')
          .split(delimiter)
          .filter((d) => d !== '')
          .map((d) => join(d, cmd));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {}
  }
  return null;
}

/**
 * Spawns `cmd` so that it dies with this process, however this process ends (SIGKILL, a vitest
 * worker torn down, a crash): util-linux `setpriv --pdeathsig KILL` sets PR_SET_PDEATHSIG and
 * execs `cmd`, so the child's pid is `cmd` itself and the kernel sends it SIGKILL when the
 * thread that spawned it exits (kernel/exit.c forget_original_parent -> reparent_leader ->
 * pdeath_signal). Node has no parent-death hook of its own; without this a killed host left
 * QEMU running. setpriv is in util-linux (Essential on Debian); if it is missing the error
 * says so rather than silently spawning an orphan-prone child.
 */
export function spawnTiedToParent(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcessWithoutNullStreams {
  const exe = findOnPath(cmd, env);
  if (exe === null) throw new MissingToolError(cmd);
  const setpriv = findOnPath('setpriv', env);
  if (setpriv === null) throw new MissingToolError('setpriv');
  return spawn(setpriv, ['--pdeathsig', 'KILL', '--', exe, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/**
 * Launches QEMU for `kernel` with `initrd`; the agent channel is a unix socket in a temp dir.
 * QEMU runs in the foreground (never -daemonize) and dies with the host process.
 */
export function qemuLauncher(bootKernel: string, initrd: string, opts: QemuOptions = {}): Launcher {
  return () => {
    const qemu = opts.qemu ?? 'qemu-system-x86_64';
    const dir = mkdtempSync(join(tmpdir(), 'pinlab-vm-'));
    const sock = join(dir, 'agent.sock');
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawnTiedToParent(qemu, qemuArgs(bootKernel, initrd, sock, opts));
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    let spawnError: Error | null = null;
    const exited = new Promise<number | null>((resolve) => {
      child.on('error', (e: NodeJS.ErrnoException) => {
        spawnError = e;
        resolve(null);
      });
      child.on('exit', (code) => {
        rmSync(dir, { recursive: true, force: true });
        resolve(code);
      });
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => child.stdout.emit('data', Buffer.from(`[qemu] ${d}`)));
    const channel = new Promise<Duplex>((resolve, reject) => {
      const started = Date.now();
      const attempt = () => {
        if (spawnError !== null) return reject(spawnError);
        const s: Socket = connect(sock);
        s.once('connect', () => resolve(s));
        s.once('error', () => {
          s.destroy();
          if (Date.now() - started > 10_000)
            reject(new Error(`no agent socket at ${sock} after 10 s`));
          else setTimeout(attempt, 25);
        });
      };
      setTimeout(attempt, 10);
    });
    return {
      console: child.stdout,
      channel,
      exited,
      kill: () => {
        if (child.exitCode === null) child.kill('SIGKILL');
      },
    };
  };
}
