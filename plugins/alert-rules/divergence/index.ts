import { z } from 'zod';
import { defineAlertRule, type AlertFinding, type AlertRule, type AlertSnapshot } from '../../../src/plugins/sdk.js';

const ParamsSchema = z
  .object({
    metric: z.string().min(1).max(128).default('loss'),
    /** Alert when the latest value is this many percent above the lowest in the window. */
    percent: z.number().positive().max(1_000_000),
    window: z.number().int().min(2).max(1000).default(20),
  })
  .strict();
type Params = z.infer<typeof ParamsSchema>;

/** A loss climbing away from its best: the run is diverging. */
class DivergenceRule implements AlertRule<Params> {
  readonly paramsSchema = ParamsSchema;

  evaluate(params: Params, snapshot: AlertSnapshot): AlertFinding[] {
    const findings: AlertFinding[] = [];
    for (const run of snapshot.runs) {
      // the last `window` values, newest first: only the tail of the run's recent records is read
      const values: number[] = [];
      for (let index = run.recent.length - 1; index >= 0 && values.length < params.window; index--) {
        const value = run.recent[index]![params.metric];
        if (typeof value === 'number') values.push(value);
      }
      if (values.length < 2) continue;
      let lowest = Infinity;
      for (const value of values) if (value < lowest) lowest = value;
      const latest = values[0]!;
      if (lowest <= 0) continue;
      const rise = ((latest - lowest) / lowest) * 100;
      if (rise >= params.percent)
        findings.push({
          key: `run:${run.id}`,
          runId: run.id,
          message: `run ${run.id}: ${params.metric} up ${rise.toFixed(0)}% from ${lowest} to ${latest}`,
          value: Math.round(rise),
          threshold: params.percent,
        });
    }
    return findings;
  }
}

export default defineAlertRule({
  name: 'divergence',
  description: 'A loss rises by X% over its lowest value in a window.',
  create: () => new DivergenceRule(),
});
