import { z } from 'zod';
import { OVERLAP_POLICIES } from '../../domain/schedule.js';
import { jsonObject, nullableTime, time } from './wire-types.js';

/** Recurring runs on a cron schedule, as served. */
export const Schedule = z
  .strictObject({
    id: z.string(),
    name: z.string().nullable(),
    recipe: z.string(),
    params: jsonObject.describe("The run's parameters, resolved against the recipe when the schedule was made"),
    gpus: z.number().int().nullable(),
    priority: z.number().int().nullable(),
    cron: z.string().describe('5 fields (minute first) or 6 (second first)'),
    timezone: z.string().describe('An IANA time zone'),
    overlap: z.enum(OVERLAP_POLICIES).describe("What a fire does while the schedule's last run is still queued or running"),
    created_at: time,
    last_fired_at: nullableTime,
    last_run_id: z.string().nullable(),
    runs_started: z.number().int(),
    fires_skipped: z.number().int(),
    last_error: z.string().nullable().describe('Why the last fire could not start a run; null after one that did'),
    next_fire_times: z.array(time).describe('The next fire times, soonest first'),
  })
  .meta({ id: 'Schedule' });

export const ScheduleList = z.strictObject({ schedules: z.array(Schedule) }).meta({ id: 'ScheduleList' });
