import type { OutboundHttp } from './outbound-http.js';
import type { ZodType } from 'zod';
import type { BackendHandle } from '../domain/run.js';
import type { Recipe } from '../domain/recipe.js';
import type { AlertFinding } from '../domain/alerting.js';
import type { OutboxMessage } from '../domain/notifier-outbox.js';
import type { ExitRecord, MetricRecord } from '../domain/run-records.js';
import type { Logger } from '../logging/logger.js';

export type { AlertFinding, Logger };

/** Bumped when a contract below changes incompatibly; the registry refuses plugins built for another. */
export const PLUGIN_API_VERSION = 1;

export type PluginKind = 'backend' | 'alert-rule' | 'notifier' | 'webhook';
export const PLUGIN_KINDS: readonly PluginKind[] = ['backend', 'alert-rule', 'notifier', 'webhook'];

/** What the agent hands a plugin: nothing that lets it reach the store or other plugins directly. */
export interface PluginContext {
  logger: Logger;
  /** The only way out for webhooks and notifiers: destinations checked (outbound_allow), no redirects, answers capped. */
  http: OutboundHttp;
}

export interface PluginDefinition<Config = unknown, Instance = unknown> {
  name: string;
  kind: PluginKind;
  apiVersion: number;
  description?: string;
  configSchema: ZodType<Config>;
  create(context: PluginContext, config: Config): Instance | Promise<Instance>;
}

/** Where a run's files are; a backend writes them only through the store's RunOutputWriter (see sdk.ts). */
export interface RunFilePaths {
  dir: string;
  log: string;
  metrics: string;
  exit: string;
  output: string;
  supervisorLog: string;
}

export interface RunLaunch {
  runId: string;
  recipe: Recipe;
  argv: string[];
  /** The complete environment of the training process (the agent's own, the recipe's, CUDA_VISIBLE_DEVICES, TRAINER_*). */
  env: Record<string, string>;
  cwd: string;
  /** The local GPUs the scheduler gave the run; empty for a backend that `managesGpus`. */
  gpuIds: number[];
  /** How many GPUs the run asked for (a backend that `managesGpus` requests them from its own resource manager). */
  gpus: number;
  paths: RunFilePaths;
  stopGraceMs: number;
  /** The most the run's log may take on disk (run_log_cap_mb): pass it to the RunOutputWriter. */
  logCapBytes?: number;
}

/** A started (or re-found) run: the handle to persist, and a promise of how it ended. */
export interface RunningRun {
  handle: BackendHandle;
  finished: Promise<ExitRecord>;
}

export interface TrainingBackend {
  /**
   * The backend's own resource manager allocates GPUs (Slurm GRES): the agent neither checks a run's GPU
   * count against this machine's GPUs nor gives it local GPU ids; `RunLaunch.gpus` says how many to ask for.
   */
  readonly managesGpus?: boolean;
  start(launch: RunLaunch): Promise<RunningRun>;
  /** Asks the run to stop: SIGTERM-like first, forced after `graceMs`. Resolves once the request is delivered. */
  stop(handle: BackendHandle, options: { graceMs: number }): Promise<void>;
  /** After an agent restart: follow a run started by an earlier agent, or report how it ended meanwhile. */
  reattach(handle: BackendHandle, paths: RunFilePaths): Promise<RunningRun>;
  close?(): Promise<void>;
}

/** What alert rules see: the machine's latest reading and every running run. Plain data. */
export interface AlertSnapshot {
  now: string;
  system: {
    cpu_percent: number;
    memory_percent: number;
    disk_percent: number;
    gpus: { index: number; name: string; utilization: number | null; memory_percent: number | null; temperature: number | null; power_w: number | null }[];
  } | null;
  runs: RunSnapshot[];
}

export interface RunSnapshot {
  id: string;
  recipe: string;
  state: string;
  gpu_ids: number[];
  started_at: string | null;
  /** When the run last printed a line or a metric (or started). */
  last_output_at: string | null;
  latest: MetricRecord | null;
  /** The last metric records (up to a few hundred), oldest first. */
  recent: MetricRecord[];
}

/**
 * An alert rule type. `evaluate` is pure: it reports what is wrong now; the agent's engine owns
 * `for`, repeats, acknowledgements, silences and resolution. `active` holds the keys that are
 * firing, so that a rule can apply hysteresis (resolve only below a lower threshold).
 */
export interface AlertRule<Params = unknown> {
  paramsSchema: ZodType<Params>;
  evaluate(params: Params, snapshot: AlertSnapshot, active: ReadonlySet<string>): AlertFinding[];
}

export interface DeliveryResult {
  ok: boolean;
  status?: number;
  detail?: string;
}
/**
 * A structured message for people: every notifier renders the same fields its own way — event,
 * severity, title, summary, fields, `actions` (commands a person can run to act on it, such as
 * `trainer run stop sess_…`) and the run it is about.
 */
export interface NotifierMessage extends OutboxMessage {
  /** Where earlier messages about the same run went (a Slack ts, a Discord message id): reply in that thread. */
  threadRef: string | null;
}

export interface NotifierResult extends DeliveryResult {
  /** The reference to thread later messages about the same run under. */
  threadRef?: string;
}

/** A notifier sends a message to a target (a channel, a URL) validated by its `targetSchema`. */
export interface Notifier<Target = unknown> {
  targetSchema: ZodType<Target>;
  send(message: NotifierMessage, target: Target): Promise<NotifierResult>;
}
export interface WebhookDelivery {
  url: string;
  secret: string | null;
  event: string;
  eventId: string;
  createdAt: string;
  payload: Record<string, unknown>;
}

/** Delivers one event to one target; reports failure (never throws for a refused delivery): the outbox retries. */
export interface Webhook {
  deliver(delivery: WebhookDelivery): Promise<DeliveryResult>;
}

export interface InstanceByKind {
  backend: TrainingBackend;
  'alert-rule': AlertRule;
  notifier: Notifier;
  webhook: Webhook;
}
