import type { LogRecord, MetricRecord } from '../../domain/run-records.js';
import { kerasEpochHeader, parseKerasStepLine, parseKeyValueLine, parsePythonDict, pythonDictAsJsonMembers, type MetricsFormat } from './output-formats.js';
import { barPosition } from './progress-bar.js';

const LEVEL_PATTERN = /^\W{0,3}(DEBUG|INFO|WARN(?:ING)?|ERROR|CRITICAL|FATAL)\b/;
const NON_FINITE = /(?<![\w"])(-?Infinity|NaN)(?![\w"])/g;
const HAS_NON_FINITE = /(?<![\w"])(-?Infinity|NaN)(?![\w"])/;

/**
 * Where a run stands as its output says: the epoch and the number of epochs (Keras' `Epoch 3/10`), and
 * the position of the progress bar drawn last (tqdm's `45/100`, Keras' `10/32`).
 */
export interface OutputProgress {
  epoch: number | null;
  epochs: number | null;
  n: number | null;
  total: number | null;
}

/**
 * Turns one line a training process printed into a log record and, when it carries numbers, a metric
 * record. Metrics come from JSON objects (`{"epoch": 3, "loss": 0.41}`), Python dict reprs as Hugging
 * Face's Trainer prints them, Keras' epoch lines, `name=value` lines (opt-in) or a recipe's regex with
 * named groups; `format` (a recipe's `metrics_format`) forces one, `auto` recognises each line's.
 * NaN and ±Infinity, which Python prints bare, are kept as strings.
 */
export class OutputParser {
  private readonly metricsRegex: RegExp | null;
  private readonly json: boolean;
  private readonly hf: boolean;
  private readonly keras: boolean;
  private readonly kv: boolean;
  /** The Keras epoch in progress: its summary line is that epoch's metrics. */
  private kerasEpoch: number | null = null;
  private readonly position: OutputProgress = { epoch: null, epochs: null, n: null, total: null };
  private progressChanged = false;
  /** The line metricFromText just read was a framework's metric line (Keras' epoch results), kept out of the log like JSON lines. */
  private metricOnlyLine = false;
  /** That line's metric as JSON members, ready to store without serializing the record again. */
  private metricMembers: string | null = null;

  /**
   * @param logMetricLines also copy JSON metric lines into the log (off by default: they are already
   * in the metrics file, and escaping each one again costs more than parsing it).
   */
  constructor(
    metricsRegex?: string,
    private readonly logMetricLines = false,
    format: MetricsFormat = 'auto',
  ) {
    this.metricsRegex = metricsRegex && (format === 'auto' || format === 'regex') ? new RegExp(metricsRegex) : null;
    this.json = format === 'auto' || format === 'json';
    this.hf = format === 'auto' || format === 'hf';
    this.keras = format === 'auto' || format === 'keras';
    this.kv = format === 'kv';
  }

  /** What the output said about progress since the last call, or null when it said nothing new. */
  takeProgress(): OutputProgress | null {
    if (!this.progressChanged) return null;
    this.progressChanged = false;
    return { ...this.position };
  }

  /** A progress bar's redraw (not a line of the log): where it stands. */
  observeRedraw(text: string): void {
    if (this.keras) {
      const step = parseKerasStepLine(text);
      if (step) return this.moveBar(step.step, step.steps);
    }
    const bar = barPosition(text);
    if (bar) this.moveBar(bar.n, bar.total);
  }

  private moveBar(n: number, total: number): void {
    if (this.position.n === n && this.position.total === total) return;
    this.position.n = n;
    this.position.total = total;
    this.progressChanged = true;
  }

  /** A text line's metric in the formats other than JSON, following Keras' epochs and progress bars as it goes. */
  private metricFromText(line: string, ts: string): MetricRecord | null {
    this.metricOnlyLine = false;
    this.metricMembers = null;
    if (this.hf && line.charCodeAt(0) === 123 /* { */) {
      const dict = parsePythonDict(line);
      if (dict) return hfMetric(dict, ts);
    }
    if (this.keras) {
      const header = kerasEpochHeader(line);
      if (header) {
        this.kerasEpoch = header.epoch;
        this.position.epoch = header.epoch;
        this.position.epochs = header.epochs;
        this.position.n = null;
        this.position.total = null;
        this.progressChanged = true;
        return null;
      }
      let step = parseKerasStepLine(line, false);
      if (step) {
        this.moveBar(step.step, step.steps);
        if (!step.final) return null;
        if (step.members) {
          // stored as printed (see serializeBatch): the record itself is only built for parse()
          this.metricOnlyLine = true;
          this.metricMembers = this.kerasEpoch === null ? step.members : `${step.members},"epoch":${this.kerasEpoch}`;
          return KERAS_MEMBERS_ONLY;
        }
        step = parseKerasStepLine(line)!;
        const metric = toMetric(step.values, ts);
        if (metric && this.kerasEpoch !== null) metric.epoch = this.kerasEpoch;
        this.metricOnlyLine = metric !== null;
        return metric;
      }
    }
    const bar = barPosition(line);
    if (bar) {
      this.moveBar(bar.n, bar.total);
      return null;
    }
    if (this.kv) {
      const pairs = parseKeyValueLine(line);
      if (pairs) return toMetric(pairs, ts);
    }
    return this.metricsRegex ? metricFromRegex(this.metricsRegex, line, ts) : null;
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
      // a machine-format metric line (JSON, a Hugging Face dict): its numbers go to the metrics, not the log
      let fromJson = false;
      if (this.json && line.charCodeAt(0) === 123 /* { */ && line.charCodeAt(1) !== 39 /* a Python dict's ' */) {
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
      if (!metric && this.hf && line.charCodeAt(0) === 123 && line.charCodeAt(1) === 39) {
        const members = pythonDictAsJsonMembers(line);
        if (members) {
          metricText += metricPrefix + members + '}\n';
          points++;
          if (this.logMetricLines) logText += logPrefix + levelOf(line, stream) + logMiddle + JSON.stringify(line) + '}\n';
          continue;
        }
        const dict = members === null ? null : parsePythonDict(line);
        metric = dict && hfMetric(dict, ts);
        fromJson = metric !== null;
      }
      if (!metric) {
        metric = this.metricFromText(line, ts);
        fromJson = metric !== null && this.metricOnlyLine;
      }
      if (metric) {
        metricText += this.metricMembers !== null && fromJson ? metricPrefix + this.metricMembers + '}\n' : JSON.stringify(metric) + '\n';
        points++;
      }
      if (!fromJson || this.logMetricLines) logText += logPrefix + levelOf(line, stream) + logMiddle + JSON.stringify(line) + '}\n';
    }
    return { logText, metricText, points };
  }

  parse(line: string, stream: 'stdout' | 'stderr', ts: string): { log: LogRecord; metric: MetricRecord | null } {
    const log: LogRecord = { ts, level: levelOf(line, stream), stream, message: line };
    let metric: MetricRecord | null = null;
    if (this.json && line.charCodeAt(0) === 123 /* { */) metric = metricFromJson(line, ts);
    if (!metric) metric = this.metricFromText(line, ts);
    if (metric === KERAS_MEMBERS_ONLY) metric = JSON.parse(`{"ts":${JSON.stringify(ts)},${this.metricMembers}}`) as MetricRecord;
    return { log, metric };
  }
}

/** metricFromText's answer when the metric is in metricMembers, ready to store. */
const KERAS_MEMBERS_ONLY: MetricRecord = Object.freeze({ ts: '' });

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

/**
 * Hugging Face's log dicts: `epoch` is fractional mid-epoch, the step is `global_step` where printed,
 * and the end-of-training summary (`train_runtime`, `train_loss`) is kept like any record.
 */
function hfMetric(fields: Record<string, number | string>, ts: string): MetricRecord | null {
  const metric: MetricRecord = { ts };
  let values = 0;
  for (const name in fields) {
    const value = fields[name]!;
    if (name === 'epoch') {
      if (typeof value === 'number' && value >= 0) metric.epoch = value;
    } else if (name === 'global_step' || name === 'step') {
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) metric.step = value;
    } else if (name !== 'ts') {
      metric[name] = value;
      values++;
    }
  }
  return values > 0 ? metric : null;
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
