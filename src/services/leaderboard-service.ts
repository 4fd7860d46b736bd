import type { Run } from '../domain/run.js';
import type { StateStore } from '../store/state-store.js';

export interface LeaderboardQuery {
  metric: string;
  mode: 'min' | 'max';
  experiment?: string;
  recipe?: string;
  limit: number;
}

export interface LeaderboardEntry {
  rank: number;
  session_id: string;
  recipe: string;
  experiment_id: string | null;
  value: number;
  params: Record<string, unknown>;
  final_metrics: Record<string, number | string>;
  ended_at: string | null;
}

/** Seed 004's leaderboard: the best completed runs by a final metric, from what each run kept when it ended. */
export class LeaderboardService {
  constructor(private readonly state: StateStore) {}

  query(query: LeaderboardQuery): LeaderboardEntry[] {
    const candidates: { run: Run; value: number }[] = [];
    for (const run of this.state.runs) {
      if (run.state !== 'completed' || (query.recipe && run.recipe !== query.recipe) || (query.experiment && run.experiment_id !== query.experiment)) continue;
      const value = run.final_metrics?.[query.metric];
      if (typeof value === 'number' && Number.isFinite(value)) candidates.push({ run, value });
    }
    candidates.sort((a, b) => (query.mode === 'max' ? b.value - a.value : a.value - b.value) || a.run.seq - b.run.seq);
    return candidates.slice(0, query.limit).map(({ run, value }, index) => ({
      rank: index + 1,
      session_id: run.id,
      recipe: run.recipe,
      experiment_id: run.experiment_id ?? null,
      value,
      params: run.params,
      final_metrics: run.final_metrics ?? {},
      ended_at: run.ended_at,
    }));
  }
}
