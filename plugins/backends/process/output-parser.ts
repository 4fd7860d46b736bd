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

  /**
   * @param logMetricLines also copy JSON metric lines into the log (off by default: they are already
   * in the metrics file, and escaping each one again costs more than parsing it).
   */
  constructor(
    metricsRegex?: string,
    private readonly logMetricLines = false,
  ) {
    this.metricsRegex = metricsRegex ? new RegExp(metricsRegex) : null;
  }

  /**
   * The hot path: a batch of lines straight to JSONL text for the log and metrics files. A JSON line
   * whose values are all finite numbers is reused as is (only the timestamp is spliced in), so the
   * common case costs one JSON.parse and one string escape per line.
   */
  serializeBatch(lines: readonly string[], stream: 'stdout' | 'stderr', ts: string): { logText: string; metricText: string; points: number } {
    const logPrefix = `{"ts":"${ts}","level":"`;
    const logMiddle = `","stream":"${stream}","message":`;
    const metricPrefix = `{"ts":"${ts}",`;
    let logText = '';
    let metricText = '';
    let points = 0;
    for (const line of lines) {
      let metric: MetricRecord | null = null;
      let fromJson = false;
      if (line.charCodeAt(0) === 123 /* { */) {
        const verdict = plainNumericObject(line);
        if (verdict === true) {
          metricText += metricPrefix + line.slice(1) + '\n';
          points++;
          if (this.logMetricLines) logText += logPrefix + levelOf(line, stream) + logMiddle + JSON.stringify(line) + '}\n';
          continue;
        }
        metric = verdict === false ? null : toMetric(verdict, ts);
        metric ??= metricFromJson(line, ts);
        // a checkpoint line always reaches the log, where the agent registers the checkpoint
        fromJson = metric !== null && !(verdict !== false && typeof verdict.checkpoint === 'string');
      }
      if (!metric && this.metricsRegex) metric = metricFromRegex(this.metricsRegex, line, ts);
      if (metric) {
        metricText += JSON.stringify(metric) + '\n';
        points++;
      }
      if (!fromJson || this.logMetricLines) logText += logPrefix + levelOf(line, stream) + logMiddle + JSON.stringify(line) + '}\n';
    }
    return { logText, metricText, points };
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

/**
 * `true` when the line is a JSON object of finite numbers only, with no `ts` and with valid `epoch`
 * and `step` (so it can be stored as printed); the parsed object when it is another object; `false`
 * when it does not parse as an object (NaN-bearing lines are left to metricFromJson).
 */
function plainNumericObject(line: string): true | false | Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  const object = parsed as Record<string, unknown>;
  let values = 0;
  for (const key in object) {
    const value = object[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || key === 'ts') return object;
    if (key === 'epoch' || key === 'step') {
      if (!Number.isInteger(value) || value < 0) return object;
    } else values++;
  }
  return values > 0 ? true : object;
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
