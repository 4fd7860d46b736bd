import { z } from 'zod';
import { defineAlertRule, type AlertFinding, type AlertRule, type AlertSnapshot } from '../../../src/plugins/sdk.js';

/** How long it must stay idle is the rule's `for_seconds`. */
const ParamsSchema = z.object({ utilization_below: z.number().min(0).max(100) }).strict();
type Params = z.infer<typeof ParamsSchema>;

/** A run holds a GPU that it hardly uses: money burning. */
class GpuIdleRule implements AlertRule<Params> {
  readonly paramsSchema = ParamsSchema;

  evaluate(params: Params, snapshot: AlertSnapshot): AlertFinding[] {
    const findings: AlertFinding[] = [];
    for (const run of snapshot.runs) {
      for (const index of run.gpu_ids) {
        const gpu = snapshot.system?.gpus.find((candidate) => candidate.index === index);
        if (gpu?.utilization === null || gpu?.utilization === undefined || gpu.utilization >= params.utilization_below) continue;
        findings.push({
          key: `run:${run.id}:gpu:${index}`,
          runId: run.id,
          message: `run ${run.id} holds GPU ${index} at ${gpu.utilization}% utilization`,
          value: gpu.utilization,
          threshold: params.utilization_below,
        });
      }
    }
    return findings;
  }
}

export default defineAlertRule({
  name: 'gpu-idle',
  description: 'A run holds a GPU whose utilization stays under N%.',
  create: () => new GpuIdleRule(),
});
