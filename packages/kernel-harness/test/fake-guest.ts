// A fake GuestProcess: console and agent channel are in-memory streams the test drives, so the
// VM lifecycle and watchdog are exercised without QEMU.
import { Duplex, PassThrough } from 'node:stream';
import type { GuestProcess } from '../src/vm.ts';

export class FakeGuest {
  readonly console = new PassThrough();
  readonly fromHost: string[] = [];
  killed = false;
  private exitResolve: (code: number | null) => void = () => {};
  readonly channel: Duplex;

  constructor() {
    const self = this;
    this.channel = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        self.fromHost.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((l) => l !== ''),
        );
        cb();
      },
    });
  }

  /** The agent says something on its channel. */
  agentSays(obj: unknown): void {
    this.channel.push(`${JSON.stringify(obj)}\n`);
  }

  consoleSays(line: string): void {
    this.console.write(`${line}\n`);
  }

  exit(code: number): void {
    this.exitResolve(code);
  }

  process(): GuestProcess {
    return {
      console: this.console,
      channel: Promise.resolve(this.channel),
      exited: new Promise((r) => {
        this.exitResolve = r;
      }),
      kill: () => {
        this.killed = true;
      },
    };
  }

  lastRequest(): Record<string, unknown> {
    const l = this.fromHost.at(-1);
    if (l === undefined) throw new Error('no request sent');
    return JSON.parse(l) as Record<string, unknown>;
  }
}

export const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
