/** Settings that change without a restart; absent ones fall back to the boot configuration. */
export interface RuntimeSettings {
  max_concurrent_sessions?: number;
  default_recipe?: string;
  /** Parameters for runs of the default recipe that do not set them. */
  default_params?: Record<string, unknown>;
}

/** A group of runs (seed 002's projects, seed 004's experiments). */
export interface Experiment {
  experiment_id: string;
  name: string;
  description: string;
  tags: string[];
  created_at: string;
  updated_at: string;
}

/** Who did what, where, and how it went: every configuration change and chat write command. */
export interface AuditEntry {
  ts: string;
  actor: string;
  via: 'api' | 'cli' | 'slack' | 'discord' | 'config';
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  result: 'ok' | 'refused' | 'failed';
  reason?: string;
}
