import { EventEmitter } from 'node:events';
import type { AlertRecord, NotificationRecord } from '../domain/alerting.js';
import type { Run } from '../domain/run.js';
import type { LogRecord, MetricRecord } from '../domain/run-records.js';

/** Byte range of the run file that the records came from: a stream resumes at `end`. */
export interface RecordRange {
  start: number;
  end: number;
}

export interface AgentEvents {
  'run.created': { run: Run };
  'run.queued': { run: Run };
  'run.started': { run: Run };
  'run.finished': { run: Run };
  'run.cancelled': { run: Run };
  'run.metrics': { runId: string; records: MetricRecord[]; range: RecordRange };
  'run.log': { runId: string; records: LogRecord[]; range: RecordRange };
  'alert.triggered': { alert: AlertRecord; silenced: boolean };
  'alert.resolved': { alert: AlertRecord; silenced: boolean };
  'alert.acknowledged': { alert: AlertRecord };
  'notification.created': { notification: NotificationRecord };
}
export type AgentEventName = keyof AgentEvents;

/**
 * In-process, typed publish/subscribe. A listener that throws is reported, never breaks the publisher.
 * A `scope()` shares the bus but keeps its own subscriptions, so that a component's are all released
 * at once when it closes.
 */
export class EventBus {
  private readonly emitter: EventEmitter;
  private readonly subscriptions = new Set<() => void>();

  constructor(
    private readonly onListenerError: (event: string, error: unknown) => void = () => {},
    shared?: EventEmitter,
  ) {
    this.emitter = shared ?? new EventEmitter({ captureRejections: false });
    this.emitter.setMaxListeners(0);
  }

  on<E extends AgentEventName>(event: E, listener: (payload: AgentEvents[E]) => void | Promise<void>): () => void {
    const wrapped = (payload: AgentEvents[E]) => {
      try {
        const result = listener(payload);
        if (result instanceof Promise) result.catch((error) => this.onListenerError(event, error));
      } catch (error) {
        this.onListenerError(event, error);
      }
    };
    this.emitter.on(event, wrapped);
    const unsubscribe = () => {
      this.emitter.off(event, wrapped);
      this.subscriptions.delete(unsubscribe);
    };
    this.subscriptions.add(unsubscribe);
    return unsubscribe;
  }

  emit<E extends AgentEventName>(event: E, payload: AgentEvents[E]): void {
    this.emitter.emit(event, payload);
  }

  /** The same bus, with subscriptions of its own that `release()` ends together. */
  scope(): EventBus {
    return new EventBus(this.onListenerError, this.emitter);
  }

  /** Ends every subscription made through this bus (or scope). */
  release(): void {
    for (const unsubscribe of [...this.subscriptions]) unsubscribe();
  }

  /** Listeners on the whole bus, every scope's included. */
  listenerCount(): number {
    return this.emitter.eventNames().reduce((count, event) => count + this.emitter.listenerCount(event), 0);
  }
}
