import { randomBytes } from 'node:crypto';
import { stepRule, type AlertAction } from '../domain/alert-lifecycle.js';
import { isSilenced, type AlertRecord, type AlertRuleRecord, type AlertStatus, type Severity, type SilenceRecord } from '../domain/alerting.js';
import { AppError, ErrorCode, conflict, invalid, notFound } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { SystemSampler } from '../monitor/system-sampler.js';
import type { AlertRule, AlertSnapshot } from '../plugins/contract.js';
import type { Logger } from '../logging/logger.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import type { AlertingStore } from '../store/alerting-store.js';
import type { OutboundPipeline } from './outbound-pipeline.js';
import type { RunActivity } from './run-activity.js';
import type { RunService } from './run-service.js';

export interface RuleInput {
  name: string;
  type: string;
  params: Record<string, unknown>;
  severity: Severity;
  enabled: boolean;
  for_seconds: number;
  repeat_interval_seconds: number;
}

export interface AlertServiceDeps {
  store: AlertingStore;
  registry: PluginRegistry;
  runs: RunService;
  /** The read model of runs in progress. */
  activity: RunActivity;
  system: SystemSampler;
  events: EventBus;
  /** Where the alerts people are told about go out (inbox, notifiers, chat). */
  outbound: Pick<OutboundPipeline, 'alertsTriggered' | 'alertsResolved'>;
  logger: Logger;
}

const id = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/** New data (a machine sample, a run's metrics) is evaluated this soon; bursts share one pass. */
const EVALUATE_AFTER_DATA_MS = 200;

/**
 * Evaluates the alert rules against the machine and the running runs, and keeps the alerts' life:
 * pending → active (after `for`) → acknowledged → resolved; repeats unacknowledged alerts; one
 * message per rule and evaluation however many things it found ("3 GPUs hot"); silences mute.
 */
export class AlertService {
  private readonly pending = new Map<string, Map<string, number>>();
  private evaluating: Promise<void> | null = null;
  private evaluateAgain = false;
  private readonly parsedParams = new WeakMap<AlertRuleRecord, unknown>();
  private soonTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: AlertServiceDeps) {}

  /**
   * Evaluates the rules whenever new data arrives: a machine sample or a run's metrics, so that a NaN
   * loss or a hot GPU is told within a second. What only time changes (`for` running out, a run going
   * silent) the periodic evaluation catches. Returns the function that stops watching.
   */
  watch(): () => void {
    const soon = () => {
      this.soonTimer ??= setTimeout(() => {
        this.soonTimer = null;
        this.evaluate().catch((error: Error) => this.deps.logger.error('alert evaluation failed', { error: error.message }));
      }, EVALUATE_AFTER_DATA_MS);
    };
    const stops = [this.deps.system.onSample(soon), this.deps.events.on('run.metrics', soon)];
    return () => {
      for (const stop of stops) stop();
      if (this.soonTimer) clearTimeout(this.soonTimer);
      this.soonTimer = null;
    };
  }

  /** Rules from the config file: replaced on every start, so that the file stays the truth for them. */
  async loadConfigRules(inputs: readonly RuleInput[]): Promise<void> {
    const fromApi = this.deps.store.data.rules.filter((rule) => rule.source === 'api');
    const fromConfig = inputs.map((input) => this.validated(input, 'config'));
    this.deps.store.data.rules = [...fromConfig, ...fromApi];
    // at start-up on a full disk: the rules apply from memory, and are written once space returns
    await this.deps.store.save().catch((error: unknown) => {
      if (!(error instanceof AppError && error.code === ErrorCode.InsufficientStorage)) throw error;
      this.deps.logger.warn('the alert rules of the config file cannot be saved: the disk is full', { error: error.message });
    });
  }

  async createRule(input: RuleInput): Promise<AlertRuleRecord> {
    if (this.deps.store.data.rules.some((rule) => rule.name === input.name)) throw conflict(`An alert rule named '${input.name}' already exists`);
    const rule = this.validated(input, 'api');
    this.deps.store.data.rules.push(rule);
    await this.deps.store.save();
    return rule;
  }

  listRules(): AlertRuleRecord[] {
    return [...this.deps.store.data.rules];
  }

  async deleteRule(ruleId: string): Promise<AlertRuleRecord> {
    const rule = this.deps.store.data.rules.find((candidate) => candidate.rule_id === ruleId);
    if (!rule) throw notFound(`Alert rule '${ruleId}' not found`);
    if (rule.source === 'config') throw conflict(`Alert rule '${rule.name}' comes from the config file: remove it there`);
    this.deps.store.data.rules = this.deps.store.data.rules.filter((candidate) => candidate !== rule);
    for (const alert of this.openAlerts(rule.rule_id)) this.resolveRecord(alert, new Date());
    await this.deps.store.save();
    return rule;
  }

  listAlerts(query: { status?: AlertStatus; severity?: Severity }): AlertRecord[] {
    return this.deps.store.data.alerts
      .filter((alert) => (!query.status || alert.status === query.status) && (!query.severity || alert.severity === query.severity))
      .reverse();
  }

  async acknowledge(alertId: string, by: string | null, notes: string | null): Promise<AlertRecord> {
    const alert = this.deps.store.data.alerts.find((candidate) => candidate.alert_id === alertId);
    if (!alert) throw notFound(`Alert '${alertId}' not found`);
    if (alert.status !== 'active') throw conflict(`Alert ${alertId} is ${alert.status}: only active alerts can be acknowledged`, 'invalid_state');
    Object.assign(alert, { status: 'acknowledged', acknowledged_at: new Date().toISOString(), acknowledged_by: by, notes });
    await this.deps.store.save();
    this.deps.events.emit('alert.acknowledged', { alert });
    return alert;
  }

  async silence(input: { rule_id?: string; run_id?: string; duration_seconds: number; reason?: string; created_by?: string }): Promise<SilenceRecord> {
    if (input.rule_id && !this.deps.store.data.rules.some((rule) => rule.rule_id === input.rule_id)) throw notFound(`Alert rule '${input.rule_id}' not found`);
    if (input.run_id) this.deps.runs.get(input.run_id);
    const now = Date.now();
    const silence: SilenceRecord = {
      silence_id: id('silence'),
      rule_id: input.rule_id ?? null,
      run_id: input.run_id ?? null,
      until: new Date(now + input.duration_seconds * 1000).toISOString(),
      reason: input.reason ?? null,
      created_by: input.created_by ?? null,
      created_at: new Date(now).toISOString(),
    };
    this.deps.store.data.silences = [...this.deps.store.data.silences.filter((existing) => Date.parse(existing.until) > now), silence];
    await this.deps.store.save();
    return silence;
  }

  listSilences(): SilenceRecord[] {
    const now = Date.now();
    return this.deps.store.data.silences.filter((silence) => Date.parse(silence.until) > now);
  }

  async deleteSilence(silenceId: string): Promise<void> {
    const before = this.deps.store.data.silences.length;
    this.deps.store.data.silences = this.deps.store.data.silences.filter((silence) => silence.silence_id !== silenceId);
    if (this.deps.store.data.silences.length === before) throw notFound(`Silence '${silenceId}' not found`);
    await this.deps.store.save();
  }

  /**
   * One pass over every enabled rule. A call during a pass returns that pass and makes one more run
   * after it (the data it was called for may have come after the pass read its snapshot).
   */
  evaluate(now?: Date): Promise<void> {
    if (this.evaluating) {
      this.evaluateAgain = true;
      return this.evaluating;
    }
    this.evaluating = this.evaluatePass(now ?? new Date()).finally(() => {
      this.evaluating = null;
      if (this.evaluateAgain) {
        this.evaluateAgain = false;
        this.evaluate().catch((error: Error) => this.deps.logger.error('alert evaluation failed', { error: error.message }));
      }
    });
    return this.evaluating;
  }

  private async evaluatePass(now: Date): Promise<void> {
    // no rule to evaluate: not even the snapshot (new metrics ask for a pass all the time)
    if (!this.deps.store.data.rules.some((rule) => rule.enabled)) return;
    const snapshot = this.snapshot(now);
    let changed = false;
    for (const rule of this.deps.store.data.rules) {
      if (!rule.enabled) continue;
      const open = this.openAlerts(rule.rule_id);
      let findings;
      try {
        const plugin = this.deps.registry.get('alert-rule', rule.type);
        findings = plugin.evaluate(this.paramsOf(rule, plugin), snapshot, new Set(open.map((alert) => alert.key)));
      } catch (error) {
        this.deps.logger.error('alert rule failed', { rule: rule.name, error: (error as Error).message });
        continue;
      }
      const pending = this.pending.get(rule.rule_id) ?? new Map<string, number>();
      this.pending.set(rule.rule_id, pending);
      const actions = stepRule(rule, findings, pending, open, now.getTime());
      if (actions.length > 0) changed = true;
      await this.apply(rule, actions, now);
    }
    if (changed) await this.deps.store.save();
  }

  /** A rule's params, validated once: rules do not change after they are created. */
  private paramsOf(rule: AlertRuleRecord, plugin: AlertRule): unknown {
    let params = this.parsedParams.get(rule);
    if (params === undefined) {
      params = plugin.paramsSchema.parse(rule.params);
      this.parsedParams.set(rule, params);
    }
    return params;
  }

  private async apply(rule: AlertRuleRecord, actions: AlertAction[], now: Date): Promise<void> {
    const iso = now.toISOString();
    const announce: AlertRecord[] = [];
    const resolved: AlertRecord[] = [];
    for (const action of actions) {
      if (action.kind === 'fire') {
        const alert: AlertRecord = {
          alert_id: id('alert'),
          rule_id: rule.rule_id,
          rule_name: rule.name,
          key: action.finding.key,
          severity: rule.severity,
          message: action.finding.message,
          value: action.finding.value ?? null,
          threshold: action.finding.threshold ?? null,
          run_id: action.finding.runId ?? null,
          status: 'active',
          triggered_at: iso,
          acknowledged_at: null,
          acknowledged_by: null,
          notes: null,
          resolved_at: null,
          last_notified_at: null,
          notifications_sent: 0,
        };
        this.deps.store.data.alerts.push(alert);
        announce.push(alert);
        this.deps.events.emit('alert.triggered', { alert, silenced: this.silenced(alert, now) });
      } else if (action.kind === 'repeat' || action.kind === 'update') {
        Object.assign(action.alert, { message: action.finding.message, value: action.finding.value ?? null });
        if (action.kind === 'repeat') announce.push(action.alert);
      } else {
        this.resolveRecord(action.alert, now);
        resolved.push(action.alert);
      }
    }
    const loud = announce.filter((alert) => !this.silenced(alert, now));
    if (loud.length > 0) {
      for (const alert of loud) {
        alert.last_notified_at = iso;
        alert.notifications_sent++;
      }
      await this.deps.outbound.alertsTriggered(rule, loud);
    }
    // a resolve message goes only to those who were told about the alert, once
    const told = resolved.filter((alert) => alert.notifications_sent > 0 && !this.silenced(alert, now));
    if (told.length > 0) {
      await this.deps.outbound.alertsResolved(rule, told);
    }
  }

  private resolveRecord(alert: AlertRecord, now: Date): void {
    Object.assign(alert, { status: 'resolved', resolved_at: now.toISOString() });
    this.deps.events.emit('alert.resolved', { alert, silenced: this.silenced(alert, now) });
  }

  private silenced(alert: AlertRecord, now: Date): boolean {
    return isSilenced(this.deps.store.data.silences, alert, now);
  }

  private openAlerts(ruleId: string): AlertRecord[] {
    return this.deps.store.data.alerts.filter((alert) => alert.rule_id === ruleId && alert.status !== 'resolved');
  }

  private snapshot(now: Date): AlertSnapshot {
    const sample = this.deps.system.latest();
    const running = this.deps.runs.list({ state: 'running', limit: 100_000, offset: 0 }).runs;
    return {
      now: now.toISOString(),
      system: sample && { cpu_percent: sample.cpu.percent, memory_percent: sample.memory.percent, disk_percent: sample.disk.percent, gpus: sample.gpus },
      runs: running.map((run) => {
        const activity = this.deps.activity.activity(run.id);
        return {
          id: run.id,
          recipe: run.recipe,
          state: run.state,
          gpu_ids: run.gpu_ids,
          started_at: run.started_at,
          last_output_at: activity?.lastOutputAt ?? run.started_at,
          latest: activity?.latest ?? null,
          recent: activity?.recent ?? [],
        };
      }),
    };
  }

  private validated(input: RuleInput, source: AlertRuleRecord['source']): AlertRuleRecord {
    if (!this.deps.registry.has('alert-rule', input.type)) {
      throw invalid(
        `Unknown alert rule type '${input.type}'. Known: ${this.deps.registry
          .list('alert-rule')
          .map((plugin) => plugin.name)
          .join(', ')}`,
      );
    }
    const parsed = this.deps.registry.get('alert-rule', input.type).paramsSchema.safeParse(input.params);
    if (!parsed.success) {
      throw invalid(
        `Invalid parameters for a '${input.type}' rule: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'params'}: ${issue.message}`).join('; ')}`,
      );
    }
    return { rule_id: id('rule'), ...input, params: parsed.data as Record<string, unknown>, source, created_at: new Date().toISOString() };
  }
}
