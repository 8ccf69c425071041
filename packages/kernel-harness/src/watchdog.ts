// What the console says about the guest's health. The VM lifecycle (vm.ts) feeds every console
// line here and turns a verdict into a VmFault carrying the console tail.

export type FaultKind =
  | 'panic'
  | 'agent-crash'
  | 'agent-setup'
  | 'hung'
  | 'qemu-exit'
  | 'boot-timeout';

export class VmFault extends Error {
  constructor(
    readonly kind: FaultKind,
    message: string,
    readonly consoleTail: string[],
  ) {
    super(`${message}\n--- console tail ---\n${consoleTail.join('\n')}`);
    this.name = 'VmFault';
  }
}

/** Recognises a dead guest from one console line; null when the line is harmless. */
export function classifyConsoleLine(line: string): { kind: FaultKind; message: string } | null {
  if (/Kernel panic - not syncing/.test(line))
    return { kind: 'panic', message: `kernel panic: ${line.trim()}` };
  const exit = /pinlab-agent exited with status (\d+)/.exec(line);
  if (exit !== null)
    return { kind: 'agent-crash', message: `the guest agent exited (status ${exit[1]})` };
  return null;
}

/** The last `size` console lines, for fault reports. */
export class ConsoleTail {
  private lines: string[] = [];
  constructor(private readonly size = 40) {}
  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }
  get(): string[] {
    return [...this.lines];
  }
}
