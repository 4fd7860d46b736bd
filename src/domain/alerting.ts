/** The one severity scale of everything that leaves the agent, lowest first; `info` is for what is no problem. */
export const SEVERITY_SCALE = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type OutboundSeverity = (typeof SEVERITY_SCALE)[number];
/** What an alert rule may say: the scale above `info`. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly OutboundSeverity[];
export type Severity = (typeof SEVERITIES)[number];
export const severityAtLeast = (severity: OutboundSeverity, floor: OutboundSeverity): boolean =>
  SEVERITY_SCALE.indexOf(severity) >= SEVERITY_SCALE.indexOf(floor);
/** What an alert rule reports for one thing it watches (a GPU, a run, the machine). */
export interface AlertFinding {
  key: string;
  message: string;
  value?: number | null;
  threshold?: number | null;
  runId?: string | null;
}

export const ALERT_STATUSES = ['active', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** A rule: which rule plugin evaluates it, with what parameters, and how alerts from it behave. */
export interface AlertRuleRecord {
  rule_id: string;
  name: string;
  type: string;
  params: Record<string, unknown>;
  severity: Severity;
  enabled: boolean;
  /** How long the condition must hold before an alert fires (as Prometheus' `for`). */
  for_seconds: number;
  /** How often an unacknowledged alert is sent again while it lasts. */
  repeat_interval_seconds: number;
  source: 'config' | 'api';
  created_at: string;
}

export interface AlertRecord {
  alert_id: string;
  rule_id: string;
  rule_name: string;
  /** What the alert is about within its rule: `gpu:1`, `run:sess_…`, `system`. */
  key: string;
  severity: Severity;
  message: string;
  value: number | null;
  threshold: number | null;
  run_id: string | null;
  status: AlertStatus;
  triggered_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  notes: string | null;
  resolved_at: string | null;
  last_notified_at: string | null;
  notifications_sent: number;
}

export interface SilenceRecord {
  silence_id: string;
  rule_id: string | null;
  run_id: string | null;
  until: string;
  reason: string | null;
  created_by: string | null;
  created_at: string;
}

export const NOTIFICATION_TYPES = ['training', 'alert', 'system'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export const NOTIFICATION_PRIORITIES = ['low', 'medium', 'high'] as const;
export type NotificationPriority = (typeof NOTIFICATION_PRIORITIES)[number];

export interface NotificationRecord {
  id: string;
  type: NotificationType;
  priority: NotificationPriority;
  message: string;
  data: Record<string, unknown>;
  read: boolean;
  created_at: string;
}

export const priorityOfSeverity = (severity: OutboundSeverity): NotificationPriority =>
  severity === 'critical' || severity === 'high' ? 'high' : severity === 'medium' ? 'medium' : 'low';

export function isSilenced(silences: readonly SilenceRecord[], alert: Pick<AlertRecord, 'rule_id' | 'run_id'>, now: Date): boolean {
  return silences.some(
    (silence) =>
      Date.parse(silence.until) > now.getTime() && (silence.rule_id === alert.rule_id || (silence.run_id !== null && silence.run_id === alert.run_id)),
  );
}
