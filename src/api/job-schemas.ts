import { z } from 'zod';
import { queryInt } from './schemas.js';

/** Seed 004's job statuses; each run state maps onto one (job-views.ts). */
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

const word = z.string().max(65_536);

/**
 * Seed 004's submit body, verbatim: `command` is one string split by shell-word rules (never run by a
 * shell). Additions: `command` may instead be an argv array, `cwd` (a directory on the agent's
 * machine), `tags`, `experiment_id`.
 */
export const SubmitJobBody = z
  .object({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[^\u0000-\u001f]*$/, 'must not contain control characters')
      .optional(),
    command: z.union([word.min(1), z.array(word).min(1).max(4096)]),
    gpu_count: z.number().int().min(0).max(64).default(0),
    priority: z.number().int().min(-100).max(100).optional(),
    environment: z.record(z.string().min(1).max(128), word).default({}),
    cwd: z.string().min(1).max(4096).optional(),
    tags: z.array(z.string().min(1).max(64)).max(32).optional(),
    experiment_id: z.string().min(1).max(128).optional(),
  })
  .strict();

export const ListJobsQuery = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  limit: queryInt((number) => number.min(1).max(1000).default(20)),
  offset: queryInt((number) => number.min(0).default(0)),
});

export const JobLogsQuery = z.object({
  stream: z.enum(['stdout', 'stderr']).optional(),
  /** The last this many lines of the stream. */
  limit: queryInt((number) => number.min(1).max(100_000).default(1000)),
});
