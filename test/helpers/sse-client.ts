import { checkStreamEvent } from './sse-contract.js';

export interface SseEvent {
  event: string;
  id?: string;
  data: any;
}

/**
 * Connects and resolves once the server has answered 200 (for the all-events stream, from then on every
 * event is delivered); the events then come from the returned generator until the server ends the stream.
 * Each event is checked against the name and data schema its route documents (a mismatch throws).
 */
export async function connectSse(url: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<AsyncGenerator<SseEvent>> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal });
  if (response.status !== 200) throw Object.assign(new Error(`SSE status ${response.status}: ${await response.text()}`), { status: response.status });
  return checked(url, parseEvents(response.body as unknown as AsyncIterable<Uint8Array>));
}

async function* checked(url: string, events: AsyncGenerator<SseEvent>): AsyncGenerator<SseEvent> {
  for await (const event of events) {
    checkStreamEvent(url, event.event, event.data);
    yield event;
  }
}

/** A minimal EventSource-like reader over fetch, for tests: yields parsed events until the server ends. */
export async function* readSse(url: string, headers: Record<string, string> = {}, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  yield* await connectSse(url, headers, signal);
}

async function* parseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let boundary;
    while ((boundary = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const event: Partial<SseEvent> & { lines: string[] } = { lines: [] };
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('id: ')) event.id = line.slice(4);
        else if (line.startsWith('data: ')) event.lines.push(line.slice(6));
      }
      // unnamed events are `message` events to an EventSource
      if (event.lines.length > 0) yield { event: event.event ?? 'message', id: event.id, data: JSON.parse(event.lines.join('\n')) };
    }
  }
}
