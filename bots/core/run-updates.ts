import type { AlertRecord } from '../../src/domain/alerting.js';
import type { Run } from '../../src/domain/run.js';
import type { MetricRecord } from '../../src/domain/run-records.js';
import type { Logger } from '../../src/logging/logger.js';
import type { RunService } from '../../src/services/run-service.js';
import { epochText, formatDuration, formatNumber, formatParams, headlineMetric, reply, runFields, stopButton, type ChatReply } from './replies.js';

/** The agent's events the bots follow (the event bus fits this shape). */
export interface ChatEventSource {
  on(event: 'run.queued' | 'run.started' | 'run.finished' | 'run.cancelled', listener: (payload: { run: Run }) => void): () => void;
  on(event: 'run.metrics', listener: (payload: { runId: string; records: MetricRecord[] }) => void): () => void;
  on(event: 'alert.triggered', listener: (payload: { alert: AlertRecord; silenced: boolean }) => void): () => void;
}

/** Posts a message in a channel, in a thread when given; answers the new message's reference (Slack ts, Discord id). */
export interface ChatPoster {
  post(channel: string, thread: string | null, message: ChatReply): Promise<string>;
}

/** How many progress messages a run gets between start and end, at most. */
const PROGRESS_STEPS = 4;

/**
 * Posts the lifecycle of runs started from one platform back where they were asked for: a root
 * message when queued, then started / progress / completed in its thread; alerts with buttons to the
 * run's thread or the default channel. Messages of one run are sent in order, one at a time.
 */
export class RunUpdates {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly progressPosted = new Map<string, number>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: { platform: 'slack' | 'discord'; poster: ChatPoster; runs: RunService; events: ChatEventSource; defaultChannel: string | null; logger: Logger },
  ) {
    const { events } = deps;
    this.unsubscribe.push(
      events.on('run.queued', ({ run }) => this.ifOurs(run, () => this.queued(run))),
      events.on('run.started', ({ run }) => this.ifOurs(run, () => this.post(run, reply(`Run ${run.id} started${run.gpu_ids.length ? ` on GPU ${run.gpu_ids.join(',')}` : ''}`, '', { ephemeral: false, buttons: [stopButton(run.id)] })))),
      events.on('run.metrics', ({ runId, records }) => this.progress(runId, records)),
      events.on('run.finished', ({ run }) => {
        this.progressPosted.delete(run.id);
        this.ifOurs(run, () => this.post(run, finishedMessage(run)));
      }),
      events.on('run.cancelled', ({ run }) => this.ifOurs(run, () => this.post(run, reply(`Run ${run.id} cancelled`, '', { ephemeral: false, tone: 'warning' })))),
      events.on('alert.triggered', ({ alert, silenced }) => {
        if (!silenced) this.alert(alert);
      }),
    );
  }

  /** Stops following events and waits for the messages already on their way. */
  async close(): Promise<void> {
    for (const off of this.unsubscribe) off();
    await Promise.all([...this.chains.values()]);
  }

  private ours(run: Run): boolean {
    return run.origin?.platform === this.deps.platform;
  }

  private ifOurs(run: Run, send: () => Promise<void>): void {
    if (this.ours(run)) this.enqueue(run.id, send);
  }

  private enqueue(key: string, send: () => Promise<void>): void {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(send)
      .catch((error: Error) => this.deps.logger.warn('chat update not posted', { platform: this.deps.platform, run: key, error: error.message }))
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  /** The root message of the run's thread, unless the run was asked for inside a thread already. */
  private async queued(run: Run): Promise<void> {
    const origin = run.origin!;
    const message = reply(`Run ${run.id} queued`, `\`${run.recipe}\` ${formatParams(run.params)}${run.gpus ? `  gpus=${run.gpus}` : ''}\nasked by ${mention(origin.user)}`, { ephemeral: false, buttons: [stopButton(run.id)] });
    const ref = await this.deps.poster.post(origin.channel, origin.thread, message);
    if (!origin.thread) await this.deps.runs.setOriginThread(run.id, ref);
  }

  /** Posts in the run's thread: the latest origin, since the root message may have been posted just now. */
  private async post(run: Run, message: ChatReply): Promise<void> {
    const origin = this.deps.runs.get(run.id).origin ?? run.origin!;
    await this.deps.poster.post(origin.channel, origin.thread, message);
  }

  private progress(runId: string, records: readonly MetricRecord[]): void {
    const epoch = Math.max(...records.map((record) => (typeof record.epoch === 'number' ? record.epoch : -Infinity)));
    if (!Number.isFinite(epoch)) return;
    let run: Run;
    try {
      run = this.deps.runs.get(runId);
    } catch {
      return;
    }
    if (!this.ours(run) || !run.total_epochs || epoch >= run.total_epochs) return;
    const step = Math.max(1, Math.ceil(run.total_epochs / PROGRESS_STEPS));
    const milestone = Math.floor(epoch / step);
    if (milestone <= (this.progressPosted.get(runId) ?? 0)) return;
    this.progressPosted.set(runId, milestone);
    const latest = [...records].reverse().find((record) => typeof record.epoch === 'number')!;
    const values = Object.entries(latest).filter(([key, value]) => key !== 'ts' && key !== 'epoch' && key !== 'step' && value !== undefined);
    const text = `epoch ${epoch}/${run.total_epochs}${values.length ? ' ' + values.slice(0, 4).map(([key, value]) => `${key} ${formatNumber(value as number)}`).join(', ') : ''}`;
    this.enqueue(runId, () => this.post(run, reply(text, '', { ephemeral: false })));
  }

  private alert(alert: AlertRecord): void {
    let run: Run | null = null;
    try {
      run = alert.run_id ? this.deps.runs.get(alert.run_id) : null;
    } catch {
      run = null;
    }
    const buttons: ChatReply['buttons'] = [];
    if (run && run.state === 'running') buttons.push(stopButton(run.id));
    buttons.push({ action: 'silence', value: run ? `run:${run.id}` : `rule:${alert.rule_id}`, label: 'Silence 1 h' });
    buttons.push({ action: 'ack', value: alert.alert_id, label: 'Acknowledge', style: 'primary' });
    const message = reply(`Alert: ${alert.rule_name} [${alert.severity}]`, alert.message, {
      ephemeral: false,
      tone: alert.severity === 'low' ? 'warning' : 'error',
      fields: [{ name: 'Alert', value: alert.alert_id }, ...(run ? [{ name: 'Run', value: run.id }] : [])],
      buttons,
    });
    if (run && this.ours(run)) this.enqueue(run.id, () => this.post(run!, message));
    else if (this.deps.defaultChannel) {
      const channel = this.deps.defaultChannel;
      this.enqueue(`alert:${alert.alert_id}`, async () => void (await this.deps.poster.post(channel, null, message)));
    }
  }
}

function finishedMessage(run: Run): ChatReply {
  const took = run.started_at && run.ended_at ? ` in ${formatDuration(Date.parse(run.ended_at) - Date.parse(run.started_at))}` : '';
  const headline = headlineMetric(run.final_metrics);
  const epochs = epochText(run);
  if (run.state === 'completed') {
    return reply(`Run ${run.id} completed${headline ? ` with ${headline[0]} ${formatNumber(headline[1])}` : ''}${took}`, '', { ephemeral: false, tone: 'success', fields: finalMetricFields(run) });
  }
  const what = run.state === 'stopped' ? 'stopped' : 'failed';
  return reply(`Run ${run.id} ${what}${epochs ? ` at epoch ${epochs}` : ''}${took}`, run.error_message ?? '', { ephemeral: false, tone: run.state === 'stopped' ? 'warning' : 'error', fields: runFields(run).filter((field) => field.name !== 'Error') });
}

function finalMetricFields(run: Run): ChatReply['fields'] {
  return Object.entries(run.final_metrics ?? {})
    .filter(([key]) => key !== 'epoch' && key !== 'step')
    .slice(0, 8)
    .map(([name, value]) => ({ name, value: formatNumber(value) }));
}

function mention(user: string): string {
  return `<@${user}>`; // the same mention syntax on both platforms
}
