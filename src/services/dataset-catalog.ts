import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { BUILTIN_DATASETS } from '../datasets/builtin-datasets.js';
import { notFound } from '../errors.js';

/** Seed 000's dataset shape. */
export interface DatasetInfo {
  name: string;
  size_mb: number;
  sample_count: number | null;
  format: string;
  dimensions: string | null;
  created_at: string | null;
  file_path: string | null;
  description?: string;
}

const FORMAT_BY_EXTENSION: Record<string, string> = {
  '.csv': 'csv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.gz': 'archive',
  '.tgz': 'archive',
  '.tar': 'archive',
  '.zip': 'archive',
  '.npz': 'numpy',
  '.parquet': 'parquet',
};

/** The built-in generated datasets plus whatever files sit in the datasets directory. */
export class DatasetCatalog {
  constructor(private readonly datasetsDir: string) {}

  async list(): Promise<DatasetInfo[]> {
    const builtins: DatasetInfo[] = BUILTIN_DATASETS.map((dataset) => ({
      name: dataset.name,
      size_mb: 0,
      sample_count: dataset.samples,
      format: 'generated',
      dimensions: String(dataset.features),
      created_at: null,
      file_path: null,
      description: `${dataset.description} ${dataset.classes} classes.`,
    }));
    return [...builtins, ...(await this.files())];
  }

  async get(name: string): Promise<DatasetInfo> {
    const found = (await this.list()).find((dataset) => dataset.name === name);
    if (!found) throw notFound(`Dataset '${name}' not found`);
    return found;
  }

  private async files(): Promise<DatasetInfo[]> {
    let entries: string[];
    try {
      entries = await readdir(this.datasetsDir);
    } catch {
      return [];
    }
    const datasets: DatasetInfo[] = [];
    for (const entry of entries.sort()) {
      if (entry.startsWith('.')) continue;
      const path = join(this.datasetsDir, entry);
      const info = await stat(path).catch(() => null);
      if (!info) continue;
      const extension = extname(entry).toLowerCase();
      datasets.push({
        name: info.isDirectory() ? entry : entry.slice(0, entry.length - extension.length).replace(/\.tar$/, ''),
        size_mb: Math.round((info.size / 1024 / 1024) * 10) / 10,
        sample_count: null,
        format: info.isDirectory() ? 'images' : (FORMAT_BY_EXTENSION[extension] ?? 'file'),
        dimensions: null,
        created_at: info.birthtime.toISOString(),
        file_path: path,
      });
    }
    return datasets;
  }
}
