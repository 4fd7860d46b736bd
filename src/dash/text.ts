/**
 * Text helpers shared by the widgets: fixed-width cells, bars, durations and blessed's `{tag}` markup.
 * Widths are counted in characters of the plain text, before any tag is added.
 */

/** Blessed reads `{…}` as markup: user text (run names, log lines) must not be able to write any. */
export function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (brace) => (brace === '{' ? '{open}' : '{close}'));
}

/** Wraps escaped text in a colour (or any blessed style: `bold`, `inverse`…). */
export function tag(style: string | null, text: string): string {
  return style ? `{${style}}${escapeTags(text)}{/${style}}` : escapeTags(text);
}

/** Cuts to `width` with an ellipsis, then pads (to the right, or to the left for numbers). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const cut = text.length > width ? (width === 1 ? '…' : text.slice(0, width - 1) + '…') : text;
  return align === 'left' ? cut.padEnd(width) : cut.padStart(width);
}

/** `████░░░░`: a fraction in 0..1 as a bar of `width` cells; dots when unknown. */
export function bar(fraction: number | null, width: number): string {
  if (width <= 0) return '';
  if (fraction === null || !Number.isFinite(fraction)) return '·'.repeat(width);
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** 0.41234 → 0.4123, 12 → 12, 1234567 → 1.235e+6: enough digits to follow a run in a narrow cell. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  if (Math.abs(value) >= 1e6 || (Math.abs(value) < 1e-3 && value !== 0)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** 45s, 12m03s, 3h07m, 2d04h */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/** ISO time → `HH:MM:SS` in UTC (the agent's clock, whatever the viewer's zone). */
export function clockTime(iso: string | null | undefined): string {
  if (!iso) return '--:--:--';
  const match = /T(\d\d:\d\d:\d\d)/.exec(iso);
  return match ? match[1]! : iso;
}

/** `2025-01-02 03:04:05Z` */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Colour of a run state, as the table and the details show it. */
export function stateColor(state: string): string | null {
  switch (state) {
    case 'running':
      return 'green-fg';
    case 'queued':
      return 'yellow-fg';
    case 'failed':
      return 'red-fg';
    case 'completed':
      return 'cyan-fg';
    case 'stopped':
      return 'magenta-fg';
    case 'cancelled':
      return 'gray-fg';
    default:
      return null;
  }
}

/** Green below `warn`, yellow below `hot`, red above: GPU load and temperature. */
export function levelColor(value: number | null, warn: number, hot: number): string | null {
  if (value === null) return null;
  return value >= hot ? 'red-fg' : value >= warn ? 'yellow-fg' : 'green-fg';
}

/** Wraps plain text to lines of `width` (hard wraps; terminal logs rarely have words worth keeping). */
export function wrap(text: string, width: number): string[] {
  if (width <= 0) return [];
  if (text.length <= width) return [text];
  const lines: string[] = [];
  for (let start = 0; start < text.length; start += width) lines.push(text.slice(start, start + width));
  return lines;
}

/** A panel's content: its border label and its lines (with tags). */
export interface PanelView {
  label: string;
  lines: string[];
}

/** A list's items around the highlighted one, enough to fill `height`, the highlighted one inverse. */
export function listWindow(items: string[], index: number, height: number): string[] {
  const start = Math.max(0, Math.min(index - Math.floor(height / 2), items.length - height));
  return items.slice(start, start + Math.max(1, height)).map((item, offset) => (start + offset === index ? tag('inverse', item) : escapeTags(item)));
}

/** A blessed tag in marked-up text: `{bold}`, `{/red-fg}`, `{/}`; `{open}` and `{close}` are braces. */
const TAG = /\{(\/?)([a-z-]*)\}/y;

/**
 * Cuts marked-up text to `width` visible characters, the last one an ellipsis when anything was cut,
 * then closes every tag: nothing a widget writes can run past its box.
 */
export function clipTagged(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let shown = 0;
  for (let index = 0; index < text.length; ) {
    TAG.lastIndex = index;
    const match = TAG.exec(text);
    if (match) {
      const brace = !match[1] && (match[2] === 'open' || match[2] === 'close');
      if (brace) {
        if (shown === width - 1) break;
        shown++;
      }
      out += match[0];
      index += match[0].length;
      continue;
    }
    if (shown === width - 1) break;
    out += text[index];
    shown++;
    index++;
  }
  return `${out}…{/}`;
}

/** The characters a marked-up line shows. */
export function visibleLength(text: string): number {
  return text.replace(/\{(\/?)([a-z-]*)\}/g, (_, slash: string, name: string) => (!slash && (name === 'open' || name === 'close') ? '.' : '')).length;
}

/** Colour tags (`{red-fg}`, `{/cyan-fg}`, `{blue-bg}`) removed, every other tag kept: for NO_COLOR. */
export function withoutColorTags(text: string): string {
  return text.replace(/\{\/?[a-z]+(?:-[a-z]+)*-(?:fg|bg)\}/g, '');
}

/** A border label cut to fit a box `width` wide (blessed draws it from the second column, padded by spaces). */
export function fitLabel(label: string, width: number): string {
  const room = width - 4;
  if (label.length <= room) return label;
  if (room <= 2) return '';
  return `${label.slice(0, room - 2)}… `;
}
