// A counterexample as an SVG sequence diagram: one lane per process, per page and one for the
// I/O, one row per step. The actor of a step sends an arrow to the lanes its parameters name;
// state changes keyed by a lane (e.g. `pte[parent]: pg1 -> pg2`, `data[pg1]: old -> dio`) are
// drawn on that lane, and a change that points a process at a page draws a dashed arrow, so a
// reader can follow the parent being moved off the page that the DMA later fills.
import type { Counterexample, TraceStep } from '../results.ts';
import { esc, showValue } from './html.ts';

type LaneKind = 'process' | 'page' | 'io';
interface Lane {
  id: string;
  kind: LaneKind;
}

const PROCESS_RE = /^(parent|child|proc(ess)?|task|thread|p)[-_]?\d*$/i;
const PAGE_RE = /^(page|pg|folio|pfn|buf|pipe_buf|bvecq|seg)[-_]?\d*$/i;
const IO_RE = /dio|bio|dma|submit|complete|io_?uring|aio|splice|readahead|endio|extract|truncate/i;
const IO_LANE = 'I/O';

function atomsOf(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') out.add(value);
  else if (Array.isArray(value)) {
    for (const v of value) atomsOf(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      atomsOf(v, out);
    }
  }
}

export function inferLanes(cx: Counterexample): Lane[] {
  // Atoms named by actions come first (the actor of the first step leads), then the rest.
  const seen = new Set<string>();
  for (const step of cx.steps) {
    for (const [k, v] of Object.entries(step.action)) if (k !== 'name') atomsOf(v, seen);
  }
  for (const step of cx.steps) for (const v of Object.values(step.vars)) atomsOf(v, seen);
  const processes = cx.lanes?.processes ?? [...seen].filter((a) => PROCESS_RE.test(a));
  const pages = cx.lanes?.pages ?? [...seen].filter((a) => PAGE_RE.test(a));
  const io = cx.lanes?.io ?? [IO_LANE];
  return [
    ...processes.map((id): Lane => ({ id, kind: 'process' })),
    ...pages.map((id): Lane => ({ id, kind: 'page' })),
    ...io.map((id): Lane => ({ id, kind: 'io' })),
  ];
}

interface LaneMark {
  lane: number;
  text: string;
}
interface Arrow {
  from: number;
  to: number;
  label: string;
  dashed: boolean;
}
interface Row {
  step: number;
  action: string;
  actor: number;
  arrows: Arrow[];
  marks: LaneMark[];
  notes: string[];
}

function changedEntries(
  before: unknown,
  after: unknown,
): { key: string | null; old: unknown; now: unknown }[] {
  const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const b = before as Record<string, unknown>;
    const a = after as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
    return keys
      .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
      .map((k) => ({ key: k, old: b[k], now: a[k] }));
  }
  return JSON.stringify(before) === JSON.stringify(after)
    ? []
    : [{ key: null, old: before, now: after }];
}

function buildRows(cx: Counterexample, lanes: Lane[]): Row[] {
  const index = new Map(lanes.map((l, i) => [l.id, i]));
  const ioLane = lanes.findIndex((l) => l.kind === 'io');
  const rows: Row[] = [];
  cx.steps.forEach((step: TraceStep, i) => {
    const params = Object.entries(step.action).filter(([k]) => k !== 'name');
    const named = new Set<number>();
    for (const [, v] of params) {
      const at = index.get(String(v));
      if (at !== undefined) named.add(at);
    }
    if (ioLane >= 0 && IO_RE.test(step.action.name)) named.add(ioLane);
    const ordered = [...named].sort((a, b) => a - b);
    const actor =
      ordered.find((l) => lanes[l]!.kind === 'process') ??
      (named.has(ioLane) ? ioLane : (ordered[0] ?? 0));
    const label = `${step.action.name}${params.length ? `(${params.map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`;
    const arrows: Arrow[] = ordered
      .filter((l) => l !== actor)
      .map((to, n) => ({ from: actor, to, label: n === 0 ? step.action.name : '', dashed: false }));
    const marks: LaneMark[] = [];
    const notes: string[] = [];
    const prev = i > 0 ? cx.steps[i - 1]!.vars : undefined;
    for (const [name, value] of Object.entries(step.vars)) {
      if (!prev) continue;
      for (const change of changedEntries(prev[name], value)) {
        const keyLane = change.key === null ? undefined : index.get(change.key);
        const text = `${name}${change.key === null ? '' : `[${change.key}]`}: ${showValue(change.old)} → ${showValue(change.now)}`;
        if (keyLane === undefined) {
          notes.push(text);
          continue;
        }
        marks.push({ lane: keyLane, text: `${name}: ${showValue(change.now)}` });
        const target = typeof change.now === 'string' ? index.get(change.now) : undefined;
        if (target !== undefined && target !== keyLane) {
          arrows.push({ from: keyLane, to: target, label: name, dashed: true });
        }
      }
    }
    rows.push({ step: i, action: i === 0 ? 'Init' : label, actor, arrows, marks, notes });
  });
  return rows;
}

const LANE_W = 150;
const LEFT = 46;
const TOP = 54;
const LINE = 13;
const NOTE_W = 360;

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function sequenceDiagram(cx: Counterexample): string {
  const lanes = inferLanes(cx);
  const rows = buildRows(cx, lanes);
  const laneX = (i: number) => LEFT + LANE_W / 2 + i * LANE_W;
  const notesX = LEFT + lanes.length * LANE_W + 10;
  const width = notesX + NOTE_W;
  const heights = rows.map((r) => {
    const perLane = new Map<number, number>();
    for (const m of r.marks) perLane.set(m.lane, (perLane.get(m.lane) ?? 0) + 1);
    const lines = Math.max(1, r.notes.length, ...perLane.values());
    return 30 + lines * LINE;
  });
  const height = TOP + heights.reduce((a, b) => a + b, 0) + 20;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="seq" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="sequence diagram of the counterexample violating ${esc(cx.invariant)}">`,
    '<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>',
    '<marker id="arrd" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#a15c00"/></marker></defs>',
  );
  const laneFill: Record<LaneKind, string> = { process: '#dbe9ff', page: '#fff2cc', io: '#e2f4e2' };
  lanes.forEach((lane, i) => {
    const x = laneX(i);
    parts.push(
      `<line x1="${x}" y1="${TOP - 10}" x2="${x}" y2="${height - 10}" stroke="#bbb" stroke-dasharray="4 3"/>`,
      `<rect x="${x - 60}" y="8" width="120" height="28" rx="5" fill="${laneFill[lane.kind]}" stroke="#777"/>`,
      `<text x="${x}" y="27" text-anchor="middle" class="lane">${esc(truncate(lane.id, 18))}</text>`,
    );
  });
  parts.push(`<text x="${notesX}" y="27" class="lane">other state changes</text>`);
  let y = TOP;
  rows.forEach((row, r) => {
    const h = heights[r]!;
    const last = r === rows.length - 1;
    if (last) {
      parts.push(
        `<rect x="2" y="${y - 4}" width="${width - 4}" height="${h}" fill="#ffe5e5" stroke="#d33" rx="4"/>`,
      );
    } else if (r % 2 === 1) {
      parts.push(`<rect x="2" y="${y - 4}" width="${width - 4}" height="${h}" fill="#f7f7f7"/>`);
    }
    parts.push(`<text x="8" y="${y + 12}" class="stepno">${row.step}</text>`);
    const mid = y + 10;
    const ax = laneX(row.actor);
    if (row.arrows.every((a) => a.dashed)) {
      // No lane named by the action besides the actor: a box on the actor lane.
      const w = Math.min(LANE_W - 6, 8 + row.action.length * 6.2);
      parts.push(
        `<rect x="${ax - w / 2}" y="${mid - 10}" width="${w}" height="18" rx="3" fill="#fff" stroke="#333"/>`,
        `<text x="${ax}" y="${mid + 3}" text-anchor="middle" class="act">${esc(truncate(row.action, 22))}</text>`,
      );
    } else {
      // Label above the span between the actor and the farthest lane it acts on.
      const targets = row.arrows.filter((a) => !a.dashed).map((a) => laneX(a.to));
      const far = targets.reduce((f, x) => (Math.abs(x - ax) > Math.abs(f - ax) ? x : f), ax);
      const chars = Math.max(12, Math.floor(Math.abs(far - ax) / 6.4));
      parts.push(
        `<text x="${(ax + far) / 2}" y="${mid - 3}" text-anchor="middle" class="act"><title>${esc(row.action)}</title>${esc(truncate(row.action, chars))}</text>`,
      );
    }
    row.arrows.forEach((a, n) => {
      const ay = a.dashed ? mid + 8 + n * 3 : mid + 2;
      const x1 = laneX(a.from);
      const x2 = laneX(a.to);
      const dir = x2 > x1 ? 1 : -1;
      parts.push(
        `<line x1="${x1 + 4 * dir}" y1="${ay}" x2="${x2 - 4 * dir}" y2="${ay}" stroke="${a.dashed ? '#a15c00' : '#333'}" stroke-width="1.4"${a.dashed ? ' stroke-dasharray="5 3"' : ''} marker-end="url(#${a.dashed ? 'arrd' : 'arr'})"/>`,
      );
      if (a.dashed && a.label) {
        parts.push(
          `<text x="${(x1 + x2) / 2}" y="${ay - 2}" text-anchor="middle" class="map">${esc(a.label)}</text>`,
        );
      }
    });
    const stacked = new Map<number, number>();
    for (const m of row.marks) {
      const k = stacked.get(m.lane) ?? 0;
      stacked.set(m.lane, k + 1);
      parts.push(
        `<text x="${laneX(m.lane) + 5}" y="${mid + 20 + k * LINE}" class="mark"><title>${esc(m.text)}</title>${esc(truncate(m.text, 24))}</text>`,
      );
    }
    row.notes.forEach((note, k) => {
      parts.push(
        `<text x="${notesX}" y="${mid + 4 + k * LINE}" class="note"><title>${esc(note)}</title>${esc(truncate(note, 58))}</text>`,
      );
    });
    if (last) {
      parts.push(
        `<text x="${width - 10}" y="${y + h - 10}" text-anchor="end" class="viol">violates ${esc(cx.invariant)}</text>`,
      );
    }
    y += h;
  });
  parts.push('</svg>');
  return parts.join('\n');
}
