import type { AlertRecord, AlertRuleRecord, NotificationPriority, NotificationType, OutboundSeverity } from '../domain/alerting.js';
import { priorityOfSeverity } from '../domain/alerting.js';
import type { OutboundAction, OutboxMessage } from '../domain/notifier-outbox.js';
import type { Run, RunAnnouncement } from '../domain/run.js';
import type { MetricRecord } from '../domain/run-records.js';
import type { WebhookEventName } from '../domain/webhooks.js';

/**
 * One event as it leaves the agent, for each kind of receiver it has: the message for people
 * (notifier routes and chat threads), the inbox record (seed 001), the webhook event (seed 001).
 */
export interface OutboundEvent {
  /**
   * The event's identity where it has one that holds across a restart (a run's lifecycle event: the run,
   * the event and when it happened): the outboxes take it once, however often it is announced, and the
   * webhooks send it as their `event_id`.
   */
  id?: string;
  message?: OutboxMessage;
  inbox?: { type: NotificationType; priority: NotificationPriority; text: string; data: Record<string, unknown> };
  webhook?: { event: WebhookEventName; payload: Record<string, unknown> };
}

/** The one place where the agent's run events get their outbound names. */
export function outboundRunEventName(kind: RunAnnouncement, run: Pick<Run, 'state'>): WebhookEventName {
  if (kind === 'run.queued') return 'training_queued';
  if (kind === 'run.started') return 'training_started';
  if (kind === 'run.cancelled') return 'training_cancelled';
  return run.state === 'completed' ? 'training_completed' : run.state === 'stopped' ? 'training_stopped' : 'training_failed';
}

export function fromRunEvent(kind: RunAnnouncement, run: Run): OutboundEvent {
  const event = outboundRunEventName(kind, run);
  const failed = event === 'training_failed';
  const severity: OutboundSeverity = failed ? 'high' : 'info';
  const verb =
    kind === 'run.started'
      ? `started${run.gpu_ids.length ? ` on GPU ${run.gpu_ids.join(',')}` : ''}`
      : failed
        ? `failed: ${run.error_message ?? 'unknown error'}`
        : event.slice('training_'.length);
  const text = `Training session ${run.id} (${run.recipe}) ${verb}`;
  const id = `${event}:${run.id}:${(kind === 'run.queued' ? run.queued_at : kind === 'run.started' ? run.started_at : run.ended_at) ?? ''}`;
  const fields = fieldsOf([
    ['Run', run.id],
    ['Recipe', run.recipe],
    ['State', run.state],
    ['Epoch', run.total_epochs ? `${run.current_epoch ?? 0}/${run.total_epochs}` : null],
    ['GPU', run.gpu_ids.length ? run.gpu_ids.join(', ') : null],
    ['Duration', run.started_at && run.ended_at ? formatDuration(Date.parse(run.ended_at) - Date.parse(run.started_at)) : null],
    ['Error', run.error_message],
  ]);
  const live = kind === 'run.queued' || kind === 'run.started';
  return {
    id,
    message: {
      event,
      severity,
      title: `Run ${run.id} ${run.state}`,
      summary: text,
      fields,
      actions: live ? [stopAction(run.id)] : [],
      runId: run.id,
      key: `${event}:${run.id}`,
    },
    inbox: {
      type: 'training',
      priority: failed ? 'high' : kind === 'run.finished' ? 'medium' : 'low',
      text,
      data: {
        event,
        event_id: id,
        severity,
        session_id: run.id,
        recipe: run.recipe,
        state: run.state,
        gpu_ids: run.gpu_ids,
        current_epoch: run.current_epoch,
        total_epochs: run.total_epochs,
        started_at: run.started_at,
        ended_at: run.ended_at,
        error_message: run.error_message,
      },
    },
    webhook: {
      event,
      payload: {
        session_id: run.id,
        recipe: run.recipe,
        state: run.state,
        params: run.params,
        gpu_ids: run.gpu_ids,
        exit_code: run.exit_code,
        error_message: run.error_message,
        started_at: run.started_at,
        ended_at: run.ended_at,
      },
    },
  };
}

/** How many progress messages a run gets between start and end, at most. */
const PROGRESS_STEPS = 4;

/**
 * A progress message when a run's metrics cross the next quarter of its epochs (`milestone` 1–3),
 * for the run's own chat thread only; null when they cross none after `lastMilestone`.
 */
export function fromMetrics(run: Run, records: readonly MetricRecord[], lastMilestone: number): { event: OutboundEvent; milestone: number } | null {
  const latest = [...records].reverse().find((record) => typeof record.epoch === 'number');
  if (!latest || !run.total_epochs) return null;
  const epoch = latest.epoch as number;
  if (epoch >= run.total_epochs) return null;
  const milestone = Math.floor(epoch / Math.max(1, Math.ceil(run.total_epochs / PROGRESS_STEPS)));
  if (milestone <= lastMilestone) return null;
  const metrics = Object.entries(latest).filter(([key, value]) => key !== 'ts' && key !== 'epoch' && key !== 'step' && value !== undefined && value !== null);
  const fields = [
    { name: 'Epoch', value: `${epoch}/${run.total_epochs}` },
    ...metrics.slice(0, 4).map(([name, value]) => ({ name, value: typeof value === 'number' ? formatNumber(value) : String(value) })),
  ];
  const message: OutboxMessage = {
    event: 'training_progress',
    severity: 'info',
    title: `Run ${run.id} at epoch ${epoch}/${run.total_epochs}`,
    summary: '',
    fields,
    actions: [],
    runId: run.id,
    threadOnly: true,
    key: `training_progress:${run.id}:${milestone}`,
  };
  return { event: { message }, milestone };
}

/** One message for the alerts a rule raised in one evaluation (one inbox record, one message per target). */
export function fromAlertsTriggered(rule: Pick<AlertRuleRecord, 'rule_id' | 'name' | 'severity'>, alerts: readonly AlertRecord[]): OutboundEvent {
  const headline =
    alerts.length === 1 ? alerts[0]!.message : `${alerts.length} alerts from rule ${rule.name}: ${alerts.map((alert) => alert.message).join('; ')}`;
  const runId = alerts[0]!.run_id;
  const alertIds = alerts.map((alert) => alert.alert_id);
  const actions: OutboundAction[] = [];
  if (runId) actions.push(stopAction(runId));
  actions.push({
    label: 'Silence 1 h',
    command: runId ? `trainer alerts silence --run ${runId} --for 1h` : `trainer alerts silence --rule ${rule.rule_id} --for 1h`,
    button: { action: 'silence', value: runId ? `run:${runId}` : `rule:${rule.rule_id}` },
  });
  for (const alertId of alertIds.slice(0, 2))
    actions.push({ label: 'Acknowledge', command: `trainer alerts ack ${alertId}`, button: { action: 'ack', value: alertId } });
  const summary = `[${rule.severity.toUpperCase()}] ${headline}`;
  const data = { event: 'alert_triggered', severity: rule.severity, rule_id: rule.rule_id, rule_name: rule.name, alert_ids: alertIds, session_id: runId };
  return {
    message: {
      event: 'alert_triggered',
      severity: rule.severity,
      title: `Alert: ${rule.name}`,
      summary,
      fields: fieldsOf([
        ['Run', runId],
        ['Rule', rule.name],
      ]),
      actions,
      runId,
    },
    inbox: { type: 'alert', priority: priorityOfSeverity(rule.severity), text: summary, data },
  };
}

export function fromAlertsResolved(rule: Pick<AlertRuleRecord, 'rule_id' | 'name'>, alerts: readonly AlertRecord[]): OutboundEvent {
  const summary = alerts.length === 1 ? `Resolved: ${alerts[0]!.message}` : `Resolved ${alerts.length} alerts from rule ${rule.name}`;
  const runId = alerts[0]!.run_id;
  const data = {
    event: 'alert_resolved',
    severity: 'info',
    rule_id: rule.rule_id,
    rule_name: rule.name,
    alert_ids: alerts.map((alert) => alert.alert_id),
    session_id: runId,
  };
  return {
    message: {
      event: 'alert_resolved',
      severity: 'info',
      title: 'Alert resolved',
      summary,
      fields: fieldsOf([
        ['Run', runId],
        ['Rule', rule.name],
      ]),
      actions: [],
      runId,
    },
    inbox: { type: 'alert', priority: 'low', text: summary, data },
  };
}

/** Webhook subscribers get each alert on its own, with its whole record. */
export function fromAlertForWebhooks(kind: 'alert.triggered' | 'alert.resolved', alert: AlertRecord): OutboundEvent {
  return { webhook: { event: kind === 'alert.triggered' ? 'alert_triggered' : 'alert_resolved', payload: { ...alert } } };
}

function stopAction(runId: string): OutboundAction {
  return { label: 'Stop the run', command: `trainer run stop ${runId}`, button: { action: 'stop', value: runId } };
}

function fieldsOf(pairs: [string, string | null | undefined][]): OutboxMessage['fields'] {
  return pairs
    .filter((pair): pair is [string, string] => pair[1] !== null && pair[1] !== undefined && pair[1] !== '')
    .map(([name, value]) => ({ name, value }));
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : Math.abs(value) >= 1000 || Math.abs(value) < 0.001 ? value.toPrecision(3) : String(Number(value.toFixed(4)));
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 1 ? `${Math.round(ms / 1000)} s` : minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}
