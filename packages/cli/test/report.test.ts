import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphFromDot, layeredLayout } from '../src/report/graph.ts';
import { junitXml } from '../src/report/junit.ts';
import { renderReport } from '../src/report/page.ts';
import { inferLanes, sequenceDiagram } from '../src/report/sequence.ts';
import { plainValue } from '../src/report/values.ts';
import { writeReport } from '../src/report/write.ts';
import type { Counterexample } from '../src/results.ts';
import { fixtureResults } from './fixtures/results.ts';

describe('report page', () => {
  it('renders every section, deterministically, with no external reference', () => {
    const html = renderReport(fixtureResults());
    expect(renderReport(fixtureResults())).toBe(html);
    for (const id of [
      'summary',
      'specs',
      'counterexamples',
      'graphs',
      'coverage',
      'scenarios',
      'kernels',
      'bench',
    ]) {
      expect(html).toContain(`<section id="${id}">`);
    }
    expect(html).toContain('FAILED'); // the fixture has a failing config and a failing scenario
    expect(html).toContain('parent loses the data');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain("default-src 'none'");
    // A kernel target's prefix-only passes are counted apart, with the step it could not make.
    expect(html).toContain(
      'title="3: step Extract: the guest cannot call iov_iter_extract_pages">3 over a prefix only</span>',
    );
  });

  it('escapes strings coming from specs and kernels', () => {
    const r = fixtureResults();
    r.checks[0]!.config = '<script>alert(1)</script>';
    expect(renderReport(r)).not.toContain('<script>alert(1)');
  });
});

describe('sequence diagram', () => {
  it('puts processes, pages and the I/O on lanes and shows the parent moving to a new page', () => {
    const cx = fixtureResults().checks[1]!.counterexample!;
    expect(inferLanes(cx).map((l) => `${l.kind}:${l.id}`)).toEqual([
      'process:parent',
      'process:child',
      'page:pg1',
      'page:pg2',
      'io:I/O',
    ]);
    const svg = sequenceDiagram(cx);
    expect(svg).toContain('pte: pg2'); // the COW on the parent's write, on the parent lane
    expect(svg).toContain('data: dio'); // the DMA landing on pg1
    expect(svg).toContain('violates ParentSeesDioData');
    expect(svg.match(/stroke-dasharray="5 3"/g)?.length).toBeGreaterThanOrEqual(2);
  });
});

describe('state graph layout', () => {
  it('layers nodes by BFS depth from the initial state', () => {
    const g = fixtureResults().checks[0]!.graph!;
    const { pos } = layeredLayout(g);
    expect(pos.get('s0')!.layer).toBe(0);
    expect(pos.get('s1')!.layer).toBe(1);
    expect(pos.get('s4')!.layer).toBe(2);
    expect(pos.get('s12')!.layer).toBe(4);
    const seen = new Set([...pos.values()].map((p) => `${p.x},${p.y}`));
    expect(seen.size).toBe(g.nodes.length); // no two nodes on the same spot
  });

  it('parses tla-checker DOT', () => {
    const dot =
      'digraph StateGraph {\n  s0 [label="x=0\\naction=[name |-> \\"Init\\"]", color=red];\n  s1 [label="x=1", style=filled, fillcolor="#ffcccc"];\n  s0 -> s1 [label="Inc", color=red];\n}\n';
    const g = graphFromDot(dot);
    expect(g.nodes).toEqual([
      { id: 's0', label: 'x=0\naction=[name |-> "Init"]', violating: false, init: true },
      { id: 's1', label: 'x=1', violating: true },
    ]);
    expect(g.edges).toEqual([{ from: 's0', to: 's1', action: 'Inc' }]);
  });
});

describe('values', () => {
  it('flattens ITF and tla-checker values', () => {
    expect(plainValue({ '#map': [['p1', { '#bigint': '3' }]] })).toEqual({ p1: 3 });
    expect(plainValue({ __fn: [[{ __model: 'pg1' }, { __tuple: [1, true] }]] })).toEqual({
      pg1: [1, true],
    });
    expect(plainValue({ '#set': ['a'] })).toEqual(['a']);
  });
});

describe('junit', () => {
  it('reports failures, passes and not-applicable scenarios as skipped', () => {
    const xml = junitXml(fixtureResults());
    expect(xml).toMatch(/^<\?xml/);
    expect(xml).toContain('<testcase name="PinUnpin_KvecOffset0"');
    expect(xml).toContain('failure message="expected violates Offset0InPage, got ok"');
    expect(xml).toContain(
      '<testsuite name="scenarios reference / linux-6.12" tests="1" failures="1"',
    );
    expect(xml).toContain('ForkRace: 4 not applicable');
    expect(xml).toContain(
      '<skipped message="4: target qemu:6.1 cannot realise ForkRace action Vmsplice"/>',
    );
    expect(xml).toContain('<testcase name="IterCursor: 5/5 passed (3 over a prefix only)"');
    expect(xml).toContain('3: step Extract: the guest cannot call iov_iter_extract_pages');
    expect(xml).toContain('<testcase name="ForkRace: 8/8 passed"');
  });
});

describe('writeReport', () => {
  it('replaces the folder whole and leaves no temp folder behind', () => {
    const root = mkdtempSync(join(tmpdir(), 'pinlab-report-'));
    try {
      const dir = join(root, 'pinlab-report');
      writeReport(fixtureResults(), dir);
      writeFileSync(join(dir, 'leftover.txt'), 'x');
      const files = writeReport(fixtureResults(), dir);
      expect(existsSync(join(dir, 'leftover.txt'))).toBe(false);
      expect(readFileSync(files.html, 'utf8')).toContain('<section id="kernels">');
      expect(JSON.parse(readFileSync(files.results, 'utf8')).schema).toBe(1);
      expect(readFileSync(files.junit, 'utf8')).toContain('<testsuites');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("sequence diagram on frame-indexed traces (the ForkRace spec's shape)", () => {
  const st = (pte: [number, number], refs: number[], data: string[][], io: [number, string][]) => ({
    pte: {
      C: { '0': { frame: pte[0], write: false } },
      P: { '0': { frame: pte[1], write: true } },
    },
    refs,
    data,
    io: io.map(([frame, st]) => ({ frame, st })),
  });
  const cx: Counterexample = {
    invariant: 'ParentSeesDioData',
    steps: [
      {
        action: { name: 'Init' },
        vars: st(
          [0, 1],
          [0, 0, 0],
          [[], [], []],
          [
            [0, 'IDLE'],
            [0, 'IDLE'],
          ],
        ),
      },
      {
        action: { name: 'DioSubmit', io: 1, vpage: 0 },
        vars: st(
          [0, 1],
          [1, 0, 0],
          [[], [], []],
          [
            [1, 'INFLIGHT'],
            [0, 'IDLE'],
          ],
        ),
      },
      {
        action: { name: 'Fork' },
        vars: st(
          [1, 1],
          [1, 0, 0],
          [[], [], []],
          [
            [1, 'INFLIGHT'],
            [0, 'IDLE'],
          ],
        ),
      },
      {
        action: { name: 'DioSubmit', io: 2, vpage: 0 },
        vars: st(
          [1, 2],
          [1, 1, 0],
          [[], [], []],
          [
            [1, 'INFLIGHT'],
            [2, 'INFLIGHT'],
          ],
        ),
      },
      {
        action: { name: 'IoComplete', io: 1 },
        vars: st(
          [1, 2],
          [0, 1, 0],
          [['D1'], [], []],
          [
            [1, 'DONE'],
            [2, 'INFLIGHT'],
          ],
        ),
      },
    ],
  };

  it('draws process lanes from the page table, frame lanes from the frame arrays', () => {
    expect(inferLanes(cx).map((l) => l.id)).toEqual([
      'C',
      'P',
      'frame 1',
      'frame 2',
      'frame 3',
      'I/O',
    ]);
    const svg = sequenceDiagram(cx);
    // The DMA lands in frame 1 while the parent maps frame 2: both are on the picture.
    expect(svg).toContain('data: &lt;&lt;D1&gt;&gt;');
    expect(svg).toContain('pte: 2');
    expect(svg).toContain('pte: 1');
    expect(svg.match(/stroke-dasharray="5 3"/g)?.length).toBe(2); // C -> frame 1, P -> frame 2
  });
});
