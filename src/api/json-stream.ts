import { Readable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Raw JSON text, or an array whose elements are serialised a slice at a time (with `map` applied first). */
export type JsonPiece = string | { items: ArrayLike<unknown>; map?: (item: any) => unknown };

/** Elements serialised per slice: a slice is a few milliseconds of work, then the loop serves others. */
const SLICE = 2000;

/** Answers with at least this many elements are streamed; smaller ones are plain bodies (and validated in tests). */
export const STREAM_THRESHOLD = 2000;

/**
 * A large JSON answer as a stream: pieces in order, each array's elements comma-separated and
 * serialised SLICE at a time with a turn of the event loop between slices, so that one answer of
 * 100,000 points never holds the loop (nor builds one giant string) while /health waits.
 */
export function jsonStream(pieces: readonly JsonPiece[]): Readable {
  async function* chunks(): AsyncGenerator<string> {
    for (const piece of pieces) {
      if (typeof piece === 'string') {
        yield piece;
        continue;
      }
      const { items, map } = piece;
      for (let start = 0; start < items.length; start += SLICE) {
        const end = Math.min(items.length, start + SLICE);
        const parts = new Array<string>(end - start);
        for (let index = start; index < end; index++) parts[index - start] = JSON.stringify(map ? map(items[index]) : items[index]) ?? 'null';
        yield (start === 0 ? '' : ',') + parts.join(',');
        await yieldToLoop();
      }
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** A JSON array: plain below STREAM_THRESHOLD elements, streamed above. */
export function jsonArrayBody<T>(items: readonly T[], map: (item: T) => unknown): unknown {
  if (items.length < STREAM_THRESHOLD) return items.map(map);
  return jsonStream(['[', { items, map }, ']']);
}

/** Sets a JSON body, streamed or not; a stream would otherwise go out as application/octet-stream. */
export function setJsonBody(ctx: { body: unknown; type: string }, body: unknown): void {
  ctx.body = body;
  if (body instanceof Readable) ctx.type = 'application/json';
}
