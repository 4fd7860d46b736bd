import { z } from 'zod';
import { defineAlertRule, type AlertFinding, type AlertRule, type AlertSnapshot } from '../../../src/plugins/sdk.js';

const ParamsSchema = z
  .object({
    metric: z.string().min(1).max(128).default('val_loss'),
    mode: z.enum(['min', 'max']).default('min'),
    epochs: z.number().int().min(1).max(10_000),
    min_delta: z.number().min(0).default(0),
  })
  .strict();
type Params = z.infer<typeof ParamsSchema>;

/** A chosen metric has not improved for N epochs (as early stopping would judge it). */
class PlateauRule implements AlertRule<Params> {
  readonly paramsSchema = ParamsSchema;

  evaluate(params: Params, snapshot: AlertSnapshot): AlertFinding[] {
    const findings: AlertFinding[] = [];
    const better = (a: number, b: number) => (params.mode === 'min' ? a < b - params.min_delta : a > b + params.min_delta);
    for (const run of snapshot.runs) {
      const { epochs, values } = lastValuePerEpoch(run.recent, params.metric);
      if (epochs.length <= params.epochs) continue;
      let best = values[0]!;
      let bestEpoch = epochs[0]!;
      for (let index = 1; index < epochs.length; index++) {
        if (better(values[index]!, best)) {
          best = values[index]!;
          bestEpoch = epochs[index]!;
        }
      }
      const since = epochs[epochs.length - 1]! - bestEpoch;
      if (since >= params.epochs)
        findings.push({
          key: `run:${run.id}`,
          runId: run.id,
          message: `run ${run.id}: ${params.metric} has not improved for ${since} epochs (best ${best} at epoch ${bestEpoch})`,
          value: since,
          threshold: params.epochs,
        });
    }
    return findings;
  }
}

/**
 * The metric's last value in each epoch, by epoch. Records come oldest first, so epochs usually only
 * grow: one pass. A run whose epochs go back (a restart from a checkpoint) takes the sorting path.
 */
function lastValuePerEpoch(records: AlertSnapshot['runs'][number]['recent'], metric: string): { epochs: number[]; values: number[] } {
  const epochs: number[] = [];
  const values: number[] = [];
  for (const record of records) {
    const value = record[metric];
    const epoch = record.epoch;
    if (typeof value !== 'number' || epoch === undefined) continue;
    const last = epochs.length - 1;
    if (last >= 0 && epoch === epochs[last]) values[last] = value;
    else if (last >= 0 && epoch < epochs[last]!) return sortedByEpoch(records, metric);
    else {
      epochs.push(epoch);
      values.push(value);
    }
  }
  return { epochs, values };
}

function sortedByEpoch(records: AlertSnapshot['runs'][number]['recent'], metric: string): { epochs: number[]; values: number[] } {
  const byEpoch = new Map<number, number>();
  for (const record of records) {
    const value = record[metric];
    if (typeof value === 'number' && record.epoch !== undefined) byEpoch.set(record.epoch, value);
  }
  const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
  return { epochs, values: epochs.map((epoch) => byEpoch.get(epoch)!) };
}

export default defineAlertRule({
  name: 'plateau',
  description: 'A metric has not improved for N epochs.',
  create: () => new PlateauRule(),
});
