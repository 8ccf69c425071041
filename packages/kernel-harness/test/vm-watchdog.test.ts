import { describe, expect, it } from 'vitest';
import { KernelSession } from '../src/session.ts';
import { Vm } from '../src/vm.ts';
import { classifyConsoleLine, VmFault } from '../src/watchdog.ts';
import { FakeGuest, tick } from './fake-guest.ts';

async function bootFake(opts = {}): Promise<{ vm: Vm; g: FakeGuest }> {
  const g = new FakeGuest();
  const p = Vm.boot(() => g.process(), opts);
  await tick();
  g.agentSays({ event: 'ready', release: '6.12.0-test', delayMs: 300 });
  return { vm: await p, g };
}

describe('VM lifecycle with a fake guest', () => {
  it('boots when the agent says ready and answers requests by id', async () => {
    const { vm, g } = await bootFake();
    expect(vm.release).toBe('6.12.0-test');
    const pending = vm.request('dio', { size: 4096 }, 5);
    await tick();
    const req = g.lastRequest();
    expect(req).toMatchObject({ op: 'dio', size: 4096, timeoutSec: 5 });
    g.agentSays({ id: req.id, ok: true, result: { PinAcquired: 1 } });
    await expect(pending).resolves.toEqual({ PinAcquired: 1 });
    vm.close();
  });

  it('turns an agent error into a rejected request, the VM staying alive', async () => {
    const { vm, g } = await bootFake();
    const pending = vm.request('nope');
    await tick();
    g.agentSays({ id: g.lastRequest().id, ok: false, error: 'unknown op "nope"' });
    await expect(pending).rejects.toThrow('unknown op "nope"');
    expect(vm.alive).toBe(true);
    vm.close();
  });

  it('fails the request whose answer is not valid JSON, without waiting for a hang', async () => {
    const { vm, g } = await bootFake();
    const pending = vm.request('x');
    await tick();
    g.channel.push(`{"id":${g.lastRequest().id},"ok":false,"error":"bad "quote""}\n`);
    await expect(pending).rejects.toThrow(/not JSON/);
    expect(vm.alive).toBe(true);
    vm.close();
  });

  it('detects a kernel panic on the console and fails pending requests with the console tail', async () => {
    const { vm, g } = await bootFake();
    const pending = vm.request('fork_race', {}, 5);
    await tick();
    g.consoleSays('[   12.0] BUG: kernel NULL pointer dereference');
    g.consoleSays('[   12.1] Kernel panic - not syncing: Fatal exception');
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmFault);
    expect((err as VmFault).kind).toBe('panic');
    expect((err as VmFault).consoleTail.join('\n')).toContain('NULL pointer dereference');
    expect(g.killed).toBe(true);
    expect(vm.alive).toBe(false);
    await expect(vm.request('ping')).rejects.toBeInstanceOf(VmFault);
  });

  it('detects an agent crash from the init script mark', async () => {
    const { vm, g } = await bootFake();
    const pending = vm.request('ping');
    await tick();
    g.consoleSays('pinlab-agent exited with status 139');
    await expect(pending).rejects.toMatchObject({ kind: 'agent-crash' });
    expect(vm.alive).toBe(false);
  });

  it('declares the guest hung when a request is not answered in time', async () => {
    const { vm, g } = await bootFake({ hangMarginMs: 30 });
    const pending = vm.request('fault', { kind: 'hang' }, 0);
    await expect(pending).rejects.toMatchObject({ kind: 'hung' });
    expect(g.killed).toBe(true);
  });

  it('reports a boot timeout and QEMU exiting early', async () => {
    const g = new FakeGuest();
    await expect(Vm.boot(() => g.process(), { bootTimeoutMs: 30 })).rejects.toMatchObject({
      kind: 'boot-timeout',
    });
    const g2 = new FakeGuest();
    const p = Vm.boot(() => g2.process());
    await tick();
    g2.consoleSays('[qemu] qemu: could not open kernel file');
    g2.exit(1);
    const err = (await p.catch((e: unknown) => e)) as VmFault;
    expect(err.kind).toBe('qemu-exit');
    expect(err.message).toContain('could not open kernel file');
  });

  it('fails boot with the agent setup error', async () => {
    const g = new FakeGuest();
    const p = Vm.boot(() => g.process());
    await tick();
    g.agentSays({
      event: 'setup-failed',
      release: '6.1.0',
      error: 'DM_TABLE_LOAD delay: No such device',
    });
    await expect(p).rejects.toMatchObject({ kind: 'agent-setup' });
  });
});

describe('KernelSession', () => {
  it('runs the requests after a fault in a fresh VM', async () => {
    const guests: FakeGuest[] = [];
    const launcher = () => {
      const g = new FakeGuest();
      guests.push(g);
      setTimeout(
        () => g.agentSays({ event: 'ready', release: `boot-${guests.length}`, delayMs: 1 }),
        2,
      );
      return g.process();
    };
    const s = new KernelSession('fake', launcher);
    const first = s.request('fork_race');
    await tick(20);
    guests[0]?.consoleSays('Kernel panic - not syncing: test');
    await expect(first).rejects.toMatchObject({ kind: 'panic' });
    const second = s.request('ping');
    await tick(20);
    expect(guests).toHaveLength(2);
    const g2 = guests[1] as FakeGuest;
    g2.agentSays({ id: g2.lastRequest().id, ok: true, result: {} });
    await expect(second).resolves.toEqual({});
    expect(s.stats.boots).toBe(2);
    expect(s.stats.faults.map((f) => f.kind)).toEqual(['panic']);
    await s.close();
  });

  it('runs exclusive requests alone', async () => {
    const g = new FakeGuest();
    const s = new KernelSession('fake', () => {
      setTimeout(() => g.agentSays({ event: 'ready', release: 'x', delayMs: 1 }), 2);
      return g.process();
    });
    const a = s.request('fork_race');
    await tick(20);
    const b = s.exclusive('dio');
    await tick(10);
    expect(g.fromHost.map((l) => JSON.parse(l).op)).toEqual(['fork_race']);
    g.agentSays({ id: 1, ok: true, result: {} });
    await a;
    await tick(10);
    expect(g.fromHost.map((l) => JSON.parse(l).op)).toEqual(['fork_race', 'dio']);
    g.agentSays({ id: 2, ok: true, result: { PinAcquired: 0 } });
    await expect(b).resolves.toEqual({ PinAcquired: 0 });
    await s.close();
  });
});

describe('KernelSession ordering and reboots', () => {
  function readyLauncher(guests: FakeGuest[]) {
    return () => {
      const g = new FakeGuest();
      guests.push(g);
      setTimeout(() => g.agentSays({ event: 'ready', release: 'x', delayMs: 1 }), 2);
      return g.process();
    };
  }
  const ops = (g: FakeGuest | undefined) => (g?.fromHost ?? []).map((l) => JSON.parse(l).op);

  it('a request made while an exclusive one is queued waits until that one is answered', async () => {
    const guests: FakeGuest[] = [];
    const s = new KernelSession('fake', readyLauncher(guests));
    await s.boot();
    const g = guests[0] as FakeGuest;
    const a = s.request('a');
    await tick(10);
    const ex = s.exclusive('pins');
    const b = s.request('b');
    await tick(10);
    expect(ops(g)).toEqual(['a']);
    g.agentSays({ id: g.lastRequest().id, ok: true, result: {} });
    await a;
    await tick(10);
    // The exclusive request goes alone; the later ordinary one is not sent beside it.
    expect(ops(g)).toEqual(['a', 'pins']);
    g.agentSays({ id: g.lastRequest().id, ok: true, result: {} });
    await ex;
    await tick(10);
    expect(ops(g)).toEqual(['a', 'pins', 'b']);
    g.agentSays({ id: g.lastRequest().id, ok: true, result: {} });
    await b;
    await s.close();
  });

  it('requests that find the VM dead together boot one fresh VM, not one each', async () => {
    const guests: FakeGuest[] = [];
    const s = new KernelSession('fake', readyLauncher(guests));
    await s.boot();
    const dying = s.request('x');
    await tick(10);
    guests[0]?.consoleSays('Kernel panic - not syncing: test');
    await expect(dying).rejects.toMatchObject({ kind: 'panic' });
    const all = [s.request('p1'), s.request('p2'), s.request('p3')];
    await tick(30);
    expect(guests).toHaveLength(2);
    const g2 = guests[1] as FakeGuest;
    for (const l of g2.fromHost) g2.agentSays({ id: JSON.parse(l).id, ok: true, result: {} });
    await Promise.all(all);
    expect(s.stats.boots).toBe(2);
    await s.close();
  });
});

describe('console classification', () => {
  it('recognises panics and agent exits, ignores the rest', () => {
    expect(classifyConsoleLine('[ 1.0] Kernel panic - not syncing: VFS')?.kind).toBe('panic');
    expect(classifyConsoleLine('pinlab-agent exited with status 1')?.kind).toBe('agent-crash');
    expect(classifyConsoleLine('[ 1.0] loop: module loaded')).toBeNull();
  });
});
