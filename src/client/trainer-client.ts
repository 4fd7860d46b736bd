import type {
  CreateSessionRequest,
  ReportedPoint,
  SubmitJobRequest,
  AcknowledgedAlert,
  AlertInfo,
  AlertRuleInfo,
  ApiKeyInfo,
  ArchitecturesInfo,
  CheckpointInfo,
  CompletedTracking,
  CreatedAlertRule,
  CreatedApiKey,
  CreatedExperiment,
  CreatedSchedule,
  CreatedSession,
  CreatedStudy,
  CreatedWebhook,
  DatasetInfo,
  DatasetVersionInfo,
  Deleted,
  ExperimentInfo,
  GpuInfo,
  Leaderboard,
  LogEntry,
  LoggedMetrics,
  MetricPoint,
  ModelInfo,
  NotificationInfo,
  PatchedConfig,
  ReadNotification,
  RecipeInfo,
  RevokedApiKey,
  RunState,
  RunStatus,
  RuntimeConfig,
  ScheduleInfo,
  SessionDetail,
  SessionSummary,
  SilenceInfo,
  StopResult,
  StudyInfo,
  SubmittedJob,
  SystemInfo,
  TaggedModel,
  UntaggedModel,
  WebhookInfo,
  WebhookTest,
} from './api-types.js';
import { ApiTransport } from './api-transport.js';

/** The answers' types, from the routes' declarations (api-types.ts). */
export type * from './api-types.js';
export { ApiError } from './api-error.js';
export { ApiTransport, type ClientOptions, type ResponseWithHeaders } from './api-transport.js';

/** A typed client of the agent's REST API: the only way the CLI and the dashboard talk to an agent. */
export class TrainerClient extends ApiTransport {
  // Typed helpers for the endpoints the CLI uses. Ids are path segments, so they are encoded.

  /** POST /api/v1/training/sessions: a run of any recipe; params may be strings, which the agent coerces. */
  async createSession(body: CreateSessionRequest): Promise<CreatedSession> {
    return this.post<CreatedSession>('/api/v1/training/sessions', body);
  }

  async status(id: string): Promise<RunStatus> {
    return this.get<RunStatus>(`/api/v1/training/${seg(id)}/status`);
  }

  /** Seed 004: queues a command as a job (a run); `command` as argv is run exactly as given. */
  async submitJob(body: SubmitJobRequest): Promise<SubmittedJob> {
    return this.post<SubmittedJob>('/api/jobs', body);
  }

  async stop(id: string): Promise<StopResult> {
    return this.post<StopResult>(`/api/v1/training/${seg(id)}/stop`);
  }

  /** Reports metric points into a running run (seed 002): one, or a batch of up to 1,000. */
  async reportMetrics(id: string, points: readonly ReportedPoint[]): Promise<LoggedMetrics> {
    return this.post(`/api/v1/training/${seg(id)}/metrics`, points.length === 1 ? points[0] : { points });
  }

  /** Ends a tracking-only run: completed, or failed with a message. */
  async completeTracking(id: string, body: { failed?: boolean; error_message?: string }): Promise<CompletedTracking> {
    return this.post(`/api/v1/training/${seg(id)}/complete`, body);
  }

  /** The newest metric point; `epoch` and `timestamp` are null before the first one. */
  async latestMetrics(id: string): Promise<MetricPoint> {
    return this.get<MetricPoint>(`/api/v1/training/${seg(id)}/metrics`);
  }

  async metricHistory(id: string): Promise<MetricPoint[]> {
    return this.get<MetricPoint[]>(`/api/v1/training/${seg(id)}/history`);
  }

  /** Without a cursor: the last `limit` lines. With one (a byte offset): up to `limit` lines after it. */
  async logs(id: string, options: { limit?: number; cursor?: number } = {}): Promise<LogPage> {
    const { body, headers } = await this.request<LogEntry[]>('GET', `/api/v1/training/${seg(id)}/logs`, {
      query: { limit: options.limit, cursor: options.cursor },
    });
    const next = Number(headers.get('x-next-cursor'));
    return { entries: body, nextCursor: Number.isFinite(next) ? next : (options.cursor ?? 0) };
  }

  /** GET /api/v1/training/sessions/{id}: seed 001's detail, with the name, parameters and latest metrics. */
  async sessionDetail(id: string): Promise<SessionDetail> {
    return this.get<SessionDetail>(`/api/v1/training/sessions/${seg(id)}`);
  }

  async listSessions(options: { status?: string; limit?: number; offset?: number } = {}): Promise<SessionPage> {
    const { body, headers } = await this.request<SessionSummary[]>('GET', '/api/v1/training/sessions', { query: options });
    const total = Number(headers.get('x-total-count'));
    return { sessions: body, total: Number.isFinite(total) ? total : body.length };
  }

  /** Queued runs in the order they will start. */
  async queue(): Promise<SessionSummary[]> {
    return this.get<SessionSummary[]>('/api/v1/training/queue');
  }

  async createKey(name: string, scope: string): Promise<CreatedApiKey> {
    return this.post<CreatedApiKey>('/api/v1/keys', { name, scope });
  }

  async listKeys(): Promise<ApiKeyInfo[]> {
    return this.get<ApiKeyInfo[]>('/api/v1/keys');
  }

  async revokeKey(id: string): Promise<RevokedApiKey> {
    return this.delete<RevokedApiKey>(`/api/v1/keys/${encodeURIComponent(id)}`);
  }

  async systemInfo(): Promise<SystemInfo> {
    return this.get<SystemInfo>('/api/v1/system/info');
  }

  async gpus(): Promise<GpuInfo[]> {
    return this.get<GpuInfo[]>('/api/v1/gpus');
  }

  async alerts(query: { status?: string; severity?: string } = {}): Promise<AlertInfo[]> {
    return (await this.get<{ alerts: AlertInfo[] }>('/api/v1/alerts', query)).alerts;
  }

  async acknowledgeAlert(id: string, body: { acknowledged_by?: string; notes?: string }): Promise<AcknowledgedAlert> {
    return this.post<AcknowledgedAlert>(`/api/v1/alerts/${encodeURIComponent(id)}/acknowledge`, body);
  }

  async silence(body: { rule_id?: string; run_id?: string; duration: string; reason?: string }): Promise<SilenceInfo> {
    return this.post<SilenceInfo>('/api/v1/alerts/silences', body);
  }

  async rules(): Promise<AlertRuleInfo[]> {
    return (await this.get<{ rules: AlertRuleInfo[] }>('/api/v1/alerts/rules')).rules;
  }

  async addRule(body: Record<string, unknown>): Promise<CreatedAlertRule> {
    return this.post<CreatedAlertRule>('/api/v1/alerts/rules', body);
  }

  async removeRule(id: string): Promise<Deleted<'DELETE /api/v1/alerts/rules/:ruleId'>> {
    return this.delete(`/api/v1/alerts/rules/${encodeURIComponent(id)}`);
  }

  async webhooks(): Promise<WebhookInfo[]> {
    return (await this.get<{ webhooks: WebhookInfo[] }>('/api/v1/webhooks')).webhooks;
  }

  async addWebhook(body: { url: string; events: string[]; secret?: string }): Promise<CreatedWebhook> {
    return this.post<CreatedWebhook>('/api/v1/webhooks', body);
  }

  async removeWebhook(id: string): Promise<Deleted<'DELETE /api/v1/webhooks/:webhookId'>> {
    return this.delete(`/api/v1/webhooks/${encodeURIComponent(id)}`);
  }

  async schedules(): Promise<ScheduleInfo[]> {
    return (await this.get<{ schedules: ScheduleInfo[] }>('/api/v1/schedules')).schedules;
  }

  async addSchedule(body: {
    recipe: string;
    cron: string;
    timezone?: string;
    overlap?: string;
    params?: Record<string, unknown>;
    name?: string;
    gpus?: number;
    priority?: number;
  }): Promise<CreatedSchedule> {
    return this.post<CreatedSchedule>('/api/v1/schedules', body);
  }

  async removeSchedule(id: string): Promise<Deleted<'DELETE /api/v1/schedules/:scheduleId'>> {
    return this.delete(`/api/v1/schedules/${encodeURIComponent(id)}`);
  }

  async createStudy(body: Record<string, unknown>): Promise<CreatedStudy> {
    return this.post<CreatedStudy>('/api/v1/hpo/studies', body);
  }

  async study(id: string): Promise<StudyInfo> {
    return this.get<StudyInfo>(`/api/v1/hpo/studies/${encodeURIComponent(id)}`);
  }

  async testWebhook(id: string): Promise<WebhookTest> {
    return this.post(`/api/v1/webhooks/${encodeURIComponent(id)}/test`);
  }

  async notifications(query: { type?: string; priority?: string; unread?: boolean } = {}): Promise<NotificationInfo[]> {
    return (await this.get<{ notifications: NotificationInfo[] }>('/api/v1/notifications', query)).notifications;
  }

  async markNotificationRead(id: string): Promise<ReadNotification> {
    return this.post<ReadNotification>(`/api/v1/notifications/${encodeURIComponent(id)}/read`);
  }

  async leaderboard(query: { metric: string; mode?: string; experiment?: string; recipe?: string; limit?: number }): Promise<Leaderboard> {
    return this.get('/api/v1/leaderboard', query);
  }

  async leaderboardCsv(query: { metric: string; mode?: string; experiment?: string; recipe?: string; limit?: number }): Promise<string> {
    return this.get<string>('/api/v1/leaderboard', { ...query, format: 'csv' });
  }

  async experiments(): Promise<ExperimentInfo[]> {
    return (await this.get<{ experiments: ExperimentInfo[] }>('/api/v1/experiments')).experiments;
  }

  async createExperiment(body: { name: string; description?: string; tags?: string[] }): Promise<CreatedExperiment> {
    return this.post<CreatedExperiment>('/api/v1/experiments', body);
  }

  async config(): Promise<RuntimeConfig> {
    return this.get<RuntimeConfig>('/api/v1/config');
  }

  async patchConfig(changes: Partial<RuntimeConfig>): Promise<PatchedConfig> {
    return (await this.request<PatchedConfig>('PATCH', '/api/v1/config', { body: changes })).body;
  }

  async recipes(): Promise<RecipeInfo[]> {
    return this.get<RecipeInfo[]>('/api/v1/recipes');
  }

  /** The tfjs recipe's architectures, losses, optimizers and TF.js engines. */
  async architectures(): Promise<ArchitecturesInfo> {
    return this.get<ArchitecturesInfo>('/api/v1/architectures');
  }

  /** One metric's points (or every metric's, without a name), downsampled to `max_points` by the agent. */
  async metricSeries(id: string, query: { metric_name?: string; max_points?: number; start_epoch?: number; end_epoch?: number }): Promise<MetricPoint[]> {
    return this.get<MetricPoint[]>(`/api/v1/training/${seg(id)}/history`, query);
  }

  async models(query: { tag?: string } = {}): Promise<ModelInfo[]> {
    return this.get<ModelInfo[]>('/api/v1/models', query);
  }

  async tagModel(name: string, tag: string): Promise<TaggedModel> {
    return this.post<TaggedModel>(`/api/v1/models/${seg(name)}/tag`, { tag });
  }

  async untagModel(name: string, tag: string): Promise<UntaggedModel> {
    return this.delete(`/api/v1/models/${seg(name)}/tag/${seg(tag)}`);
  }

  async removeModel(name: string): Promise<Deleted<'DELETE /api/v1/models/:name'>> {
    return this.delete(`/api/v1/models/${seg(name)}`);
  }

  async datasets(): Promise<DatasetInfo[]> {
    return this.get<DatasetInfo[]>('/api/v1/datasets');
  }

  async dataset(name: string): Promise<DatasetInfo> {
    return this.get<DatasetInfo>(`/api/v1/datasets/${seg(name)}`);
  }

  async datasetVersions(name: string): Promise<DatasetVersionInfo[]> {
    return (await this.get<{ versions: DatasetVersionInfo[] }>(`/api/v1/datasets/${seg(name)}/versions`)).versions;
  }

  async removeDataset(name: string): Promise<Deleted<'DELETE /api/v1/datasets/:name'>> {
    return this.delete(`/api/v1/datasets/${seg(name)}`);
  }

  async checkpoints(query: { session_id?: string; limit?: number } = {}): Promise<CheckpointInfo[]> {
    return (await this.get<{ checkpoints: CheckpointInfo[] }>('/api/v1/checkpoints', query)).checkpoints;
  }

  async removeCheckpoint(id: string): Promise<Deleted<'DELETE /api/v1/checkpoints/:checkpointId'>> {
    return this.delete(`/api/v1/checkpoints/${seg(id)}`);
  }
}

const seg = (id: string) => encodeURIComponent(id);

/** Run states as the agent reports them; a run in a final state never changes again. */
export const RUN_STATES = ['created', 'queued', 'running', 'completed', 'failed', 'stopped', 'cancelled'] as const satisfies readonly RunState[];
export const FINAL_STATES: readonly string[] = ['completed', 'failed', 'stopped', 'cancelled'];
export const isFinalState = (state: string): boolean => FINAL_STATES.includes(state);

export interface SessionPage {
  sessions: SessionSummary[];
  /** X-Total-Count: how many runs match, across all pages. */
  total: number;
}

export interface LogPage {
  entries: LogEntry[];
  /** X-Next-Cursor: the byte offset to ask for next. */
  nextCursor: number;
}
