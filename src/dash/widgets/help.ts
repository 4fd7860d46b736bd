import { escapeTags, tag, type PanelView } from '../text.js';

/** The keys, as the `?` overlay lists them (and the README repeats them). */
export const KEYS: [string, string][] = [
  ['↑ ↓  j k', 'select a run (PgUp PgDn g G: by page, first, last; the mouse: click a row, wheel)'],
  ['Enter', "the selected run's details"],
  ['s', 'start a run: pick a recipe, then edit its parameters as key=value pairs'],
  ['x', 'stop the selected run (cancels it if queued), after a y/n confirmation'],
  ['l', 'the selected run’s log, full screen, following new lines (f toggles following)'],
  ['f', 'filter the runs by state (all, active, running, queued, …)'],
  ['?', 'this help'],
  ['Esc  q', 'close an overlay'],
  ['q  Ctrl-C', 'quit (the terminal is restored)'],
];

const NOTES = [
  'Runs, metrics and logs come live from the agent’s event streams; GPUs and alerts are read every 1–2 s.',
  'If the agent goes away the status line says so, and the dashboard reconnects by itself.',
];

/**
 * The help overlay for an inside of `size`: descriptions wrap under themselves beside the keys; when
 * that is too tall the notes go, then descriptions keep one line each (cut with …).
 */
export function helpView(size: { width: number; height: number } = { width: 106, height: 40 }): PanelView {
  const keyWidth = Math.max(...KEYS.map(([key]) => key.length)) + 2;
  const textWidth = Math.max(10, size.width - keyWidth);
  const rows = (wrapped: boolean) =>
    KEYS.flatMap(([key, what]) => {
      const parts = wrapped ? wrapWords(what, textWidth) : [what];
      return parts.map((part, index) => `${tag('cyan-fg', (index === 0 ? key : '').padEnd(keyWidth))}${escapeTags(part)}`);
    });
  const head = [tag('bold', 'Keys'), ''];
  const foot = ['', tag('gray-fg', 'Any key closes this help.')];
  const notes = ['', ...NOTES.flatMap((note) => wrapWords(note, size.width)).map(escapeTags)];
  for (const candidate of [
    [...head, ...rows(true), ...notes, ...foot],
    [...head, ...rows(true), ...foot],
    [...head, ...rows(false), ...foot],
    [...rows(false), ...foot.slice(1)],
  ]) {
    if (candidate.length <= size.height) return { label: ' trainer dash · help ', lines: candidate };
  }
  return { label: ' trainer dash · help ', lines: rows(false) };
}

/** Wraps at spaces to lines of at most `width` (a word longer than that is cut by the box). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
