import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';
import { CliError, type Command, EXIT } from '../src/command.ts';
import { bufferIO } from '../src/io.ts';

function fakeCommands(calls: unknown[]): Command[] {
  const mk = (name: string, extra: Partial<Command> = {}): Command => ({
    name,
    summary: `does ${name}`,
    options: {
      json: { type: 'boolean', description: 'JSON out' },
      seed: { type: 'string', valueName: 'n', description: 'seed' },
      kernels: { type: 'string', multiple: true, description: 'kernels' },
    },
    async run(args) {
      calls.push({ name, ...args });
      return EXIT.ok;
    },
    ...extra,
  });
  return [
    mk('check'),
    mk('kernel fetch'),
    mk('kernel list'),
    mk('boom', {
      async run() {
        throw new TypeError('x is undefined');
      },
    }),
    mk('refuse', {
      async run() {
        throw new CliError('unknown spec Nope', EXIT.usage);
      },
    }),
    mk('nokernel', {
      async run() {
        throw new CliError('kernel 6.1 missing: run pinlab kernel fetch 6.1', EXIT.missing);
      },
    }),
  ];
}

describe('runCli dispatch', () => {
  it('dispatches single and multi-word commands with parsed options', async () => {
    const calls: unknown[] = [];
    const io = bufferIO('/tmp');
    expect(
      await runCli(['check', 'PinUnpin', '--json', '--seed', '3'], io, fakeCommands(calls)),
    ).toBe(0);
    expect(
      await runCli(
        ['kernel', 'fetch', '6.1', '--kernels', 'a', '--kernels=b'],
        io,
        fakeCommands(calls),
      ),
    ).toBe(0);
    expect(calls).toEqual([
      { name: 'check', positionals: ['PinUnpin'], options: { json: true, seed: '3' } },
      { name: 'kernel fetch', positionals: ['6.1'], options: { kernels: ['a', 'b'] } },
    ]);
  });

  it('prints generated help for a command, with options and exit codes', async () => {
    const io = bufferIO('/tmp');
    expect(await runCli(['kernel', 'fetch', '--help'], io, fakeCommands([]))).toBe(0);
    const text = io.out.join('');
    expect(text).toContain('Usage: pinlab kernel fetch [options]');
    expect(text).toContain('--seed <n>');
    expect(text).toContain('Exit codes:');
    expect(text).toContain('3  a tool or kernel is missing');
  });

  it("lists a group's subcommands on `pinlab kernel --help`, and fails without a subcommand", async () => {
    const io = bufferIO('/tmp');
    expect(await runCli(['kernel', '--help'], io, fakeCommands([]))).toBe(0);
    expect(io.out.join('')).toMatch(/kernel fetch[\s\S]*kernel list/);
    const io2 = bufferIO('/tmp');
    expect(await runCli(['kernel'], io2, fakeCommands([]))).toBe(EXIT.usage);
    expect(io2.err.join('')).toContain("'pinlab kernel' needs a subcommand");
    const io3 = bufferIO('/tmp');
    expect(await runCli(['kernel', 'frobnicate'], io3, fakeCommands([]))).toBe(EXIT.usage);
    expect(io3.err.join('')).toContain("unknown command 'pinlab kernel frobnicate'");
  });

  it('rejects unknown commands and options with exit 2 and a message naming them', async () => {
    const io = bufferIO('/tmp');
    expect(await runCli(['chek'], io, fakeCommands([]))).toBe(EXIT.usage);
    expect(io.err.join('')).toContain("unknown command 'chek' (did you mean: check?)");
    const io2 = bufferIO('/tmp');
    expect(await runCli(['check', '--frob'], io2, fakeCommands([]))).toBe(EXIT.usage);
    expect(io2.err.join('')).toContain("unknown option '--frob' for 'pinlab check'");
    const io3 = bufferIO('/tmp');
    expect(await runCli(['check', '--seed'], io3, fakeCommands([]))).toBe(EXIT.usage);
    expect(io3.err.join('')).toContain("bad arguments for 'pinlab check'");
  });

  it('maps CliError to its code and other throws to exit 4 with a hint', async () => {
    const io = bufferIO('/tmp', {});
    expect(await runCli(['refuse'], io, fakeCommands([]))).toBe(EXIT.usage);
    expect(io.err.join('')).toBe('pinlab: unknown spec Nope\n');
    const io2 = bufferIO('/tmp', {});
    expect(await runCli(['nokernel'], io2, fakeCommands([]))).toBe(EXIT.missing);
    const io3 = bufferIO('/tmp', {});
    expect(await runCli(['boom'], io3, fakeCommands([]))).toBe(EXIT.internal);
    expect(io3.err.join('')).toContain('internal error: x is undefined');
    expect(io3.err.join('')).toContain('PINLAB_DEBUG=1');
  });

  it('prints the version and the overview', async () => {
    const io = bufferIO('/tmp');
    expect(await runCli(['--version'], io, fakeCommands([]))).toBe(0);
    expect(io.out.join('')).toMatch(/^\d+\.\d+\.\d+\n$/);
    const io2 = bufferIO('/tmp');
    expect(await runCli([], io2, fakeCommands([]))).toBe(EXIT.usage);
    expect(io2.err.join('')).toContain('Commands:');
  });
});
