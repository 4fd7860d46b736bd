import { z } from 'zod';
import { END_REASONS, RUN_STATES } from '../../domain/run.js';
import { JOB_STATUSES } from '../job-schemas.js';

/** Seed 004's job answers (job-views.ts): its fields verbatim, then what the run says beyond them. */

const time = z.string().describe('ISO 8601 time (UTC)');
const JobStatus = z
  .enum(JOB_STATUSES)
  .describe("Seed 004's status: pending (created or queued), running, completed, failed, cancelled (stopped or cancelled); the run's own state is `state`");

export const JobCreated = z
  .strictObject({ id: z.string().describe('The run id'), name: z.string(), status: JobStatus, gpu_count: z.number().int(), created_at: time })
  .meta({ id: 'JobCreated' });

export const Job = JobCreated.extend({
  command: z.string().nullable().describe('The command as shell words; null for a recipe run'),
  priority: z.number().int(),
  started_at: time.nullable(),
  completed_at: time.nullable(),
  exit_code: z.number().int().nullable(),
  error_message: z.string().nullable(),
  state: z.enum(RUN_STATES).describe("The run state (the same values as `state` in seed 000's status)"),
  end_reason: z.enum(END_REASONS).nullable(),
  gpu_ids: z.array(z.number().int()),
  cwd: z.string().nullable(),
  recipe: z.string().describe('`exec` for a submitted command'),
  session_id: z.string().describe('The same id as `id`'),
}).meta({ id: 'Job', description: "Seed 004's job (every run is one), then the run's state, end reason, GPUs, cwd and recipe" });

export const CancelledJob = Job.extend({ message: z.string() }).meta({ id: 'CancelledJob' });

export const JobLogs = z.strictObject({ job_id: z.string(), stream: z.enum(['stdout', 'stderr', 'all']), lines: z.array(z.string()) }).meta({ id: 'JobLogs' });
