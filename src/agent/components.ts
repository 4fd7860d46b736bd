import type { Logger } from '../logging/logger.js';

/** One part of the agent: how to close it once everything started after it is closed. */
interface StartedComponent {
  name: string;
  close: () => Promise<void> | void;
}

/**
 * The agent's composition root keeps its parts here. Each part is started by a function that is given
 * what it needs, so what it needs was started before it: the start order is a dependency order, and
 * `close()` closes in exactly the reverse order, so that nothing is closed while a part started after
 * it (and possibly still working with it) is open. A part's close first drains its in-flight work.
 * When a start fails, the parts started so far are closed before the error goes on.
 */
export class ComponentStack {
  private readonly started: StartedComponent[] = [];
  private closing: Promise<void> | null = null;

  constructor(private readonly logger: Logger) {}

  /** Starts one part; `close` (given what `start` returned) runs when the stack closes. */
  async start<T>(name: string, start: () => Promise<T> | T, close?: (part: T) => Promise<void> | void): Promise<T> {
    if (this.closing) throw new Error(`cannot start ${name}: the agent is closing`);
    let part: T;
    try {
      part = await start();
    } catch (error) {
      await this.close();
      throw error;
    }
    if (close) this.started.push({ name, close: () => close(part) });
    return part;
  }

  /** Registers what closes a part that some other step started (a listener, a subscription). */
  add(name: string, close: () => Promise<void> | void): void {
    this.started.push({ name, close });
  }

  /** Names in start order (what `close` undoes in reverse). */
  get names(): string[] {
    return this.started.map((component) => component.name);
  }

  /** Closes every part in reverse start order; a part that fails to close is reported and the rest still close. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const component of [...this.started].reverse()) {
        try {
          await component.close();
        } catch (error) {
          this.logger.error('could not close a part of the agent', { part: component.name, error: (error as Error).message });
        }
      }
      this.started.length = 0;
    })();
    return this.closing;
  }
}
