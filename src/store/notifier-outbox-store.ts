import type { NotifierDeliveryRecord } from '../domain/notifier-outbox.js';
import { JsonDocument, pruneOldest } from './json-document.js';

interface OutboxData {
  version: 1;
  /** Pending deliveries (the outbox) and the recent history, oldest first. */
  deliveries: NotifierDeliveryRecord[];
  /** Thread key → where the thread lives on the platform (a Slack ts, a Discord message id). */
  threads: Record<string, string>;
}

const KEEP_FINISHED = 5000;
const KEEP_THREADS = 5000;

/** Notifier deliveries and the threads of runs' messages, in `notifier-outbox.json` (targets may hold webhook URLs: 0600). */
export class NotifierOutboxStore {
  private constructor(private readonly document: JsonDocument<OutboxData>) {}

  static async open(path: string): Promise<NotifierOutboxStore> {
    return new NotifierOutboxStore(
      await JsonDocument.open<OutboxData>(path, { kind: 'notifier outbox', empty: { version: 1, deliveries: [], threads: {} }, secret: true }),
    );
  }

  get data(): OutboxData {
    return this.document.data;
  }

  save(): Promise<void> {
    const { data } = this;
    data.deliveries = pruneOldest(data.deliveries, (delivery) => delivery.status !== 'pending', KEEP_FINISHED);
    const threadKeys = Object.keys(data.threads);
    if (threadKeys.length > KEEP_THREADS) for (const key of threadKeys.slice(0, threadKeys.length - KEEP_THREADS)) delete data.threads[key];
    return this.document.save();
  }
}
