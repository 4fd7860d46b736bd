import { lttbIndices, strideIndices } from '../domain/downsample.js';
import type { MetricRecord } from '../domain/run-records.js';

export interface MetricQuery {
  metricName?: string;
  startEpoch?: number;
  endEpoch?: number;
  /** Downsample to at most this many points: LTTB on the named metric, evenly spaced otherwise. */
  maxPoints?: number;
  /** Only the last this many (of those the filters keep), before downsampling. */
  last?: number;
}

/** Whether a record passes the query's metric and epoch filters. */
export function matchesQuery(record: MetricRecord, query: MetricQuery): boolean {
  return (
    (query.metricName === undefined || typeof record[query.metricName] === 'number') &&
    (query.startEpoch === undefined || (record.epoch ?? -1) >= query.startEpoch) &&
    (query.endEpoch === undefined || (record.epoch ?? Number.MAX_SAFE_INTEGER) <= query.endEpoch)
  );
}

/**
 * The records of a query as they stream by, in bounded memory: the last `last` of them in a ring, or
 * an evenly spaced sample of at most `maxPoints` (every step-th record, the step doubling whenever
 * twice that many are held; the newest record always ends it).
 */
export class StreamingMetricQuery {
  private kept: MetricRecord[] = [];
  private step = 1;
  private seen = 0;
  private newest: MetricRecord | null = null;

  constructor(private readonly query: MetricQuery) {}

  add(record: MetricRecord): void {
    if (!matchesQuery(record, this.query)) return;
    const { last, maxPoints } = this.query;
    if (last !== undefined) {
      this.kept.push(record);
      if (this.kept.length >= 2 * last) this.kept = this.kept.slice(-last);
      return;
    }
    this.newest = record;
    if (this.seen++ % this.step !== 0) return;
    this.kept.push(record);
    if (maxPoints !== undefined && this.kept.length >= 2 * maxPoints) {
      this.kept = this.kept.filter((_, index) => index % 2 === 0);
      this.step *= 2;
    }
  }

  result(): MetricRecord[] {
    if (this.query.last !== undefined) return queryMetrics(this.kept.slice(-this.query.last), { maxPoints: this.query.maxPoints });
    const records = this.newest && this.kept.at(-1) !== this.newest ? [...this.kept, this.newest] : this.kept;
    if (this.query.maxPoints === undefined || records.length <= this.query.maxPoints) return records;
    return strideIndices(records.length, this.query.maxPoints).map((index) => records[index]!);
  }
}

/** Filters a run's metric history by name and epoch range, then downsamples it for charts. */
export function queryMetrics(records: readonly MetricRecord[], query: MetricQuery): MetricRecord[] {
  let selected = records.filter((record) => matchesQuery(record, query));
  if (query.last !== undefined) selected = selected.slice(-query.last);
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
