import { readFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors.js';
import { DEFAULT_CONTENT_LIMITS, type ContentLimits } from '../datasets/content-limits.js';
import { DEFAULT_METRIC_EXPOSURE, type MetricExposurePolicy } from '../domain/metric-exposure.js';
import { addressList } from '../domain/address-list.js';
import type { NotificationRoute } from '../services/notification-dispatcher.js';
import type { ChatBotsConfig } from '../../bots/host.js';
import type { AccessPolicy } from '../../bots/core/access.js';

export const TRAINER_HOME = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUILTIN_RECIPES_DIR = join(TRAINER_HOME, 'config', 'recipes');

/** Seed 000's message, verbatim, for an agent started without any API key. */
export const NO_API_KEYS_MESSAGE = 'Configuration error: No API keys configured. Set API_KEYS environment variable.';

const ChatPlatformSchema = z.object({
  api_url: z.string().url().optional(),
  channel: z.string().min(1).optional(),
  allowed_users: z.array(z.string()).optional(),
  /** Slack user group ids or Discord role ids whose members may write. */
  allowed_roles: z.array(z.string()).optional(),
  allowed_channels: z.array(z.string()).optional(),
  admins: z.array(z.string()).optional(),
  reads_need_allow_list: z.boolean().optional(),
});

/** The config file (YAML). Every key is optional; environment variables and flags override it. */
export const ConfigFileSchema = z
  .object({
    host: z.string().optional(),
    port: z.number().int().min(0).max(65535).optional(),
    data_dir: z.string().optional(),
    max_concurrent_sessions: z.number().int().min(1).max(1024).optional(),
    default_recipe: z.string().optional(),
    recipe_dirs: z.array(z.string()).optional(),
    /** Ad-hoc commands (`trainer run exec`, POST /api/jobs) are refused unless this is true; keys also need the exec scope. */
    allow_commands: z.boolean().optional(),
    /** Roots an ad-hoc command's working directory must lie in; empty or absent: anywhere. */
    allowed_cwd: z.array(z.string()).optional(),
    stop_grace_seconds: z.number().min(0).max(3600).optional(),
    body_limit_kb: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024)
      .optional(),
    /** The largest model or dataset upload, in MiB. */
    upload_limit_mb: z
      .number()
      .positive()
      .max(1024 * 1024)
      .optional(),
    disk_free_min_mb: z
      .number()
      .min(0)
      .max(1024 * 1024 * 1024)
      .optional(),
    run_log_cap_mb: z
      .number()
      .positive()
      .max(1024 * 1024)
      .optional(),
    /** Checkpoint retention per run, unless its recipe says otherwise: the best K and the last K are kept. */
    checkpoint_keep_best: z.number().int().min(0).max(10_000).optional(),
    checkpoint_keep_last: z.number().int().min(0).max(10_000).optional(),
    sample_interval_seconds: z.number().min(0.1).max(3600).optional(),
    rate_limit_per_minute: z.number().int().min(0).max(10_000_000).optional(),
    /** Private destinations (CIDRs, addresses, host names) webhooks and notifiers may reach; all others private are refused. */
    outbound_allow: z.array(z.string()).optional(),
    /** Failed authentications (missing or wrong key) allowed per client address per minute; 0 turns the limit off. */
    auth_failures_per_minute: z.number().int().min(0).max(10_000_000).optional(),
    /** Reverse proxies (CIDRs, addresses) whose X-Forwarded-For names the client for per-address limits. */
    trusted_proxies: z.array(z.string()).optional(),
    /** Parsing uploaded content (README "Security"): what an archive may inflate to, its entries, an image's side, and how long one check may take. */
    max_inflated_mb: z
      .number()
      .positive()
      .max(1024 * 1024)
      .optional(),
    max_archive_entries: z.number().int().min(1).max(100_000_000).optional(),
    max_image_side: z.number().int().min(1).max(1_000_000).optional(),
    content_check_timeout_seconds: z.number().positive().max(3600).optional(),
    /** The longest a client may take to send one whole request (headers and body), in seconds. */
    request_timeout_seconds: z.number().int().min(1).max(86_400).optional(),
    alert_eval_seconds: z.number().int().min(1).max(3600).optional(),
    /** Alert rules, each with the body of POST /api/v1/alerts/rules; validated at start-up. */
    alert_rules: z.array(z.unknown()).optional(),
    /** Which notifier gets which messages: `{notifier, target, events?, min_severity?}`. */
    notification_routes: z
      .array(
        z
          .object({
            notifier: z.string().min(1),
            target: z.record(z.string(), z.unknown()).default({}),
            events: z.array(z.string()).optional(),
            min_severity: z.enum(['info', 'low', 'medium', 'high', 'critical']).optional(),
          })
          .strict(),
      )
      .optional(),
    /** The `/train` chat bots; environment variables (SLACK_*, DISCORD_*) override these. */
    chat: z
      .object({
        slack: ChatPlatformSchema.extend({
          bot_token: z.string().min(1).optional(),
          app_token: z.string().min(1).optional(),
          signing_secret: z.string().min(1).optional(),
          mode: z.enum(['socket', 'http']).optional(),
          http_port: z.number().int().min(0).max(65535).optional(),
        })
          .strict()
          .optional(),
        discord: ChatPlatformSchema.extend({
          token: z.string().min(1).optional(),
          mode: z.enum(['gateway', 'http']).optional(),
          public_key: z
            .string()
            .regex(/^[0-9a-fA-F]{64}$/, 'the application public key: 64 hex digits')
            .optional(),
          application_id: z
            .string()
            .regex(/^\d{1,25}$/, 'a Discord snowflake')
            .optional(),
          http_port: z.number().int().min(0).max(65535).optional(),
        })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    log_level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
    /** Which runs' training metrics /metrics exports, and which of their metrics (bounded cardinality). */
    prometheus: z
      .object({
        metrics_allow: z.array(z.string().min(1)).optional(),
        metrics_deny: z.array(z.string().min(1)).optional(),
        max_runs: z.number().int().min(0).max(10_000).optional(),
        max_metrics_per_run: z.number().int().min(0).max(10_000).optional(),
        ended_run_seconds: z
          .number()
          .min(0)
          .max(7 * 86_400)
          .optional(),
      })
      .strict()
      .optional(),
    plugins: z
      .object({
        load: z.array(z.string()).default([]),
        config: z.record(z.string(), z.unknown()).default({}),
      })
      .strict()
      .optional(),
  })
  .strict();

export interface AgentConfig {
  host: string;
  port: number;
  apiKeys: string[];
  dataDir: string;
  databasePath: string;
  runsDir: string;
  modelsDir: string;
  datasetsDir: string;
  checkpointsDir: string;
  /** Checkpoint retention per run, unless its recipe says otherwise. */
  checkpointKeepBest: number;
  checkpointKeepLast: number;
  maxConcurrent: number;
  defaultRecipe: string;
  recipeDirs: string[];
  /** Whether ad-hoc commands may be run (allow_commands, TRAINER_ALLOW_COMMANDS). */
  allowCommands: boolean;
  /** Where they may run (allowed_cwd, TRAINER_ALLOWED_CWD as a PATH-style list); empty: anywhere. */
  allowedCwd: string[];
  stopGraceMs: number;
  bodyLimitKb: number;
  /** Model and dataset uploads above this many bytes are refused with a 413. */
  uploadLimitBytes: number;
  /** /health is `degraded` when the data dir's disk has less free (disk_free_min_mb, or 5 % of the disk where that is less). */
  diskFreeMinBytes: number;
  /** A run's log.jsonl is rotated beyond this (run_log_cap_mb): the newest half kept, what was dropped said in the log. */
  runLogCapBytes: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  plugins: { load: string[]; config: Record<string, unknown> };
  /** Where relative paths in the config file are resolved from. */
  configDir: string;
  nvidiaSmi: string;
  sampleIntervalMs: number;
  rateLimitPerMinute: number;
  /** Test mode (TRAINER_VALIDATE_RESPONSES=1): every answer is checked against the route's declared schemas. */
  validateResponses: boolean;
  authFailuresPerMinute: number;
  /** Checked at start: every entry a CIDR or an address. */
  trustedProxies: string[];
  outboundAllow: string[];
  requestTimeoutMs: number;
  contentLimits: ContentLimits;
  contentCheckTimeoutMs: number;
  alertEvalSeconds: number;
  alertRules: unknown[];
  notificationRoutes: NotificationRoute[];
  chat: ChatBotsConfig;
  metricExposure: MetricExposurePolicy;
}

/** Flags as given on the command line; absent ones fall through to the environment, then the file. */
export interface ConfigOverrides {
  host?: string;
  port?: number;
  apiKeys?: string;
  dataDir?: string;
  configFile?: string;
  maxConcurrent?: number;
  logLevel?: AgentConfig['logLevel'];
}

const positiveInt = (name: string, value: string | undefined, min: number, max: number): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new AppError(ErrorCode.Config, `Configuration error: ${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return number;
};

const positiveNumber = (name: string, value: string | undefined, min: number, max: number): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < min || number > max) {
    throw new AppError(ErrorCode.Config, `Configuration error: ${name} must be a number from ${min} to ${max}, got '${value}'`);
  }
  return number;
};

const flag = (name: string, value: string | undefined): boolean | undefined => {
  if (value === undefined || value === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new AppError(ErrorCode.Config, `Configuration error: ${name} must be true or false (1/0), got '${value}'`);
};

export function splitKeys(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
}

/** Precedence: flag > environment variable > config file > default. */
export function resolveAgentConfig(overrides: ConfigOverrides, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AgentConfig {
  const configFile = overrides.configFile ?? env.TRAINER_CONFIG;
  const file = configFile ? readConfigFile(resolve(cwd, configFile)) : {};
  const configDir = configFile ? dirname(resolve(cwd, configFile)) : cwd;
  const fromFile = (path: string | undefined) => (path === undefined ? undefined : isAbsolute(path) ? path : resolve(configDir, path));

  const dataDir = resolve(cwd, overrides.dataDir ?? env.TRAINER_DATA_DIR ?? fromFile(file.data_dir) ?? '.trainer');
  const chat = chatBotsConfig(file.chat ?? {}, env, overrides.host ?? env.API_HOST ?? file.host ?? '0.0.0.0');
  const extraRecipeDirs = [...(file.recipe_dirs ?? []).map((dir) => fromFile(dir)!), ...splitKeys(env.TRAINER_RECIPE_DIRS).map((dir) => resolve(cwd, dir))];
  return {
    host: overrides.host ?? env.API_HOST ?? file.host ?? '0.0.0.0',
    port: overrides.port ?? positiveInt('API_PORT', env.API_PORT, 0, 65535) ?? file.port ?? 8000,
    apiKeys: splitKeys(overrides.apiKeys ?? env.API_KEYS),
    dataDir,
    databasePath: resolve(cwd, env.DATABASE_PATH ?? join(dataDir, 'db.json')),
    runsDir: join(dataDir, 'runs'),
    modelsDir: resolve(cwd, env.MODELS_DIR ?? join(dataDir, 'models')),
    datasetsDir: resolve(cwd, env.DATASETS_DIR ?? join(dataDir, 'datasets')),
    checkpointsDir: resolve(cwd, env.CHECKPOINTS_DIR ?? join(dataDir, 'checkpoints')),
    checkpointKeepBest: positiveInt('TRAINER_CHECKPOINT_KEEP_BEST', env.TRAINER_CHECKPOINT_KEEP_BEST, 0, 10_000) ?? file.checkpoint_keep_best ?? 1,
    checkpointKeepLast: positiveInt('TRAINER_CHECKPOINT_KEEP_LAST', env.TRAINER_CHECKPOINT_KEEP_LAST, 0, 10_000) ?? file.checkpoint_keep_last ?? 3,
    maxConcurrent: overrides.maxConcurrent ?? positiveInt('MAX_CONCURRENT_SESSIONS', env.MAX_CONCURRENT_SESSIONS, 1, 1024) ?? file.max_concurrent_sessions ?? 1,
    defaultRecipe: env.TRAINER_DEFAULT_RECIPE ?? file.default_recipe ?? 'tfjs',
    recipeDirs: [BUILTIN_RECIPES_DIR, ...extraRecipeDirs],
    allowCommands: flag('TRAINER_ALLOW_COMMANDS', env.TRAINER_ALLOW_COMMANDS) ?? file.allow_commands ?? false,
    allowedCwd:
      env.TRAINER_ALLOWED_CWD !== undefined
        ? env.TRAINER_ALLOWED_CWD.split(delimiter)
            .filter(Boolean)
            .map((dir) => resolve(cwd, dir))
        : (file.allowed_cwd ?? []).map((dir) => fromFile(dir)!),
    stopGraceMs: Math.round((positiveInt('TRAINER_STOP_GRACE_SECONDS', env.TRAINER_STOP_GRACE_SECONDS, 0, 3600) ?? file.stop_grace_seconds ?? 10) * 1000),
    bodyLimitKb: file.body_limit_kb ?? 1024,
    diskFreeMinBytes: Math.floor(
      (positiveNumber('TRAINER_DISK_FREE_MIN_MB', env.TRAINER_DISK_FREE_MIN_MB, 0, 1024 * 1024 * 1024) ?? file.disk_free_min_mb ?? 1024) * 1024 * 1024,
    ),
    runLogCapBytes: Math.floor(
      (positiveNumber('TRAINER_RUN_LOG_CAP_MB', env.TRAINER_RUN_LOG_CAP_MB, 0.01, 1024 * 1024) ?? file.run_log_cap_mb ?? 256) * 1024 * 1024,
    ),
    uploadLimitBytes: Math.floor(
      (positiveNumber('TRAINER_UPLOAD_LIMIT_MB', env.TRAINER_UPLOAD_LIMIT_MB, 0.001, 1024 * 1024) ?? file.upload_limit_mb ?? 2048) * 1024 * 1024,
    ),
    logLevel: overrides.logLevel ?? (env.TRAINER_LOG_LEVEL as AgentConfig['logLevel'] | undefined) ?? file.log_level ?? 'info',
    plugins: { load: file.plugins?.load ?? [], config: { ...chatPluginConfigFromEnv(env), ...(file.plugins?.config ?? {}) } },
    configDir,
    nvidiaSmi: env.TRAINER_NVIDIA_SMI ?? 'nvidia-smi',
    alertEvalSeconds: positiveInt('TRAINER_ALERT_EVAL_SECONDS', env.TRAINER_ALERT_EVAL_SECONDS, 1, 3600) ?? file.alert_eval_seconds ?? 10,
    alertRules: file.alert_rules ?? [],
    notificationRoutes: [...(file.notification_routes ?? []), ...chatRoutesFromEnv(env, chat)],
    chat,
    validateResponses: env.TRAINER_VALIDATE_RESPONSES === '1',
    rateLimitPerMinute: positiveInt('TRAINER_RATE_LIMIT_PER_MINUTE', env.TRAINER_RATE_LIMIT_PER_MINUTE, 0, 10_000_000) ?? file.rate_limit_per_minute ?? 1200,
    outboundAllow:
      env.TRAINER_OUTBOUND_ALLOW !== undefined
        ? env.TRAINER_OUTBOUND_ALLOW.split(',')
            .map((entry) => entry.trim())
            .filter(Boolean)
        : (file.outbound_allow ?? []),
    authFailuresPerMinute:
      positiveInt('TRAINER_AUTH_FAILURES_PER_MINUTE', env.TRAINER_AUTH_FAILURES_PER_MINUTE, 0, 10_000_000) ?? file.auth_failures_per_minute ?? 60,
    trustedProxies: trustedProxies(env.TRAINER_TRUSTED_PROXIES, file.trusted_proxies),
    requestTimeoutMs:
      (positiveInt('TRAINER_REQUEST_TIMEOUT_SECONDS', env.TRAINER_REQUEST_TIMEOUT_SECONDS, 1, 86_400) ?? file.request_timeout_seconds ?? 300) * 1000,
    contentLimits: {
      maxInflatedBytes: Math.floor(
        (positiveNumber('TRAINER_MAX_INFLATED_MB', env.TRAINER_MAX_INFLATED_MB, 0.001, 1024 * 1024) ??
          file.max_inflated_mb ??
          DEFAULT_CONTENT_LIMITS.maxInflatedBytes / 1048576) * 1048576,
      ),
      maxEntries:
        positiveInt('TRAINER_MAX_ARCHIVE_ENTRIES', env.TRAINER_MAX_ARCHIVE_ENTRIES, 1, 100_000_000) ??
        file.max_archive_entries ??
        DEFAULT_CONTENT_LIMITS.maxEntries,
      maxImageSide:
        positiveInt('TRAINER_MAX_IMAGE_SIDE', env.TRAINER_MAX_IMAGE_SIDE, 1, 1_000_000) ?? file.max_image_side ?? DEFAULT_CONTENT_LIMITS.maxImageSide,
    },
    contentCheckTimeoutMs: Math.round(
      (positiveNumber('TRAINER_CONTENT_CHECK_TIMEOUT_SECONDS', env.TRAINER_CONTENT_CHECK_TIMEOUT_SECONDS, 0.001, 3600) ??
        file.content_check_timeout_seconds ??
        30) * 1000,
    ),
    metricExposure: metricExposure(file.prometheus ?? {}, env),
    sampleIntervalMs: Math.round(
      (positiveNumber('TRAINER_SAMPLE_INTERVAL_SECONDS', env.TRAINER_SAMPLE_INTERVAL_SECONDS, 0.1, 3600) ?? file.sample_interval_seconds ?? 5) * 1000,
    ),
  };
}

/** `TRAINER_TRUSTED_PROXIES` (comma-separated) or the file's `trusted_proxies`; an entry that is not a CIDR or an address stops the start. */
function trustedProxies(fromEnv: string | undefined, fromFile: string[] | undefined): string[] {
  const entries = fromEnv !== undefined ? fromEnv.split(',') : (fromFile ?? []);
  const list = entries.map((entry) => entry.trim()).filter(Boolean);
  try {
    addressList(list, 'trusted_proxies');
  } catch (error) {
    throw new AppError(ErrorCode.Config, `Configuration error: ${(error as Error).message}`);
  }
  return list;
}

/** TRAINER_PROMETHEUS_* override the file's `prometheus` section; lists are comma-separated. */
function metricExposure(file: NonNullable<z.infer<typeof ConfigFileSchema>['prometheus']>, env: NodeJS.ProcessEnv): MetricExposurePolicy {
  const list = (name: string, fromFile: string[] | undefined, fallback: string[]) => (env[name] !== undefined ? splitKeys(env[name]) : (fromFile ?? fallback));
  const endedSeconds =
    positiveNumber('TRAINER_PROMETHEUS_ENDED_RUN_SECONDS', env.TRAINER_PROMETHEUS_ENDED_RUN_SECONDS, 0, 7 * 86_400) ?? file.ended_run_seconds;
  return {
    allow: list('TRAINER_PROMETHEUS_METRICS_ALLOW', file.metrics_allow, DEFAULT_METRIC_EXPOSURE.allow),
    deny: list('TRAINER_PROMETHEUS_METRICS_DENY', file.metrics_deny, DEFAULT_METRIC_EXPOSURE.deny),
    maxRuns: positiveInt('TRAINER_PROMETHEUS_MAX_RUNS', env.TRAINER_PROMETHEUS_MAX_RUNS, 0, 10_000) ?? file.max_runs ?? DEFAULT_METRIC_EXPOSURE.maxRuns,
    maxMetricsPerRun:
      positiveInt('TRAINER_PROMETHEUS_MAX_METRICS_PER_RUN', env.TRAINER_PROMETHEUS_MAX_METRICS_PER_RUN, 0, 10_000) ??
      file.max_metrics_per_run ??
      DEFAULT_METRIC_EXPOSURE.maxMetricsPerRun,
    endedRetentionMs: endedSeconds === undefined ? DEFAULT_METRIC_EXPOSURE.endedRetentionMs : Math.round(endedSeconds * 1000),
  };
}

/** Slack's and Discord's own variable names configure their notifiers (the config file can say the same). */
function chatPluginConfigFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  if (env.SLACK_BOT_TOKEN || env.SLACK_API_URL)
    config['notifier:slack'] = { ...(env.SLACK_BOT_TOKEN && { bot_token: env.SLACK_BOT_TOKEN }), ...(env.SLACK_API_URL && { api_url: env.SLACK_API_URL }) };
  if (env.DISCORD_TOKEN || env.DISCORD_API_URL)
    config['notifier:discord'] = { ...(env.DISCORD_TOKEN && { bot_token: env.DISCORD_TOKEN }), ...(env.DISCORD_API_URL && { api_url: env.DISCORD_API_URL }) };
  return config;
}

/** SLACK_CHANNEL / DISCORD_CHANNEL: where messages go when nothing else routes them. */
function chatRoutesFromEnv(env: NodeJS.ProcessEnv, chat: ChatBotsConfig): NotificationRoute[] {
  const routes: NotificationRoute[] = [];
  // where a bot runs, the channel is the bot's own default channel (a target of the same outbox), not a notifier route
  if (env.SLACK_CHANNEL && !chat.slack) routes.push({ notifier: 'slack', target: { channel: env.SLACK_CHANNEL } });
  if (env.DISCORD_CHANNEL && !chat.discord) routes.push({ notifier: 'discord', target: { channel_id: env.DISCORD_CHANNEL } });
  return routes;
}

type ChatFile = NonNullable<z.infer<typeof ConfigFileSchema>['chat']>;

/**
 * The Slack bot runs with a bot token plus an app token (Socket Mode, the default) or a signing
 * secret (HTTP mode); the Discord bot with a token (gateway). Lists are comma-separated in env.
 */
function chatBotsConfig(file: ChatFile, env: NodeJS.ProcessEnv, host: string): ChatBotsConfig {
  const slack = file.slack ?? {};
  const discord = file.discord ?? {};
  const list = (name: string, fromFile: string[] | undefined) => (env[name] !== undefined ? splitKeys(env[name]) : (fromFile ?? []));
  const policy = (prefix: 'SLACK' | 'DISCORD', section: z.infer<typeof ChatPlatformSchema>, rolesName: string): AccessPolicy => ({
    users: list(`${prefix}_ALLOWED_USERS`, section.allowed_users),
    roles: list(`${prefix}_${rolesName}`, section.allowed_roles),
    channels: list(`${prefix}_ALLOWED_CHANNELS`, section.allowed_channels),
    admins: list(`${prefix}_ADMINS`, section.admins),
    readsNeedAllowList: (env[`${prefix}_READS_NEED_ALLOW_LIST`] ?? String(section.reads_need_allow_list ?? false)) === 'true',
  });
  const botToken = env.SLACK_BOT_TOKEN ?? slack.bot_token;
  const appToken = env.SLACK_APP_TOKEN ?? slack.app_token;
  const signingSecret = env.SLACK_SIGNING_SECRET ?? slack.signing_secret;
  const mode = (env.SLACK_MODE as 'socket' | 'http' | undefined) ?? slack.mode ?? (appToken ? 'socket' : 'http');
  if (mode !== 'socket' && mode !== 'http')
    throw new AppError(ErrorCode.Config, `Configuration error: SLACK_MODE must be socket or http, got '${String(mode)}'`);
  const slackReady = Boolean(botToken && (mode === 'socket' ? appToken : signingSecret));
  if (env.SLACK_MODE && botToken && !slackReady) {
    throw new AppError(
      ErrorCode.Config,
      `Configuration error: the Slack bot in ${mode} mode needs ${mode === 'socket' ? 'SLACK_APP_TOKEN' : 'SLACK_SIGNING_SECRET'}`,
    );
  }
  const discordToken = env.DISCORD_TOKEN ?? discord.token;
  const slackPolicy = policy('SLACK', slack, 'ALLOWED_GROUPS');
  const discordMode = (env.DISCORD_MODE as 'gateway' | 'http' | undefined) ?? discord.mode ?? 'gateway';
  if (discordMode !== 'gateway' && discordMode !== 'http')
    throw new AppError(ErrorCode.Config, `Configuration error: DISCORD_MODE must be gateway or http, got '${String(discordMode)}'`);
  const discordPublicKey = env.DISCORD_PUBLIC_KEY ?? discord.public_key;
  if (discordToken && discordMode === 'http' && !/^[0-9a-fA-F]{64}$/.test(discordPublicKey ?? '')) {
    throw new AppError(
      ErrorCode.Config,
      'Configuration error: the Discord bot in http mode needs DISCORD_PUBLIC_KEY (the application public key, 64 hex digits)',
    );
  }
  return {
    slack: slackReady
      ? {
          botToken: botToken!,
          mode,
          ...(appToken && { appToken }),
          ...(signingSecret && { signingSecret }),
          apiUrl: env.SLACK_API_URL ?? slack.api_url ?? 'https://slack.com/api/',
          httpHost: host,
          httpPort: positiveInt('SLACK_HTTP_PORT', env.SLACK_HTTP_PORT, 0, 65535) ?? slack.http_port ?? 3000,
          channel: env.SLACK_CHANNEL ?? slack.channel ?? null,
          clientPingTimeoutMs: positiveInt('SLACK_PING_TIMEOUT_MS', env.SLACK_PING_TIMEOUT_MS, 100, 60_000) ?? 5000,
          apiRetries: positiveInt('SLACK_API_RETRIES', env.SLACK_API_RETRIES, 0, 100) ?? 5,
          lookupGroups: slackPolicy.roles.length > 0,
        }
      : null,
    discord: discordToken
      ? {
          token: discordToken,
          apiUrl: env.DISCORD_API_URL ?? discord.api_url ?? 'https://discord.com/api',
          channel: env.DISCORD_CHANNEL ?? discord.channel ?? null,
          mode: discordMode,
          ...(discordPublicKey && { publicKey: discordPublicKey }),
          ...((env.DISCORD_APPLICATION_ID ?? discord.application_id) && { applicationId: env.DISCORD_APPLICATION_ID ?? discord.application_id }),
          httpHost: host,
          httpPort: positiveInt('DISCORD_HTTP_PORT', env.DISCORD_HTTP_PORT, 0, 65535) ?? discord.http_port ?? 3001,
        }
      : null,
    policies: { slack: slackPolicy, discord: policy('DISCORD', discord, 'ALLOWED_ROLES') },
  };
}

function readConfigFile(path: string): z.infer<typeof ConfigFileSchema> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    throw new AppError(ErrorCode.Config, `Configuration error: cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new AppError(ErrorCode.Config, `Configuration error in ${path}: ${issues}`);
  }
  return parsed.data;
}
