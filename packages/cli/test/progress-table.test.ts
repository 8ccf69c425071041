import { describe, expect, it } from 'vitest';
import { parseBenchOutput } from '../src/bench/figures.ts';
import { formatCount, formatDuration } from '../src/format.ts';
import { bufferIO } from '../src/io.ts';
import { createProgress } from '../src/progress.ts';
import { renderTable } from '../src/table.ts';

describe('progress', () => {
  it('draws on a TTY and stays silent otherwise', () => {
    let t = 0;
    const tty = { ...bufferIO('/tmp'), isTTY: true };
    const p = createProgress(tty, 'check', 4, () => {
      t += 100;
      return t;
    });
    p.update(1, 'ForkRace');
    p.done();
    const drawn = tty.err.join('');
    expect(drawn).toContain('check [######------------------] 1/4');
    expect(drawn).toContain('ForkRace');
    expect(drawn.endsWith('\n')).toBe(true);

    const quiet = bufferIO('/tmp');
    const q = createProgress(quiet, 'check', 4);
    q.update(1, 'x');
    q.tick();
    q.done();
    expect(quiet.err).toEqual([]);
    expect(quiet.out).toEqual([]);
  });
});

describe('table and formats', () => {
  it('aligns text left and numbers right', () => {
    expect(
      renderTable(
        ['name', 'n'],
        [
          ['a', 1],
          ['bbb', 100],
        ],
      ),
    ).toBe('name    n\n----  ---\na       1\nbbb   100\n');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(125_000)).toBe('2m05s');
  });
});

describe('bench figures', () => {
  it('reads JSON lines and "name: value unit" lines, ignoring the rest', () => {
    const text = [
      '> @pinlab/reference bench',
      '{"bench": "extract 4 KiB", "value": 1234.5, "unit": "ops/s"}',
      'pin vs get ratio: 1.07 x',
      'scenarios/s: 12,345 per-s',
      'random noise here',
      'iov_iter: extract 4 KiB                        1,234,567 ops/cpu-s      1,100,000 ops/s wall  target 1,000,000: 1.23x',
    ].join('\n');
    expect(parseBenchOutput(text)).toEqual([
      { name: 'extract 4 KiB', value: 1234.5, unit: 'ops/s' },
      { name: 'pin vs get ratio', value: 1.07, unit: 'x' },
      { name: 'scenarios/s', value: 12345, unit: 'per-s' },
      { name: 'iov_iter: extract 4 KiB', value: 1234567, unit: 'ops/cpu-s' },
    ]);
  });
});
