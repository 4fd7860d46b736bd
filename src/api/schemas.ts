import { z } from 'zod';
import { RUN_ID_PATTERN } from '../domain/run-id.js';
import { ALERT_STATUSES, NOTIFICATION_PRIORITIES, NOTIFICATION_TYPES, SEVERITIES } from '../domain/alerting.js';
import { KEY_SCOPES } from '../domain/api-key.js';
import { WEBHOOK_EVENTS } from '../domain/webhooks.js';
import { RUN_STATES } from '../domain/run.js';
import { OVERLAP_POLICIES } from '../domain/schedule.js';
import { DIRECTIONS, PRUNERS, SAMPLERS } from '../domain/hpo.js';
import { MODEL_TAG_PATTERN, REGISTRY_NAME_RULE, registryNameProblem } from '../domain/registry.js';

const name = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\u0000-\u001f]*$/, 'must not contain control characters');
const priority = z.number().int().min(-100).max(100);
const gpus = z.number().int().min(0).max(64);
const tags = z.array(z.string().min(1).max(64)).max(32);

/** Seed 000's start body, with its ranges; `recipe`, `priority`, `gpus`, `session_name`, `tags` are additions. */
export const StartTrainingBody = z
  .object({
    model_architecture: name,
    dataset_name: name,
    learning_rate: z.number().min(0.0001).max(1.0),
    batch_size: z.number().int().min(1).max(256),
    epochs: z.number().int().min(1).max(1000),
    optimizer: z.enum(['adam', 'sgd', 'rmsprop', 'adamw']).default('adam'),
    loss_function: z.enum(['cross_entropy', 'mse', 'mae', 'bce']).default('cross_entropy'),
    recipe: name.optional(),
    priority: priority.optional(),
    gpus: gpus.optional(),
    session_name: name.optional(),
    tags: tags.optional(),
    experiment_id: name.optional(),
  })
  .strict();

/** Seed 001's create body; `recipe`/`params`/`start` let any recipe be run through it. */
export const CreateSessionBody = z
  .object({
    config_path: name.optional(),
    recipe: name.optional(),
    params: z.record(z.string().max(64), z.union([z.number(), z.string().max(4096), z.boolean()])).default({}),
    session_name: name.optional(),
    tags: tags.optional(),
    priority: priority.optional(),
    gpus: gpus.optional(),
    experiment_id: name.optional(),
    start: z.boolean().default(false),
    /** Seed 002: a run that only records what the client reports; straight to running, no process. */
    tracking_only: z.boolean().default(false),
    total_epochs: z.number().int().min(1).max(10_000_000).optional(),
  })
  .strict()
  .refine((body) => !(body.config_path && body.recipe), { message: 'give either config_path or recipe, not both' });

/** Ends a tracking-only run: completed, or failed with a message. */
export const CompleteSessionBody = z
  .object({
    failed: z.boolean().default(false),
    error_message: z.string().max(4096).optional(),
  })
  .strict();

/** Query-string integers: decimal digits only. `0x10`, `1e3`, blanks and unsafe integers are refused, never coerced. */
export const queryInt = <T extends z.ZodType<number>>(refine: (number: z.ZodNumber) => T) =>
  z.preprocess(
    (value) => (typeof value === 'string' && /^-?[0-9]+$/.test(value) ? Number(value) : value),
    refine(z.number({ error: 'must be a decimal integer' }).int()),
  );

const limit = (max: number, fallback: number) => queryInt((number) => number.min(1).max(max).default(fallback));

/** No limit: every session (seed 000 lists them all); with one, pages of it with a Link rel="next". */
export const ListSessionsQuery = z.object({
  limit: queryInt((number) => number.min(1).max(1000)).optional(),
  offset: queryInt((number) => number.min(0).default(0)),
  status: z.enum(RUN_STATES).optional(),
});

export const DeleteSessionQuery = z.object({
  /** Also delete the checkpoints and models the run registered (default: keep them). */
  delete_artifacts: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

export const LogsQuery = z.object({
  limit: limit(10_000, 100),
  cursor: queryInt((number) => number.min(0)).optional(),
});

export const SessionMetricsQuery = z.object({
  metric_name: z.string().min(1).max(128).optional(),
  limit: limit(100_000, 1000),
});

export const SessionIdParam = z.string().regex(RUN_ID_PATTERN, 'must look like sess_ followed by 12 hex digits');

export const MetricNameSchema = z.string().regex(/^[A-Za-z0-9_.\/-]{1,128}$/, 'metric names are 1-128 letters, digits, "_", ".", "/" or "-"');

export const HISTORY_DEFAULT_POINTS = 10_000;

export const HistoryQuery = z
  .object({
    metric_name: MetricNameSchema.optional(),
    start_epoch: queryInt((number) => number.min(0)).optional(),
    end_epoch: queryInt((number) => number.min(0)).optional(),
    /** Default 10,000, at most 100,000 (README): an 880k-point run is never answered whole. */
    max_points: queryInt((number) => number.min(2).max(100_000).default(HISTORY_DEFAULT_POINTS)),
  })
  .refine((query) => query.start_epoch === undefined || query.end_epoch === undefined || query.start_epoch <= query.end_epoch, {
    message: 'start_epoch must not be after end_epoch',
  });

const metricValue = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
const MetricPoint = z
  .object({
    metrics: z
      .record(MetricNameSchema, metricValue)
      .refine((values) => Object.keys(values).length > 0 && Object.keys(values).length <= 256, 'give 1 to 256 metrics'),
    step: z.number().int().min(0).optional(),
    epoch: z.number().int().min(0).optional(),
  })
  .strict();

/** Seed 002's `POST /metrics/{run_id}`: one metric. */
export const LogOneMetricBody = z
  .object({ name: MetricNameSchema, value: metricValue, step: z.number().int().min(0).optional(), epoch: z.number().int().min(0).optional() })
  .strict();

/** Seed 002's `POST /metrics/{run_id}/batch`: several metrics of one step. */
export const LogBatchMetricsBody = MetricPoint;

/** Seed 002: one point, or a batch of up to 1,000. */
export const LogMetricsBody = z.union([MetricPoint, z.object({ points: z.array(MetricPoint).min(1).max(1000) }).strict()]);

export const CreateKeyBody = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, '1-64 letters, digits, spaces, ".", "_" or "-"'),
    scope: z.enum(KEY_SCOPES).default('read'),
  })
  .strict();

const ruleName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}$/, '1-128 letters, digits, spaces, ".", "_" or "-"');

/**
 * Seed 001's rule body (`name, metric, condition, threshold, severity, enabled`) is a threshold rule;
 * any rule type takes `type` and `params`. `for_seconds`, `resolve_threshold` and
 * `repeat_interval_seconds` are additions.
 */
export const CreateRuleBody = z
  .object({
    name: ruleName,
    type: z.string().min(1).max(64).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    metric: z.string().min(1).max(64).optional(),
    condition: z.string().min(1).max(32).optional(),
    threshold: z.number().optional(),
    resolve_threshold: z.number().optional(),
    severity: z.enum(SEVERITIES).default('medium'),
    enabled: z.boolean().default(true),
    for_seconds: z
      .number()
      .min(0)
      .max(7 * 24 * 3600)
      .default(0),
    repeat_interval_seconds: z
      .number()
      .min(1)
      .max(7 * 24 * 3600)
      .default(3600),
  })
  .strict()
  .transform(({ metric, condition, threshold, resolve_threshold, type, params, ...rest }) => ({
    ...rest,
    type: type ?? 'threshold',
    params: params ?? Object.fromEntries(Object.entries({ metric, condition, threshold, resolve_threshold }).filter(([, value]) => value !== undefined)),
  }));

export const AlertsQuery = z.object({ status: z.enum(ALERT_STATUSES).optional(), severity: z.enum(SEVERITIES).optional() });

export const AcknowledgeBody = z.object({ acknowledged_by: z.string().min(1).max(256).optional(), notes: z.string().max(4096).optional() }).strict();

/** `duration` as `90s`, `30m`, `1h`, `2d`, or `duration_seconds`. */
export const SilenceBody = z
  .object({
    rule_id: z.string().min(1).max(64).optional(),
    run_id: z.string().min(1).max(64).optional(),
    duration: z
      .string()
      .regex(/^\d{1,6}[smhd]$/, 'a number followed by s, m, h or d')
      .optional(),
    duration_seconds: z
      .number()
      .int()
      .min(1)
      .max(90 * 24 * 3600)
      .optional(),
    reason: z.string().max(1024).optional(),
    created_by: z.string().max(256).optional(),
  })
  .strict()
  .refine((body) => (body.rule_id ? 1 : 0) + (body.run_id ? 1 : 0) === 1, { message: 'give exactly one of rule_id or run_id' })
  .refine((body) => (body.duration ? 1 : 0) + (body.duration_seconds ? 1 : 0) === 1, { message: 'give exactly one of duration or duration_seconds' })
  .transform(({ duration, duration_seconds, ...rest }) => ({ ...rest, duration_seconds: duration_seconds ?? parseDuration(duration!) }));

function parseDuration(text: string): number {
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[text.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return Number(text.slice(0, -1)) * unit;
}

export const NotificationsQuery = z.object({
  type: z.enum(NOTIFICATION_TYPES).optional(),
  priority: z.enum(NOTIFICATION_PRIORITIES).optional(),
  unread: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
});

/** Where notifier messages stand: the outbox (pending) and the recent history. */
export const NotifierDeliveriesQuery = z.object({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  limit: queryInt((number) => number.min(1).max(1000).default(100)),
});

export const CreateWebhookBody = z
  .object({
    url: z
      .string()
      .max(2048)
      .url()
      .refine((url) => /^https?:\/\//i.test(url), 'only http and https URLs'),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
    secret: z.string().min(8, 'use a secret of at least 8 characters').max(256).optional(),
  })
  .strict();

export const PatchConfigBody = z
  .object({
    max_concurrent_sessions: z.number().int().min(1, 'at least 1: with 0 no run could ever start').max(1024).optional(),
    default_recipe: z.string().min(1).max(64).optional(),
    default_params: z.record(z.string().max(64), z.union([z.number(), z.string().max(4096), z.boolean()])).optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'give at least one setting to change');

export const AuditQuery = z.object({ limit: limit(10_000, 100) });

const experimentName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}$/, '1-128 letters, digits, spaces, ".", "_" or "-"');
export const CreateExperimentBody = z.object({ name: experimentName, description: z.string().max(4096).optional(), tags: tags.optional() }).strict();
export const UpdateExperimentBody = z
  .object({ name: experimentName.optional(), description: z.string().max(4096).optional(), tags: tags.optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change');
export const DeleteExperimentQuery = z.object({
  detach: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

export const LeaderboardQuery = z.object({
  metric: MetricNameSchema,
  mode: z.enum(['min', 'max']).default('max'),
  experiment: z.string().max(64).optional(),
  recipe: z.string().max(64).optional(),
  limit: limit(1000, 20),
  format: z.enum(['json', 'csv']).default('json'),
});

/** A model or dataset name: it becomes a file name, so it is held to a conservative alphabet. */
const registryName = (field: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `required: give the name as ?${field}=NAME (${REGISTRY_NAME_RULE})` : 'must be a string') })
    .superRefine((value, ctx) => {
      const problem = registryNameProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** Seed 000: `POST /api/v1/models?model_name=NAME` with the file as multipart field `file`. */
export const ModelUploadQuery = z.object({ model_name: registryName('model_name') });

/** Seed 000: `POST /api/v1/datasets?dataset_name=NAME` with the file as multipart field `file`. */
export const DatasetUploadQuery = z.object({
  dataset_name: registryName('dataset_name'),
  /** Seed 004: an existing name gets the file as its new version (identified by its SHA-256) instead of a 409. */
  new_version: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

/** `?version=<sha256 prefix>`: an earlier version's file instead of the current one. */
export const DatasetDownloadQuery = z.object({ version: z.string().max(64).optional() });

/** `POST /api/v1/checkpoints?session_id=`: the session may also be given in the query, checked before the body is read. */
export const CheckpointUploadQuery = z.object({ session_id: z.string().min(1).max(128).optional() });

/** Seed 001: `GET /api/v1/checkpoints?session_id=&limit=`. */
export const CheckpointListQuery = z.object({
  session_id: z.string().min(1).max(128).optional(),
  limit: queryInt((number) => number.min(1).max(100_000)).optional(),
});

const modelTag = z.string().regex(MODEL_TAG_PATTERN, '1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Seed 004: `POST /api/v1/models/{name}/tag`. */
export const TagModelBody = z.object({ tag: modelTag }).strict();

/** `GET /api/v1/models?tag=production`: the model that holds the tag. */
export const ModelListQuery = z.object({ tag: modelTag.optional() });

const runParams = z.record(z.string().max(64), z.union([z.number(), z.string().max(4096), z.boolean()]));

/** A recurring run. The cron expression and time zone are checked by the schedule service (422 with what is wrong). */
export const CreateScheduleBody = z
  .object({
    name: name.optional(),
    recipe: name,
    params: runParams.default({}),
    gpus: gpus.optional(),
    priority: priority.optional(),
    cron: z.string().min(1).max(256),
    timezone: z.string().min(1).max(64).default('UTC'),
    overlap: z.enum(OVERLAP_POLICIES).default('skip'),
  })
  .strict();

const bound = z.number().finite();
const step = z.number().positive().finite().optional();
const Dimension = z.discriminatedUnion('type', [
  z.object({ type: z.literal('float'), low: bound, high: bound, log: z.boolean().default(false), step }).strict(),
  z
    .object({
      type: z.literal('int'),
      low: z.number().int(),
      high: z.number().int(),
      log: z.boolean().default(false),
      step: z.number().int().positive().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('categorical'),
      choices: z
        .array(z.union([z.number(), z.string().max(4096), z.boolean()]))
        .min(1)
        .max(1000),
    })
    .strict(),
]);

/** Seed 004's HPO study, with the recipe whose runs are the trials and the metric the objective reads. */
export const CreateStudyBody = z
  .object({
    name: name,
    recipe: name,
    params: runParams.default({}),
    search_space: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a recipe parameter name'), Dimension),
    objective: z.enum(DIRECTIONS).default('minimize'),
    metric: z.string().min(1).max(128).default('loss'),
    n_trials: z.number().int().min(1).max(10_000),
    parallelism: z.number().int().min(1).max(256).default(1),
    sampler: z.enum(SAMPLERS).default('random'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
    grid_points: z.number().int().min(1).max(1000).optional(),
    pruner: z.enum(PRUNERS).default('none'),
    pruner_warmup_epochs: z.number().int().min(0).max(1_000_000).default(1),
    pruner_min_trials: z.number().int().min(1).max(10_000).default(3),
  })
  .strict();
