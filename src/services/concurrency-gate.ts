import { AppError, ErrorCode } from '../errors.js';

/**
 * Runs at most `limit` tasks at once; the others wait their turn, in the order they came, up to
 * `maxWaiting` of them. One more is refused at once (429, `what` says which work) rather than queued
 * without bound: each waiting request holds its connection.
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaiting: number,
    private readonly what: string,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else {
      if (this.waiting.length >= this.maxWaiting)
        throw new AppError(ErrorCode.TooManyRequests, `${this.limit} ${this.what} are running and ${this.maxWaiting} waiting; retry in a few seconds`);
      // the slot is handed over by the task that ends (running stays counted)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }
}
