import { z } from 'zod';

/** Seed 002's metric logging (metric-history-routes.ts) and seed 002's run deletion (session-routes.ts). */

export const LoggedMetric = z
  .strictObject({
    id: z.null().describe('Seed 002 numbers its points; this agent keeps no id per point'),
    run_id: z.string(),
    name: z.string(),
    value: z.union([z.number(), z.string()]).describe('A number, or NaN/Infinity/-Infinity as a string'),
    step: z.number().int().nullable(),
    timestamp: z.string(),
  })
  .meta({ id: 'LoggedMetric' });

export const DeletedSession = z
  .strictObject({
    message: z.string(),
    session_id: z.string(),
    deleted_checkpoints: z.number().int().describe('0 unless delete_artifacts=true'),
    deleted_models: z.array(z.string()).describe('Names of the registered models deleted with it (delete_artifacts=true)'),
  })
  .meta({ id: 'DeletedSession' });
