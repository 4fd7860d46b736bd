import { z } from 'zod';
import { DIRECTIONS, PRUNERS, SAMPLERS } from '../../domain/hpo.js';
import { jsonObject, nullableTime, time } from './wire-types.js';

/** Seed 004's hyperparameter studies, as served. */

const ParamValue = z.union([z.number(), z.string(), z.boolean()]);

const Dimension = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('float'), low: z.number(), high: z.number(), log: z.boolean(), step: z.number().optional() }),
  z.strictObject({ type: z.literal('int'), low: z.number().int(), high: z.number().int(), log: z.boolean(), step: z.number().int().optional() }),
  z.strictObject({ type: z.literal('categorical'), choices: z.array(ParamValue) }),
]);

export const Trial = z
  .strictObject({
    number: z.number().int(),
    params: z.record(z.string(), ParamValue),
    run_id: z.string().nullable().describe('The run that is this trial'),
    state: z.enum(['running', 'completed', 'failed', 'stopped', 'pruned']),
    value: z.number().nullable().describe("The objective metric's last value when its run completed"),
    started_at: time,
    ended_at: nullableTime,
    error: z.string().nullable().describe('Why it has no value'),
    intermediate: z.record(z.string(), z.number()).optional().describe('The objective metric per epoch, recorded when the trial ends'),
    prune_requested: z.boolean().optional(),
  })
  .meta({ id: 'Trial' });

const studyFields = {
  id: z.string(),
  name: z.string(),
  recipe: z.string(),
  params: jsonObject.describe('Parameters every trial gets'),
  search_space: z.record(z.string(), Dimension),
  objective: z.enum(DIRECTIONS),
  metric: z.string(),
  n_trials: z.number().int(),
  parallelism: z.number().int(),
  sampler: z.enum(SAMPLERS),
  seed: z.number().int(),
  grid_points: z.number().int(),
  pruner: z.enum(PRUNERS).optional(),
  pruner_warmup_epochs: z.number().int().optional(),
  pruner_min_trials: z.number().int().optional(),
  state: z.enum(['running', 'completed', 'stopped']),
  created_at: time,
  ended_at: nullableTime,
  trials_started: z.number().int().describe('Seed 004: trials started so far'),
  trials_completed: z.number().int(),
  trials_pruned: z.number().int(),
  best_value: z.number().nullable(),
  best_params: z.record(z.string(), ParamValue).nullable(),
  best_trial: z.number().int().nullable(),
};

export const Study = z.strictObject({ ...studyFields, trials: z.array(Trial) }).meta({ id: 'Study', description: 'A study with every trial and its run' });
export const StudySummary = z.strictObject(studyFields).meta({ id: 'StudySummary', description: 'A study without its trials' });
export const StudyList = z.strictObject({ studies: z.array(StudySummary) }).meta({ id: 'StudyList' });
