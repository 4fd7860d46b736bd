import { z } from 'zod';
import { defineAlertRule, type AlertFinding, type AlertRule, type AlertSnapshot } from '../../../src/plugins/sdk.js';

const ParamsSchema = z
  .object({
    /** Which metrics to watch; by default every metric whose name contains "loss". */
    metrics: z.array(z.string().min(1).max(128)).max(64).optional(),
  })
  .strict();
type Params = z.infer<typeof ParamsSchema>;

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/** A running run reports NaN or ±Infinity in a loss: the run is wasting its GPU. */
class NanLossRule implements AlertRule<Params> {
  readonly paramsSchema = ParamsSchema;

  evaluate(params: Params, snapshot: AlertSnapshot): AlertFinding[] {
    const findings: AlertFinding[] = [];
    for (const run of snapshot.runs) {
      if (!run.latest) continue;
      const bad = Object.entries(run.latest).find(
        ([name, value]) =>
          (params.metrics ? params.metrics.includes(name) : name.includes('loss')) &&
          (NON_FINITE.has(String(value)) || (typeof value === 'number' && !Number.isFinite(value))),
      );
      if (bad)
        findings.push({
          key: `run:${run.id}`,
          runId: run.id,
          message: `run ${run.id} (${run.recipe}): ${bad[0]} is ${bad[1]} at epoch ${run.latest.epoch ?? '?'}`,
          value: null,
        });
    }
    return findings;
  }
}

export default defineAlertRule({
  name: 'nan-loss',
  description: 'A running run reports NaN or Infinity in a loss.',
  create: () => new NanLossRule(),
});
