import { execFile } from 'node:child_process';

export interface GpuDevice {
  index: number;
  uuid: string;
  name: string;
  memory_total_mb: number;
}

const QUERY = ['--query-gpu=index,uuid,name,memory.total', '--format=csv,noheader,nounits'];

/**
 * Lists the machine's NVIDIA GPUs through `nvidia-smi` (asynchronously: systeminformation's own GPU
 * probe blocks the event loop). A machine without the tool or without GPUs has none; never an error.
 */
export function listGpus(command = 'nvidia-smi', timeoutMs = 10_000): Promise<GpuDevice[]> {
  return new Promise((resolve) => {
    execFile(command, QUERY, { timeout: timeoutMs }, (error, stdout) => {
      if (error) return resolve([]);
      resolve(parseGpuList(stdout));
    });
  });
}

export function parseGpuList(csv: string): GpuDevice[] {
  const devices: GpuDevice[] = [];
  for (const line of csv.split('\n')) {
    const [index, uuid, name, memory] = line.split(',').map((field) => field.trim());
    if (index === undefined || uuid === undefined || name === undefined || !/^\d+$/.test(index)) continue;
    devices.push({ index: Number(index), uuid, name, memory_total_mb: Number(memory) || 0 });
  }
  return devices;
}
