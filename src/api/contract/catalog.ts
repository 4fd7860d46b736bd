import { z } from 'zod';
import { ParamSpecSchema } from '../../domain/recipe.js';
import { TFJS_LOSSES, TFJS_OPTIMIZERS } from '../../domain/training-plan.js';

/** What the catalog routes answer (catalog-routes.ts, the leaderboard in workspace-routes.ts). */

export const RecipeView = z
  .strictObject({
    name: z.string(),
    description: z.string(),
    backend: z.string(),
    default: z.boolean().describe("The agent's default recipe (what POST /training/start runs without `recipe`)"),
    gpus: z.number().int(),
    priority: z.number().int(),
    params: z.record(z.string(), ParamSpecSchema).describe('Each parameter a run may set, with its type, bounds and default'),
  })
  .meta({ id: 'Recipe' });

export const TrainingEngine = z.strictObject({
  name: z.enum(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']),
  package: z.string(),
  available: z.boolean(),
  description: z.string(),
  reason: z.string().nullable().describe('Why it is not available; null when it is'),
});

export const Architectures = z
  .strictObject({
    recipe: z.literal('tfjs'),
    architectures: z.array(z.strictObject({ name: z.string(), description: z.string(), inputs: z.enum(['vectors', 'images', 'vectors or images']) })),
    losses: z.array(z.enum(TFJS_LOSSES)),
    optimizers: z.array(z.enum(TFJS_OPTIMIZERS)),
    engines: z.array(TrainingEngine).describe('Every TF.js engine, best first, and whether it is available here'),
  })
  .meta({ id: 'Architectures' });

export const LeaderboardEntry = z.strictObject({
  rank: z.number().int(),
  session_id: z.string(),
  recipe: z.string(),
  experiment_id: z.string().nullable(),
  value: z.number().describe("The run's final value of the metric"),
  params: z.record(z.string(), z.unknown()),
  final_metrics: z.record(z.string(), z.union([z.number(), z.string()])),
  ended_at: z.string().nullable(),
});

export const Leaderboard = z.strictObject({ metric: z.string(), mode: z.enum(['min', 'max']), entries: z.array(LeaderboardEntry) }).meta({
  id: 'Leaderboard',
  description: 'format=json (format=csv answers text/csv: rank, session_id, recipe, experiment_id, the metric, ended_at, then each parameter)',
});
