import { z, type ZodType } from 'zod';
import {
  ApiKey,
  Checkpoint,
  Dataset,
  DatasetVersion,
  DatasetWithMessage,
  CompletedTracking,
  CreatedSession,
  Health,
  LoggedMetrics,
  LogLine,
  Message,
  MetricPoint,
  MetricSeries,
  MetricSummary,
  Model,
  ModelWithMessage,
  RunStatus,
  ServiceIndex,
  SessionDetail,
  SessionMetrics,
  SessionStarted,
  SessionStopped,
  SessionSummary,
  StartedSession,
  StopResult,
  UploadedCheckpoint,
} from './responses.js';
import type { RouteScope } from '../domain/api-key.js';
import { JobLogsQuery, ListJobsQuery, SubmitJobBody } from './job-schemas.js';
import {
  ModelListQuery,
  TagModelBody,
  CheckpointListQuery,
  CheckpointUploadQuery,
  CompleteSessionBody,
  DatasetDownloadQuery,
  DatasetUploadQuery,
  ModelUploadQuery,
  AuditQuery,
  CreateExperimentBody,
  LeaderboardQuery,
  PatchConfigBody,
  UpdateExperimentBody,
  DeleteExperimentQuery,
  AcknowledgeBody,
  AlertsQuery,
  CreateKeyBody,
  CreateRuleBody,
  CreateSessionBody,
  CreateWebhookBody,
  NotificationsQuery,
  NotifierDeliveriesQuery,
  SilenceBody,
  HistoryQuery,
  ListSessionsQuery,
  LogMetricsBody,
  DeleteSessionQuery,
  LogBatchMetricsBody,
  LogOneMetricBody,
  LogsQuery,
  SessionMetricsQuery,
  StartTrainingBody,
  CreateScheduleBody,
  CreateStudyBody,
} from './schemas.js';
import { Architectures, Leaderboard, RecipeView } from './contract/catalog.js';
import { CancelledJob, Job, JobCreated, JobLogs } from './contract/jobs.js';
import { DeletedSession, LoggedMetric } from './contract/metrics.js';
import { Gpu, HealthDetail, MonitorResources, OpenApiDocument, SystemInfo } from './contract/system.js';
import {
  AlertList,
  AlertRule,
  AlertRuleList,
  Alert,
  Notification,
  NotificationList,
  NotifierDeliveryList,
  Silence,
  SilenceList,
  Webhook,
  WebhookDeliveryList,
  WebhookList,
  WebhookTestResult,
} from './contract/alerting.js';
import { Schedule, ScheduleList } from './contract/schedules.js';
import { Study, StudyList } from './contract/hpo.js';
import { AuditLog, Experiment, ExperimentList, ExperimentRuns, RuntimeConfig, WorkerList } from './contract/workspace.js';
import { AllRunsStreamQuery, ALL_RUNS_STREAM_EVENTS, JOB_STREAM_EVENTS, RUN_STREAM_EVENTS, type StreamEvents } from './contract/streams.js';

export interface RouteDoc {
  summary: string;
  tag: string;
  query?: ZodType;
  body?: ZodType;
  /**
   * The scope a key needs for this route, checked after routing against the route that matched
   * (never against the raw path); `public` routes need no key.
   */
  scope: RouteScope;
  /** Success status, when not 200. */
  status?: number;
  /**
   * Each success status and the schema of its JSON body (src/api/responses.ts): the document's
   * response schemas, and in tests (TRAINER_VALIDATE_RESPONSES=1) the check of every answer.
   * Error statuses are the same for all routes (`{detail, code}`), derived from the rest.
   */
  responses?: Partial<Record<200 | 201 | 202, ZodType>>;
  /** The operationId, when the one derived from the method and path (see openapi.ts) will not do. */
  operationId?: string;
  /** A Server-Sent Events stream: also takes the key as `?api_key=` (an EventSource cannot send headers). */
  stream?: boolean;
  /** A stream's events: each event name (`message` for unnamed events) with its data's schema. */
  events?: StreamEvents;
  /** A multipart/form-data upload with the file in the field `file`. */
  upload?: boolean;
  /** Answers with a file (application/octet-stream), not JSON. */
  download?: boolean;
  /** Also answers CSV (text/csv) on request (`format=csv`), beside its JSON schema. */
  csv?: boolean;
  /** When the route answers 204 No Content, and why (a stream that has nothing more to send). */
  noContent?: string;
}

/**
 * One entry per route, keyed `METHOD /path` as registered with the router. The request schemas are
 * the very objects that validate requests; the OpenAPI document is built from them, and a test
 * checks that every registered route has an entry here.
 */
const DECLARED = {
  'GET /': { summary: 'Service name and version', tag: 'health', scope: 'public', responses: { 200: ServiceIndex } },
  'GET /health': { summary: 'Liveness check', tag: 'health', scope: 'public', responses: { 200: Health } },
  'POST /api/v1/keys': {
    summary: 'Create an API key with a scope (read, write, exec, admin); the key is returned once',
    tag: 'keys',
    scope: 'admin',
    body: CreateKeyBody,
    status: 201,
    responses: { 201: ApiKey.extend({ key: z.string().describe('The key itself: shown this once') }) },
  },
  'GET /api/v1/keys': { summary: 'List API keys (never the keys themselves)', tag: 'keys', scope: 'admin', responses: { 200: z.array(ApiKey) } },
  'DELETE /api/v1/keys/:keyId': {
    operationId: 'revokeKey',
    summary: 'Revoke an API key',
    tag: 'keys',
    scope: 'admin',
    responses: { 200: ApiKey.extend({ message: z.string() }) },
  },
  'GET /api/v1/alerts': { summary: 'Alerts, newest first (seed 001)', tag: 'alerts', scope: 'read', query: AlertsQuery, responses: { 200: AlertList } },
  'POST /api/v1/alerts/:alertId/acknowledge': {
    summary: 'Acknowledge an active alert: it stops repeating (seed 001)',
    tag: 'alerts',
    scope: 'write',
    body: AcknowledgeBody,
    responses: { 200: Alert },
  },
  'GET /api/v1/alerts/rules': { summary: 'Alert rules', tag: 'alerts', scope: 'read', responses: { 200: AlertRuleList } },
  'POST /api/v1/alerts/rules': {
    summary: "Create an alert rule (seed 001's threshold body, or any rule type with params)",
    tag: 'alerts',
    scope: 'write',
    body: CreateRuleBody,
    status: 201,
    responses: { 201: AlertRule },
  },
  'DELETE /api/v1/alerts/rules/:ruleId': { summary: 'Delete an alert rule made through the API', tag: 'alerts', scope: 'write', responses: { 200: Message } },
  'GET /api/v1/alerts/silences': { summary: 'Silences in force', tag: 'alerts', scope: 'read', responses: { 200: SilenceList } },
  'POST /api/v1/alerts/silences': {
    summary: 'Mute a rule or a run for a duration',
    tag: 'alerts',
    scope: 'write',
    body: SilenceBody,
    status: 201,
    responses: { 201: Silence },
  },
  'DELETE /api/v1/alerts/silences/:silenceId': { summary: 'Lift a silence', tag: 'alerts', scope: 'write', responses: { 200: Message } },
  'GET /api/v1/notifications': {
    summary: 'The notification inbox, newest first (seed 001)',
    tag: 'notifications',
    scope: 'read',
    query: NotificationsQuery,
    responses: { 200: NotificationList },
  },
  'POST /api/v1/notifications/:notificationId/read': {
    summary: 'Mark a notification read',
    tag: 'notifications',
    scope: 'write',
    responses: { 200: Notification },
  },
  'DELETE /api/v1/notifications': { summary: 'Clear all notifications', tag: 'notifications', scope: 'write', responses: { 200: Message } },
  'POST /api/v1/schedules': {
    summary:
      'Create a schedule: recipe, params, cron (5 fields, or 6 with seconds first), timezone (IANA, default UTC), overlap skip|queue; answers with its next fire times',
    tag: 'schedules',
    scope: 'write',
    body: CreateScheduleBody,
    status: 201,
    responses: { 201: Schedule },
  },
  'GET /api/v1/schedules': {
    summary: 'Schedules with their next fire times, last fire and last run',
    tag: 'schedules',
    scope: 'read',
    responses: { 200: ScheduleList },
  },
  'GET /api/v1/schedules/:scheduleId': { summary: 'One schedule with its next fire times', tag: 'schedules', scope: 'read', responses: { 200: Schedule } },
  'DELETE /api/v1/schedules/:scheduleId': {
    summary: 'Delete a schedule; the runs it started are kept',
    tag: 'schedules',
    scope: 'write',
    responses: { 200: Message },
  },
  'POST /api/v1/hpo/studies': {
    summary:
      'Create an HPO study (seed 004): recipe, search_space (float with log, int, categorical), objective minimize|maximize of a metric, n_trials, parallelism, sampler random|grid, seed; each trial is a run',
    tag: 'hpo',
    scope: 'write',
    body: CreateStudyBody,
    status: 201,
    responses: { 201: Study },
  },
  'GET /api/v1/hpo/studies': {
    summary: 'Studies with their state, best value and best params (without the trials)',
    tag: 'hpo',
    scope: 'read',
    responses: { 200: StudyList },
  },
  'GET /api/v1/hpo/studies/:studyId': {
    summary: 'One study: state, best value, best params and every trial with its run',
    tag: 'hpo',
    scope: 'read',
    responses: { 200: Study },
  },
  'POST /api/v1/hpo/studies/:studyId/stop': {
    summary: 'Stop a study: no new trials, its running trials are stopped',
    tag: 'hpo',
    scope: 'write',
    responses: { 200: Study },
  },
  'DELETE /api/v1/hpo/studies/:studyId': {
    summary: 'Delete a study (stopping it first); its runs are kept',
    tag: 'hpo',
    scope: 'write',
    responses: { 200: Message },
  },
  'GET /api/v1/notifications/deliveries': {
    summary: 'Messages to Slack, Discord, webhooks and logs: pending retries and recent history, newest first',
    tag: 'notifications',
    scope: 'read',
    query: NotifierDeliveriesQuery,
    responses: { 200: NotifierDeliveryList },
  },
  'POST /api/v1/webhooks': {
    summary:
      'Register a webhook: url, events (training_started, training_completed, training_failed, training_stopped, training_queued, training_cancelled, alert_triggered, alert_resolved), secret',
    tag: 'webhooks',
    scope: 'write',
    body: CreateWebhookBody,
    status: 201,
    responses: { 201: Webhook },
  },
  'GET /api/v1/webhooks': { summary: 'Webhooks (secrets are never returned)', tag: 'webhooks', scope: 'read', responses: { 200: WebhookList } },
  'DELETE /api/v1/webhooks/:webhookId': {
    summary: 'Delete a webhook; its pending deliveries are dropped',
    tag: 'webhooks',
    scope: 'write',
    responses: { 200: Message },
  },
  'POST /api/v1/webhooks/:webhookId/test': {
    summary: 'Send a signed test event now: success, status_code, response_time_ms',
    tag: 'webhooks',
    scope: 'write',
    responses: { 200: WebhookTestResult },
  },
  'GET /api/v1/webhooks/:webhookId/deliveries': {
    summary: 'Delivery history and pending retries of a webhook',
    tag: 'webhooks',
    scope: 'read',
    responses: { 200: WebhookDeliveryList },
  },
  'GET /api/v1/config': {
    summary: 'Runtime configuration (seed 003): max_concurrent_sessions, default_recipe, default_params',
    tag: 'config',
    scope: 'read',
    responses: { 200: RuntimeConfig },
  },
  'PATCH /api/v1/config': {
    summary: 'Change runtime configuration without a restart: validated, persisted, audited, applied at once',
    tag: 'config',
    scope: 'write',
    body: PatchConfigBody,
    responses: { 200: RuntimeConfig },
  },
  'GET /api/v1/workers': {
    summary: 'Run slots: which run holds each and how many runs each has completed',
    tag: 'config',
    scope: 'read',
    responses: { 200: WorkerList },
  },
  'GET /api/v1/audit': { summary: 'The audit log, newest first', tag: 'config', scope: 'read', query: AuditQuery, responses: { 200: AuditLog } },
  'POST /api/v1/experiments': {
    summary: 'Create an experiment',
    tag: 'experiments',
    scope: 'write',
    body: CreateExperimentBody,
    status: 201,
    responses: { 201: Experiment },
  },
  'GET /api/v1/experiments': { summary: 'List experiments', tag: 'experiments', scope: 'read', responses: { 200: ExperimentList } },
  'GET /api/v1/experiments/:experimentId': { summary: 'Get an experiment', tag: 'experiments', scope: 'read', responses: { 200: Experiment } },
  'PATCH /api/v1/experiments/:experimentId': {
    summary: 'Update an experiment',
    tag: 'experiments',
    scope: 'write',
    body: UpdateExperimentBody,
    responses: { 200: Experiment },
  },
  'DELETE /api/v1/experiments/:experimentId': {
    summary: 'Delete an experiment (409 with runs unless ?detach=true)',
    tag: 'experiments',
    scope: 'write',
    query: DeleteExperimentQuery,
    responses: { 200: Message },
  },
  'GET /api/v1/experiments/:experimentId/runs': { summary: "An experiment's runs", tag: 'experiments', scope: 'read', responses: { 200: ExperimentRuns } },
  'GET /api/v1/leaderboard': {
    summary: 'Best completed runs by a final metric (format=json|csv)',
    tag: 'experiments',
    scope: 'read',
    query: LeaderboardQuery,
    responses: { 200: Leaderboard },
    csv: true,
  },
  'GET /metrics': {
    summary:
      'Prometheus metrics: per-run training metrics, epoch, progress and state; runs by state, queue length, GPUs by holding run, requests, metric points ingested',
    tag: 'health',
    scope: 'read',
  },
  'GET /openapi.json': {
    summary: 'This document (OpenAPI 3.1, JSON)',
    tag: 'health',
    scope: 'public',
    operationId: 'getOpenApiJson',
    responses: { 200: OpenApiDocument },
  },
  'GET /docs': { operationId: 'getSwaggerUi', summary: 'Swagger UI', tag: 'health', scope: 'public' },
  'GET /redoc': { summary: 'The API reference, read-only (seed 000; drawn by the bundled Swagger UI)', tag: 'health', scope: 'public' },
  'GET /api/v1/health': {
    operationId: 'getHealthDetail',
    summary:
      'Health (seed 001): status healthy|degraded, timestamp, uptime_seconds, version, system (cpu, memory, disk percent), components (database, filesystem)',
    tag: 'health',
    scope: 'public',
    responses: { 200: HealthDetail },
  },
  'POST /api/v1/metrics/:sessionId': {
    summary: "Log one metric into a running session (seed 002's {name, value, step}); id is null (points are not numbered)",
    tag: 'metrics',
    scope: 'write',
    body: LogOneMetricBody,
    responses: { 200: LoggedMetric },
  },
  'POST /api/v1/metrics/:sessionId/batch': {
    summary: "Log several metrics of one step into a running session (seed 002's {metrics, step})",
    tag: 'metrics',
    scope: 'write',
    body: LogBatchMetricsBody,
    responses: { 200: Message },
  },
  'GET /docs/:file': { operationId: 'getSwaggerUiAsset', summary: 'Swagger UI assets', tag: 'health', scope: 'public' },
  'POST /api/v1/training/start': {
    operationId: 'startTraining',
    summary: "Start a training session (seed 000 body; runs the default recipe unless 'recipe' is given)",
    tag: 'training',
    scope: 'write',
    body: StartTrainingBody,
    responses: { 200: StartedSession },
  },
  'GET /api/v1/training/sessions': {
    operationId: 'listSessions',
    summary:
      'List sessions, newest first: all of them unless limit (1–1000) is given, then a page with a Link rel="next" header while more remain; X-Total-Count always',
    tag: 'training',
    scope: 'read',
    query: ListSessionsQuery,
    responses: { 200: z.array(SessionSummary) },
  },
  'GET /api/v1/training/queue': { summary: 'Queued sessions in start order', tag: 'training', scope: 'read', responses: { 200: z.array(SessionSummary) } },
  'DELETE /api/v1/training/queue/:sessionId': {
    operationId: 'cancelQueuedSession',
    summary: 'Cancel a queued session',
    tag: 'training',
    scope: 'write',
    responses: { 200: Message },
  },
  'POST /api/v1/training/:sessionId/stop': {
    summary: 'Stop a session (SIGTERM, SIGKILL after the grace period); a queued one is cancelled',
    tag: 'training',
    scope: 'write',
    responses: { 200: StopResult },
  },
  'GET /api/v1/training/:sessionId/status': { summary: 'Status of a session', tag: 'training', scope: 'read', responses: { 200: RunStatus } },
  'GET /api/v1/training/:sessionId/metrics': {
    operationId: 'getLatestMetrics',
    summary: 'Latest metrics of a session',
    tag: 'metrics',
    scope: 'read',
    responses: { 200: MetricPoint },
  },
  'POST /api/v1/training/:sessionId/metrics': {
    operationId: 'logMetrics',
    summary: 'Log one metric point or a batch of up to 1000 into a running session',
    tag: 'metrics',
    scope: 'write',
    body: LogMetricsBody,
    status: 202,
    responses: { 202: LoggedMetrics },
  },
  'GET /api/v1/training/:sessionId/metrics/summary': {
    operationId: 'getMetricSummary',
    summary: 'Per metric: current, min, max, mean, count (seed 002), kept current at ingestion',
    tag: 'metrics',
    scope: 'read',
    responses: { 200: MetricSummary },
  },
  'GET /api/v1/training/:sessionId/history': {
    operationId: 'getMetricHistory',
    summary: 'Metric history, filtered and downsampled on request',
    tag: 'metrics',
    scope: 'read',
    query: HistoryQuery,
    responses: { 200: z.array(MetricPoint) },
  },
  'GET /api/v1/training/:sessionId/logs': {
    summary: 'Log lines (the last `limit`, or from `cursor`, a byte position in the whole log that holds across rotations; X-Next-Cursor header)',
    tag: 'training',
    scope: 'read',
    query: LogsQuery,
    responses: { 200: z.array(LogLine) },
  },
  'POST /api/v1/training/sessions': {
    operationId: 'createSession',
    summary:
      'Create a session (seed 001), started at once with start=true; tracking_only=true makes a run with no process that goes straight to running and takes metrics from the client (seed 002)',
    tag: 'training',
    scope: 'write',
    body: CreateSessionBody,
    status: 201,
    responses: { 201: CreatedSession },
  },
  'GET /api/v1/training/sessions/:sessionId': {
    operationId: 'getSession',
    summary: 'Session detail with progress and latest metrics (seed 001)',
    tag: 'training',
    scope: 'read',
    responses: { 200: SessionDetail },
  },
  'DELETE /api/v1/training/sessions/:sessionId': {
    summary:
      'Delete an ended (or never started) session: its record, log, metrics and output files; 409 while queued or running. Its checkpoints and registered models are kept unless delete_artifacts=true',
    tag: 'training',
    scope: 'write',
    query: DeleteSessionQuery,
    responses: { 200: DeletedSession },
  },
  'POST /api/v1/training/sessions/:sessionId/start': {
    summary: 'Start a created session (seed 001)',
    tag: 'training',
    scope: 'write',
    responses: { 200: SessionStarted },
  },
  'POST /api/v1/training/sessions/:sessionId/stop': {
    summary: 'Stop a session (seed 001)',
    tag: 'training',
    scope: 'write',
    responses: { 200: SessionStopped },
  },
  'GET /api/v1/training/sessions/:sessionId/metrics': {
    operationId: 'listSessionMetrics',
    summary: 'Metric records of a session (seed 001)',
    tag: 'metrics',
    scope: 'read',
    query: SessionMetricsQuery,
    responses: { 200: SessionMetrics },
  },
  'GET /api/v1/metrics/:sessionId/history': {
    operationId: 'getMetricSeries',
    summary: 'History of one metric as arrays (seed 001)',
    tag: 'metrics',
    scope: 'read',
    query: HistoryQuery,
    responses: { 200: MetricSeries },
  },
  'GET /api/v1/datasets': {
    summary:
      'List datasets: built-in, uploaded (with format, sample_count, dimensions, row_count, column_count, columns, file_count) and files in DATASETS_DIR (seed 000)',
    tag: 'datasets',
    scope: 'read',
    responses: { 200: z.array(Dataset) },
  },
  'GET /api/v1/datasets/:name': { summary: 'Describe a dataset (seed 000)', tag: 'datasets', scope: 'read', responses: { 200: Dataset } },
  'POST /api/v1/datasets': {
    operationId: 'uploadDataset',
    summary:
      "Upload a dataset as multipart field 'file' (seed 000); CSV, TSV, JSON, JSON Lines, tar, tar.gz and zip are inspected as they stream in, and a malformed CSV/JSON/JSONL/archive is refused with a 400 naming the line. 409 if the name exists unless new_version=true, which adds the file as the name's new version (seed 004; 409 if it is byte for byte a version it has), 413 over upload_limit_mb",
    tag: 'datasets',
    scope: 'write',
    query: DatasetUploadQuery,
    upload: true,
    responses: { 200: DatasetWithMessage },
  },
  'GET /api/v1/datasets/:name/versions': {
    summary: "A dataset's versions, newest first: version and hash (its SHA-256), created_at, size, current (seed 004)",
    tag: 'datasets',
    scope: 'read',
    responses: { 200: z.strictObject({ name: z.string(), versions: z.array(DatasetVersion) }) },
  },
  'GET /api/v1/datasets/:name/download': {
    operationId: 'downloadDataset',
    summary: "Download an uploaded dataset's file; ?version=<sha256 prefix> for an earlier version",
    tag: 'datasets',
    scope: 'read',
    query: DatasetDownloadQuery,
    download: true,
  },
  'DELETE /api/v1/datasets/:name': {
    summary: 'Delete an uploaded dataset and its versions (409 for a built-in one, or while a queued or running run uses it)',
    tag: 'datasets',
    scope: 'write',
    responses: { 200: Message },
  },
  'GET /api/v1/models': {
    summary: 'List the model registry: name, size_mb, created_at, file_path, run_id (seed 000), tags (seed 004); ?tag= for the model that holds a tag',
    tag: 'models',
    scope: 'read',
    query: ModelListQuery,
    responses: { 200: z.array(Model) },
  },
  'POST /api/v1/models/:name/tag': {
    summary: 'Tag a model (seed 004); the tag moves from the model that held it',
    tag: 'models',
    scope: 'write',
    body: TagModelBody,
    responses: { 200: ModelWithMessage },
  },
  'DELETE /api/v1/models/:name/tag/:tag': { summary: 'Take a tag off a model', tag: 'models', scope: 'write', responses: { 200: ModelWithMessage } },
  'POST /api/v1/models': {
    operationId: 'uploadModel',
    summary: "Upload a model file as multipart field 'file' (seed 000); 409 if the name exists, 413 over upload_limit_mb",
    tag: 'models',
    scope: 'write',
    query: ModelUploadQuery,
    upload: true,
    responses: { 200: ModelWithMessage },
  },
  'GET /api/v1/models/:name': {
    operationId: 'downloadModel',
    summary: 'Download a model file (a bundle directory comes as a tar archive) (seed 000)',
    tag: 'models',
    scope: 'read',
    download: true,
  },
  'DELETE /api/v1/models/:name': { summary: 'Delete a model from the registry (seed 000)', tag: 'models', scope: 'write', responses: { 200: Message } },
  'POST /api/v1/training/:sessionId/complete': {
    summary: 'End a tracking-only session (created with tracking_only: true): completed, or failed with error_message (seed 002)',
    tag: 'training',
    scope: 'write',
    body: CompleteSessionBody,
    responses: { 200: CompletedTracking },
  },
  'GET /api/v1/checkpoints': {
    summary:
      "Checkpoints, newest first, with is_best by the recipe's checkpoint_metric/checkpoint_mode (default val_loss, min); filter by session_id (seed 001)",
    tag: 'checkpoints',
    scope: 'read',
    query: CheckpointListQuery,
    responses: { 200: z.strictObject({ checkpoints: z.array(Checkpoint) }) },
  },
  'POST /api/v1/checkpoints': {
    operationId: 'uploadCheckpoint',
    summary:
      "Upload a checkpoint: multipart field 'file' plus session_id, epoch and metrics (a JSON object) (seed 001); retention then keeps the run's best and latest. session_id may be given in the query instead, checked before the body is read",
    tag: 'checkpoints',
    scope: 'write',
    query: CheckpointUploadQuery,
    upload: true,
    responses: { 200: UploadedCheckpoint },
  },
  'GET /api/v1/checkpoints/:checkpointId': { summary: 'Describe a checkpoint', tag: 'checkpoints', scope: 'read', responses: { 200: Checkpoint } },
  'GET /api/v1/checkpoints/:checkpointId/download': {
    operationId: 'downloadCheckpoint',
    summary: "Download a checkpoint's file (seed 001)",
    tag: 'checkpoints',
    scope: 'read',
    download: true,
  },
  'DELETE /api/v1/checkpoints/:checkpointId': {
    summary: 'Delete a checkpoint and its file (seed 001)',
    tag: 'checkpoints',
    scope: 'write',
    responses: { 200: Message },
  },
  'GET /api/v1/recipes': { summary: 'List recipes and their parameters', tag: 'recipes', scope: 'read', responses: { 200: z.array(RecipeView) } },
  'GET /api/v1/recipes/:name': { summary: 'Describe a recipe', tag: 'recipes', scope: 'read', responses: { 200: RecipeView } },
  'GET /api/v1/architectures': {
    summary: "The tfjs recipe's model architectures, losses, optimizers and TF.js engines (which are available here, best first)",
    tag: 'recipes',
    scope: 'read',
    responses: { 200: Architectures },
  },
  'GET /api/v1/system/info': {
    summary: 'CPU, memory, disk and GPU summary (seed 000), and the TF.js engines available (training_engines, best first)',
    tag: 'system',
    scope: 'read',
    responses: { 200: SystemInfo },
  },
  'GET /api/v1/monitor/resources': { summary: 'Per-CPU and per-GPU readings (seed 001)', tag: 'system', scope: 'read', responses: { 200: MonitorResources } },
  'GET /api/v1/gpus': { summary: 'GPUs with the session that holds each', tag: 'system', scope: 'read', responses: { 200: z.array(Gpu) } },
  'GET /api/v1/sse/training/:sessionId': {
    summary: 'Server-Sent Events of a session: metrics, log, status; resumes from Last-Event-ID',
    tag: 'streams',
    scope: 'read',
    stream: true,
    events: RUN_STREAM_EVENTS,
  },
  'POST /api/jobs': {
    summary:
      'Submit a job (seed 004): command (one string split by shell-word rules, never run by a shell; or an argv array), name, gpu_count, priority, environment, cwd. Needs allow_commands on the agent and a key with the exec scope (403 otherwise); audited',
    tag: 'jobs',
    scope: 'exec',
    body: SubmitJobBody,
    status: 201,
    responses: { 201: JobCreated },
  },
  'GET /api/jobs': {
    summary: 'Jobs, newest first (seed 004): every run, its state as pending|running|completed|failed|cancelled; X-Total-Count and Link rel="next"',
    tag: 'jobs',
    scope: 'read',
    query: ListJobsQuery,
    responses: { 200: z.array(Job) },
  },
  'GET /api/jobs/:jobId': { summary: 'Job details (seed 004)', tag: 'jobs', scope: 'read', responses: { 200: Job } },
  'POST /api/jobs/:jobId/cancel': {
    summary: 'Cancel a pending job, or stop a running one (seed 004)',
    tag: 'jobs',
    scope: 'write',
    responses: { 200: CancelledJob },
  },
  'GET /api/jobs/:jobId/logs': {
    summary: "The last lines a job's process printed: stream=stdout|stderr, or both (seed 004)",
    tag: 'jobs',
    scope: 'read',
    query: JobLogsQuery,
    responses: { 200: JobLogs },
  },
  'GET /api/jobs/:jobId/stream': {
    summary:
      "Server-Sent Events of a job's metrics (seed 004): unnamed data events (EventSource.onmessage), one bare metric object each; resumes from Last-Event-ID; ends with the job (204 on a reconnect after it ended)",
    tag: 'jobs',
    scope: 'read',
    stream: true,
    events: JOB_STREAM_EVENTS,
    noContent: 'A reconnect after the job ended: nothing more will come, and an EventSource stops reconnecting',
  },
  'GET /api/v1/sse/events': {
    summary: "Server-Sent Events of every session's status and metrics (logs with ?logs=true)",
    tag: 'streams',
    scope: 'read',
    query: AllRunsStreamQuery,
    stream: true,
    events: ALL_RUNS_STREAM_EVENTS,
  },
  'GET /openapi.yaml': { summary: 'This document (OpenAPI 3.1, YAML)', tag: 'health', scope: 'public', operationId: 'getOpenApiYaml' },
  'GET /api/v1/openapi.json': {
    summary: 'This document under the API prefix (JSON)',
    tag: 'health',
    scope: 'public',
    operationId: 'getApiOpenApiJson',
    responses: { 200: OpenApiDocument },
  },
  'GET /api/v1/openapi.yaml': { summary: 'This document under the API prefix (YAML)', tag: 'health', scope: 'public', operationId: 'getApiOpenApiYaml' },
} satisfies Record<string, RouteDoc>;

export const ROUTE_DOCS: Record<string, RouteDoc> = DECLARED;

/** Each route's declaration with its exact schemas: the TypeScript client's answer types come from it (src/client/api-types.ts, `import type` only). */
export type RouteContracts = typeof DECLARED;
