import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { padding, TAR_END, tarArchiveSize, tarHeaderBlocks, type TarFile } from '../datasets/tar-format.js';
import { AppError, ErrorCode } from '../errors.js';

export interface BlobEntry {
  fileName: string;
  path: string;
  size: number;
  isDirectory: boolean;
  createdAt: string;
}

export interface BlobDownload {
  stream: Readable;
  size: number;
  /** What the client's copy should be called: the file, or `<dir>.tar` for a directory. */
  downloadName: string;
  contentType: string;
}

/** A file being received: bytes go to a hidden temp file beside its final place, renamed on success. */
export interface TempBlob {
  readonly path: string;
  readonly stream: WriteStream;
  /** Reads back part of what was written (after the stream finished): zip inspection reads the end. */
  read(position: number, length: number): Promise<Buffer>;
  /** Moves the temp file to `fileName`, never over an existing entry (409 when one is there). */
  commit(fileName: string): Promise<BlobEntry>;
  /** Removes the temp file; safe to call at any point, and again. */
  discard(): Promise<void>;
}

const TEMP_PREFIXES = ['.upload-', '.import-'];

/**
 * One registry's directory (models or datasets). The only code that writes there: uploads land in
 * `.upload-<random>` and are linked into place only when complete, so a cut-off upload never shows
 * up as an entry; leftovers of a crash are swept at start-up. Every name is checked to be a plain
 * file name inside the directory, whatever the caller validated before.
 */
export class BlobStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Creates the directory and removes temp files that a crash (or kill -9) left behind. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const entry of await readdir(this.dir)) {
      if (TEMP_PREFIXES.some((prefix) => entry.startsWith(prefix))) await rm(join(this.dir, entry), { recursive: true, force: true });
    }
  }

  pathOf(fileName: string): string {
    if (
      !fileName ||
      fileName === '.' ||
      fileName === '..' ||
      fileName.includes('/') ||
      fileName.includes('\\') ||
      fileName.includes('\0') ||
      basename(fileName) !== fileName
    ) {
      throw new AppError(ErrorCode.BadRequest, `'${fileName.slice(0, 64)}' is not a plain file name`);
    }
    const path = join(this.dir, fileName);
    if (resolve(path, '..') !== this.dir) throw new AppError(ErrorCode.BadRequest, `'${fileName.slice(0, 64)}' is not a plain file name`);
    return path;
  }

  /** Entries of the directory, hidden ones (temp files) left out. */
  async entries(): Promise<BlobEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: BlobEntry[] = [];
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const entry = await this.stat(name);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  async stat(fileName: string): Promise<BlobEntry | null> {
    const path = this.pathOf(fileName);
    const info = await stat(path).catch(() => null);
    if (!info || !(info.isFile() || info.isDirectory())) return null;
    const size = info.isDirectory() ? (await treeFiles(path)).reduce((total, file) => total + file.size, 0) : info.size;
    const born = info.birthtimeMs > 0 ? info.birthtime : info.mtime;
    return { fileName, path, size, isDirectory: info.isDirectory(), createdAt: born.toISOString() };
  }

  async createTemp(): Promise<TempBlob> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `.upload-${randomBytes(8).toString('hex')}`);
    const stream = createWriteStream(path, { flags: 'wx', mode: 0o644 });
    await new Promise<void>((resolveOpen, reject) => {
      stream.once('open', () => resolveOpen());
      stream.once('error', reject);
    });
    let gone = false;
    const store = this;
    return {
      path,
      stream,
      async read(position, length) {
        const handle = await open(path, 'r');
        try {
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, position);
          return buffer.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
      },
      async commit(fileName) {
        const target = store.pathOf(fileName);
        await placeWithoutOverwrite(path, target, fileName);
        gone = true;
        return (await store.stat(fileName))!;
      },
      async discard() {
        if (!stream.closed) {
          stream.destroy();
          await new Promise<void>((resolveClose) => (stream.closed ? resolveClose() : stream.once('close', () => resolveClose())));
        }
        if (gone) return;
        gone = true;
        await rm(path, { force: true });
      },
    };
  }

  /**
   * Brings a file or directory from elsewhere (a run's output) in as `fileName`: hard links where the
   * file system allows (no copy of a large model), copies otherwise; complete or not at all.
   */
  async importFrom(source: string, fileName: string, options: { copy?: boolean } = {}): Promise<BlobEntry> {
    const target = this.pathOf(fileName);
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `.import-${randomBytes(8).toString('hex')}`);
    try {
      const info = await lstat(source);
      if (info.isDirectory()) {
        for (const file of await treeFiles(source)) {
          const destination = join(temp, ...file.path.split('/'));
          await mkdir(resolve(destination, '..'), { recursive: true });
          if (options.copy) await copyFile(join(source, ...file.path.split('/')), destination, fsConstants.COPYFILE_FICLONE);
          else await linkOrCopy(join(source, ...file.path.split('/')), destination);
        }
        await mkdir(temp, { recursive: true });
      } else if (info.isFile()) {
        // a copy when the source may be rewritten in place (a run's last.pt): a link would change with it
        if (options.copy) await copyFile(source, temp, fsConstants.COPYFILE_FICLONE);
        else await linkOrCopy(source, temp);
      } else {
        throw new AppError(ErrorCode.BadRequest, `${source} is neither a file nor a directory`);
      }
      await placeWithoutOverwrite(temp, target, fileName);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    return (await this.stat(fileName))!;
  }

  /** Moves one of this store's files into `target` as `targetName`, never over an existing entry. */
  async moveTo(fileName: string, target: BlobStore, targetName: string): Promise<void> {
    await mkdir(target.dir, { recursive: true });
    await placeWithoutOverwrite(this.pathOf(fileName), target.pathOf(targetName), targetName);
  }

  /**
   * Links one of this store's files into `target` as `targetName` (a copy where links are not
   * possible); an entry already there is kept as it is.
   */
  async linkTo(fileName: string, target: BlobStore, targetName: string): Promise<void> {
    const destination = target.pathOf(targetName);
    if (await target.stat(targetName)) return;
    await mkdir(target.dir, { recursive: true });
    const temp = join(target.dir, `.import-${randomBytes(8).toString('hex')}`);
    try {
      await linkOrCopy(this.pathOf(fileName), temp);
      await placeWithoutOverwrite(temp, destination, targetName).catch((error) => {
        if (!(error instanceof AppError && error.code === ErrorCode.Conflict)) throw error;
      });
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** SHA-256 of a file, read as a stream. */
  async sha256(fileName: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(this.pathOf(fileName)) as AsyncIterable<Buffer>) hash.update(chunk);
    return hash.digest('hex');
  }

  async remove(fileName: string): Promise<void> {
    await rm(this.pathOf(fileName), { recursive: true, force: true });
  }

  /** A file as it is; a directory as a tar archive built on the fly, its length known in advance. */
  async openDownload(fileName: string): Promise<BlobDownload | null> {
    const path = this.pathOf(fileName);
    const info = await stat(path).catch(() => null);
    if (!info) return null;
    if (info.isFile()) {
      const handle = await open(path, 'r');
      const size = (await handle.stat()).size;
      return {
        stream: createReadStream('', { fd: handle, start: 0, end: Math.max(0, size - 1), autoClose: true }),
        size,
        downloadName: fileName,
        contentType: 'application/octet-stream',
      };
    }
    if (!info.isDirectory()) return null;
    const files = await treeFiles(path);
    return { stream: tarStream(path, files), size: tarArchiveSize(files), downloadName: `${fileName}.tar`, contentType: 'application/x-tar' };
  }
}

/**
 * The real path of `relativePath` under `root`, or null when it does not exist, is not a regular
 * file, or leads outside `root` (through `..` or a symbolic link).
 */
/**
 * A regular file or a directory (a TF.js or Hugging Face checkpoint is a folder) at `relativePath`
 * under `root`, once links are resolved; null when it is neither or lies outside `root`.
 */
export async function entryInside(root: string, relativePath: string): Promise<{ path: string; isDirectory: boolean } | null> {
  const realRoot = await realpath(root).catch(() => null);
  if (!realRoot) return null;
  const real = await realpath(resolve(realRoot, relativePath)).catch(() => null);
  if (!real || !real.startsWith(realRoot + sep)) return null;
  const info = await stat(real).catch(() => null);
  return info?.isFile() || info?.isDirectory() ? { path: real, isDirectory: info.isDirectory() } : null;
}

/** Regular files under a directory, sorted, with '/'-separated relative paths. Links are not followed. */
export async function treeFiles(root: string): Promise<TarFile[]> {
  const files: TarFile[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const info = await stat(path);
        files.push({ path: relative(root, path).split(sep).join('/'), size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  }
  await walk(root);
  return files;
}

/** The files of a run's output directory, two levels deep, for the model registry to choose from. */
export async function listOutputFiles(dir: string): Promise<{ path: string; isDirectory: boolean; size: number }[]> {
  const result: { path: string; isDirectory: boolean; size: number }[] = [];
  const top = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of top.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isFile()) result.push({ path, isDirectory: false, size: (await stat(path)).size });
    else if (entry.isDirectory()) {
      result.push({ path, isDirectory: true, size: 0 });
      for (const inner of (await readdir(path, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (inner.isFile()) result.push({ path: join(path, inner.name), isDirectory: false, size: (await stat(join(path, inner.name))).size });
      }
    }
  }
  return result;
}

async function placeWithoutOverwrite(from: string, to: string, fileName: string): Promise<void> {
  const exists = () => new AppError(ErrorCode.Conflict, `'${fileName}' already exists in ${resolve(to, '..')}`);
  const info = await lstat(from);
  if (info.isFile()) {
    // link() fails with EEXIST instead of replacing: no window in which two uploads both win
    try {
      await link(from, to);
      await unlink(from);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw exists();
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK') throw error;
    }
  }
  if (
    await lstat(to).then(
      () => true,
      () => false,
    )
  )
    throw exists();
  await rename(from, to);
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

function tarStream(root: string, files: readonly TarFile[]): Readable {
  const output = new PassThrough({ highWaterMark: 1024 * 1024 });
  (async () => {
    for (const file of files) {
      await write(output, tarHeaderBlocks(file));
      let sent = 0;
      if (file.size > 0) {
        const source = createReadStream(join(root, ...file.path.split('/')), { start: 0, end: file.size - 1 });
        for await (const chunk of source as AsyncIterable<Buffer>) {
          const part = chunk.subarray(0, Math.max(0, file.size - sent));
          sent += part.length;
          await write(output, part);
        }
      }
      // a file that shrank since it was listed is padded with zeros: the length was promised
      if (sent < file.size) await write(output, Buffer.alloc(file.size - sent));
      await write(output, Buffer.alloc(padding(file.size)));
    }
    await write(output, TAR_END);
    output.end();
  })().catch((error) => output.destroy(error as Error));
  return output;
}

function write(stream: PassThrough, chunk: Buffer): Promise<void> {
  if (stream.destroyed) return Promise.reject(new Error('download closed'));
  if (chunk.length === 0 || stream.write(chunk)) return Promise.resolve();
  return new Promise((resolveDrain, reject) => {
    const onDrain = () => {
      stream.off('close', onClose);
      resolveDrain();
    };
    const onClose = () => {
      stream.off('drain', onDrain);
      reject(new Error('download closed'));
    };
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}
