import { describe, expect, it } from 'vitest';
import { allocateGpus } from '../../dist/src/domain/gpu-allocation.js';
import { foldLatest, latestMetrics } from '../../dist/src/domain/latest-metrics.js';
import { compareQueueOrder } from '../../dist/src/domain/queue-order.js';
import { RecipeSchema, renderCommand, resolveParams } from '../../dist/src/domain/recipe.js';
import { canTransition, transition, RUN_STATES } from '../../dist/src/domain/run.js';

const recipe = {
  ...RecipeSchema.parse({
    name: 'r',
    command: ['{node}', 'train.py', '--lr', '{lr}', '--name={name}'],
    params: {
      lr: { type: 'float', min: 0.001, max: 1, default: 0.1 },
      name: { type: 'string', default: 'x' },
      fast: { type: 'bool', default: false },
      opt: { type: 'enum', values: ['adam', 'sgd'], default: 'adam' },
    },
  }),
  dir: '/r',
};

describe('run state machine', () => {
  it('allows only the documented transitions', () => {
    const allowed = RUN_STATES.flatMap((from: string) => RUN_STATES.filter((to: string) => canTransition(from, to)).map((to: string) => `${from}->${to}`));
    expect(allowed.sort()).toEqual(
      ['created->cancelled', 'created->queued', 'queued->cancelled', 'queued->running', 'running->completed', 'running->failed', 'running->stopped'].sort(),
    );
  });

  it('stamps times and refuses illegal moves with a conflict naming the state', () => {
    const run = { id: 'sess_0123456789ab', state: 'queued', queued_at: null, started_at: null, ended_at: null } as any;
    const at = new Date('2026-01-01T00:00:00Z');
    expect(transition(run, 'running', at).started_at).toBe(at.toISOString());
    expect(() => transition({ ...run, state: 'completed' }, 'stopped', at)).toThrow('Cannot stop session sess_0123456789ab: it is completed');
  });
});

describe('recipe parameters', () => {
  it('coerces strings from the CLI and chat, applies defaults', () => {
    expect(resolveParams(recipe, { lr: '0.5', fast: 'yes', opt: 'sgd' })).toEqual({ lr: 0.5, name: 'x', fast: true, opt: 'sgd' });
  });

  it('lists every problem at once', () => {
    expect(() => resolveParams(recipe, { lr: '2', fast: 'maybe', opt: 'adagrad', extra: 1 })).toThrow(
      /unknown parameter 'extra'.*parameter 'lr' must be at most 1, got 2.*parameter 'fast' must be true or false.*parameter 'opt' must be one of adam, sgd/,
    );
  });

  it('renders each template into exactly one argv entry', () => {
    const argv = renderCommand(
      recipe,
      { lr: 0.5, name: 'a b;$(x)', fast: false, opt: 'adam' },
      { node: '/bin/node', trainer_home: '/t', recipe_dir: '/r', run_dir: '/d', output_dir: '/o', run_id: 'sess_1' },
    );
    expect(argv).toEqual(['/bin/node', 'train.py', '--lr', '0.5', '--name=a b;$(x)']);
  });

  it('refuses recipes with unknown placeholders or bad regexes', () => {
    expect(RecipeSchema.safeParse({ name: 'r', command: ['{nope}'] }).success).toBe(false);
    expect(RecipeSchema.safeParse({ name: 'r', command: ['x'], metrics_regex: '(' }).success).toBe(false);
    expect(RecipeSchema.safeParse({ name: 'r', command: ['x'], total_epochs_param: 'epochs' }).success).toBe(false);
  });
});

describe('scheduling helpers', () => {
  it('allocates the lowest free GPUs, or none when too few are free', () => {
    expect(allocateGpus([0, 1, 2, 3], new Set([0, 2]), 2)).toEqual([1, 3]);
    expect(allocateGpus([0, 1], new Set([1]), 2)).toBeNull();
    expect(allocateGpus([], new Set(), 0)).toEqual([]);
  });

  it('orders by priority, then submission', () => {
    const runs = [
      { id: 'a', priority: 0, seq: 1 },
      { id: 'b', priority: 5, seq: 3 },
      { id: 'c', priority: 5, seq: 2 },
    ] as any[];
    expect(runs.sort(compareQueueOrder).map((run) => run.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('latest metrics', () => {
  it('merges the values of the latest epoch printed on separate lines', () => {
    const records = [
      { ts: '1', epoch: 1, loss: 0.9 },
      { ts: '2', epoch: 2, loss: 0.5 },
      { ts: '3', epoch: 2, val_loss: 0.6 },
    ];
    expect(latestMetrics(records)).toEqual({ ts: '3', epoch: 2, val_loss: 0.6, loss: 0.5 });
    expect(foldLatest(null, records)).toEqual({ ts: '3', epoch: 2, loss: 0.5, val_loss: 0.6 });
    expect(latestMetrics([])).toBeNull();
  });
});
