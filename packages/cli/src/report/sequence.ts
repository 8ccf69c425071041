// A counterexample as an SVG sequence diagram: one lane per process, per page (or physical frame)
// and one for the I/O, one row per step. The actor of a step sends an arrow to the lanes it acts
// on; state changes that belong to a lane (`pte[C][0].frame: 0 -> 1`, `data[1]: <<D1>>`,
// `refs[2]: 1`) are written on that lane, and a change that points a process at another page
// draws a dashed arrow, so a reader follows the parent being moved off the page the DMA later
// fills. Lanes are inferred from the trace (names and shapes, below) unless the result gives them.
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
/** Variables keyed by process (a page table per process, per-mm flags). */
const PROCESS_MAP_VAR =
  /^(pte|ptes|mm|mms|vma|vmas|mapping|mappings|hasPinned|has_pinned|procs?|tasks?)$/i;
/** Sequences indexed by physical frame/page: frame i is element i (TLA+ sequences start at 1). */
const FRAME_ARRAY_VAR =
  /^(refs?|pins?|data|frames?|folios?|pages?|refcount|pincount|mapcount|excl|owner)$/i;
/** Record fields naming a frame/page (a mapping's target, an I/O's buffer). */
const FRAME_FIELD = /^(frame|page|folio|pfn|pg)$/i;
/** The variable holding I/O requests, indexed by an action's `io` parameter. */
const IO_VAR = /^(io|ios|bio|bios|dio|dios|req|reqs|requests)$/i;
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

const frameLane = (n: number) => `frame ${n}`;

function frameCount(cx: Counterexample): number {
  let n = 0;
  for (const step of cx.steps) {
    for (const [name, v] of Object.entries(step.vars)) {
      if (FRAME_ARRAY_VAR.test(name) && Array.isArray(v)) n = Math.max(n, v.length);
    }
  }
  return n;
}

export function inferLanes(cx: Counterexample): Lane[] {
  // Atoms named by actions come first (the actor of the first step leads), then the rest.
  const seen = new Set<string>();
  for (const step of cx.steps) {
    for (const [k, v] of Object.entries(step.action)) if (k !== 'name') atomsOf(v, seen);
  }
  const processKeys = new Set<string>();
  for (const step of cx.steps) {
    for (const [name, v] of Object.entries(step.vars)) {
      atomsOf(v, seen);
      if (PROCESS_MAP_VAR.test(name) && v && typeof v === 'object' && !Array.isArray(v)) {
        for (const k of Object.keys(v)) processKeys.add(k);
      }
    }
  }
  const processes = cx.lanes?.processes ?? [
    ...new Set([...processKeys, ...[...seen].filter((a) => PROCESS_RE.test(a))]),
  ];
  const frames = Array.from({ length: frameCount(cx) }, (_, i) => frameLane(i + 1));
  const pages = cx.lanes?.pages ?? [
    ...frames,
    ...[...seen].filter((a) => PAGE_RE.test(a) && !processes.includes(a)),
  ];
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

/** Leaf paths of a value: `{C: {0: {frame: 1}}}` -> [[['C','0','frame'], 1]]. Arrays index from 1. */
function leaves(
  value: unknown,
  path: string[] = [],
  out: [string[], unknown][] = [],
): [string[], unknown][] {
  if (Array.isArray(value) && value.every((v) => v !== null && typeof v === 'object')) {
    value.forEach((v, i) => {
      leaves(v, [...path, String(i + 1)], out);
    });
  } else if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length
  ) {
    for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  } else out.push([path, value]);
  return out;
}

/** Changed leaves of a variable between two states (whole value for scalars/flat sequences). */
function changedLeaves(
  before: unknown,
  after: unknown,
): { path: string[]; old: unknown; now: unknown }[] {
  const b = new Map(leaves(before).map(([p, v]) => [p.join('\u0000'), v]));
  const a = new Map(leaves(after).map(([p, v]) => [p.join('\u0000'), v]));
  const out: { path: string[]; old: unknown; now: unknown }[] = [];
  for (const key of new Set([...b.keys(), ...a.keys()])) {
    if (JSON.stringify(b.get(key)) !== JSON.stringify(a.get(key))) {
      out.push({ path: key ? key.split('\u0000') : [], old: b.get(key), now: a.get(key) });
    }
  }
  return out;
}

/** One arrow per (from, to, style): several changes along the same mapping read as one. */
function dedupeArrows(arrows: Arrow[]): Arrow[] {
  const seen = new Map<string, Arrow>();
  for (const a of arrows) {
    const key = `${a.from}>${a.to}>${a.dashed}`;
    const known = seen.get(key);
    if (!known) seen.set(key, { ...a });
    else if (a.label && !known.label.split(', ').includes(a.label))
      known.label = known.label ? `${known.label}, ${a.label}` : a.label;
  }
  return [...seen.values()];
}

const MAX_MARKS_PER_LANE = 4;

/** At most MAX_MARKS_PER_LANE lines per lane and step; the rest folded into one (full text on hover). */
function capMarks(marks: LaneMark[]): LaneMark[] {
  const byLane = new Map<number, LaneMark[]>();
  for (const m of marks) byLane.set(m.lane, [...(byLane.get(m.lane) ?? []), m]);
  const out: LaneMark[] = [];
  for (const [lane, list] of byLane) {
    const unique = [...new Map(list.map((m) => [m.text, m])).values()];
    if (unique.length <= MAX_MARKS_PER_LANE) out.push(...unique);
    else {
      out.push(...unique.slice(0, MAX_MARKS_PER_LANE - 1));
      const rest = unique.slice(MAX_MARKS_PER_LANE - 1);
      out.push({ lane, text: `… ${rest.length} more: ${rest.map((m) => m.text).join('; ')}` });
    }
  }
  return out;
}

function buildRows(cx: Counterexample, lanes: Lane[]): Row[] {
  const index = new Map(lanes.map((l, i) => [l.id, i]));
  const ioLane = lanes.findIndex((l) => l.kind === 'io');
  const laneOfFrame = (v: unknown): number | undefined =>
    typeof v === 'number'
      ? index.get(frameLane(v))
      : typeof v === 'string'
        ? index.get(v)
        : undefined;
  const rows: Row[] = [];
  cx.steps.forEach((step: TraceStep, i) => {
    const params = Object.entries(step.action).filter(([k]) => k !== 'name');
    const named = new Set<number>();
    for (const [, v] of params) {
      const at = index.get(String(v));
      if (at !== undefined && lanes[at]!.kind !== 'page') named.add(at);
      else if (at !== undefined) named.add(at);
    }
    const isIo =
      ioLane >= 0 && (IO_RE.test(step.action.name) || params.some(([k]) => IO_VAR.test(k)));
    if (isIo) named.add(ioLane);
    // An I/O parameter (`io=2`) points at a request whose buffer frame the I/O acts on.
    for (const [k, v] of params) {
      if (!IO_VAR.test(k) || typeof v !== 'number') continue;
      for (const [name, value] of Object.entries(step.vars)) {
        if (!IO_VAR.test(name) || !Array.isArray(value)) continue;
        const req = value[v - 1] as Record<string, unknown> | undefined;
        const field = req && Object.keys(req).find((f) => FRAME_FIELD.test(f));
        const lane = field ? laneOfFrame(req[field]) : undefined;
        if (lane !== undefined) named.add(lane);
      }
    }
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
      const flatFrames = FRAME_ARRAY_VAR.test(name) && Array.isArray(value);
      if (flatFrames) {
        const before = Array.isArray(prev[name]) ? (prev[name] as unknown[]) : [];
        (value as unknown[]).forEach((v, f) => {
          if (JSON.stringify(v) === JSON.stringify(before[f])) return;
          const lane = index.get(frameLane(f + 1));
          if (lane !== undefined) marks.push({ lane, text: `${name}: ${showValue(v)}` });
          else notes.push(`${name}[${f + 1}]: ${showValue(before[f])} → ${showValue(v)}`);
        });
        continue;
      }
      for (const change of changedLeaves(prev[name], value)) {
        const where = change.path.length ? `[${change.path.join('][')}]` : '';
        const text = `${name}${where}: ${showValue(change.old)} → ${showValue(change.now)}`;
        const keyLane = change.path
          .map((k) => index.get(k))
          .find((l) => l !== undefined && lanes[l]!.kind !== 'io');
        if (keyLane === undefined) {
          notes.push(text);
          continue;
        }
        const leaf = change.path[change.path.length - 1] ?? '';
        const plainKey = FRAME_FIELD.test(leaf) || change.path.length === 1;
        marks.push({
          lane: keyLane,
          text: `${name}${plainKey ? '' : `.${leaf}`}: ${showValue(change.now)}`,
        });
        const target =
          FRAME_FIELD.test(leaf) || typeof change.now === 'string'
            ? laneOfFrame(change.now)
            : undefined;
        if (target !== undefined && target !== keyLane && lanes[keyLane]!.kind === 'process') {
          arrows.push({ from: keyLane, to: target, label: name, dashed: true });
        }
      }
    }
    rows.push({
      step: i,
      action: i === 0 ? 'Init' : label,
      actor,
      arrows: dedupeArrows(arrows),
      marks: capMarks(marks),
      notes,
    });
  });
  return rows;
}

const LANE_W = 150;
const LEFT = 46;
const TOP = 54;
const LINE = 13;
const NOTE_W = 360;
const DASH_GAP = 9;

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
    const dashed = r.arrows.filter((a) => a.dashed).length;
    return 30 + lines * LINE + Math.max(0, dashed - 1) * DASH_GAP;
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
    let dashedIndex = 0;
    row.arrows.forEach((a) => {
      const ay = a.dashed ? mid + 8 + dashedIndex++ * DASH_GAP : mid + 2;
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
        `<text x="${laneX(m.lane) + 5}" y="${mid + 20 + Math.max(0, dashedIndex - 1) * DASH_GAP + k * LINE}" class="mark"><title>${esc(m.text)}</title>${esc(truncate(m.text, 24))}</text>`,
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
