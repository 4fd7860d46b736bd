/** A typed client of the agent's REST API: the only way the CLI and the dashboard talk to an agent. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  url: string;
  apiKey?: string;
  fetch?: typeof fetch;
}

export interface ResponseWithHeaders<T> {
  body: T;
  headers: Headers;
}

export class TrainerClient {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, options: { query?: Record<string, string | number | boolean | undefined>; body?: unknown } = {}): Promise<ResponseWithHeaders<T>> {
    const url = new URL(this.base + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ApiError(0, `Cannot reach the agent at ${this.base} (${cause}). Is 'trainer agent' running? Set --url or TRAINER_URL.`);
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    if (!response.ok) {
      const detail = typeof body === 'object' && body !== null && 'detail' in body ? String((body as { detail: unknown }).detail) : `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, detail);
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
}
