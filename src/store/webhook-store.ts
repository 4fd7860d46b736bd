import type { DeliveryRecord, WebhookRecord } from '../domain/webhooks.js';
import { JsonDocument, pruneOldest } from './json-document.js';

interface WebhookData {
  version: 1;
  webhooks: WebhookRecord[];
  /** The outbox and the delivery history: pending deliveries survive restarts. */
  deliveries: DeliveryRecord[];
}

const KEEP_FINISHED = 10_000;

/** Webhooks (with their signing secrets, hence mode 0600) and their deliveries, in `webhooks.json`. */
export class WebhookStore {
  private constructor(private readonly document: JsonDocument<WebhookData>) {}

  static async open(path: string): Promise<WebhookStore> {
    return new WebhookStore(await JsonDocument.open<WebhookData>(path, { kind: 'webhook', empty: { version: 1, webhooks: [], deliveries: [] }, secret: true }));
  }

  get data(): WebhookData {
    return this.document.data;
  }

  save(): Promise<void> {
    this.data.deliveries = pruneOldest(this.data.deliveries, (delivery) => delivery.status !== 'pending', KEEP_FINISHED);
    return this.document.save();
  }
}
