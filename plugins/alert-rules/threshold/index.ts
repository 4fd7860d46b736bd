import { z } from 'zod';
import { defineAlertRule, type AlertFinding, type AlertRule, type AlertSnapshot } from '../../../src/plugins/sdk.js';

const SYSTEM_METRICS = ['cpu_percent', 'memory_percent', 'disk_percent'] as const;
const GPU_METRICS = { gpu_utilization: 'utilization', gpu_memory_percent: 'memory_percent', gpu_temperature: 'temperature', gpu_power: 'power_w' } as const;
const CONDITIONS = ['greater_than', 'less_than', 'greater_or_equal', 'less_or_equal'] as const;

const ParamsSchema = z
  .object({
    metric: z.enum([...SYSTEM_METRICS, ...(Object.keys(GPU_METRICS) as (keyof typeof GPU_METRICS)[])]),
    condition: z.enum(CONDITIONS),
    threshold: z.number(),
    /** Hysteresis: once firing, the alert resolves only when the value crosses this line instead. */
    resolve_threshold: z.number().optional(),
  })
  .strict()
  .refine(
    (params) =>
      params.resolve_threshold === undefined ||
      (params.condition.startsWith('greater') ? params.resolve_threshold <= params.threshold : params.resolve_threshold >= params.threshold),
    { message: 'resolve_threshold must be on the resolved side of threshold (below it for greater_*, above it for less_*)', path: ['resolve_threshold'] },
  );
type Params = z.infer<typeof ParamsSchema>;

const breaches = (condition: Params['condition'], value: number, line: number) =>
  condition === 'greater_than' ? value > line : condition === 'less_than' ? value < line : condition === 'greater_or_equal' ? value >= line : value <= line;

const words: Record<Params['condition'], string> = { greater_than: 'above', less_than: 'below', greater_or_equal: 'at or above', less_or_equal: 'at or below' };

/** A sampled machine metric (CPU, memory, disk, or any GPU's utilization, memory, temperature, power) crossing a line. */
class ThresholdRule implements AlertRule<Params> {
  readonly paramsSchema = ParamsSchema;

  evaluate(params: Params, snapshot: AlertSnapshot, active: ReadonlySet<string>): AlertFinding[] {
    if (!snapshot.system) return [];
    const readings: { key: string; label: string; value: number | null }[] =
      params.metric in GPU_METRICS
        ? snapshot.system.gpus.map((gpu) => ({
            key: `gpu:${gpu.index}`,
            label: `GPU ${gpu.index} ${params.metric.slice(4).replace('_', ' ')}`,
            value: gpu[GPU_METRICS[params.metric as keyof typeof GPU_METRICS]],
          }))
        : [{ key: 'system', label: params.metric.replace('_percent', ''), value: snapshot.system[params.metric as (typeof SYSTEM_METRICS)[number]] }];
    const findings: AlertFinding[] = [];
    for (const { key, label, value } of readings) {
      if (value === null) continue;
      const line = active.has(key) && params.resolve_threshold !== undefined ? params.resolve_threshold : params.threshold;
      if (breaches(params.condition, value, line))
        findings.push({ key, message: `${label} ${words[params.condition]} ${params.threshold}: ${value}`, value, threshold: params.threshold });
    }
    return findings;
  }
}

export default defineAlertRule({
  name: 'threshold',
  description: 'A machine or GPU metric above or below a threshold, with optional hysteresis.',
  create: () => new ThresholdRule(),
});
