import { z } from 'zod';
import { defineAlertRule, type AlertFinding, type AlertRule, type AlertSnapshot } from '../../../src/plugins/sdk.js';

const ParamsSchema = z
  .object({
    minutes: z
      .number()
      .positive()
      .max(7 * 24 * 60),
  })
  .strict();
type Params = z.infer<typeof ParamsSchema>;

/** A running run has printed no line and no metric for N minutes. */
class StalledRule implements AlertRule<Params> {
  readonly paramsSchema = ParamsSchema;

  evaluate(params: Params, snapshot: AlertSnapshot): AlertFinding[] {
    const now = Date.parse(snapshot.now);
    const findings: AlertFinding[] = [];
    for (const run of snapshot.runs) {
      const last = run.last_output_at ?? run.started_at;
      if (run.state !== 'running' || !last) continue;
      const silentMinutes = (now - Date.parse(last)) / 60_000;
      if (silentMinutes >= params.minutes) {
        findings.push({
          key: `run:${run.id}`,
          runId: run.id,
          message: `run ${run.id} (${run.recipe}) stalled: no output for ${silentMinutes.toFixed(1)} minutes`,
          value: Math.round(silentMinutes * 10) / 10,
          threshold: params.minutes,
        });
      }
    }
    return findings;
  }
}

export default defineAlertRule({
  name: 'stalled',
  description: 'A running run printed nothing for N minutes.',
  create: () => new StalledRule(),
});
