import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Bytes moved so far, and the total when it is known. */
export type ProgressListener = (done: number, total: number | null) => void;

export interface TransferTarget {
  url: URL;
  apiKey?: string;
  fetch?: typeof fetch;
}

/** What went wrong, as the client reports it: the HTTP status (0: no answer) and the agent's `detail`. */
/** Makes the error for a refused transfer; `code` is the answer's wire code (null without one). */
export type TransferFailure = (status: number, detail: string, code: string | null) => Error;

/**
 * POSTs a file as multipart/form-data (field `file`, plus text fields), streamed from disk: the
 * body is never held in memory, and `onProgress` sees the file's bytes as they are sent.
 */
export async function uploadFile(
  target: TransferTarget,
  filePath: string,
  fields: Record<string, string>,
  onProgress: ProgressListener,
  fail: TransferFailure,
): Promise<unknown> {
  const size = (await stat(filePath)).size;
  const boundary = `----trainer${randomBytes(12).toString('hex')}`;
  const head = Object.entries(fields)
    .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`)
    .join('');
  const fileHead = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(basename(filePath))}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const length = Buffer.byteLength(head) + Buffer.byteLength(fileHead) + size + Buffer.byteLength(tail);
  async function* body(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(head + fileHead);
    let sent = 0;
    onProgress(0, size);
    for await (const chunk of createReadStream(filePath, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      sent += chunk.length;
      yield chunk;
      onProgress(sent, size);
    }
    yield Buffer.from(tail);
  }
  const init = {
    method: 'POST',
    headers: {
      ...authorization(target),
      accept: 'application/json',
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(length),
    },
    body: Readable.toWeb(Readable.from(body())) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit;
  const response = await send(target, init, fail);
  const text = await response.text();
  const parsed = parseJson(text);
  if (!response.ok) throw fail(response.status, detailOf(parsed, response), codeOf(parsed));
  return parsed;
}

/**
 * GETs a file and saves it where `choose` says (given the agent's suggested file name): streamed to a
 * temp file beside it, renamed when complete, so that an interrupted download never leaves a partial
 * file under the final name.
 */
export async function downloadFile(
  target: TransferTarget,
  choose: (suggestedName: string | null) => string | Promise<string>,
  onProgress: ProgressListener,
  fail: TransferFailure,
): Promise<{ path: string; bytes: number }> {
  const response = await send(target, { method: 'GET', headers: authorization(target) }, fail);
  if (!response.ok) {
    const body = parseJson(await response.text());
    throw fail(response.status, detailOf(body, response), codeOf(body));
  }
  const suggested = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? null;
  let path: string;
  try {
    path = await choose(suggested ? basename(suggested) : null);
  } catch (error) {
    await response.body?.cancel().catch(() => {});
    throw error;
  }
  const declared = Number(response.headers.get('content-length'));
  const total = response.headers.get('content-length') && Number.isFinite(declared) ? declared : null;
  return { path, bytes: await saveBody(response, path, total, onProgress) };
}

async function saveBody(response: Response, destination: string, total: number | null, onProgress: ProgressListener): Promise<number> {
  const temp = join(dirname(destination), `.${basename(destination)}.part-${randomBytes(4).toString('hex')}`);
  let received = 0;
  onProgress(0, total);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      onProgress(received, total);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), counter, createWriteStream(temp, { flags: 'wx' }));
    if (total !== null && received !== total) throw new Error(`the download ended after ${received} of ${total} bytes`);
    await rename(temp, destination);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return received;
}

async function send(target: TransferTarget, init: RequestInit, fail: TransferFailure): Promise<Response> {
  try {
    return await (target.fetch ?? fetch)(target.url, init);
  } catch (error) {
    const { message, cause } = error as Error & { cause?: { code?: string; message?: string } };
    throw fail(
      0,
      `Cannot reach the agent at ${target.url.origin} (${cause?.code ?? cause?.message ?? message}). Is 'trainer agent' running there? Point at it with --url or TRAINER_URL.`,
      null,
    );
  }
}

function authorization(target: TransferTarget): Record<string, string> {
  return target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {};
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

function detailOf(body: unknown, response: Response): string {
  return typeof body === 'object' && body !== null && 'detail' in body
    ? String((body as { detail: unknown }).detail)
    : `${response.status} ${response.statusText}`;
}

/** The wire code of an error body (`{"detail", "code"}`), or null. */
export function codeOf(body: unknown): string | null {
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string' ? (body as { code: string }).code : null;
}

/** A header parameter value: quotes and line breaks cannot end it early. */
function quoted(value: string): string {
  return value.replace(/["\r\n\\]/g, '_');
}
