import { createOutboundHttp, type OutboundHttp } from './outbound-http.js';
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors.js';
import { PLUGIN_API_VERSION, PLUGIN_KINDS, type InstanceByKind, type Logger, type PluginDefinition, type PluginKind } from './contract.js';

export interface PluginInfo {
  name: string;
  kind: PluginKind;
  description: string;
  source: string;
}

const pluginError = (message: string) => new AppError(ErrorCode.Plugin, message);

/**
 * Holds plugin definitions and their instances. Every call into a plugin instance goes through a
 * wrapper that names the plugin and the hook when it fails, so one plugin's error is never anonymous.
 */
export class PluginRegistry {
  private readonly definitions = new Map<string, { definition: PluginDefinition; source: string }>();
  private readonly instances = new Map<string, unknown>();

  constructor(
    private readonly logger: Logger,
    private readonly http: OutboundHttp = createOutboundHttp({ allow: [] }),
  ) {}

  register(candidate: unknown, source: string): void {
    const definition = validateDefinition(candidate, source);
    const key = keyOf(definition.kind, definition.name);
    const existing = this.definitions.get(key);
    if (existing) throw pluginError(`Duplicate ${definition.kind} plugin '${definition.name}': from ${source} and ${existing.source}`);
    this.definitions.set(key, { definition, source });
  }

  /** Validates each plugin's config with its own schema and creates the instances. */
  async instantiateAll(configs: Record<string, unknown>): Promise<void> {
    for (const configKey of Object.keys(configs)) {
      if (!this.definitions.has(configKey)) {
        throw new AppError(
          ErrorCode.Config,
          `plugins.config names '${configKey}', but no such plugin is loaded (known: ${[...this.definitions.keys()].join(', ')})`,
        );
      }
    }
    for (const [key, { definition }] of this.definitions) {
      const parsed = definition.configSchema.safeParse(configs[key] ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
        throw new AppError(ErrorCode.Config, `Invalid config for ${definition.kind} plugin '${definition.name}': ${issues}`);
      }
      const context = { logger: this.logger.child({ plugin: key }), http: this.http };
      const instance = await callAttributed(key, 'create', () => definition.create(context, parsed.data));
      this.instances.set(key, attributeFailures(key, instance as object));
    }
  }

  get<K extends PluginKind>(kind: K, name: string): InstanceByKind[K] {
    const instance = this.instances.get(keyOf(kind, name));
    if (!instance) {
      const known = this.list(kind).map((plugin) => plugin.name);
      throw new AppError(ErrorCode.Validation, `Unknown ${kind} '${name}'. Known: ${known.join(', ') || 'none'}`);
    }
    return instance as InstanceByKind[K];
  }

  has(kind: PluginKind, name: string): boolean {
    return this.definitions.has(keyOf(kind, name));
  }

  list(kind?: PluginKind): PluginInfo[] {
    return [...this.definitions.values()]
      .filter(({ definition }) => !kind || definition.kind === kind)
      .map(({ definition, source }) => ({ name: definition.name, kind: definition.kind, description: definition.description ?? '', source }));
  }

  async closeAll(): Promise<void> {
    for (const [key, instance] of [...this.instances].reverse()) {
      const close = (instance as { close?: () => Promise<void> }).close;
      if (typeof close !== 'function') continue;
      try {
        await close.call(instance);
      } catch (error) {
        this.logger.error('plugin close failed', { plugin: key, error: (error as Error).message });
      }
    }
  }
}

export const keyOf = (kind: PluginKind, name: string) => `${kind}:${name}`;

const DefinitionShape = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lowercase name of letters, digits and "-"'),
  kind: z.enum(PLUGIN_KINDS as [PluginKind, ...PluginKind[]]),
  apiVersion: z.number().int(),
  configSchema: z.custom<z.ZodType>((value) => typeof (value as z.ZodType)?.safeParse === 'function', 'a zod schema'),
  create: z.custom<PluginDefinition['create']>((value) => typeof value === 'function', 'a function'),
});

function validateDefinition(candidate: unknown, source: string): PluginDefinition {
  const parsed = DefinitionShape.safeParse(candidate);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw pluginError(`Plugin from ${source} is not a valid plugin definition: ${issues}`);
  }
  const definition = candidate as PluginDefinition;
  if (definition.apiVersion !== PLUGIN_API_VERSION) {
    throw pluginError(`Plugin '${definition.name}' from ${source} targets plugin API ${definition.apiVersion}; this agent speaks ${PLUGIN_API_VERSION}`);
  }
  return definition;
}

async function callAttributed<T>(plugin: string, hook: string, call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrapFailure(plugin, hook, error);
  }
}

function wrapFailure(plugin: string, hook: string, error: unknown): AppError {
  if (error instanceof AppError && error.code !== ErrorCode.Internal) return error;
  return new AppError(ErrorCode.Plugin, `Plugin ${plugin} failed in ${hook}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

function attributeFailures<T extends object>(plugin: string, instance: T): T {
  return new Proxy(instance, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result = value.apply(target, args);
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(wrapFailure(plugin, String(property), error))) : result;
        } catch (error) {
          throw wrapFailure(plugin, String(property), error);
        }
      };
    },
  });
}
