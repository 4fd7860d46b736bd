import type { ZodType } from 'zod';
import type { BackendHandle } from '../domain/run.js';
import type { Recipe } from '../domain/recipe.js';
import type { ExitRecord } from '../domain/run-records.js';

/** Bumped when a contract below changes incompatibly; the registry refuses plugins built for another. */
export const PLUGIN_API_VERSION = 1;

export type PluginKind = 'backend' | 'alert-rule' | 'notifier' | 'webhook';
export const PLUGIN_KINDS: readonly PluginKind[] = ['backend', 'alert-rule', 'notifier', 'webhook'];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** What the agent hands a plugin: nothing that lets it reach the store or other plugins directly. */
export interface PluginContext {
  logger: Logger;
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
  gpuIds: number[];
  paths: RunFilePaths;
  stopGraceMs: number;
}

/** A started (or re-found) run: the handle to persist, and a promise of how it ended. */
export interface RunningRun {
  handle: BackendHandle;
  finished: Promise<ExitRecord>;
}

export interface TrainingBackend {
  start(launch: RunLaunch): Promise<RunningRun>;
  /** Asks the run to stop: SIGTERM-like first, forced after `graceMs`. Resolves once the request is delivered. */
  stop(handle: BackendHandle, options: { graceMs: number }): Promise<void>;
  /** After an agent restart: follow a run started by an earlier agent, or report how it ended meanwhile. */
  reattach(handle: BackendHandle, paths: RunFilePaths): Promise<RunningRun>;
  close?(): Promise<void>;
}

// The contracts below are filled in by the alerting and notification work; their shapes are fixed here
// so that third-party plugins can be written against them.
export interface AlertFinding {
  key: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  message: string;
  value?: number;
  threshold?: number;
  runId?: string;
}
export interface AlertRule {
  evaluate(snapshot: unknown, now: Date): AlertFinding[];
}
export interface DeliveryResult {
  ok: boolean;
  status?: number;
  detail?: string;
}
export interface Notifier {
  send(message: unknown): Promise<DeliveryResult>;
}
export interface Webhook {
  deliver(event: unknown, target: unknown): Promise<DeliveryResult>;
}

export interface InstanceByKind {
  backend: TrainingBackend;
  'alert-rule': AlertRule;
  notifier: Notifier;
  webhook: Webhook;
}
