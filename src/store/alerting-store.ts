import type { AlertRecord, AlertRuleRecord, NotificationRecord, SilenceRecord } from '../domain/alerting.js';
import { JsonDocument, pruneOldest } from './json-document.js';

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
  private constructor(private readonly document: JsonDocument<AlertingData>) {}

  static async open(path: string): Promise<AlertingStore> {
    return new AlertingStore(
      await JsonDocument.open<AlertingData>(path, { kind: 'alerting', empty: { version: 1, rules: [], alerts: [], silences: [], notifications: [] } }),
    );
  }

  get data(): AlertingData {
    return this.document.data;
  }

  save(): Promise<void> {
    const { data } = this;
    if (data.notifications.length > KEEP) data.notifications.splice(0, data.notifications.length - KEEP);
    data.alerts = pruneOldest(data.alerts, (alert) => alert.status === 'resolved', KEEP);
    return this.document.save();
  }
}
