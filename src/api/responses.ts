import { z } from 'zod';
import { KEY_SCOPES } from '../domain/api-key.js';
import { END_REASONS, RUN_STATES } from '../domain/run.js';
import { WIRE_CODES } from '../errors.js';

/**
 * What the agent answers, route by route (referenced from route-docs.ts): the OpenAPI document's
 * response schemas and, in tests, the check that every answer matches them. Seed 000's and 001's
 * field names are kept as the seeds wrote them, so one run's state has several names on the wire —
 * each schema's description says which.
 */

const time = z.string().describe('ISO 8601 time (UTC)');
const nullableTime = time.nullable();
const metricValue = z.union([z.number(), z.string()]);

export const RunState = z
  .enum(RUN_STATES)
  .describe(
    "The run's state. Named `state` in seed 000's status answer and `status` in seed 000's start answer and in seed 001's views; the same values everywhere.",
  );
export const EndReason = z.enum(END_REASONS).nullable().describe('Why it ended (null while it has not)');

export const ErrorBody = z
  .strictObject({
    detail: z.string().describe("Seed 000's message for people"),
    code: z.enum(Object.keys(WIRE_CODES) as [keyof typeof WIRE_CODES]).describe('What went wrong, for programs: decide on this, not on the status'),
    errors: z
      .array(z.strictObject({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string() }))
      .optional()
      .describe('422 only: each field that failed validation'),
  })
  .meta({ id: 'Error' });

export const Message = z.strictObject({ message: z.string() }).meta({ id: 'Message' });

const Attempt = z.strictObject({
  n: z.number().int(),
  started_at: time,
  ended_at: nullableTime,
  end_reason: EndReason,
  exit_code: z.number().int().nullable(),
  end_signal: z.string().nullable(),
  error_message: z.string().nullable(),
  resumed_from: z.string().nullable(),
});

const Origin = z.strictObject({ platform: z.enum(['slack', 'discord']), channel: z.string(), thread: z.string().nullable(), user: z.string() });

export const RunStatus = z
  .strictObject({
    session_id: z.string(),
    state: RunState,
    current_epoch: z.number().int().nullable(),
    total_epochs: z.number().int().nullable(),
    start_time: nullableTime,
    end_time: nullableTime,
    error_message: z.string().nullable(),
    recipe: z.string(),
    backend: z.string(),
    priority: z.number().int(),
    gpus: z.number().int(),
    gpu_ids: z.array(z.number().int()),
    exit_code: z.number().int().nullable(),
    end_reason: EndReason,
    end_signal: z.string().nullable(),
    attempts: z.array(Attempt),
    max_retries: z.number().int(),
    queued_at: nullableTime,
    experiment_id: z.string().nullable(),
    schedule_id: z.string().nullable(),
    origin: Origin.nullable(),
    dataset_version: z.string().nullable(),
    tracking_only: z.boolean(),
    progress: z.number().min(0).max(1).nullable().describe('0..1 from epochs, else from the progress bar the run prints; null when neither is known'),
  })
  .meta({ id: 'RunStatus', description: "Seed 000's status (its fields first, verbatim: the run's state is `state` here), then additions" });

export const SessionSummary = z
  .strictObject({
    session_id: z.string(),
    session_name: z.string().nullable(),
    config: z.record(z.string(), z.unknown()).describe("The run's parameters"),
    status: RunStatus.describe('The whole status object (seed 000 list shape): the state is `status.state`'),
    created_at: time,
    tags: z.array(z.string()),
  })
  .meta({ id: 'SessionSummary' });

export const StartedSession = z
  .strictObject({ session_id: z.string(), status: RunState.describe('`queued` or `running` (seed 000 names the state `status` here)'), message: z.string() })
  .meta({ id: 'StartedSession' });

export const StopResult = z.strictObject({ message: z.string(), state: RunState }).meta({ id: 'StopResult' });

export const MetricPoint = z
  .strictObject({
    session_id: z.string(),
    epoch: z.number().nullable(),
    step: z.number().optional(),
    timestamp: nullableTime.describe('When it was logged; null when the run has no metrics yet'),
  })
  .catchall(metricValue)
  .meta({ id: 'MetricPoint', description: 'One metric record: epoch, step, timestamp and each metric by name (numbers; a few recipes report strings)' });

export const MetricSummary = z
  .strictObject({
    session_id: z.string(),
    metrics: z.record(
      z.string(),
      z.strictObject({
        current: metricValue,
        min: z.number().nullable(),
        max: z.number().nullable(),
        mean: z.number().nullable(),
        count: z.number().int(),
        non_finite: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'MetricSummary' });

export const LoggedMetrics = z.strictObject({ session_id: z.string(), accepted: z.number().int() }).meta({ id: 'LoggedMetrics' });

export const LogLine = z
  .strictObject({ session_id: z.string(), timestamp: time, level: z.string(), message: z.string(), stream: z.string().optional() })
  .meta({ id: 'LogLine' });

export const CompletedTracking = z
  .strictObject({
    session_id: z.string(),
    status: RunState,
    ended_at: nullableTime,
    error_message: z.string().nullable(),
    final_metrics: z.record(z.string(), metricValue).nullable(),
  })
  .meta({ id: 'CompletedTracking' });

export const CreatedSession = z
  .strictObject({
    session_id: z.string(),
    status: RunState.describe('Seed 001 names the state `status`'),
    created_at: time,
    recipe: z.string(),
    config: z.record(z.string(), z.unknown()),
    tracking_only: z.boolean(),
  })
  .meta({ id: 'CreatedSession' });

export const SessionDetail = z
  .strictObject({
    session_id: z.string(),
    session_name: z.string().nullable(),
    status: RunState.describe('Seed 001 names the state `status`'),
    recipe: z.string(),
    config: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    created_at: time,
    started_at: nullableTime,
    completed_at: nullableTime,
    current_epoch: z.number().int().nullable(),
    total_epochs: z.number().int().nullable(),
    progress: z.number().min(0).max(1).nullable(),
    latest_metrics: z.record(z.string(), metricValue),
    error_message: z.string().nullable(),
    end_reason: EndReason,
    attempts: z.array(Attempt),
  })
  .meta({ id: 'SessionDetail', description: "Seed 001's session detail (its state is `status` here)" });

export const SessionStarted = z.strictObject({ session_id: z.string(), status: RunState, started_at: nullableTime }).meta({ id: 'SessionStarted' });
export const SessionStopped = z.strictObject({ session_id: z.string(), status: RunState, stopped_at: nullableTime }).meta({ id: 'SessionStopped' });

export const SessionMetrics = z
  .strictObject({
    session_id: z.string(),
    metrics: z.array(z.strictObject({ epoch: z.number().nullable(), step: z.number().optional(), timestamp: nullableTime }).catchall(metricValue)),
  })
  .meta({ id: 'SessionMetrics' });

export const MetricSeries = z
  .strictObject({
    metric_name: z.string(),
    values: z.array(metricValue.nullable()),
    epochs: z.array(z.number().nullable()),
    steps: z.array(z.number().nullable()),
    timestamps: z.array(time),
  })
  .meta({ id: 'MetricSeries', description: "Seed 001's history of one metric, as arrays" });

export const Checkpoint = z
  .strictObject({
    checkpoint_id: z.string(),
    session_id: z.string(),
    epoch: z.number().int(),
    metric_name: z.string(),
    metric_value: z.number().nullable(),
    metrics: z.record(z.string(), z.number()),
    file_size_mb: z.number(),
    size_bytes: z.number().int(),
    file_path: z.string(),
    is_best: z.boolean(),
    created_at: time,
    source: z.enum(['run', 'upload']),
    original_path: z.string().nullable(),
  })
  .meta({ id: 'Checkpoint' });

export const UploadedCheckpoint = Checkpoint.extend({ retained: z.boolean().optional(), uploaded_at: time }).meta({ id: 'UploadedCheckpoint' });

export const Model = z
  .strictObject({
    name: z.string(),
    size_mb: z.number(),
    created_at: time,
    file_path: z.string(),
    run_id: z.string().nullable(),
    size_bytes: z.number().int(),
    sha256: z.string().nullable(),
    bundle: z.boolean().describe('A directory of files, downloaded as a tar archive'),
    tags: z.array(z.string()),
  })
  .meta({ id: 'Model', description: "Seed 000's model (name, size_mb, created_at, file_path), plus run_id, size, digest and seed 004's tags" });

export const ModelWithMessage = Model.extend({ message: z.string() }).meta({ id: 'ModelWithMessage' });

export const Dataset = z
  .strictObject({
    name: z.string(),
    size_mb: z.number(),
    sample_count: z.number().int().nullable(),
    format: z.string(),
    dimensions: z.string().nullable(),
    created_at: nullableTime,
    file_path: z.string().nullable(),
    description: z.string().optional(),
    builtin: z.boolean(),
    row_count: z.number().int().nullable(),
    column_count: z.number().int().nullable(),
    columns: z.array(z.string()).nullable(),
    file_count: z.number().int().nullable(),
    size_bytes: z.number().int(),
    sha256: z.string().nullable(),
    note: z.string().nullable(),
    version: z.string().nullable().describe('The current version: the SHA-256 of its file (null for built-in and hand-placed datasets)'),
    versions: z.number().int().describe('How many versions it has (seed 004)'),
  })
  .meta({
    id: 'Dataset',
    description: "Seed 000's dataset (name, size_mb, sample_count, format, dimensions), with seed 003's table introspection and seed 004's versions",
  });

export const DatasetWithMessage = Dataset.extend({ message: z.string() }).meta({ id: 'DatasetWithMessage' });

export const DatasetVersion = z
  .strictObject({
    version: z.string(),
    hash: z.string().describe('SHA-256 of the file (the same as version)'),
    created_at: time,
    size: z.number().int(),
    size_mb: z.number(),
    format: z.string(),
    row_count: z.number().int().nullable(),
    column_count: z.number().int().nullable(),
    original_filename: z.string().nullable(),
    current: z.boolean(),
  })
  .meta({ id: 'DatasetVersion', description: "Seed 004's dataset version, newest first" });

export const ApiKey = z
  .strictObject({ id: z.string(), name: z.string(), scope: z.enum(KEY_SCOPES), prefix: z.string(), created_at: time, revoked_at: nullableTime })
  .meta({ id: 'ApiKey' });

export const DiskSpace = z
  .strictObject({
    path: z.string().describe("The agent's data directory"),
    free_bytes: z.number().int().min(0).describe('Space left for the agent (statfs: blocks available to unprivileged users)'),
    total_bytes: z.number().int().min(0),
    free_percent: z.number().min(0).max(100),
    min_free_bytes: z.number().int().min(0).describe('Under this the agent reports `degraded`: disk_free_min_mb, or 5 % of the disk where that is less'),
  })
  .meta({ id: 'DiskSpace' });

export const Health = z
  .strictObject({
    status: z.enum(['healthy', 'degraded']).describe('`degraded` when the data disk is nearly full (writes may answer 507) or cannot be read'),
    service: z.string(),
    version: z.string(),
    disk: DiskSpace.nullable().describe("The data directory's disk; null when it cannot be read"),
  })
  .meta({ id: 'Health' });
export const ServiceIndex = z
  .strictObject({ service: z.string(), version: z.string(), health: z.string(), api: z.string(), docs: z.string() })
  .meta({ id: 'ServiceIndex' });
