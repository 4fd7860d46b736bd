import type { LogRecord, MetricRecord } from '../../../src/plugins/sdk.js';

const LEVEL_PATTERN = /^\W{0,3}(DEBUG|INFO|WARN(?:ING)?|ERROR|CRITICAL|FATAL)\b/;
const NON_FINITE = /(?<![\w"])(-?Infinity|NaN)(?![\w"])/g;
const HAS_NON_FINITE = /(?<![\w"])(-?Infinity|NaN)(?![\w"])/;

/**
 * Turns one line a training process printed into a log record and, when it carries numbers, a metric
 * record. Metrics come from JSON objects (`{"epoch": 3, "loss": 0.41}`) or from a recipe's regex with
 * named groups. NaN and ±Infinity, which Python's json module prints bare, are kept as strings.
 */
export class OutputParser {
  private readonly metricsRegex: RegExp | null;

  constructor(metricsRegex?: string) {
    this.metricsRegex = metricsRegex ? new RegExp(metricsRegex) : null;
  }

  parse(line: string, stream: 'stdout' | 'stderr', ts: string): { log: LogRecord; metric: MetricRecord | null } {
    const log: LogRecord = { ts, level: levelOf(line, stream), stream, message: line };
    let metric: MetricRecord | null = null;
    if (line.charCodeAt(0) === 123 /* { */) metric = metricFromJson(line, ts);
    if (!metric && this.metricsRegex) metric = metricFromRegex(this.metricsRegex, line, ts);
    return { log, metric };
  }
}

function levelOf(line: string, stream: 'stdout' | 'stderr'): string {
  const match = LEVEL_PATTERN.exec(line);
  if (match) return match[1] === 'WARN' ? 'WARNING' : match[1] === 'FATAL' ? 'CRITICAL' : match[1]!;
  return stream === 'stderr' ? 'WARNING' : 'INFO';
}

function metricFromJson(line: string, ts: string): MetricRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    if (!HAS_NON_FINITE.test(line)) return null;
    try {
      parsed = JSON.parse(line.replace(NON_FINITE, '"$1"'));
    } catch {
      return null;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  return toMetric(parsed as Record<string, unknown>, ts);
}

function metricFromRegex(pattern: RegExp, line: string, ts: string): MetricRecord | null {
  const groups = pattern.exec(line)?.groups;
  if (!groups) return null;
  const values: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(groups)) if (text !== undefined) values[name] = Number(text);
  return toMetric(values, ts);
}

function toMetric(fields: Record<string, unknown>, ts: string): MetricRecord | null {
  const metric: MetricRecord = { ts };
  let values = 0;
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'ts') continue;
    if (name === 'epoch' || name === 'step') {
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) metric[name] = value;
      continue;
    }
    if (typeof value === 'number' && Number.isFinite(value)) {
      metric[name] = value;
      values++;
    } else if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') {
      metric[name] = value;
      values++;
    }
  }
  return values > 0 ? metric : null;
}
