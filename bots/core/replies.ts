import type { Run } from '../../src/domain/run.js';

/** What a button does; the adapters encode it as Slack action_id/value or a Discord custom_id. */
export type ButtonAction = 'stop' | 'silence' | 'ack';

export interface ChatButton {
  action: ButtonAction;
  /** The run id, alert id, or `run:<id>` / `rule:<id>` for silence. */
  value: string;
  label: string;
  style?: 'danger' | 'primary';
}

/**
 * One message, platform-neutral. `text` may use `inline code` and ``` blocks (both platforms render
 * them); the title is rendered bold by each adapter.
 */
export interface ChatReply {
  /** Only the person who asked sees it (Slack ephemeral, Discord ephemeral flag). */
  ephemeral: boolean;
  tone: 'info' | 'success' | 'warning' | 'error';
  title: string;
  text: string;
  fields: { name: string; value: string }[];
  buttons: ChatButton[];
}

export const reply = (title: string, text = '', extra: Partial<ChatReply> = {}): ChatReply => ({
  ephemeral: true,
  tone: 'info',
  title,
  text,
  fields: [],
  buttons: [],
  ...extra,
});
export const errorReply = (text: string): ChatReply => reply('Could not do that', text, { tone: 'error' });

export const stopButton = (runId: string): ChatButton => ({ action: 'stop', value: runId, label: 'Stop run', style: 'danger' });

/** `lr=0.01 epochs=20` */
export function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

export function formatNumber(value: number | string): string {
  if (typeof value !== 'number') return value;
  return Number.isInteger(value) ? String(value) : Math.abs(value) >= 1000 || Math.abs(value) < 0.001 ? value.toPrecision(3) : String(Number(value.toFixed(4)));
}

/** The metric a person cares about first when a run ends. */
const HEADLINE_METRICS = ['val_accuracy', 'accuracy', 'val_acc', 'acc', 'val_loss', 'loss'];
export function headlineMetric(metrics: Record<string, number | string> | null | undefined): [string, number | string] | null {
  if (!metrics) return null;
  const name =
    HEADLINE_METRICS.find((candidate) => typeof metrics[candidate] === 'number') ??
    Object.keys(metrics).find((key) => typeof metrics[key] === 'number' && key !== 'epoch' && key !== 'step');
  return name ? [name, metrics[name]!] : null;
}

export function epochText(run: Pick<Run, 'current_epoch' | 'total_epochs' | 'bar_progress'>): string | null {
  if (run.total_epochs) return `${run.current_epoch ?? 0}/${run.total_epochs}`;
  if (run.current_epoch !== null) return String(run.current_epoch);
  // no epochs: where the script's progress bar stands
  return run.bar_progress ? `${Math.round((100 * run.bar_progress.n) / run.bar_progress.total)}%` : null;
}

/** One line per run for lists: `sess_ab12… running demo-mlp 5/20 GPU 1`. */
export function runLine(run: Run): string {
  const parts = [`\`${run.id}\``, run.state, run.recipe];
  const epoch = epochText(run);
  if (epoch && run.state === 'running') parts.push(`epoch ${epoch}`);
  if (run.gpu_ids.length) parts.push(`GPU ${run.gpu_ids.join(',')}`);
  if (run.name) parts.push(`“${run.name}”`);
  return parts.join('  ');
}

export function runFields(run: Run): ChatReply['fields'] {
  const fields: ChatReply['fields'] = [
    { name: 'State', value: run.state },
    { name: 'Recipe', value: run.recipe },
  ];
  const epoch = epochText(run);
  if (epoch) fields.push({ name: 'Epoch', value: epoch });
  if (run.gpu_ids.length) fields.push({ name: 'GPU', value: run.gpu_ids.join(', ') });
  if (Object.keys(run.params).length) fields.push({ name: 'Params', value: formatParams(run.params) });
  if (run.started_at)
    fields.push({ name: 'Running for', value: formatDuration(Date.parse(run.ended_at ?? new Date().toISOString()) - Date.parse(run.started_at)) });
  if (run.error_message) fields.push({ name: 'Error', value: run.error_message });
  return fields;
}
