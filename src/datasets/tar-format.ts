/**
 * Just enough of the ustar format to stream a directory as an archive with a Content-Length known in
 * advance: regular files only, a GNU long-name record for paths that do not fit the header.
 */
export interface TarFile {
  /** Path inside the archive, '/'-separated. */
  path: string;
  size: number;
  mtimeMs: number;
}

const BLOCK = 512;

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The header blocks of one file (one, or three with a long-name record). */
export function tarHeaderBlocks(file: TarFile): Buffer {
  const name = Buffer.from(file.path, 'utf8');
  const split = splitUstarName(file.path);
  if (split) return header(split.name, split.prefix, file.size, file.mtimeMs, '0');
  const longName = Buffer.concat([name, Buffer.alloc(1)]);
  const record = header('././@LongLink', '', longName.length, 0, 'L');
  return Buffer.concat([record, longName, Buffer.alloc(padding(longName.length)), header(file.path.slice(0, 99), '', file.size, file.mtimeMs, '0')]);
}

/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(BLOCK * 2);

export function tarArchiveSize(files: readonly TarFile[]): number {
  return files.reduce((total, file) => total + tarHeaderBlocks(file).length + file.size + padding(file.size), 0) + TAR_END.length;
}

function splitUstarName(path: string): { name: string; prefix: string } | null {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  return null;
}

function header(name: string, prefix: string, size: number, mtimeMs: number, type: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(0o644, 8), 100, 'latin1');
  block.write(octal(0, 8), 108, 'latin1');
  block.write(octal(0, 8), 116, 'latin1');
  if (size < 8 ** 11) {
    block.write(octal(size, 12), 124, 'latin1');
  } else {
    // base-256 for 8 GiB and more
    block[124] = 0x80;
    let value = size;
    for (let index = 135; index > 124; index--) {
      block[index] = value % 256;
      value = Math.floor(value / 256);
    }
  }
  block.write(octal(Math.floor(mtimeMs / 1000), 12), 136, 'latin1');
  block.write('        ', 148, 'latin1');
  block.write(type, 156, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148, 'latin1');
  return block;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A number field of a tar header: octal text, or GNU's base-256 (high bit of the first byte set) for 8 GiB and more. */
export function tarNumber(field: Buffer): number {
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (let index = 1; index < field.length; index++) value = value * 256 + field[index]!;
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text ? parseInt(text, 8) : 0;
}
