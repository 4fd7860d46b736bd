import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { exposedRuns, metricNameFilter, type MetricExposurePolicy } from '../domain/metric-exposure.js';
import { RUN_STATES, type Run } from '../domain/run.js';
import { metricNumber, type MetricRecord } from '../domain/run-records.js';
import type { EventBus } from '../events/event-bus.js';
import type { SystemSampler } from '../monitor/system-sampler.js';
import type { RunActivity } from './run-activity.js';
import type { RunService } from './run-service.js';

/** prom-client's sums of the labelled `nodejs_active_*` gauges: gauges named like counters, which promtool rejects. */
const REDUNDANT_TOTAL_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** What every per-run series is labelled with. */
type RunLabels = 'run_id' | 'recipe';

/**
 * The agent's Prometheus metrics. Gauges are computed at scrape time from the services (nothing is
 * kept twice); counters follow the event bus; the API records each request's route and latency.
 * Training metrics are exported per run within the bounds of the exposure policy.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  private readonly runMetric: Gauge<RunLabels | 'metric'>;
  private readonly runEpoch: Gauge<RunLabels>;
  private readonly runStep: Gauge<RunLabels>;
  private readonly runProgress: Gauge<RunLabels>;
  private readonly runState: Gauge<RunLabels | 'state'>;
  private readonly runLastOutput: Gauge<RunLabels>;
  private readonly runsLeftOut: Gauge;
  private readonly exported: (name: string) => boolean;

  constructor(
    private readonly deps: {
      runs: RunService;
      activity: Pick<RunActivity, 'activity'>;
      system: SystemSampler;
      events: EventBus;
      exposure: MetricExposurePolicy;
      now?: () => number;
    },
  ) {
    const { registry } = this;
    // the standard names (process_*, nodejs_*) that stock Node.js dashboards query
    collectDefaultMetrics({ register: registry });
    for (const name of REDUNDANT_TOTAL_GAUGES) registry.removeSingleMetric(name);
    this.exported = metricNameFilter(deps.exposure);

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
        labelNames: ['gpu', 'name', 'run_id'],
        registers: [registry],
        collect() {
          this.reset();
          const holders = deps.runs.gpuHolders();
          for (const gpu of deps.system.latest()?.gpus ?? []) {
            const value = pick(gpu);
            // run_id is empty while no run holds the GPU
            if (value !== null) this.set({ gpu: String(gpu.index), name: gpu.name, run_id: holders.get(gpu.index) ?? '' }, value);
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
    const finished = new Counter({
      name: 'trainer_runs_finished_total',
      help: 'Runs that ended, by final state',
      labelNames: ['state'],
      registers: [registry],
    });
    deps.events.on('run.metrics', ({ records }) => points.inc(records.length));
    deps.events.on('run.log', ({ records }) => logLines.inc(records.length));
    deps.events.on('run.finished', ({ run }) => finished.inc({ state: run.state }));

    const perRun = <L extends string>(name: string, help: string, extra: L[] = []) =>
      new Gauge<RunLabels | L>({ name, help, labelNames: ['run_id', 'recipe', ...extra], registers: [registry] });
    this.runMetric = perRun('trainer_run_metric', 'Latest value of each training metric of a running or recently ended run', ['metric']);
    this.runEpoch = perRun('trainer_run_epoch', 'Latest epoch a run reported');
    this.runStep = perRun('trainer_run_step', 'Latest step a run reported');
    this.runProgress = perRun('trainer_run_progress_ratio', 'Epochs done over total epochs (0 to 1), where the recipe says the total');
    this.runState = perRun('trainer_run_state', 'The state of each exported run (1 for its current state)', ['state']);
    this.runLastOutput = perRun(
      'trainer_run_last_output_timestamp_seconds',
      'When a running run last printed a line or a metric (Unix time): what a stalled-run alert compares with time()',
    );
    this.runsLeftOut = new Gauge({
      name: 'trainer_run_series_runs_left_out',
      help: 'Runs whose series the run cap left out of this scrape',
      registers: [registry],
    });

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

  async render(): Promise<string> {
    await this.refreshRunSeries();
    return this.registry.metrics();
  }

  /** Rebuilt on every scrape: a run that left the exported set loses its series at once. */
  private async refreshRunSeries(): Promise<void> {
    const { runs, exposure, now = Date.now } = this.deps;
    const selected = exposedRuns(runs.all(), now(), exposure);
    const latest = await Promise.all(selected.runs.map((run) => this.latestOf(run)));
    for (const gauge of [this.runMetric, this.runEpoch, this.runStep, this.runProgress, this.runState, this.runLastOutput]) gauge.reset();
    this.runsLeftOut.set(selected.leftOut);
    selected.runs.forEach((run, index) => {
      const labels = { run_id: run.id, recipe: run.recipe };
      this.runState.set({ ...labels, state: run.state }, 1);
      const lastOutputAt = run.state === 'running' ? this.deps.activity.activity(run.id)?.lastOutputAt : undefined;
      if (lastOutputAt) this.runLastOutput.set(labels, Date.parse(lastOutputAt) / 1000);
      const record = latest[index];
      const epoch = typeof record?.epoch === 'number' ? record.epoch : run.current_epoch;
      if (epoch !== null && epoch !== undefined) this.runEpoch.set(labels, epoch);
      if (typeof record?.step === 'number') this.runStep.set(labels, record.step);
      if (run.total_epochs && epoch !== null && epoch !== undefined) this.runProgress.set(labels, Math.min(1, epoch / run.total_epochs));
      let count = 0;
      for (const [metric, raw] of Object.entries(record ?? {})) {
        if (metric === 'ts' || metric === 'epoch' || metric === 'step' || !this.exported(metric)) continue;
        const value = metricNumber(raw);
        if (value === null) continue;
        if (++count > exposure.maxMetricsPerRun) break;
        this.runMetric.set({ ...labels, metric }, value);
      }
    });
  }

  /** A running run's latest values from its follower; an ended run's from what it ended with. */
  private async latestOf(run: Run): Promise<Partial<MetricRecord> | null> {
    if (run.state !== 'running' && run.final_metrics) return run.final_metrics;
    return this.deps.runs.latestMetrics(run.id).catch(() => null);
  }
}
