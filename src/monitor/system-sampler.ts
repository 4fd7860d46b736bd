import { statfs } from 'node:fs/promises';
import { cpus } from 'node:os';
import si from 'systeminformation';
import { readGpus, type GpuReading } from './nvidia-smi.js';

export interface SystemSample {
  ts: string;
  cpu: { percent: number; count: number; per_cpu: number[] };
  memory: { used_mb: number; total_mb: number; percent: number };
  disk: { path: string; used_gb: number; free_gb: number; total_gb: number; percent: number };
  gpus: GpuReading[];
}

export interface SamplerOptions {
  nvidiaSmi: string;
  /** The file system whose space is reported: the data directory's. */
  diskPath: string;
  intervalMs: number;
  retentionMs: number;
}

type CpuTimes = { idle: number; total: number }[];

/**
 * Samples CPU, memory, disk and GPUs on an interval and keeps the last hour in memory, so that API
 * reads are cheap. Nothing here blocks the event loop: CPU load from os.cpus() deltas and disk from
 * statfs (systeminformation's currentLoad and fsSize shell out synchronously on Linux), memory from
 * systeminformation (an async /proc/meminfo read), GPUs from an async nvidia-smi query.
 */
export class SystemSampler {
  private readonly samples: SystemSample[] = [];
  private previousCpu: CpuTimes = readCpuTimes();
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(sample: SystemSample) => void>();

  constructor(private readonly options: SamplerOptions) {}

  /** Takes a first sample, then one per interval. */
  async start(): Promise<void> {
    await this.sampleNow();
    this.timer = setInterval(() => void this.sampleNow().catch(() => {}), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  onSample(listener: (sample: SystemSample) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  latest(): SystemSample | null {
    return this.samples[this.samples.length - 1] ?? null;
  }

  history(sinceMs: number): SystemSample[] {
    const since = Date.now() - sinceMs;
    return this.samples.filter((sample) => Date.parse(sample.ts) >= since);
  }

  async sampleNow(): Promise<SystemSample> {
    const [memory, disk, gpus] = await Promise.all([readMemory(), readDisk(this.options.diskPath), readGpus(this.options.nvidiaSmi)]);
    const currentCpu = readCpuTimes();
    const perCpu = currentCpu.map((now, index) => busyPercent(this.previousCpu[index], now));
    this.previousCpu = currentCpu;
    const sample: SystemSample = {
      ts: new Date().toISOString(),
      cpu: { percent: round1(perCpu.reduce((sum, value) => sum + value, 0) / Math.max(1, perCpu.length)), count: perCpu.length, per_cpu: perCpu },
      memory,
      disk,
      gpus,
    };
    this.samples.push(sample);
    const horizon = Date.now() - this.options.retentionMs;
    while (this.samples.length > 0 && Date.parse(this.samples[0]!.ts) < horizon) this.samples.shift();
    for (const listener of this.listeners) listener(sample);
    return sample;
  }
}

function readCpuTimes(): CpuTimes {
  return cpus().map(({ times }) => ({ idle: times.idle, total: times.user + times.nice + times.sys + times.idle + times.irq }));
}

function busyPercent(before: CpuTimes[number] | undefined, after: CpuTimes[number]): number {
  if (!before) return 0;
  const total = after.total - before.total;
  return total > 0 ? round1(((total - (after.idle - before.idle)) / total) * 100) : 0;
}

async function readMemory(): Promise<SystemSample['memory']> {
  const memory = await si.mem();
  const usedMb = (memory.total - memory.available) / 1024 / 1024;
  const totalMb = memory.total / 1024 / 1024;
  return { used_mb: Math.round(usedMb), total_mb: Math.round(totalMb), percent: round1((usedMb / totalMb) * 100) };
}

async function readDisk(path: string): Promise<SystemSample['disk']> {
  try {
    const stats = await statfs(path);
    const total = (stats.blocks * stats.bsize) / 1024 ** 3;
    const free = (stats.bavail * stats.bsize) / 1024 ** 3;
    const used = total - (stats.bfree * stats.bsize) / 1024 ** 3;
    return { path, used_gb: round1(used), free_gb: round1(free), total_gb: round1(total), percent: total > 0 ? round1((used / (used + free)) * 100) : 0 };
  } catch {
    return { path, used_gb: 0, free_gb: 0, total_gb: 0, percent: 0 };
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;
