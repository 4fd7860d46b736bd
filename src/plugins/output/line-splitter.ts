import { StringDecoder } from 'node:string_decoder';
import { stripAnsi } from './progress-bar.js';

const MAX_LINE = 64 * 1024;
/** Ends each piece of a line cut at MAX_LINE but the last, and starts each piece after the first: nothing of the line is lost, and a reader sees where it was cut. */
export const LINE_CUT_MARKER = ' […line continues]';
export const LINE_CONTINUED_MARKER = '[…continued] ';

/**
 * Splits a byte stream into lines; a line longer than 64 KiB becomes several lines of at most 64 KiB,
 * marked where they were cut (never buffered without bound, never a byte lost).
 * Progress bars (tqdm, Keras, pip) redraw one line with `\r`: only its last state becomes a line, and
 * the state drawn most recently, while the bar is still going, is `latestRedraw`. ANSI escape codes
 * (colours, cursor moves) are removed.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private redrawn: string | null = null;
  /** The pending text continues a line already cut. */
  private continued = false;

  push(chunk: Buffer): string[] {
    const text = this.pending + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.pending = this.collapsePending(lines.pop() ?? '');
    const out: string[] = [];
    for (const line of lines) this.cut(lastRedraw(line), true, out);
    // an unfinished line: its whole pieces go now, the rest waits for more
    if (this.pending.length > MAX_LINE) {
      const keep = this.pending.length % MAX_LINE || MAX_LINE;
      this.cut(stripAnsi(this.pending.slice(0, this.pending.length - keep)), false, out);
      this.pending = this.pending.slice(this.pending.length - keep);
    }
    return out;
  }

  end(): string[] {
    const rest = lastRedraw(this.pending + this.decoder.end());
    this.pending = '';
    const out: string[] = [];
    if (rest || this.continued) this.cut(rest, true, out);
    return out;
  }

  /** `text` as pieces of at most MAX_LINE, marked where cut; `finished`: the line ends with it. */
  private cut(text: string, finished: boolean, out: string[]): void {
    let start = 0;
    do {
      let end = Math.min(text.length, start + MAX_LINE);
      // never between the two halves of a surrogate pair
      const code = text.charCodeAt(end - 1);
      if (end < text.length && code >= 0xd800 && code <= 0xdbff) end--;
      const last = finished && end === text.length;
      out.push((this.continued ? LINE_CONTINUED_MARKER : '') + text.slice(start, end) + (last ? '' : LINE_CUT_MARKER));
      this.continued = !last;
      start = end;
    } while (start < text.length);
  }

  /** The last complete redraw of an unfinished bar since the previous call, or null. */
  takeRedraw(): string | null {
    const redrawn = this.redrawn;
    this.redrawn = null;
    return redrawn;
  }

  /** An unfinished line keeps only what follows its last `\r`: the redraws before are superseded. */
  private collapsePending(pending: string): string {
    const cut = pending.lastIndexOf('\r');
    if (cut === -1) return pending;
    this.redrawn = latestRedrawIn(pending) ?? this.redrawn;
    return pending.slice(cut + 1);
  }
}

/** The last complete redraw in an unfinished line (the text between its last two `\r`), or null. */
export function latestRedrawIn(unfinished: string): string | null {
  const cut = unfinished.lastIndexOf('\r');
  if (cut <= 0) return null;
  const previous = unfinished.slice(unfinished.lastIndexOf('\r', cut - 1) + 1, cut);
  return previous.trim() === '' ? null : stripAnsi(previous);
}

/** What a terminal would show of a line redrawn with `\r`: its last non-empty state. */
function lastRedraw(line: string): string {
  let text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.includes('\r')) {
    const segments = text.split('\r');
    let last = segments.length - 1;
    while (last > 0 && segments[last]!.trim() === '') last--;
    text = segments[last]!;
  }
  return stripAnsi(text);
}
