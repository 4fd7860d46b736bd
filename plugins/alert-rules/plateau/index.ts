import { z } from 'zod';
import { PLUGIN_API_VERSION, type AlertFinding, type AlertRule, type AlertSnapshot, type PluginDefinition } from '../../../src/plugins/sdk.js';

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
    for (const run of snapshot.runs) {
      const byEpoch = new Map<number, number>();
      for (const record of run.recent) {
        const value = record[params.metric];
        if (typeof value === 'number' && record.epoch !== undefined) byEpoch.set(record.epoch, value);
      }
      const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
      if (epochs.length <= params.epochs) continue;
      const better = (a: number, b: number) => (params.mode === 'min' ? a < b - params.min_delta : a > b + params.min_delta);
      let best = byEpoch.get(epochs[0]!)!;
      let bestEpoch = epochs[0]!;
      for (const epoch of epochs) {
        const value = byEpoch.get(epoch)!;
        if (better(value, best)) {
          best = value;
          bestEpoch = epoch;
        }
      }
      const since = epochs[epochs.length - 1]! - bestEpoch;
      if (since >= params.epochs) findings.push({ key: `run:${run.id}`, runId: run.id, message: `run ${run.id}: ${params.metric} has not improved for ${since} epochs (best ${best} at epoch ${bestEpoch})`, value: since, threshold: params.epochs });
    }
    return findings;
  }
}

const definition: PluginDefinition<Record<string, never>, AlertRule<Params>> = {
  name: 'plateau',
  kind: 'alert-rule',
  apiVersion: PLUGIN_API_VERSION,
  description: 'A metric has not improved for N epochs.',
  configSchema: z.object({}).strict(),
  create: () => new PlateauRule(),
};
export default definition;
