import type { MetricRecord } from './run-records.js';

/**
 * The latest values of a run: the last record, with the values of earlier records of the same epoch
 * merged in (scripts often print training and validation metrics on separate lines).
 */
export function latestMetrics(records: readonly MetricRecord[]): MetricRecord | null {
  const last = records[records.length - 1];
  if (!last) return null;
  const merged: MetricRecord = { ...last };
  for (let i = records.length - 2; i >= 0; i--) {
    const record = records[i]!;
    if (record.epoch !== last.epoch) break;
    for (const [name, value] of Object.entries(record)) if (!(name in merged)) merged[name] = value;
  }
  return merged;
}

/** Folds new records into the current latest view without keeping the history in memory. */
export function foldLatest(current: MetricRecord | null, records: readonly MetricRecord[]): MetricRecord | null {
  let latest = current;
  for (const record of records) {
    latest = latest && latest.epoch === record.epoch ? { ...latest, ...record } : { ...record };
  }
  return latest;
}
