import type { OutboxMessage } from '../../src/domain/notifier-outbox.js';
import type { Run } from '../../src/domain/run.js';
import type { ChatTransport } from '../../src/services/notification-dispatcher.js';
import type { RunService } from '../../src/services/run-service.js';
import {
  epochText,
  formatDuration,
  formatNumber,
  formatParams,
  headlineMetric,
  reply,
  runFields,
  stopButton,
  type ChatButton,
  type ChatReply,
} from './replies.js';

/** Posts a message in a channel, in a thread when given; answers the new message's reference (Slack ts, Discord id). */
export interface ChatPoster {
  post(channel: string, thread: string | null, message: ChatReply): Promise<string>;
}

/** The agent's notifier outbox, which the bots are threaded targets of: it stores, orders and retries their messages. */
export interface ChatOutbox {
  attachChat(platform: 'slack' | 'discord', transport: ChatTransport): () => void;
  retryNow(name: string): void;
}

/**
 * How a bot sends what the outbox hands it: in the run's own conversation (its thread; the first
 * message of a run asked for outside a thread starts one, recorded on the run), or in the default
 * channel. A failed post rejects: the outbox keeps the message and tries again.
 */
export function chatTransport(platform: 'slack' | 'discord', poster: ChatPoster, runs: Pick<RunService, 'find' | 'setOriginThread'>): ChatTransport {
  return async (message, target) => {
    const run = message.runId ? runs.find(message.runId) : null;
    const origin = target.origin && run?.origin?.platform === platform ? run.origin : null;
    const thread = message.threadRef ?? origin?.thread ?? null;
    const ref = await poster.post(target.channel, thread, chatReplyOf(message, origin ? run : null, run));
    if (!thread && origin && run) await runs.setOriginThread(run.id, ref);
    return { ok: true, threadRef: thread ?? ref };
  };
}

/**
 * The chat rendering of an outbound message. In the conversation a run was started from, the run as
 * it stands now (`startedHere`) gives the short lines a person asked for; elsewhere (the bot's default
 * channel) a run's message says what it is about in full, with its fields.
 */
export function chatReplyOf(message: OutboxMessage, startedHere: Run | null, runNow: Run | null): ChatReply {
  const run = startedHere;
  const field = (name: string) => message.fields.find((candidate) => candidate.name === name)?.value;
  const buttons = buttonsOf(message, runNow);
  const runId = message.runId ?? '';
  if (!run && message.event.startsWith('training_')) {
    const tone =
      message.event === 'training_completed' ? 'success' : message.severity === 'info' ? 'info' : message.event === 'training_failed' ? 'error' : 'warning';
    return reply(message.title, message.summary, { ephemeral: false, tone, fields: message.fields, buttons });
  }
  switch (message.event) {
    case 'training_queued': {
      const origin = run?.origin;
      const body =
        run && origin ? `\`${run.recipe}\` ${formatParams(run.params)}${run.gpus ? `  gpus=${run.gpus}` : ''}\nasked by <@${origin.user}>` : message.summary;
      return reply(`Run ${runId} queued`, body, { ephemeral: false, buttons });
    }
    case 'training_started': {
      const gpu = field('GPU');
      return reply(`Run ${runId} started${gpu ? ` on GPU ${gpu.replace(/, /g, ',')}` : ''}`, '', { ephemeral: false, buttons });
    }
    case 'training_progress': {
      const metrics = message.fields.filter((candidate) => candidate.name !== 'Epoch');
      return reply(`epoch ${field('Epoch')}${metrics.length ? ' ' + metrics.map(({ name, value }) => `${name} ${value}`).join(', ') : ''}`, '', {
        ephemeral: false,
      });
    }
    case 'training_completed':
    case 'training_stopped':
    case 'training_failed':
      return run ? finishedMessage(run) : reply(message.title, message.summary, { ephemeral: false });
    case 'training_cancelled':
      return reply(`Run ${runId} cancelled`, '', { ephemeral: false, tone: 'warning' });
    case 'alert_triggered': {
      const alertId = message.actions.find((action) => action.button?.action === 'ack')?.button!.value;
      return reply(`${message.title} [${message.severity}]`, message.summary.replace(/^\[[A-Z]+\] /, ''), {
        ephemeral: false,
        tone: message.severity === 'low' ? 'warning' : 'error',
        fields: [...(alertId ? [{ name: 'Alert', value: alertId }] : []), ...(message.runId ? [{ name: 'Run', value: message.runId }] : [])],
        buttons,
      });
    }
    case 'alert_resolved':
      return reply(message.title, message.summary, { ephemeral: false, tone: 'success' });
    default:
      return reply(message.title, message.summary, { ephemeral: false, fields: message.fields });
  }
}

/** A button for each action that has one: stop while the run can still be stopped, one acknowledge. */
function buttonsOf(message: OutboxMessage, run: Run | null): ChatButton[] {
  const buttons: ChatButton[] = [];
  for (const { button } of message.actions) {
    if (!button) continue;
    if (button.action === 'stop' && run && (run.state === 'running' || run.state === 'queued')) buttons.push(stopButton(button.value));
    if (button.action === 'silence') buttons.push({ action: 'silence', value: button.value, label: 'Silence 1 h' });
    if (button.action === 'ack' && !buttons.some((taken) => taken.action === 'ack'))
      buttons.push({ action: 'ack', value: button.value, label: 'Acknowledge', style: 'primary' });
  }
  return buttons;
}

function finishedMessage(run: Run): ChatReply {
  const took = run.started_at && run.ended_at ? ` in ${formatDuration(Date.parse(run.ended_at) - Date.parse(run.started_at))}` : '';
  const headline = headlineMetric(run.final_metrics);
  const epochs = epochText(run);
  if (run.state === 'completed') {
    return reply(`Run ${run.id} completed${headline ? ` with ${headline[0]} ${formatNumber(headline[1])}` : ''}${took}`, '', {
      ephemeral: false,
      tone: 'success',
      fields: finalMetricFields(run),
    });
  }
  const what = run.state === 'stopped' ? 'stopped' : 'failed';
  return reply(`Run ${run.id} ${what}${epochs ? ` at epoch ${epochs}` : ''}${took}`, run.error_message ?? '', {
    ephemeral: false,
    tone: run.state === 'stopped' ? 'warning' : 'error',
    fields: runFields(run).filter((field) => field.name !== 'Error'),
  });
}

function finalMetricFields(run: Run): ChatReply['fields'] {
  return Object.entries(run.final_metrics ?? {})
    .filter(([key]) => key !== 'epoch' && key !== 'step')
    .slice(0, 8)
    .map(([name, value]) => ({ name, value: formatNumber(value) }));
}
