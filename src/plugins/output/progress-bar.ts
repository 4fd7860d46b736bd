/** ANSI escape sequences: colours and cursor moves (CSI), window titles and links (OSC), and lone escapes. */
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.indexOf('\u001b') === -1 ? text : text.replace(ANSI, '');
}

/** Where a progress bar stands: `n` of `total` (items, batches, bytes). */
export interface BarPosition {
  n: number;
  total: number;
}

const SCALED = '(\\d+(?:\\.\\d+)?)([kMGT]?)';
/** tqdm: ` 45%|####5     | 45/100 [00:01<00:01, 30.00it/s]` (and its ascii and `rich` variants). */
const TQDM = new RegExp(`\\d+%\\|[^|]*\\|\\s*${SCALED}/${SCALED}(?:\\s|$)`);
/** Keras: `10/32 [=====>....] - ETA: 1s - loss: 0.41`, `10/32 ━━━━━━━━ 1s 10ms/step`. */
const KERAS = /^\s*(\d+)\/(\d+) (?:\[[=>.]*\]|[━─╸╺]+)/;
/** pip and rich: `━━━━━━━━━━━━━━━━━━━━ 1.2/5.0 MB 3.1 MB/s eta 0:00:02`. */
const RICH = new RegExp(`^\\s*[━─╸╺]+\\s+${SCALED}/${SCALED}\\s`);

const SCALE: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** The position a progress bar's line shows, or null when the line is not a bar that says one. */
export function barPosition(line: string): BarPosition | null {
  const keras = KERAS.exec(line);
  if (keras) return position(Number(keras[1]), Number(keras[2]));
  const match = TQDM.exec(line) ?? RICH.exec(line);
  if (!match) return null;
  return position(Number(match[1]) * SCALE[match[2]!]!, Number(match[3]) * SCALE[match[4]!]!);
}

function position(n: number, total: number): BarPosition | null {
  return Number.isFinite(n) && Number.isFinite(total) && total > 0 && n >= 0 && n <= total ? { n, total } : null;
}
