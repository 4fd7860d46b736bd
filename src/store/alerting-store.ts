import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { AlertRecord, AlertRuleRecord, NotificationRecord, SilenceRecord } from '../domain/alerting.js';
import { AppError, ErrorCode } from '../errors.js';

export interface AlertingData {
  version: 1;
  rules: AlertRuleRecord[];
  alerts: AlertRecord[];
  silences: SilenceRecord[];
  notifications: NotificationRecord[];
}

/** Keeps at most this many notifications and resolved alerts: the oldest go first. */
const KEEP = 5000;

/**
 * Rules, alerts, silences and the notification inbox, in their own lowdb document (`alerting.json`):
 * they change on their own rhythm, and a write here never rewrites the runs. Callers mutate the
 * records they get, then call `save()`.
 */
export class AlertingStore {
  private constructor(private readonly db: Low<AlertingData>) {}

  static async open(path: string): Promise<AlertingStore> {
    await mkdir(dirname(path), { recursive: true });
    const db = new Low<AlertingData>(new JSONFile<AlertingData>(path), { version: 1, rules: [], alerts: [], silences: [], notifications: [] });
    try {
      await db.read();
    } catch (error) {
      throw new AppError(ErrorCode.Config, `Cannot read ${path}: ${(error as Error).message}`);
    }
    if (db.data?.version !== 1) throw new AppError(ErrorCode.Config, `${path} is not a trainer alerting document (version 1).`);
    return new AlertingStore(db);
  }

  get data(): AlertingData {
    return this.db.data;
  }

  async save(): Promise<void> {
    const { data } = this.db;
    if (data.notifications.length > KEEP) data.notifications.splice(0, data.notifications.length - KEEP);
    const resolved = data.alerts.filter((alert) => alert.status === 'resolved');
    if (resolved.length > KEEP) {
      const drop = new Set(resolved.slice(0, resolved.length - KEEP));
      data.alerts = data.alerts.filter((alert) => !drop.has(alert));
    }
    await this.db.write();
  }
}
