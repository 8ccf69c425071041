// Progress bars for long work. Drawn on stderr only when stderr is a TTY, so CI logs and piped
// output stay clean; otherwise every call is a no-op except `done`, which prints nothing either.
import type { CommandIO } from './command.ts';
import { formatDuration } from './format.ts';

export interface Progress {
  /** Sets the number of completed units (and optionally a note, e.g. the current config). */
  update(completed: number, note?: string): void;
  tick(note?: string): void;
  setTotal(total: number): void;
  done(note?: string): void;
}

const WIDTH = 24;
const MIN_REDRAW_MS = 80;

export function createProgress(
  io: CommandIO,
  label: string,
  total = 0,
  now: () => number = Date.now,
): Progress {
  let completed = 0;
  let lastNote = '';
  let lastDraw = 0;
  const started = now();
  if (!io.isTTY) {
    return {
      update: (c) => {
        completed = c;
      },
      tick: () => {
        completed++;
      },
      setTotal: (t) => {
        total = t;
      },
      done: () => {},
    };
  }
  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < MIN_REDRAW_MS) return;
    lastDraw = t;
    let bar: string;
    if (total > 0) {
      const frac = Math.min(1, completed / total);
      const filled = Math.round(frac * WIDTH);
      bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${completed}/${total}`;
    } else {
      bar = `${completed}`;
    }
    const note = lastNote ? ` ${lastNote}` : '';
    io.stderr(`\r\x1b[2K${label} ${bar} ${formatDuration(t - started)}${note}`);
  };
  return {
    update(c, note) {
      completed = c;
      if (note !== undefined) lastNote = note;
      draw(false);
    },
    tick(note) {
      completed++;
      if (note !== undefined) lastNote = note;
      draw(false);
    },
    setTotal(t) {
      total = t;
      draw(false);
    },
    done(note) {
      if (note !== undefined) lastNote = note;
      draw(true);
      io.stderr('\n');
    },
  };
}
