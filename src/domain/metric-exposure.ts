import type { Run } from './run.js';

/**
 * Which runs and which of their metrics reach Prometheus. Every exported run adds a series per metric
 * and a few more, so what is exported is bounded: running runs and runs ended within
 * `endedRetentionMs`, at most `maxRuns` of them (running first, then the most recently ended), at most
 * `maxMetricsPerRun` metrics each, named by the allow-list and not by the deny-list.
 */
export interface MetricExposurePolicy {
  /** Metric-name patterns to export (`*` matches any run of characters); `['*']` is everything. */
  allow: string[];
  /** Metric-name patterns never exported; wins over `allow`. */
  deny: string[];
  maxRuns: number;
  maxMetricsPerRun: number;
  endedRetentionMs: number;
}

export const DEFAULT_METRIC_EXPOSURE: MetricExposurePolicy = { allow: ['*'], deny: [], maxRuns: 50, maxMetricsPerRun: 32, endedRetentionMs: 15 * 60_000 };

/** The runs to export now, and how many more would have been exported without the cap. */
export function exposedRuns(runs: Iterable<Run>, now: number, policy: MetricExposurePolicy): { runs: Run[]; leftOut: number } {
  const running: Run[] = [];
  const ended: Run[] = [];
  for (const run of runs) {
    if (run.state === 'running') running.push(run);
    else if (run.ended_at && run.started_at && now - Date.parse(run.ended_at) <= policy.endedRetentionMs) ended.push(run);
  }
  running.sort((a, b) => (b.started_at ?? '').localeCompare(a.started_at ?? ''));
  ended.sort((a, b) => b.ended_at!.localeCompare(a.ended_at!));
  const candidates = [...running, ...ended];
  return { runs: candidates.slice(0, policy.maxRuns), leftOut: Math.max(0, candidates.length - policy.maxRuns) };
}

/** A compiled name filter for the policy's allow- and deny-lists. */
export function metricNameFilter(policy: Pick<MetricExposurePolicy, 'allow' | 'deny'>): (name: string) => boolean {
  const allow = policy.allow.map(globToRegExp);
  const deny = policy.deny.map(globToRegExp);
  return (name) => allow.some((pattern) => pattern.test(name)) && !deny.some((pattern) => pattern.test(name));
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}
