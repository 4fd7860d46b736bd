/**
 * Stand-ins for the answers of routes that declare no response schema yet (src/api/route-docs.ts):
 * api-types.ts uses each only while its route declares none, and
 * test/unit/client-answer-types.test.ts fails once a route listed here declares its schema — then
 * its stand-in is deleted and the client's type comes from the declaration alone.
 */

/** The routes these stand in for. */
export const UNDECLARED_ROUTES = [
  'GET /api/v1/alerts',
  'POST /api/v1/alerts/:alertId/acknowledge',
  'GET /api/v1/alerts/rules',
  'POST /api/v1/alerts/rules',
  'DELETE /api/v1/alerts/rules/:ruleId',
  'POST /api/v1/alerts/silences',
  'GET /api/v1/webhooks',
  'POST /api/v1/webhooks',
  'DELETE /api/v1/webhooks/:webhookId',
  'POST /api/v1/webhooks/:webhookId/test',
  'GET /api/v1/schedules',
  'POST /api/v1/schedules',
  'DELETE /api/v1/schedules/:scheduleId',
  'POST /api/v1/hpo/studies',
  'GET /api/v1/hpo/studies/:studyId',
  'GET /api/v1/notifications',
  'POST /api/v1/notifications/:notificationId/read',
  'GET /api/v1/experiments',
  'POST /api/v1/experiments',
  'GET /api/v1/config',
  'PATCH /api/v1/config',
] as const;

export interface WebhookTest {
  success: boolean;
  status_code: number | null;
  response_time_ms: number;
  error: string | null;
}

export interface AlertInfo {
  alert_id: string;
  rule_id: string;
  rule_name: string;
  key: string;
  severity: string;
  message: string;
  status: string;
  run_id: string | null;
  triggered_at: string;
  acknowledged_by: string | null;
  resolved_at: string | null;
}

export interface AlertRuleInfo {
  rule_id: string;
  name: string;
  type: string;
  params: Record<string, unknown>;
  severity: string;
  enabled: boolean;
  for_seconds: number;
  repeat_interval_seconds: number;
  source: string;
}

export interface SilenceInfo {
  silence_id: string;
  rule_id: string | null;
  run_id: string | null;
  until: string;
  reason: string | null;
}

export interface WebhookInfo {
  webhook_id: string;
  url: string;
  events: string[];
  created_at: string;
  signed: boolean;
}

export interface ScheduleInfo {
  id: string;
  name: string | null;
  recipe: string;
  params: Record<string, unknown>;
  cron: string;
  timezone: string;
  overlap: 'skip' | 'queue';
  created_at: string;
  last_fired_at: string | null;
  last_run_id: string | null;
  runs_started: number;
  fires_skipped: number;
  last_error: string | null;
  next_fire_times: string[];
}

export interface StudyInfo {
  id: string;
  name: string;
  recipe: string;
  state: 'running' | 'completed' | 'stopped';
  objective: 'minimize' | 'maximize';
  metric: string;
  n_trials: number;
  parallelism: number;
  sampler: string;
  seed: number;
  trials: { number: number; params: Record<string, unknown>; run_id: string | null; state: string; value: number | null; error: string | null }[];
  best_value: number | null;
  best_params: Record<string, unknown> | null;
  best_trial: number | null;
  trials_pruned?: number;
}

export interface NotificationInfo {
  id: string;
  type: string;
  priority: string;
  message: string;
  read: boolean;
  created_at: string;
}

export interface ExperimentInfo {
  experiment_id: string;
  name: string;
  description: string;
  tags: string[];
  created_at: string;
}

export interface RuntimeConfig {
  max_concurrent_sessions: number;
  default_recipe: string;
  default_params: Record<string, unknown>;
}
