import { describe, expect, it } from 'vitest';
import divergence from '../../plugins/alert-rules/divergence/index.js';
import plateau from '../../plugins/alert-rules/plateau/index.js';

const context = { logger: console as never };
const snapshot = (recent: Record<string, number>[]) => ({
  now: '2026-01-01T00:00:00.000Z',
  system: null,
  runs: [
    {
      id: 'sess_1',
      recipe: 'r',
      state: 'running',
      gpu_ids: [],
      started_at: null,
      last_output_at: null,
      latest: null,
      recent: recent.map((record) => ({ ts: '2026-01-01T00:00:00.000Z', ...record })),
    },
  ],
});

describe('run alert rules', () => {
  it('plateau: no improvement for N epochs, judged on the last value of each epoch', async () => {
    const rule = await plateau.create(context, {});
    const params = rule.paramsSchema.parse({ metric: 'val_loss', epochs: 3 });
    const improving = [1, 0.9, 0.8, 0.7, 0.6].map((val_loss, index) => ({ epoch: index + 1, val_loss }));
    expect(rule.evaluate(params, snapshot(improving) as never, new Set())).toEqual([]);
    // best at epoch 2; within an epoch only the last value counts (epoch 3's 0.1 was overwritten by 0.9)
    const stuck = [
      { epoch: 1, val_loss: 1 },
      { epoch: 2, val_loss: 0.5 },
      { epoch: 3, val_loss: 0.1 },
      { epoch: 3, val_loss: 0.9 },
      { epoch: 4, val_loss: 0.6 },
      { epoch: 5, val_loss: 0.7 },
    ];
    expect(rule.evaluate(params, snapshot(stuck) as never, new Set())).toEqual([expect.objectContaining({ key: 'run:sess_1', value: 3, threshold: 3 })]);
    // a restart from a checkpoint sends the epochs back: judged by epoch, not by arrival
    const restarted = [
      { epoch: 1, val_loss: 1 },
      { epoch: 2, val_loss: 0.5 },
      { epoch: 3, val_loss: 0.6 },
      { epoch: 2, val_loss: 0.55 },
      { epoch: 3, val_loss: 0.6 },
      { epoch: 4, val_loss: 0.6 },
      { epoch: 5, val_loss: 0.6 },
    ];
    expect(rule.evaluate(params, snapshot(restarted) as never, new Set())).toEqual([expect.objectContaining({ value: 3 })]);
    const maxMode = rule.paramsSchema.parse({ metric: 'acc', mode: 'max', epochs: 2 });
    expect(rule.evaluate(maxMode, snapshot([0.5, 0.7, 0.6, 0.65].map((acc, index) => ({ epoch: index, acc }))) as never, new Set())).toEqual([
      expect.objectContaining({ value: 2 }),
    ]);
  });

  it('divergence: the latest value this many percent above the lowest of the window', async () => {
    const rule = await divergence.create(context, {});
    const params = rule.paramsSchema.parse({ metric: 'loss', percent: 50, window: 4 });
    // the lowest (0.1) is outside the window of the last 4 values: 0.4 → 0.5 is +25 %
    expect(rule.evaluate(params, snapshot([0.1, 0.4, 0.45, 0.48, 0.5].map((loss) => ({ loss }))) as never, new Set())).toEqual([]);
    expect(rule.evaluate(params, snapshot([0.5, 0.4, 0.45, 0.7].map((loss) => ({ loss })).concat([{ accuracy: 1 } as never])) as never, new Set())).toEqual([
      expect.objectContaining({ key: 'run:sess_1', value: 75, threshold: 50 }),
    ]);
  });
});
