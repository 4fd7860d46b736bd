import { lttbIndices, strideIndices } from '../domain/downsample.js';
import type { MetricRecord } from '../domain/run-records.js';

export interface MetricQuery {
  metricName?: string;
  startEpoch?: number;
  endEpoch?: number;
  /** Downsample to at most this many points: LTTB on the named metric, evenly spaced otherwise. */
  maxPoints?: number;
}

/** Filters a run's metric history by name and epoch range, then downsamples it for charts. */
export function queryMetrics(records: readonly MetricRecord[], query: MetricQuery): MetricRecord[] {
  let selected = records.filter(
    (record) =>
      (query.metricName === undefined || typeof record[query.metricName] === 'number') &&
      (query.startEpoch === undefined || (record.epoch ?? -1) >= query.startEpoch) &&
      (query.endEpoch === undefined || (record.epoch ?? Number.MAX_SAFE_INTEGER) <= query.endEpoch),
  );
  if (query.maxPoints !== undefined && selected.length > query.maxPoints) {
    const indices = query.metricName
      ? lttbIndices(
          selected.map((record, index) => record.step ?? record.epoch ?? index),
          selected.map((record) => record[query.metricName!] as number),
          query.maxPoints,
        )
      : strideIndices(selected.length, query.maxPoints);
    selected = indices.map((index) => selected[index]!);
  }
  return selected;
}
