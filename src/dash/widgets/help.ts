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

export function helpView(): PanelView {
  const width = Math.max(...KEYS.map(([key]) => key.length)) + 2;
  const lines = [tag('bold', 'Keys'), '', ...KEYS.map(([key, what]) => `${tag('cyan-fg', key.padEnd(width))}${escapeTags(what)}`)];
  lines.push('', escapeTags('Runs, metrics and logs come live from the agent’s event streams; GPUs and alerts are read every 1–2 s.'), escapeTags('If the agent goes away the status line says so, and the dashboard reconnects by itself.'), '', tag('gray-fg', 'Any key closes this help.'));
  return { label: ' trainer dash · help ', lines };
}
