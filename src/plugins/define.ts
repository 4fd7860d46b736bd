import { z, type ZodType } from 'zod';
import { PLUGIN_API_VERSION, type AlertRule, type InstanceByKind, type Notifier, type PluginContext, type PluginDefinition, type PluginKind, type TrainingBackend, type Webhook } from './contract.js';

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

function define<K extends PluginKind, Config, Instance extends InstanceByKind[K]>(kind: K, spec: PluginSpec<Config, Instance>): PluginDefinition<Config, Instance> {
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
export const defineAlertRule = <Params, Config = Record<string, never>>(spec: PluginSpec<Config, AlertRule<Params>>) => define<'alert-rule', Config, AlertRule<Params>>('alert-rule', spec as PluginSpec<Config, AlertRule<Params>>);

/** A notifier (`notifier:<name>`): renders a structured message for people on one platform. */
export const defineNotifier = <Target, Config = Record<string, never>>(spec: PluginSpec<Config, Notifier<Target>>) => define<'notifier', Config, Notifier<Target>>('notifier', spec as PluginSpec<Config, Notifier<Target>>);

/** A webhook delivery method (`webhook:<name>`): sends one event to one URL; the outbox retries. */
export const defineWebhook = <Config = Record<string, never>>(spec: PluginSpec<Config, Webhook>) => define('webhook', spec);
