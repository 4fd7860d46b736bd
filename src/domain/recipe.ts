import { z } from 'zod';
import { invalid } from '../errors.js';
import { DEFAULT_RETRY_ON, RETRYABLE_REASONS } from './retry-policy.js';

const paramBase = { description: z.string().optional() };

export const ParamSpecSchema = z.discriminatedUnion('type', [
  z.object({ ...paramBase, type: z.literal('float'), min: z.number().optional(), max: z.number().optional(), default: z.number().optional() }).strict(),
  z
    .object({ ...paramBase, type: z.literal('int'), min: z.number().int().optional(), max: z.number().int().optional(), default: z.number().int().optional() })
    .strict(),
  z
    .object({
      ...paramBase,
      type: z.literal('string'),
      pattern: z.string().optional(),
      max_length: z.number().int().positive().default(1024),
      default: z.string().optional(),
    })
    .strict(),
  z.object({ ...paramBase, type: z.literal('bool'), default: z.boolean().optional() }).strict(),
  z.object({ ...paramBase, type: z.literal('enum'), values: z.array(z.string()).min(1), default: z.string().optional() }).strict(),
  /** A dataset name that must exist in the dataset registry when the run is submitted. */
  z.object({ ...paramBase, type: z.literal('dataset'), default: z.string().optional() }).strict(),
]);
export type ParamSpec = z.infer<typeof ParamSpecSchema>;

/** How a run's output is read for metrics: see the recipe's `metrics_format`. */
export const METRICS_FORMATS = ['auto', 'json', 'hf', 'keras', 'kv', 'regex', 'none'] as const;
export type MetricsFormat = (typeof METRICS_FORMATS)[number];

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;

const PARAM_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export const RecipeSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lowercase letters, digits, ".", "_" and "-", up to 64'),
    description: z.string().default(''),
    backend: z.string().default('process'),
    /** argv, each element a template: `{param}`, `{node}`, `{trainer_home}`, `{recipe_dir}`, `{run_dir}`, `{output_dir}`, `{run_id}`. Never run through a shell. */
    command: z.array(z.string()).min(1),
    params: z.record(z.string().regex(PARAM_NAME, 'parameter names are lowercase snake_case'), ParamSpecSchema).default({}),
    env: z.record(z.string(), z.string()).default({}),
    /** Which parameter holds the number of epochs, so that progress can be shown as current/total. */
    total_epochs_param: z.string().optional(),
    /** For scripts that print text: a regex whose named groups are metric values (`epoch` included). */
    metrics_regex: z.string().optional(),
    /**
     * How metrics are read from what the script prints: `auto` recognises each line (JSON, Hugging Face
     * dict lines, Keras epoch lines, the regex if given); the others force one format (`kv`: `name=value`
     * lines, opt-in only; `none`: no metrics from output).
     */
    metrics_format: z.enum(METRICS_FORMATS).default('auto'),
    /** Also copy JSON metric lines into the run's log (they always go to its metrics). */
    log_metric_lines: z.boolean().default(false),
    /**
     * Also keep what the script printed byte for byte — ANSI colours, `\r` progress-bar redraws — in
     * `raw-output.log` in the run's directory (the log itself stores lines without colours, bars collapsed).
     * Up to 64 MiB per run; process backend (a Slurm job's own output files are raw already).
     */
    raw_output: z.boolean().default(false),
    /** The signal a stop sends the run's process group first (SIGINT for scripts that save on KeyboardInterrupt). */
    stop_signal: z.enum(STOP_SIGNALS).default('SIGTERM'),
    /** How long a stopped run may take to save and exit before SIGKILL (the agent's `stop_grace_ms` by default). */
    stop_grace_s: z.number().min(0).max(3600).optional(),
    gpus: z.number().int().min(0).default(0),
    priority: z.number().int().min(-100).max(100).default(0),
    /** Which metric makes a checkpoint the best one (`is_best`), and whether lower or higher is better. */
    checkpoint_metric: z
      .string()
      .regex(/^[A-Za-z0-9_.\/-]{1,128}$/, 'a metric name')
      .optional(),
    checkpoint_mode: z.enum(['min', 'max']).optional(),
    /** Checkpoint retention per run: the best K and the last K are kept, the rest deleted (agent config by default). */
    checkpoint_keep_best: z.number().int().min(0).max(10_000).optional(),
    checkpoint_keep_last: z.number().int().min(0).max(10_000).optional(),
    /** Extra options for the backend (e.g. Slurm partition); validated by the backend. */
    backend_options: z.record(z.string(), z.unknown()).default({}),
    /** The agent stops a run that runs longer than this; it ends failed with end_reason `timeout`. */
    time_limit_s: z.number().int().positive().optional(),
    /** How many times a failed run is started again (a new attempt of the same run) when it ended for a reason in `retry_on`. */
    max_retries: z.number().int().min(0).max(100).default(0),
    retry_on: z.array(z.enum(RETRYABLE_REASONS)).default([...DEFAULT_RETRY_ON]),
    /** A check of the parameters taken together at submission (e.g. `tfjs`: loss vs the dataset's classes), by name. */
    validator: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional(),
  })
  .strict()
  .superRefine((recipe, ctx) => {
    if (recipe.total_epochs_param && !(recipe.total_epochs_param in recipe.params)) {
      ctx.addIssue({ code: 'custom', path: ['total_epochs_param'], message: `names no parameter: ${recipe.total_epochs_param}` });
    }
    if (recipe.metrics_regex) {
      try {
        new RegExp(recipe.metrics_regex);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['metrics_regex'], message: (error as Error).message });
      }
    }
    if (recipe.metrics_format === 'regex' && !recipe.metrics_regex) {
      ctx.addIssue({ code: 'custom', path: ['metrics_format'], message: 'regex needs metrics_regex' });
    }
    for (const element of recipe.command) {
      for (const placeholder of placeholdersIn(element)) {
        if (!BUILTIN_PLACEHOLDERS.has(placeholder) && !(placeholder in recipe.params)) {
          ctx.addIssue({ code: 'custom', path: ['command'], message: `unknown placeholder {${placeholder}}` });
        }
      }
    }
  });
export type Recipe = z.infer<typeof RecipeSchema> & { dir: string };

export const BUILTIN_PLACEHOLDERS = new Set(['node', 'trainer_home', 'recipe_dir', 'run_dir', 'output_dir', 'run_id']);

function placeholdersIn(template: string): string[] {
  return [...template.matchAll(/\{([a-z_][a-z0-9_]*)\}/g)].map((match) => match[1]!);
}

export type ParamValue = number | string | boolean;

/**
 * Validates and completes a run's parameters against its recipe. Accepts JSON values from the API and
 * strings from the CLI or chat (`lr=0.01`), coercing strings to the declared type.
 */
export function resolveParams(recipe: Recipe, given: Record<string, unknown>): Record<string, ParamValue> {
  const problems: string[] = [];
  const resolved: Record<string, ParamValue> = {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(recipe.params, name))
      problems.push(`unknown parameter '${name}' (recipe ${recipe.name} takes: ${Object.keys(recipe.params).join(', ') || 'none'})`);
  }
  for (const [name, spec] of Object.entries(recipe.params)) {
    const raw = given[name] ?? spec.default;
    if (raw === undefined || raw === null) {
      problems.push(`missing parameter '${name}'`);
      continue;
    }
    const result = coerceParam(spec, raw);
    if ('error' in result) problems.push(`parameter '${name}' ${result.error}`);
    else resolved[name] = result.value;
  }
  if (problems.length > 0) throw invalid(problems.join('; '));
  return resolved;
}

const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

type Coerced = { value: ParamValue } | { error: string };

function coerceParam(spec: ParamSpec, raw: unknown): Coerced {
  const fail = (error: string): Coerced => ({ error });
  switch (spec.type) {
    case 'float':
    case 'int': {
      // decimal notation only: Number() would also take '0x10', '0b1', '' and ' 5 '
      const value = typeof raw === 'string' && DECIMAL.test(raw) ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`must be a number (decimal notation), got ${JSON.stringify(raw)}`);
      if (spec.type === 'int' && !Number.isInteger(value)) return fail(`must be an integer, got ${value}`);
      if (spec.type === 'int' && !Number.isSafeInteger(value))
        return fail(
          `must be an integer from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER} (larger ones lose digits), got ${typeof raw === 'string' ? raw : value}`,
        );
      if (spec.min !== undefined && value < spec.min) return fail(`must be at least ${spec.min}, got ${value}`);
      if (spec.max !== undefined && value > spec.max) return fail(`must be at most ${spec.max}, got ${value}`);
      return { value };
    }
    case 'bool': {
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === '1' || raw === 'yes') return { value: true };
      if (raw === 'false' || raw === '0' || raw === 'no') return { value: false };
      return fail(`must be true or false, got ${JSON.stringify(raw)}`);
    }
    case 'enum': {
      if (typeof raw !== 'string' || !spec.values.includes(raw)) return fail(`must be one of ${spec.values.join(', ')}, got ${JSON.stringify(raw)}`);
      return { value: raw };
    }
    case 'string':
    case 'dataset': {
      if (typeof raw !== 'string') return fail(`must be a string, got ${JSON.stringify(raw)}`);
      if (/[\u0000-\u001f]/.test(raw)) return fail('must not contain control characters');
      const maxLength = spec.type === 'string' ? spec.max_length : 256;
      if (raw.length > maxLength) return fail(`must be at most ${maxLength} characters`);
      if (spec.type === 'string' && spec.pattern && !new RegExp(spec.pattern).test(raw)) return fail(`must match ${spec.pattern}`);
      return { value: raw };
    }
  }
}

export interface CommandContext {
  node: string;
  trainer_home: string;
  recipe_dir: string;
  run_dir: string;
  output_dir: string;
  run_id: string;
}

/** Fills the argv templates. Each element stays one argv entry: a value can never become a second argument. */
export function renderCommand(recipe: Recipe, params: Record<string, ParamValue>, context: CommandContext): string[] {
  const values: Record<string, string> = { ...context };
  for (const [name, value] of Object.entries(params)) values[name] = String(value);
  return recipe.command.map((template) => template.replace(/\{([a-z_][a-z0-9_]*)\}/g, (_, name: string) => values[name] ?? ''));
}

export function totalEpochsOf(recipe: Recipe, params: Record<string, ParamValue>): number | null {
  if (!recipe.total_epochs_param) return null;
  const value = params[recipe.total_epochs_param];
  return typeof value === 'number' ? value : null;
}
