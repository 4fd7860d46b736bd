/** Where a progress bar draws: a terminal (isTTY), usually stderr. */
export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressBar {
  update(done: number, total: number | null): void;
  /** Draws the final state and ends the line (only if anything was drawn). */
  finish(): void;
}

const REDRAW_MS = 100;
const NO_BAR: ProgressBar = { update: () => {}, finish: () => {} };

/**
 * A one-line transfer progress bar, redrawn in place at most 10 times a second. Only on a terminal
 * and without --json: piped or scripted output stays clean.
 */
export function progressBar(label: string, output: ProgressOutput, enabled: boolean, now: () => number = Date.now): ProgressBar {
  if (!enabled || !output.isTTY) return NO_BAR;
  let lastDraw = -Infinity;
  let drawn = false;
  let state: { done: number; total: number | null } = { done: 0, total: null };
  const draw = () => {
    output.write(`\r${renderProgress(label, state.done, state.total, output.columns || 80)}`);
    drawn = true;
    lastDraw = now();
  };
  return {
    update(done, total) {
      state = { done, total };
      if (now() - lastDraw >= REDRAW_MS) draw();
    },
    finish() {
      if (!drawn) return;
      draw();
      output.write('\n');
    },
  };
}

/** `label [#########.........]  45%  12.3/27.0 MiB`, fitted to `columns`. */
export function renderProgress(label: string, done: number, total: number | null, columns: number): string {
  const size = total === null ? `${mib(done)} MiB` : `${mib(done)}/${mib(total)} MiB`;
  if (total === null || total === 0) return `${label}  ${size}`.slice(0, columns - 1);
  const fraction = Math.min(1, done / total);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const room = Math.max(10, Math.min(40, columns - 1 - label.length - percent.length - size.length - 8));
  const filled = Math.round(fraction * room);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(room - filled)}] ${percent}  ${size}`.slice(0, columns - 1);
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/**
 * One line redrawn in place on a terminal (carriage return, erase to the end of the line), cut to the
 * terminal's width so that it never wraps; `end()` leaves it on screen and moves to the next line.
 */
export interface LiveLine {
  draw(text: string): void;
  end(): void;
}

export function liveLine(output: ProgressOutput): LiveLine {
  let drawn = false;
  return {
    draw(text) {
      const width = Math.max(10, (output.columns || 80) - 1);
      output.write(`\r\x1b[K${[...text].slice(0, width).join('')}`);
      drawn = true;
    },
    end() {
      if (drawn) output.write('\n');
      drawn = false;
    },
  };
}

/** `sess_… running [########........]  45%  epoch 9/20  loss 0.31`: a run's progress in one line. */
export function runProgressText(id: string, state: string, fraction: number | null, detail: string): string {
  if (fraction === null) return `${id} ${state}  ${detail}`.trimEnd();
  const room = 20;
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * room);
  return `${id} ${state} [${'#'.repeat(filled)}${'.'.repeat(room - filled)}] ${`${Math.floor(fraction * 100)}%`.padStart(4)}  ${detail}`.trimEnd();
}
