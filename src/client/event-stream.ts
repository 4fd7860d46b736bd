/**
 * A Server-Sent Events client over fetch, for the agent's streams (`/api/v1/sse/…`): it sends the API
 * key as a header, reconnects by itself with `Last-Event-ID` after the agent goes away, and treats a
 * stream that stays silent past the agent's heartbeat as dead (a half-open TCP connection never errors).
 */
export interface SseMessage {
  event: string;
  /** The last event id seen on the stream so far (the one a reconnect resumes from). */
  id: string | undefined;
  data: unknown;
}

export type EventStreamState =
  /** Connecting for the first time, or again after `retryMs`. */
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  /** No answer, an error status or a broken stream: retried after `retryInMs` unless `fatal`. */
  | { state: 'down'; detail: string; status: number; retryInMs: number | null; fatal: boolean }
  | { state: 'closed' };

export interface EventStreamOptions {
  url: string;
  apiKey?: string;
  /** e.g. `/api/v1/sse/events` */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Resume from this event id (sent as `Last-Event-ID`). */
  lastEventId?: string;
  onMessage(message: SseMessage): void;
  onState?(state: EventStreamState): void;
  /**
   * Asked when the agent ended the stream on purpose (a run's stream ends after its final status):
   * true reconnects. Default: reconnect.
   */
  reconnectAfterEnd?(): boolean;
  /** Wait before reconnecting, unless the server sent `retry:` (default 1000 ms, at most 5000). */
  retryMs?: number;
  /** A stream with no bytes for this long is dropped and reopened (default 40 s: the agent beats every 15 s). */
  idleTimeoutMs?: number;
  fetch?: typeof fetch;
}

const MAX_RETRY_MS = 5000;

export class EventStream {
  private controller: AbortController | null = null;
  private closed = false;
  private lastEventId: string | undefined;
  private retryMs: number;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;

  constructor(private readonly options: EventStreamOptions) {
    this.lastEventId = options.lastEventId;
    this.retryMs = options.retryMs ?? 1000;
  }

  /** Opens the stream; reconnects until close(). */
  start(): this {
    void this.loop();
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.controller?.abort();
    this.options.onState?.({ state: 'closed' });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      this.attempt++;
      this.options.onState?.({ state: 'connecting', attempt: this.attempt });
      const outcome = await this.connectOnce();
      if (this.closed) return;
      if (outcome.kind === 'ended' && !(this.options.reconnectAfterEnd?.() ?? true)) {
        this.close();
        return;
      }
      const fatal = outcome.kind === 'failed' && (outcome.status === 401 || outcome.status === 403 || outcome.status === 404);
      // a key that is refused will not be accepted a second later: retry slowly, so the status can say why
      const wait = fatal ? MAX_RETRY_MS * 2 : Math.min(this.retryMs, MAX_RETRY_MS);
      if (outcome.kind === 'failed')
        this.options.onState?.({ state: 'down', detail: outcome.detail, status: outcome.status, retryInMs: outcome.status === 404 ? null : wait, fatal });
      if (outcome.kind === 'failed' && outcome.status === 404) {
        this.close();
        return;
      }
      await new Promise<void>((resolve) => {
        this.timer = setTimeout(resolve, wait);
      });
    }
  }

  private async connectOnce(): Promise<{ kind: 'ended' } | { kind: 'failed'; status: number; detail: string }> {
    const controller = new AbortController();
    this.controller = controller;
    const url = new URL(this.options.url.replace(/\/+$/, '') + this.options.path);
    for (const [key, value] of Object.entries(this.options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (this.lastEventId) headers['last-event-id'] = this.lastEventId;

    const idleMs = this.options.idleTimeoutMs ?? 40_000;
    let idle: NodeJS.Timeout | null = null;
    let idleExpired = false;
    const touch = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => {
        idleExpired = true;
        controller.abort();
      }, idleMs);
    };
    touch();
    try {
      const response = await (this.options.fetch ?? fetch)(url, { headers, signal: controller.signal });
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        let detail = `${response.status} ${response.statusText}`;
        try {
          detail = String((JSON.parse(text) as { detail?: unknown }).detail ?? detail);
        } catch {
          // not JSON
        }
        return { kind: 'failed', status: response.status, detail };
      }
      this.attempt = 0;
      this.options.onState?.({ state: 'open' });
      const parser = new SseParser((field, value) => this.onField(field, value));
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        touch();
        parser.push(decoder.decode(chunk, { stream: true }));
        if (this.closed) break;
      }
      return { kind: 'ended' };
    } catch (error) {
      if (this.closed) return { kind: 'ended' };
      const { name, message, cause } = error as Error & { cause?: { code?: string; message?: string } };
      const detail = idleExpired ? 'the stream went silent' : name === 'AbortError' ? 'aborted' : (cause?.code ?? cause?.message ?? message);
      return { kind: 'failed', status: 0, detail };
    } finally {
      if (idle) clearTimeout(idle);
    }
  }

  private pending: { event: string; data: string[] } = { event: '', data: [] };

  private onField(field: string | null, value: string): void {
    if (field === null) {
      // blank line: dispatch
      const { event, data } = this.pending;
      this.pending = { event: '', data: [] };
      if (data.length === 0) return;
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text
      }
      this.options.onMessage({ event: event || 'message', id: this.lastEventId, data: parsed });
      return;
    }
    if (field === 'event') this.pending.event = value;
    else if (field === 'data') this.pending.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }
}

/** The line format of text/event-stream: calls back with (field, value) per line and (null, '') per blank line. */
export class SseParser {
  private buffer = '';

  constructor(private readonly onLine: (field: string | null, value: string) => void) {}

  push(text: string): void {
    this.buffer += text;
    const newline = /\r\n|\r|\n/g;
    let start = 0;
    let match: RegExpExecArray | null;
    while ((match = newline.exec(this.buffer))) {
      // a \r at the very end may be the first half of \r\n: wait for more
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      this.line(this.buffer.slice(start, match.index));
      start = match.index + match[0].length;
    }
    this.buffer = this.buffer.slice(start);
  }

  private line(line: string): void {
    if (line === '') return this.onLine(null, '');
    if (line.startsWith(':')) return; // comment (the agent's heartbeat)
    const colon = line.indexOf(':');
    if (colon === -1) return this.onLine(line, '');
    const value = line.slice(colon + 1);
    this.onLine(line.slice(0, colon), value.startsWith(' ') ? value.slice(1) : value);
  }
}
