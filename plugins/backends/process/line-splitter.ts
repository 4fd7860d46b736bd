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
    const out = lines.map(lastRedraw);
    if (this.continued && lines.length > 0) {
      out[0] = LINE_CONTINUED_MARKER + out[0];
      this.continued = false;
    }
    while (this.pending.length > MAX_LINE) {
      let cut = MAX_LINE;
      // never between the two halves of a surrogate pair
      const code = this.pending.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
      out.push((this.continued ? LINE_CONTINUED_MARKER : '') + stripAnsi(this.pending.slice(0, cut)) + LINE_CUT_MARKER);
      this.pending = this.pending.slice(cut);
      this.continued = true;
    }
    return out;
  }

  end(): string[] {
    const rest = lastRedraw(this.pending + this.decoder.end());
    this.pending = '';
    const continued = this.continued;
    this.continued = false;
    if (!rest) return continued ? [LINE_CONTINUED_MARKER.trimEnd()] : [];
    return [continued ? LINE_CONTINUED_MARKER + rest : rest];
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
