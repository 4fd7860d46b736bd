/** What a schedule does when it fires while the run it started last is still queued or running. */
export const OVERLAP_POLICIES = ['skip', 'queue'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** A recurring run: at each fire time of `cron` (in `timezone`), a normal run of `recipe` with `params`. */
export interface ScheduleRecord {
  id: string;
  name: string | null;
  recipe: string;
  params: Record<string, unknown>;
  gpus: number | null;
  priority: number | null;
  /** 5 fields (minute first) or 6 (second first), as node-cron reads them. */
  cron: string;
  /** An IANA time zone, e.g. `Europe/Paris`; `UTC` by default. */
  timezone: string;
  overlap: OverlapPolicy;
  created_at: string;
  last_fired_at: string | null;
  last_run_id: string | null;
  /** Fires that started a run, and fires skipped because the last run was still going (overlap `skip`). */
  runs_started: number;
  fires_skipped: number;
  /** Why the last fire could not start a run (the recipe was removed, say); null after a fire that did. */
  last_error: string | null;
}

export const isValidTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};
