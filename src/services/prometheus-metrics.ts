import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RUN_STATES } from '../domain/run.js';
import type { EventBus } from '../events/event-bus.js';
import type { SystemSampler } from '../monitor/system-sampler.js';
import type { RunService } from './run-service.js';

/**
 * The agent's Prometheus metrics. Gauges are computed at scrape time from the services (nothing is
 * kept twice); counters follow the event bus; the API records each request's route and latency.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;

  constructor(deps: { runs: RunService; system: SystemSampler; events: EventBus }) {
    const { registry } = this;
    collectDefaultMetrics({ register: registry, prefix: 'trainer_process_' });

    new Gauge({
      name: 'trainer_runs',
      help: 'Runs by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts = deps.runs.countByState();
        for (const state of RUN_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
    new Gauge({
      name: 'trainer_queue_length',
      help: 'Runs waiting in the queue',
      registers: [registry],
      collect() {
        this.set(deps.runs.queue().length);
      },
    });
    const perGpu = (name: string, help: string, pick: (gpu: NonNullable<ReturnType<SystemSampler['latest']>>['gpus'][number]) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['gpu', 'name'],
        registers: [registry],
        collect() {
          this.reset();
          for (const gpu of deps.system.latest()?.gpus ?? []) {
            const value = pick(gpu);
            if (value !== null) this.set({ gpu: String(gpu.index), name: gpu.name }, value);
          }
        },
      });
    perGpu('trainer_gpu_utilization_percent', 'GPU utilization', (gpu) => gpu.utilization);
    perGpu('trainer_gpu_memory_used_bytes', 'GPU memory in use', (gpu) => (gpu.memory_used_mb === null ? null : gpu.memory_used_mb * 1024 * 1024));
    perGpu('trainer_gpu_memory_total_bytes', 'GPU memory', (gpu) => gpu.memory_total_mb * 1024 * 1024);
    perGpu('trainer_gpu_temperature_celsius', 'GPU temperature', (gpu) => gpu.temperature);
    perGpu('trainer_gpu_power_watts', 'GPU power draw', (gpu) => gpu.power_w);

    const points = new Counter({ name: 'trainer_metric_points_ingested_total', help: 'Metric points read from runs', registers: [registry] });
    const logLines = new Counter({ name: 'trainer_log_lines_ingested_total', help: 'Log lines read from runs', registers: [registry] });
    const finished = new Counter({ name: 'trainer_runs_finished_total', help: 'Runs that ended, by final state', labelNames: ['state'], registers: [registry] });
    deps.events.on('run.metrics', ({ records }) => points.inc(records.length));
    deps.events.on('run.log', ({ records }) => logLines.inc(records.length));
    deps.events.on('run.finished', ({ run }) => finished.inc({ state: run.state }));

    this.requests = new Histogram({
      name: 'trainer_http_request_duration_seconds',
      help: 'API requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
