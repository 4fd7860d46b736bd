import { execFile } from 'node:child_process';

export interface GpuDevice {
  index: number;
  uuid: string;
  name: string;
  memory_total_mb: number;
}

export interface GpuReading extends GpuDevice {
  utilization: number | null;
  memory_used_mb: number | null;
  memory_percent: number | null;
  temperature: number | null;
  power_w: number | null;
}

const FIELDS = ['index', 'uuid', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu', 'power.draw'];
export const NVIDIA_SMI_ARGS = [`--query-gpu=${FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

/**
 * Reads every NVIDIA GPU through `nvidia-smi` with an async execFile (systeminformation's own GPU
 * probe goes through lspci and blocks the event loop). No tool or no GPU means an empty list, never an error.
 */
export function readGpus(command = 'nvidia-smi', timeoutMs = 10_000): Promise<GpuReading[]> {
  return new Promise((resolve) => {
    execFile(command, NVIDIA_SMI_ARGS, { timeout: timeoutMs }, (error, stdout) => resolve(error ? [] : parseGpuReadings(stdout)));
  });
}

export async function listGpus(command = 'nvidia-smi'): Promise<GpuDevice[]> {
  return (await readGpus(command)).map(({ index, uuid, name, memory_total_mb }) => ({ index, uuid, name, memory_total_mb }));
}

/** `[N/A]`, `[Not Supported]` and empty fields become null. */
export function parseGpuReadings(csv: string): GpuReading[] {
  const readings: GpuReading[] = [];
  for (const line of csv.split('\n')) {
    const fields = line.split(',').map((field) => field.trim());
    const [index, uuid, name] = fields;
    if (fields.length < FIELDS.length || !index || !/^\d+$/.test(index) || !uuid || !name) continue;
    const [utilization, memoryUsed, memoryTotal, temperature, power] = fields.slice(3).map(numberOrNull);
    readings.push({
      index: Number(index),
      uuid,
      name,
      utilization: utilization ?? null,
      memory_used_mb: memoryUsed ?? null,
      memory_total_mb: memoryTotal ?? 0,
      memory_percent: memoryUsed != null && memoryTotal ? round1((memoryUsed / memoryTotal) * 100) : null,
      temperature: temperature ?? null,
      power_w: power ?? null,
    });
  }
  return readings;
}

function numberOrNull(field: string | undefined): number | null {
  if (field === undefined || field === '' || field.startsWith('[')) return null;
  const value = Number(field);
  return Number.isFinite(value) ? value : null;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
