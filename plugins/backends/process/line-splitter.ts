import { StringDecoder } from 'node:string_decoder';

const MAX_LINE = 64 * 1024;

/** Splits a byte stream into lines; a line longer than 64 KiB is cut, never buffered without bound. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  push(chunk: Buffer): string[] {
    const text = this.pending + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    if (this.pending.length > MAX_LINE) {
      lines.push(this.pending.slice(0, MAX_LINE));
      this.pending = '';
    }
    return lines.map(stripCarriageReturn);
  }

  end(): string[] {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return rest ? [stripCarriageReturn(rest)] : [];
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
