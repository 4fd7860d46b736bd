import { ApiError, unreachable } from './api-error.js';
import { EventStream, type EventStreamOptions } from './event-stream.js';
import { codeOf, downloadFile, uploadFile, type ProgressListener } from './file-transfer.js';

export interface ClientOptions {
  url: string;
  apiKey?: string;
  fetch?: typeof fetch;
  /** How long one request may take before it counts as "agent not reachable" (default 30 s). */
  timeoutMs?: number;
}

export interface ResponseWithHeaders<T> {
  body: T;
  headers: Headers;
}

/**
 * How the client talks to an agent: JSON requests with the key, errors as ApiError (the agent's
 * `detail` and wire code), an unreachable agent as one clear error, streams, uploads and downloads.
 * TrainerClient adds a typed method per route on top.
 */
export class ApiTransport {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async request<T>(
    method: string,
    path: string,
    options: { query?: Record<string, string | number | boolean | undefined>; body?: unknown } = {},
  ): Promise<ResponseWithHeaders<T>> {
    const url = new URL(this.base + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw unreachable(this.base, error);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw unreachable(this.base, error);
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    if (!response.ok) {
      const detail =
        typeof body === 'object' && body !== null && 'detail' in body
          ? String((body as { detail: unknown }).detail)
          : `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, detail, codeOf(body));
    }
    return { body: body as T, headers: response.headers };
  }

  async get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T> {
    return (await this.request<T>('GET', path, { query })).body;
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return (await this.request<T>('POST', path, { body })).body;
  }

  async delete<T>(path: string): Promise<T> {
    return (await this.request<T>('DELETE', path)).body;
  }

  /**
   * A Server-Sent Events stream of this agent (not started: call start()), with this client's URL and
   * key. `/api/v1/sse/events` carries every run's `status` and `metrics` events; `/api/v1/sse/training/{id}`
   * one run's, with its `log`.
   */
  stream(path: string, options: Omit<EventStreamOptions, 'url' | 'apiKey' | 'path' | 'fetch'>): EventStream {
    return new EventStream({ ...options, url: this.base, apiKey: this.options.apiKey, path, fetch: this.options.fetch });
  }

  /** Uploads a file from disk as multipart field `file` (streamed), with text fields. */
  async upload<T>(
    path: string,
    query: Record<string, string | undefined>,
    fields: Record<string, string>,
    filePath: string,
    onProgress: ProgressListener = () => {},
  ): Promise<T> {
    return (await uploadFile(this.target(path, query), filePath, fields, onProgress, (status, detail, code) => new ApiError(status, detail, code))) as T;
  }

  /** Downloads to the path `choose` picks from the agent's suggested name (streamed, complete or not at all). */
  download(
    path: string,
    choose: (suggestedName: string | null) => string | Promise<string>,
    onProgress: ProgressListener = () => {},
  ): Promise<{ path: string; bytes: number }> {
    return downloadFile(this.target(path, {}), choose, onProgress, (status, detail, code) => new ApiError(status, detail, code));
  }

  private target(path: string, query: Record<string, string | undefined>) {
    const url = new URL(this.base + path);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    return { url, apiKey: this.options.apiKey, fetch: this.options.fetch };
  }

  /** The URL this client talks to, for display. */
  get url(): string {
    return this.base;
  }
}
