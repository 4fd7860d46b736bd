import type { PluginRegistry } from '../plugins/plugin-registry.js';
import type { GpuDevice } from '../monitor/nvidia-smi.js';
import type { SystemSampler } from '../monitor/system-sampler.js';
import type { CheckpointService } from '../services/checkpoint-service.js';
import type { DatasetCatalog } from '../services/dataset-catalog.js';
import type { ModelRegistry } from '../services/model-registry.js';
import type { RecipeCatalog } from '../services/recipe-catalog.js';
import type { AlertService } from '../services/alert-service.js';
import type { NotificationService } from '../services/notification-service.js';
import type { NotificationDispatcher } from '../services/notification-dispatcher.js';
import type { WebhookService } from '../services/webhook-service.js';
import type { ScheduleService } from '../services/schedule-service.js';
import type { HpoService } from '../services/hpo-service.js';
import type { AuditService } from '../services/audit-service.js';
import type { ExperimentService } from '../services/experiment-service.js';
import type { LeaderboardService } from '../services/leaderboard-service.js';
import type { RuntimeConfigService } from '../services/runtime-config-service.js';
import type { ApiKeyService } from '../services/api-key-service.js';
import type { PrometheusMetrics } from '../services/prometheus-metrics.js';
import type { ExecService } from '../services/exec-service.js';
import type { RunService } from '../services/run-service.js';
import type { RunStreamService } from '../services/run-stream-service.js';

/** What the HTTP layer may use: application services only, never the store. */
export interface ApiServices {
  runs: RunService;
  exec: ExecService;
  streams: RunStreamService;
  prometheus: PrometheusMetrics;
  keys: ApiKeyService;
  alerts: AlertService;
  notifications: NotificationService;
  notifiers: NotificationDispatcher;
  webhooks: WebhookService;
  schedules: ScheduleService;
  studies: HpoService;
  config: RuntimeConfigService;
  experiments: ExperimentService;
  leaderboard: LeaderboardService;
  audit: AuditService;
  recipes: RecipeCatalog;
  datasets: DatasetCatalog;
  models: ModelRegistry;
  checkpoints: CheckpointService;
  /** The largest model or dataset upload accepted, in bytes (upload_limit_mb). */
  uploadLimitBytes: number;
  /** The agent's data directory, whose disk /health reports, and the free space under which it says `degraded`. */
  dataDir: string;
  diskFreeMinBytes: number;
  plugins: PluginRegistry;
  gpus: readonly GpuDevice[];
  system: SystemSampler;
  version: string;
}
