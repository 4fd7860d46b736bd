import { chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { DeliveryRecord, WebhookRecord } from '../domain/webhooks.js';
import { AppError, ErrorCode } from '../errors.js';

interface WebhookData {
  version: 1;
  webhooks: WebhookRecord[];
  /** The outbox and the delivery history: pending deliveries survive restarts. */
  deliveries: DeliveryRecord[];
}

const KEEP_FINISHED = 10_000;

/** Webhooks (with their signing secrets, hence mode 0600) and their deliveries, in `webhooks.json`. */
export class WebhookStore {
  private constructor(
    private readonly db: Low<WebhookData>,
    private readonly path: string,
  ) {}

  static async open(path: string): Promise<WebhookStore> {
    await mkdir(dirname(path), { recursive: true });
    const db = new Low<WebhookData>(new JSONFile<WebhookData>(path), { version: 1, webhooks: [], deliveries: [] });
    try {
      await db.read();
    } catch (error) {
      throw new AppError(ErrorCode.Config, `Cannot read ${path}: ${(error as Error).message}`);
    }
    if (db.data?.version !== 1) throw new AppError(ErrorCode.Config, `${path} is not a trainer webhook document (version 1).`);
    return new WebhookStore(db, path);
  }

  get data(): WebhookData {
    return this.db.data;
  }

  async save(): Promise<void> {
    const finished = this.db.data.deliveries.filter((delivery) => delivery.status !== 'pending');
    if (finished.length > KEEP_FINISHED) {
      const drop = new Set(finished.slice(0, finished.length - KEEP_FINISHED));
      this.db.data.deliveries = this.db.data.deliveries.filter((delivery) => !drop.has(delivery));
    }
    await this.db.write();
    await chmod(this.path, 0o600);
  }
}
