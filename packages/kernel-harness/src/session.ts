// A kernel session: one VM at a time for one kernel, booted on first use and replaced by a fresh
// one after a fault. A request that kills the guest fails with the fault (and its console tail);
// the requests after it run in the new VM, so one bad scenario never takes the rest down.
import type { RequestParams } from './protocol.ts';
import type { Launcher } from './vm.ts';
import { Vm, type VmOptions } from './vm.ts';
import type { VmFault } from './watchdog.ts';

export interface SessionStats {
  boots: number;
  bootMs: number[];
  faults: { kind: string; message: string }[];
}

export class KernelSession {
  private vm: Promise<Vm> | null = null;
  /** Pin-counter experiments read global counters: they run alone (see `exclusive`). */
  private inFlight = 0;
  private exclusiveQueue: Promise<void> = Promise.resolve();
  /** Set from the moment an exclusive request has seen nothing in flight until it is answered. */
  private exclusiveRunning = false;
  private idleWaiters: (() => void)[] = [];
  readonly stats: SessionStats = { boots: 0, bootMs: [], faults: [] };
  release = '';

  constructor(
    readonly name: string,
    private readonly launcher: Launcher,
    private readonly vmOptions: VmOptions = {},
  ) {}

  private async current(): Promise<Vm> {
    // Callers that find the VM dead at the same time boot one fresh VM between them: the first
    // starts the boot, the others see `this.vm` changed and wait for that boot instead of
    // starting a second QEMU that nothing would close.
    for (;;) {
      const seen = this.vm;
      if (seen === null) break;
      const vm = await seen.catch(() => null);
      if (vm?.alive) return vm;
      if (this.vm === seen) break;
    }
    this.vm = Vm.boot(this.launcher, this.vmOptions);
    this.stats.boots++;
    try {
      const vm = await this.vm;
      this.stats.bootMs.push(vm.bootMs);
      this.release = vm.release;
      return vm;
    } catch (e) {
      this.noteFault(e);
      throw e;
    }
  }

  private noteFault(e: unknown): void {
    const f = e as Partial<VmFault>;
    if (f.name === 'VmFault')
      this.stats.faults.push({
        kind: String(f.kind),
        message: String(f.message).split('\n')[0] ?? '',
      });
  }

  /** Boots now (for benchmarks and global setups); returns the boot time in ms. */
  async boot(): Promise<number> {
    const vm = await this.current();
    return vm.bootMs;
  }

  async request(
    op: string,
    params: RequestParams = {},
    timeoutSec = 30,
  ): Promise<Record<string, unknown>> {
    // Wait for every exclusive request queued before or while we waited, and for one that is
    // running: it has checked that nothing is in flight and must stay alone until answered.
    for (;;) {
      const queue = this.exclusiveQueue;
      await queue;
      if (queue === this.exclusiveQueue && !this.exclusiveRunning) break;
    }
    this.inFlight++;
    try {
      const vm = await this.current();
      return await vm.request(op, params, timeoutSec);
    } catch (e) {
      this.noteFault(e);
      throw e;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Runs a request with nothing else in flight (global counters such as nr_foll_pin_*). */
  exclusive(
    op: string,
    params: RequestParams = {},
    timeoutSec = 30,
  ): Promise<Record<string, unknown>> {
    const run = async () => {
      while (this.inFlight > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
      // No await between the check above and this mark: nothing can slip in.
      this.exclusiveRunning = true;
      this.inFlight++;
      try {
        const vm = await this.current();
        return await vm.request(op, params, timeoutSec);
      } catch (e) {
        this.noteFault(e);
        throw e;
      } finally {
        this.exclusiveRunning = false;
        this.inFlight--;
        if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
      }
    };
    const result = this.exclusiveQueue.then(run);
    this.exclusiveQueue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async close(): Promise<void> {
    const vm = this.vm === null ? null : await this.vm.catch(() => null);
    vm?.close();
    this.vm = null;
  }
}
