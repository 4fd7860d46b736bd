import { tarNumber } from './tar-format.js';
import { AppError, ErrorCode } from '../errors.js';

/**
 * Incremental inspectors for uploaded datasets: each is fed the file's bytes chunk by chunk as they
 * stream to disk and keeps only counters and the column names, so a file of any size is inspected in
 * constant memory. A file whose content contradicts its extension is refused (`MalformedDataset`,
 * a 400 naming the line); see README "Models and datasets".
 */
export interface Inspection {
  row_count: number | null;
  column_count: number | null;
  columns: string[] | null;
  file_count: number | null;
  note: string | null;
}

export interface StreamInspector {
  push(chunk: Buffer): void;
  finish(): Inspection;
}

/** Column names are kept up to this many (the count goes on). */
const MAX_COLUMN_NAMES = 10_000;
const MAX_NAME_BYTES = 1024;

export function malformed(format: string, line: number | null, problem: string): AppError {
  return new AppError(ErrorCode.BadRequest, `Malformed ${format}${line === null ? '' : ` at line ${line}`}: ${problem}`);
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * CSV (RFC 4180): the first record is the header; fields may be quoted, with `""` for a quote and
 * line breaks inside quotes; CRLF, LF or CR line ends; blank lines are skipped. Refused: a record
 * whose field count differs from the header's, text after a closing quote, an unterminated quote.
 */
export class CsvInspector implements StreamInspector {
  private line = 1;
  private recordLine = 1;
  private inQuotes = false;
  private afterQuote = false;
  private lastWasCr = false;
  private fieldStart = true;
  private recordStarted = false;
  private fields = 0;
  private header: string[] | null = null;
  private headerFields: Buffer[] = [];
  private headerField: number[] = [];
  private columnCount = 0;
  private rows = 0;
  private first = true;

  constructor(
    private readonly delimiter = 0x2c,
    private readonly format = 'CSV',
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    if (this.first && chunk.length > 0) {
      this.first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) start = 3;
    }
    const collecting = () => this.header === null;
    for (let index = start; index < chunk.length; index++) {
      const byte = chunk[index]!;
      if (this.inQuotes) {
        if (byte === QUOTE) {
          this.inQuotes = false;
          this.afterQuote = true;
          continue;
        }
        if (byte === LF) this.line++;
        if (collecting()) this.collect(byte);
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (byte === QUOTE) {
          this.inQuotes = true;
          if (collecting()) this.collect(QUOTE);
          continue;
        }
        if (byte !== this.delimiter && byte !== LF && byte !== CR) {
          throw malformed(
            this.format,
            this.line,
            `unexpected character '${String.fromCharCode(byte)}' after a closing quote (a quote inside a quoted field is written "")`,
          );
        }
      }
      if (byte === LF) {
        if (this.lastWasCr) {
          this.lastWasCr = false;
        } else {
          this.endRecord();
        }
        this.line++;
        this.recordLine = this.line;
        continue;
      }
      this.lastWasCr = false;
      if (byte === CR) {
        this.endRecord();
        this.lastWasCr = true;
        continue;
      }
      if (!this.recordStarted) {
        this.recordStarted = true;
        this.recordLine = this.line;
      }
      if (byte === this.delimiter) {
        this.fields++;
        this.fieldStart = true;
        if (collecting()) this.endHeaderField();
        continue;
      }
      if (byte === QUOTE && this.fieldStart) {
        this.inQuotes = true;
        this.fieldStart = false;
        continue;
      }
      this.fieldStart = false;
      if (collecting()) this.collect(byte);
    }
  }

  finish(): Inspection {
    if (this.inQuotes) throw malformed(this.format, this.recordLine, 'a quoted field is never closed');
    this.endRecord();
    if (this.header === null) return { row_count: 0, column_count: 0, columns: [], file_count: null, note: 'The file is empty: no header row.' };
    return { row_count: this.rows, column_count: this.columnCount, columns: this.header, file_count: null, note: null };
  }

  private collect(byte: number): void {
    if (this.headerField.length < MAX_NAME_BYTES) this.headerField.push(byte);
  }

  private endHeaderField(): void {
    if (this.headerFields.length < MAX_COLUMN_NAMES) this.headerFields.push(Buffer.from(this.headerField));
    this.headerField = [];
  }

  private endRecord(): void {
    if (!this.recordStarted) return; // a blank line
    const count = this.fields + 1;
    if (this.header === null) {
      this.endHeaderField();
      this.header = this.headerFields.map((field) => field.toString('utf8'));
      this.headerFields = [];
      this.columnCount = count;
    } else {
      if (count !== this.columnCount) throw malformed(this.format, this.recordLine, `expected ${this.columnCount} fields (as in the header), found ${count}`);
      this.rows++;
    }
    this.fields = 0;
    this.fieldStart = true;
    this.recordStarted = false;
  }
}

type Expect = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'commaOrClose' | 'end';

interface Container {
  kind: 'array' | 'object';
  /** Index of the row this container belongs to (depth of rows + 1 only). */
}

const LITERAL = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)$/;

/**
 * JSON (`lines: false`: one value; an array of objects is a table) or JSON Lines (`lines: true`: one
 * value a line). A streaming tokenizer that checks the grammar, counts the records (the array's
 * elements, or the lines) and collects the keys of record objects in order of first appearance.
 */
export class JsonInspector implements StreamInspector {
  private readonly stack: Container[] = [];
  private expect: Expect = 'value';
  private inString = false;
  private stringIsKey = false;
  private escape = false;
  private key: number[] = [];
  private literal: number[] | null = null;
  private line = 1;
  private rows = 0;
  private topKind: 'array' | 'object' | 'scalar' | null = null;
  private readonly keys = new Set<string>();
  private keyCount = 0;
  private firstRowLength: number | null = null;
  private rowIsArray = false;
  private sawValue = false;
  private first = true;
  private readonly format: string;
  /** Depth at which a value is a record: 1 (array elements) for JSON, 0 for JSON Lines. */
  private readonly rowDepth: number;

  constructor(private readonly lines: boolean) {
    this.format = lines ? 'JSON Lines' : 'JSON';
    this.rowDepth = lines ? 0 : 1;
  }

  push(chunk: Buffer): void {
    let start = 0;
    if (this.first && chunk.length > 0) {
      this.first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) start = 3;
    }
    for (let index = start; index < chunk.length; index++) {
      const byte = chunk[index]!;
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
        } else if (byte === 0x5c) {
          this.escape = true;
        } else if (byte === QUOTE) {
          this.inString = false;
          this.endString();
          continue;
        } else if (byte < 0x20) {
          throw malformed(this.format, this.line, 'a control character (such as a line break) inside a string');
        }
        if (this.stringIsKey && this.key.length < MAX_NAME_BYTES) this.key.push(byte);
        continue;
      }
      if (this.literal !== null) {
        if (isLiteralByte(byte)) {
          if (this.literal.length < 1024) this.literal.push(byte);
          continue;
        }
        this.endLiteral();
      }
      this.structural(byte);
    }
  }

  finish(): Inspection {
    if (this.inString) throw malformed(this.format, this.line, 'a string is never closed');
    if (this.literal !== null) this.endLiteral();
    if (this.stack.length > 0)
      throw malformed(
        this.format,
        this.line,
        `the file ends inside ${this.stack.length} unclosed ${this.stack.at(-1)!.kind === 'array' ? 'array' : 'object'}(s)`,
      );
    if (!this.lines && !this.sawValue) throw malformed(this.format, this.line, 'the file holds no JSON value');
    if (!this.lines && this.topKind !== 'array') {
      return {
        row_count: null,
        column_count: null,
        columns: null,
        file_count: null,
        note: `The top-level value is ${this.topKind === 'object' ? 'an object' : 'a scalar'}, not an array of records: rows and columns are not known.`,
      };
    }
    if (this.keys.size > 0 || this.keyCount > 0)
      return { row_count: this.rows, column_count: this.keyCount, columns: [...this.keys], file_count: null, note: null };
    if (this.firstRowLength !== null) return { row_count: this.rows, column_count: this.firstRowLength, columns: null, file_count: null, note: null };
    return { row_count: this.rows, column_count: this.rows === 0 ? 0 : null, columns: this.rows === 0 ? [] : null, file_count: null, note: null };
  }

  private structural(byte: number): void {
    if (byte === LF) {
      this.line++;
      if (this.lines && this.stack.length === 0 && this.expect === 'end') this.expect = 'value';
      return;
    }
    if (byte === 0x20 || byte === 0x09 || byte === CR) return;
    switch (byte) {
      case 0x7b: // {
      case 0x5b: // [
        this.valueStarts(byte === 0x7b ? 'object' : 'array');
        this.stack.push({ kind: byte === 0x7b ? 'object' : 'array' });
        this.expect = byte === 0x7b ? 'keyOrClose' : 'valueOrClose';
        return;
      case 0x7d: // }
      case 0x5d: {
        // ]
        const kind = byte === 0x7d ? 'object' : 'array';
        const top = this.stack.at(-1);
        const canClose = top?.kind === kind && (this.expect === 'commaOrClose' || this.expect === (kind === 'object' ? 'keyOrClose' : 'valueOrClose'));
        if (!canClose) throw malformed(this.format, this.line, `unexpected '${String.fromCharCode(byte)}'`);
        this.stack.pop();
        this.valueEnds();
        return;
      }
      case 0x2c: // ,
        if (this.expect !== 'commaOrClose') throw malformed(this.format, this.line, "unexpected ','");
        this.expect = this.stack.at(-1)!.kind === 'object' ? 'key' : 'value';
        return;
      case 0x3a: // :
        if (this.expect !== 'colon') throw malformed(this.format, this.line, "unexpected ':'");
        this.expect = 'value';
        return;
      case QUOTE:
        if (this.expect === 'key' || this.expect === 'keyOrClose') {
          this.inString = true;
          this.stringIsKey = true;
          this.key = [];
          return;
        }
        this.valueStarts('scalar');
        this.inString = true;
        this.stringIsKey = false;
        return;
      default:
        if (isLiteralByte(byte)) {
          this.valueStarts('scalar');
          this.literal = [byte];
          return;
        }
        throw malformed(this.format, this.line, `unexpected character '${String.fromCharCode(byte)}'`);
    }
  }

  private valueStarts(kind: 'array' | 'object' | 'scalar'): void {
    if (this.expect !== 'value' && this.expect !== 'valueOrClose') {
      const where =
        this.expect === 'end'
          ? this.lines
            ? 'after the record on this line (one JSON value a line)'
            : 'after the end of the top-level value'
          : `where ${this.expect === 'colon' ? "':'" : this.expect === 'commaOrClose' ? "',' or a closing bracket" : 'a key'} was expected`;
      throw malformed(this.format, this.line, `unexpected value ${where}`);
    }
    const depth = this.stack.length;
    if (depth === 0) {
      this.sawValue = true;
      this.topKind = kind;
    }
    if (depth === this.rowDepth && (this.lines || this.topKind === 'array')) {
      this.rows++;
      this.rowIsArray = kind === 'array';
      if (this.rowIsArray && this.rows === 1) this.firstRowLength = 0;
    }
    if (depth === this.rowDepth + 1 && this.rows === 1 && this.rowIsArray && this.stack.at(-1)?.kind === 'array' && this.firstRowLength !== null)
      this.firstRowLength++;
  }

  private valueEnds(): void {
    this.expect = this.stack.length === 0 ? 'end' : 'commaOrClose';
  }

  private endString(): void {
    if (this.stringIsKey) {
      this.expect = 'colon';
      if (this.stack.length === this.rowDepth + 1 && (this.lines || this.topKind === 'array')) {
        let name: string;
        try {
          name = JSON.parse(`"${Buffer.from(this.key).toString('utf8')}"`) as string;
        } catch {
          throw malformed(this.format, this.line, 'a key with an invalid escape sequence');
        }
        if (!this.keys.has(name)) {
          this.keyCount++;
          if (this.keys.size < MAX_COLUMN_NAMES) this.keys.add(name);
        }
      }
      return;
    }
    this.valueEnds();
  }

  private endLiteral(): void {
    const text = Buffer.from(this.literal!).toString('latin1');
    this.literal = null;
    if (text.length < 1024 && !LITERAL.test(text)) throw malformed(this.format, this.line, `'${text.slice(0, 40)}' is not a JSON value`);
    this.valueEnds();
  }
}

function isLiteralByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || byte === 0x2d || byte === 0x2b || byte === 0x2e;
}

/**
 * A tar stream (ustar, GNU and pax): walks the 512-byte headers, skipping the contents, and counts
 * regular files. Refused: a header whose checksum does not match, or an archive cut short.
 */
export class TarInspector implements StreamInspector {
  private readonly header = Buffer.alloc(512);
  private filled = 0;
  private skip = 0;
  private ended = false;
  private zeroBlocks = 0;
  private files = 0;
  private headers = 0;

  constructor(private readonly format = 'tar archive') {}

  push(chunk: Buffer): void {
    let position = 0;
    while (position < chunk.length && !this.ended) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, chunk.length - position);
        this.skip -= take;
        position += take;
        continue;
      }
      const take = Math.min(512 - this.filled, chunk.length - position);
      chunk.copy(this.header, this.filled, position, position + take);
      this.filled += take;
      position += take;
      if (this.filled === 512) {
        this.filled = 0;
        this.readHeader();
      }
    }
  }

  finish(): Inspection {
    if (this.headers === 0 && !this.ended) throw malformed(this.format, null, 'no tar header found');
    if (!this.ended && (this.skip > 0 || this.filled > 0)) throw malformed(this.format, null, 'the archive is cut short');
    return { row_count: null, column_count: null, columns: null, file_count: this.files, note: null };
  }

  private readHeader(): void {
    const block = this.header;
    if (block.every((byte) => byte === 0)) {
      if (++this.zeroBlocks === 2) this.ended = true;
      return;
    }
    this.zeroBlocks = 0;
    let sum = 0;
    for (let index = 0; index < 512; index++) sum += index >= 148 && index < 156 ? 0x20 : block[index]!;
    const recorded = tarNumber(block.subarray(148, 156));
    if (recorded !== sum) throw malformed(this.format, null, `bad header checksum in entry ${this.headers + 1}: not a tar archive, or a corrupt one`);
    this.headers++;
    const size = tarNumber(block.subarray(124, 136));
    const type = block[156]!;
    // '0' or NUL: file; '7': contiguous file; 'S': GNU sparse file
    if (type === 0x30 || type === 0 || type === 0x37 || type === 0x53) this.files++;
    this.skip = Math.ceil(size / 512) * 512;
  }
}

/** Where the central directory of a zip file is, read from its end (zip64 aware). */
export interface ZipDirectory {
  entries: number;
  offset: number;
  size: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;

/**
 * Reads the end of a zip file with `read(position, length)`: the end-of-central-directory record (and
 * zip64's), then counts the central directory's entries that are files (names not ending in `/`).
 * Central directories above `maxDirectoryBytes` are not walked: the entry count is given instead.
 */
export async function inspectZip(
  read: (position: number, length: number) => Promise<Buffer>,
  fileSize: number,
  maxDirectoryBytes = 256 * 1024 * 1024,
): Promise<Inspection> {
  const tailLength = Math.min(fileSize, 22 + 65_535);
  const tail = await read(fileSize - tailLength, tailLength);
  let at = -1;
  for (let index = tail.length - 22; index >= 0; index--) {
    if (tail.readUInt32LE(index) === EOCD) {
      at = index;
      break;
    }
  }
  if (at === -1) throw malformed('zip archive', null, 'no end-of-central-directory record: not a zip file, or a truncated one');
  const directory: ZipDirectory = { entries: tail.readUInt16LE(at + 10), size: tail.readUInt32LE(at + 12), offset: tail.readUInt32LE(at + 16) };
  if (
    (directory.entries === 0xffff || directory.offset === 0xffffffff || directory.size === 0xffffffff) &&
    at >= 20 &&
    tail.readUInt32LE(at - 20) === ZIP64_LOCATOR
  ) {
    const recordOffset = Number(tail.readBigUInt64LE(at - 20 + 8));
    const record = await read(recordOffset, 56);
    if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_EOCD) throw malformed('zip archive', null, 'a zip64 locator points at no zip64 record');
    directory.entries = Number(record.readBigUInt64LE(32));
    directory.size = Number(record.readBigUInt64LE(40));
    directory.offset = Number(record.readBigUInt64LE(48));
  }
  if (directory.offset + directory.size > fileSize) throw malformed('zip archive', null, 'the central directory lies outside the file');
  if (directory.size > maxDirectoryBytes)
    return {
      row_count: null,
      column_count: null,
      columns: null,
      file_count: directory.entries,
      note: 'Counted entries, directories included: the central directory is too large to walk.',
    };
  let files = 0;
  let seen = 0;
  let carry: Buffer = Buffer.alloc(0);
  const chunkSize = 1024 * 1024;
  for (let position = directory.offset; position < directory.offset + directory.size; position += chunkSize) {
    const chunk = await read(position, Math.min(chunkSize, directory.offset + directory.size - position));
    const buffer: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let cursor = 0;
    while (buffer.length - cursor >= 46) {
      if (buffer.readUInt32LE(cursor) !== CENTRAL_HEADER) throw malformed('zip archive', null, `central directory entry ${seen + 1} is damaged`);
      const nameLength = buffer.readUInt16LE(cursor + 28);
      const length = 46 + nameLength + buffer.readUInt16LE(cursor + 30) + buffer.readUInt16LE(cursor + 32);
      if (buffer.length - cursor < length) break;
      const name = buffer.toString('utf8', cursor + 46, cursor + 46 + nameLength);
      if (!name.endsWith('/')) files++;
      seen++;
      cursor += length;
    }
    carry = buffer.subarray(cursor);
  }
  if (seen !== directory.entries && directory.entries !== 0xffff)
    throw malformed('zip archive', null, `the central directory lists ${seen} entries, the end record says ${directory.entries}`);
  return { row_count: null, column_count: null, columns: null, file_count: files, note: null };
}
