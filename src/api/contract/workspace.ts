import { z } from 'zod';
import { SessionSummary } from '../responses.js';
import { jsonObject, time } from './wire-types.js';

/** Runtime configuration, run slots, the audit log and experiments, as served. */

export const RuntimeConfig = z
  .strictObject({
    max_concurrent_sessions: z.number().int().describe('Runs that may run at once; the rest queue'),
    default_recipe: z.string().describe("The recipe a start without 'recipe' runs"),
    default_params: jsonObject.describe('Parameters for runs of the default recipe that do not set them'),
  })
  .meta({ id: 'RuntimeConfig', description: "Seed 003's runtime configuration, as in force now" });

export const Worker = z
  .strictObject({
    slot: z.number().int().describe('1-based'),
    session_id: z.string().nullable().describe('The running run holding it; null when free'),
    recipe: z.string().nullable(),
    gpu_ids: z.array(z.number().int()),
    completed_runs: z.number().int(),
  })
  .meta({ id: 'Worker' });

export const WorkerList = z.strictObject({ workers: z.array(Worker) }).meta({ id: 'WorkerList' });

export const AuditEntry = z
  .strictObject({
    ts: time,
    actor: z.string(),
    via: z.enum(['api', 'cli', 'slack', 'discord', 'config']),
    action: z.string(),
    target: z.string().nullable(),
    details: jsonObject,
    result: z.enum(['ok', 'refused', 'failed']),
    reason: z.string().optional(),
  })
  .meta({ id: 'AuditEntry' });

export const AuditLog = z.strictObject({ entries: z.array(AuditEntry) }).meta({ id: 'AuditLog' });

export const Experiment = z
  .strictObject({ experiment_id: z.string(), name: z.string(), description: z.string(), tags: z.array(z.string()), created_at: time, updated_at: time })
  .meta({ id: 'Experiment', description: "A group of runs (seed 002's projects, seed 004's experiments)" });

export const ExperimentList = z.strictObject({ experiments: z.array(Experiment) }).meta({ id: 'ExperimentList' });

export const ExperimentRuns = z.array(SessionSummary).describe("The experiment's runs, newest first, in the session-list shape");
