import { z, type ZodType } from 'zod';
import {
  PLUGIN_API_VERSION,
  type AlertRule,
  type DeliveryResult,
  type InstanceByKind,
  type Notifier,
  type NotifierMessage,
  type NotifierResult,
  type PluginContext,
  type PluginDefinition,
  type PluginKind,
  type TrainingBackend,
  type Webhook,
  type WebhookDelivery,
} from './contract.js';
import { outboundFailure, type OutboundResponse } from './outbound-http.js';

/** What a plugin author writes: the kind and API version are filled in; a plugin without settings may leave out `configSchema`. */
export interface PluginSpec<Config, Instance> {
  /** Lowercase letters, digits and "-": with the kind, the key of its settings (`notifier:slack`) in `plugins.config`. */
  name: string;
  /** One line for `trainer plugins` and GET /plugins. */
  description: string;
  /** Validates the plugin's settings at agent start; without one, the plugin takes no settings (any given are refused). */
  configSchema?: ZodType<Config>;
  create(context: PluginContext, config: Config): Instance | Promise<Instance>;
}

const NO_SETTINGS = z.object({}).strict();

function define<K extends PluginKind, Config, Instance extends InstanceByKind[K]>(
  kind: K,
  spec: PluginSpec<Config, Instance>,
): PluginDefinition<Config, Instance> {
  return {
    name: spec.name,
    kind,
    apiVersion: PLUGIN_API_VERSION,
    description: spec.description,
    configSchema: spec.configSchema ?? (NO_SETTINGS as unknown as ZodType<Config>),
    create: spec.create,
  };
}

/** A training backend (`backend:<name>`): starts, stops and re-attaches runs. */
export const defineBackend = <Config = Record<string, never>>(spec: PluginSpec<Config, TrainingBackend>) => define('backend', spec);

/** An alert rule type (`alert-rule:<name>`): a pure `evaluate` over a snapshot; the agent's engine does the rest. */
export const defineAlertRule = <Params, Config = Record<string, never>>(spec: PluginSpec<Config, AlertRule<Params>>) =>
  define<'alert-rule', Config, AlertRule<Params>>('alert-rule', spec as PluginSpec<Config, AlertRule<Params>>);

/** What a notifier's `send` and a webhook's `deliver` get besides the message: the validated settings, the outbound HTTP client, the logger. */
export type DeliveryContext<Config> = PluginContext & { config: Config };

/** A notifier written as its target schema and one `send`: no class, and a thrown error becomes a reported failure. */
export interface NotifierSpec<Target, Config> extends Omit<PluginSpec<Config, Notifier<Target>>, 'create'> {
  /** Where a route sends to (a channel, a URL): validated when a route is saved. */
  targetSchema: ZodType<Target>;
  send(message: NotifierMessage, target: Target, context: DeliveryContext<Config>): Promise<NotifierResult>;
}

/** A notifier (`notifier:<name>`): renders a structured message for people on one platform. */
export function defineNotifier<Target, Config = Record<string, never>>(spec: NotifierSpec<Target, Config>): PluginDefinition<Config, Notifier<Target>>;
export function defineNotifier<Target, Config = Record<string, never>>(spec: PluginSpec<Config, Notifier<Target>>): PluginDefinition<Config, Notifier<Target>>;
export function defineNotifier<Target, Config>(
  spec: NotifierSpec<Target, Config> | PluginSpec<Config, Notifier<Target>>,
): PluginDefinition<Config, Notifier<Target>> {
  if ('create' in spec) return define('notifier', spec);
  const { targetSchema, send, ...rest } = spec;
  return define('notifier', {
    ...rest,
    create: (context, config) => ({ targetSchema, send: (message, target) => reportingFailures(() => send(message, target, { ...context, config })) }),
  });
}

/** A webhook written as one `deliver`: a thrown error (a refused destination, a timeout) becomes a reported failure. */
export interface WebhookSpec<Config> extends Omit<PluginSpec<Config, Webhook>, 'create'> {
  deliver(delivery: WebhookDelivery, context: DeliveryContext<Config>): Promise<DeliveryResult>;
}

/** A webhook delivery method (`webhook:<name>`): sends one event to one URL; the outbox retries. */
export function defineWebhook<Config = Record<string, never>>(spec: WebhookSpec<Config> | PluginSpec<Config, Webhook>): PluginDefinition<Config, Webhook> {
  if ('create' in spec) return define('webhook', spec);
  const { deliver, ...rest } = spec;
  return define('webhook', {
    ...rest,
    create: (context, config) => ({ deliver: (delivery) => reportingFailures(() => deliver(delivery, { ...context, config })) }),
  });
}

/** The usual reading of an HTTP answer: delivered on 2xx, else the status as the reason. */
export function httpDeliveryResult(response: OutboundResponse): DeliveryResult {
  return { ok: response.ok, status: response.status, detail: response.ok ? undefined : `HTTP ${response.status}` };
}

/** Notifiers and webhooks report failures (the outbox retries them), they never throw them. */
async function reportingFailures<T extends DeliveryResult>(attempt: () => Promise<T>): Promise<T | DeliveryResult> {
  try {
    return await attempt();
  } catch (error) {
    return { ok: false, detail: outboundFailure(error) };
  }
}
