import type { z, ZodType } from 'zod';
import type * as Contract from '../api/responses.js';
import type { RouteContracts } from '../api/route-docs.js';

// The answers' types come from each route's declaration (src/api/route-docs.ts), whose schemas the
// agent is checked against in the suite. `import type` only: nothing of the agent loads with the client.

/** A route as declared: `METHOD /path`. */
export type RouteKey = keyof RouteContracts;

/** What a route answers with status S: its declared schema's output (`never` for a status it does not declare). */
export type Answer<K extends RouteKey, S extends 200 | 201 | 202 = 200> = RouteContracts[K] extends { responses: { [P in S]: infer Schema extends ZodType } }
  ? z.output<Schema>
  : never;

/** What a route takes as its JSON body: the input of the schema that validates it. */
export type RequestOf<K extends RouteKey> = RouteContracts[K] extends { body: infer Schema extends ZodType } ? z.input<Schema> : never;
export type CreateSessionRequest = RequestOf<'POST /api/v1/training/sessions'>;
export type SubmitJobRequest = RequestOf<'POST /api/jobs'>;
/** One metric point a client reports: named values, and the step or epoch they belong to. */
export type ReportedPoint = Exclude<RequestOf<'POST /api/v1/training/:sessionId/metrics'>, { points: unknown }>;

export type RunState = z.output<typeof Contract.RunState>;
export type RunStatus = Answer<'GET /api/v1/training/:sessionId/status'>;
export type SessionSummary = Answer<'GET /api/v1/training/sessions'>[number];
export type SessionDetail = Answer<'GET /api/v1/training/sessions/:sessionId'>;
export type CreatedSession = Answer<'POST /api/v1/training/sessions', 201>;
export type CompletedTracking = Answer<'POST /api/v1/training/:sessionId/complete'>;
export type StopResult = Answer<'POST /api/v1/training/:sessionId/stop'>;
export type LoggedMetrics = Answer<'POST /api/v1/training/:sessionId/metrics', 202>;
export type MetricPoint = Answer<'GET /api/v1/training/:sessionId/metrics'>;
export type LogEntry = Answer<'GET /api/v1/training/:sessionId/logs'>[number];
export type ModelInfo = Answer<'GET /api/v1/models'>[number];
export type TaggedModel = Answer<'POST /api/v1/models/:name/tag'>;
export type CheckpointInfo = Answer<'GET /api/v1/checkpoints/:checkpointId'> & Partial<Pick<Answer<'POST /api/v1/checkpoints'>, 'retained' | 'uploaded_at'>>;
export type DatasetInfo = Answer<'GET /api/v1/datasets/:name'>;
export type DatasetVersionInfo = Answer<'GET /api/v1/datasets/:name/versions'>['versions'][number];
export type ApiKeyInfo = Answer<'GET /api/v1/keys'>[number];
export type CreatedApiKey = Answer<'POST /api/v1/keys', 201>;
export type RevokedApiKey = Answer<'DELETE /api/v1/keys/:keyId'>;
/** An error answer: seed 000's `detail` and the wire code to decide on. */
export type ErrorBody = z.output<typeof Contract.ErrorBody>;
export type SubmittedJob = Answer<'POST /api/jobs', 201>;
export type RecipeInfo = Answer<'GET /api/v1/recipes/:name'>;
export type RecipeParam = RecipeInfo['params'][string];
export type ArchitecturesInfo = Answer<'GET /api/v1/architectures'>;
export type SystemInfo = Answer<'GET /api/v1/system/info'>;
export type GpuInfo = Answer<'GET /api/v1/gpus'>[number];
export type Leaderboard = Answer<'GET /api/v1/leaderboard'>;
export type LeaderboardEntry = Leaderboard['entries'][number];
export type Message = Answer<'DELETE /api/v1/models/:name'>;

export type AlertInfo = Answer<'GET /api/v1/alerts', 200>['alerts'][number];
export type AcknowledgedAlert = Answer<'POST /api/v1/alerts/:alertId/acknowledge', 200>;
export type AlertRuleInfo = Answer<'GET /api/v1/alerts/rules', 200>['rules'][number];
export type CreatedAlertRule = Answer<'POST /api/v1/alerts/rules', 201>;
export type SilenceInfo = Answer<'POST /api/v1/alerts/silences', 201>;
export type WebhookInfo = Answer<'GET /api/v1/webhooks', 200>['webhooks'][number];
export type CreatedWebhook = Answer<'POST /api/v1/webhooks', 201>;
export type WebhookTest = Answer<'POST /api/v1/webhooks/:webhookId/test', 200>;
export type ScheduleInfo = Answer<'GET /api/v1/schedules', 200>['schedules'][number];
export type CreatedSchedule = Answer<'POST /api/v1/schedules', 201>;
export type StudyInfo = Answer<'GET /api/v1/hpo/studies/:studyId', 200>;
export type CreatedStudy = Answer<'POST /api/v1/hpo/studies', 201>;
export type NotificationInfo = Answer<'GET /api/v1/notifications', 200>['notifications'][number];
export type ReadNotification = Answer<'POST /api/v1/notifications/:notificationId/read', 200>;
export type ExperimentInfo = Answer<'GET /api/v1/experiments', 200>['experiments'][number];
export type CreatedExperiment = Answer<'POST /api/v1/experiments', 201>;
export type RuntimeConfig = Answer<'GET /api/v1/config', 200>;
export type PatchedConfig = Answer<'PATCH /api/v1/config', 200>;
export type Deleted<K extends RouteKey> = Answer<K>;
export type UntaggedModel = Answer<'DELETE /api/v1/models/:name/tag/:tag'>;
