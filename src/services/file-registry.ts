import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Inspection } from '../datasets/dataset-inspection.js';
import { extensionOf, registryNameProblem, stemOf, versionFileName, type RegistryKind } from '../domain/registry.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { BlobDownload, BlobEntry, BlobStore, TempBlob } from '../store/blob-store.js';
import type { StateStore } from '../store/state-store.js';

export type { BlobDownload } from '../store/blob-store.js';

/** A file part of an upload, as the HTTP layer hands it over: a stream that must be consumed. */
export interface IncomingFile {
  filename: string | null;
  mimeType: string | null;
  stream: Readable;
}

/** Watches an upload's bytes as they stream to disk, then says what the file holds. */
export interface UploadInspector {
  push(chunk: Buffer): void | Promise<void>;
  finish(read: (position: number, length: number) => Promise<Buffer>, size: number): Inspection | Promise<Inspection>;
}

/** What the upload itself established, before the registry adds its own fields. */
export interface UploadedFile {
  name: string;
  file: string;
  size_bytes: number;
  created_at: string;
  sha256: string;
  original_filename: string | null;
  inspection: Inspection | null;
}

/** One upload in progress: the name is held from `reserve` until `release`. */
export interface UploadReservation<R> {
  /** Streams the file part to a temp file (inspecting it on the way); rejects on any problem. */
  receive(file: IncomingFile): Promise<void>;
  /** Puts the received file in place and records it. Call after the whole request was read. */
  commit(fields: Record<string, string>): Promise<R>;
  /** Frees the name and removes the temp file unless committed. Always call it (finally). */
  release(): Promise<void>;
}

export interface RegistryEntry<R> {
  name: string;
  /** Null for a file put in the directory by hand (listed, never inspected). */
  record: R | null;
  /** Null when a record's file has gone missing from the directory. */
  entry: BlobEntry | null;
}

interface BaseRecord {
  name: string;
  file: string;
  sha256: string | null;
}

export interface FileRegistryOptions<R extends BaseRecord> {
  kind: RegistryKind;
  /** 'Model' or 'Dataset', for messages. */
  label: string;
  store: StateStore;
  blobs: BlobStore;
  /** Names that exist without a file (built-in datasets): they can neither be uploaded nor deleted. */
  isBuiltin?: (name: string) => boolean;
  inspectorFor?: (filename: string | null) => UploadInspector | null;
  /**
   * Builds the record of an upload; `previous` is the record it replaces as a new version (its file
   * already moved to the archive), null for a first upload.
   */
  buildRecord(uploaded: UploadedFile, fields: Record<string, string>, previous: R | null): R;
  /** Uploads may replace a record as its new version; the replaced file goes to `archive`. */
  versioning?: {
    archive: BlobStore;
    /** The earlier versions a record keeps (their files are in the archive). */
    previousVersions(record: R): readonly { sha256: string | null; file: string }[];
  };
}

/**
 * What the model and dataset registries share: names, uploads (temp file, inspection, no-clobber
 * rename, then the record), listing (records plus files dropped in the directory by hand), download
 * and delete. Metadata lives in the state document; the bytes in the registry's directory.
 */
export class FileRegistry<R extends BaseRecord> {
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: FileRegistryOptions<R>) {}

  get blobs(): BlobStore {
    return this.options.blobs;
  }

  /** The name, or a 400 that says what is wrong with it. Nothing touches the disk before this. */
  validName(name: unknown, what = 'name'): string {
    if (typeof name !== 'string') throw badRequest(`${this.options.label} ${what} is required`);
    const problem = registryNameProblem(name);
    if (problem) throw badRequest(`Invalid ${this.options.label.toLowerCase()} ${what} '${printable(name)}': ${problem}`);
    return name;
  }

  async list(): Promise<RegistryEntry<R>[]> {
    const { store, kind, blobs } = this.options;
    const entries = await blobs.entries();
    const byFile = new Map(entries.map((entry) => [entry.fileName, entry]));
    const result: RegistryEntry<R>[] = [];
    const names = new Set<string>();
    for (const record of store.registryRecords(kind) as unknown as R[]) {
      const entry = byFile.get(record.file);
      byFile.delete(record.file);
      if (!entry) continue; // its file was removed by hand: not listed, and a delete clears the record
      names.add(record.name);
      result.push({ name: record.name, record, entry });
    }
    for (const entry of byFile.values()) {
      const name = stemOf(entry.fileName);
      // a file being registered right now is listed once its record is written, never half-way
      if (names.has(name) || this.options.isBuiltin?.(name) || this.inFlight.has(name)) continue;
      names.add(name);
      result.push({ name, record: null, entry });
    }
    return result.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async find(name: string): Promise<RegistryEntry<R> | null> {
    const { store, kind, blobs } = this.options;
    const record = store.getRegistryRecord(kind, name) as unknown as R | undefined;
    if (record) return { name, record, entry: await blobs.stat(record.file) };
    const claimed = new Set((store.registryRecords(kind) as unknown as R[]).map((existing) => existing.file));
    const entry = (await blobs.entries()).find((candidate) => !claimed.has(candidate.fileName) && stemOf(candidate.fileName) === name);
    return entry ? { name, record: null, entry } : null;
  }

  /**
   * Holds `name` for an upload: 409 when it exists, is built in, or is being uploaded right now. With
   * `newVersion` (a versioned registry), an existing name is fine: the upload becomes its new version.
   */
  async reserve(name: string, options: { newVersion?: boolean } = {}): Promise<UploadReservation<R>> {
    const { label } = this.options;
    this.validName(name);
    const newVersion = options.newVersion === true && this.options.versioning !== undefined;
    if (this.options.isBuiltin?.(name)) throw conflict(`${label} '${name}' is built in: choose another name`);
    if (this.inFlight.has(name)) throw conflict(`${label} '${name}' is being uploaded right now`);
    this.inFlight.add(name);
    try {
      const found = await this.find(name);
      if (found && !newVersion)
        throw conflict(
          `${label} '${name}' already exists: delete it first, choose another name${this.options.versioning ? ', or upload it as a new version (?new_version=true)' : ''}`,
        );
      if (found && !found.record)
        throw conflict(`${label} '${name}' was put in ${this.options.blobs.dir} by hand and has no versions: delete it first, or choose another name`);
    } catch (error) {
      this.inFlight.delete(name);
      throw error;
    }
    return this.reservation(name, newVersion);
  }

  /** Records a file that is already in place (a run's model), under a name held with `hold`; on a full disk the record is kept in memory and written later. */
  async record(record: R): Promise<void> {
    await this.options.store.saveRegistryRecord(this.options.kind, record as never, 'keep');
  }

  /** Holds a name for work other than an upload; false when it is taken. */
  async hold(name: string): Promise<boolean> {
    if (this.inFlight.has(name)) return false;
    this.inFlight.add(name);
    if (await this.find(name)) {
      this.inFlight.delete(name);
      return false;
    }
    return true;
  }

  unhold(name: string): void {
    this.inFlight.delete(name);
  }

  async openDownload(name: string): Promise<{ download: BlobDownload; found: RegistryEntry<R> }> {
    const { label } = this.options;
    this.validName(name);
    const found = await this.find(name);
    if (!found) throw notFound(`${label} '${name}' not found`);
    const download = found.entry ? await this.options.blobs.openDownload(found.entry.fileName) : null;
    if (!download) throw notFound(`${label} '${name}' is registered, but its file is missing from ${this.options.blobs.dir}`);
    return { download, found };
  }

  async delete(name: string): Promise<void> {
    const { label, store, kind, blobs } = this.options;
    this.validName(name);
    if (this.options.isBuiltin?.(name)) throw conflict(`${label} '${name}' is built in and cannot be deleted`);
    if (this.inFlight.has(name)) throw conflict(`${label} '${name}' is being uploaded right now`);
    const found = await this.find(name);
    if (!found) throw notFound(`${label} '${name}' not found`);
    if (found.entry) await blobs.remove(found.entry.fileName);
    const versioning = this.options.versioning;
    if (found.record && versioning) {
      for (const version of versioning.previousVersions(found.record)) await versioning.archive.remove(version.file);
      if (found.record.sha256) await versioning.archive.remove(versionFileName(name, found.record.sha256, found.record.file));
    }
    if (found.record) await store.deleteRegistryRecord(kind, name);
  }

  /**
   * Moves the current version's file to the archive as `<name>@<sha256><ext>` and returns its record
   * pointing there; 409 when the upload is byte for byte a version the name already has.
   */
  private async archiveCurrent(current: R, uploadedSha: string): Promise<R> {
    const { archive, previousVersions } = this.options.versioning!;
    const sha = current.sha256 ?? (await this.options.blobs.sha256(current.file));
    const known = [sha, ...previousVersions(current).map((version) => version.sha256)];
    if (known.includes(uploadedSha))
      throw conflict(`${this.options.label} '${current.name}' already has this exact file as version ${uploadedSha.slice(0, 12)}`);
    const archived = versionFileName(current.name, sha, current.file);
    // a run may have been given the version's link there already (stablePath): it stays, the file goes
    if (await archive.stat(archived)) await this.options.blobs.remove(current.file);
    else await this.options.blobs.moveTo(current.file, archive, archived);
    return { ...current, sha256: sha, file: archived };
  }

  /**
   * Runs `work` while holding `name` as an upload would (an upload of it waits for, or is refused by,
   * neither: it gets a 409 in that short window); waits up to a minute for an upload in progress.
   */
  async exclusively<T>(name: string, work: () => Promise<T>): Promise<T> {
    for (let waited = 0; this.inFlight.has(name); waited += 50) {
      if (waited >= 60_000) throw conflict(`${this.options.label} '${name}' is being uploaded right now`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.inFlight.add(name);
    try {
      return await work();
    } finally {
      this.inFlight.delete(name);
    }
  }

  private reservation(name: string, newVersion = false): UploadReservation<R> {
    const { blobs, store, kind } = this.options;
    let temp: TempBlob | null = null;
    let received: (Omit<UploadedFile, 'file' | 'created_at'> & { extension: string }) | null = null;
    let committed = false;
    let released = false;
    return {
      receive: async (file) => {
        if (temp) throw badRequest('Send one file per upload');
        temp = await blobs.createTemp();
        const hash = createHash('sha256');
        const inspector = this.options.inspectorFor?.(file.filename) ?? null;
        let size = 0;
        const tap = new Transform({
          highWaterMark: 1024 * 1024,
          transform(chunk: Buffer, _encoding, callback) {
            size += chunk.length;
            hash.update(chunk);
            if (!inspector) return callback(null, chunk);
            let pushed: void | Promise<void>;
            try {
              pushed = inspector.push(chunk);
            } catch (error) {
              return callback(error as Error);
            }
            if (pushed instanceof Promise)
              pushed.then(
                () => callback(null, chunk),
                (error: Error) => callback(error),
              );
            else callback(null, chunk);
          },
        });
        await pipeline(file.stream, tap, temp.stream);
        const current = temp;
        const inspection = inspector ? await inspector.finish((position, length) => current.read(position, length), size) : null;
        received = {
          name,
          size_bytes: size,
          sha256: hash.digest('hex'),
          original_filename: file.filename ? file.filename.split(/[\\/]/).pop()!.slice(0, 256) : null,
          inspection,
          extension: extensionOf(file.filename),
        };
      },
      commit: async (fields) => {
        if (!temp || !received) throw badRequest("The upload has no file: send the file as the multipart field 'file'");
        const { extension, ...rest } = received;
        const fileName = name + extension;
        const current = newVersion ? ((store.getRegistryRecord(kind, name) as unknown as R | undefined) ?? null) : null;
        const previous = current ? await this.archiveCurrent(current, rest.sha256) : null;
        try {
          await temp.commit(fileName);
        } catch (error) {
          if (current && previous) await this.options.versioning!.archive.linkTo(previous.file, blobs, current.file).catch(() => {});
          throw error;
        }
        const record = this.options.buildRecord({ ...rest, file: fileName, created_at: new Date().toISOString() }, fields, previous);
        try {
          await store.saveRegistryRecord(kind, record as never);
        } catch (error) {
          await blobs.remove(fileName).catch(() => {});
          if (current && previous) await this.options.versioning!.archive.linkTo(previous.file, blobs, current.file).catch(() => {});
          throw error;
        }
        committed = true;
        return record;
      },
      release: async () => {
        if (released) return;
        released = true;
        try {
          if (temp && !committed) await temp.discard();
        } finally {
          this.inFlight.delete(name);
        }
      },
    };
  }
}

/** A name as it can be shown in a message: control characters escaped, cut at 64 characters. */
function printable(name: string): string {
  const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  return shown.replace(/[\u0000-\u001f\u007f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
