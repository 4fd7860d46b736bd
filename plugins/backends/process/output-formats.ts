/**
 * The text formats training frameworks print their numbers in, each recognised only as a whole line:
 * a line that merely contains a number is never mistaken for a metric.
 */

import type { Recipe } from '../../../src/plugins/sdk.js';

/** What a recipe's `metrics_format` may name; `auto` detects each line's format. */
export type MetricsFormat = Recipe['metrics_format'];

/** A parsed value: a finite number, or NaN/±Infinity kept as the strings the metrics file stores. */
export type MetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

const PY_NUMBER = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)$/;

/** A number as Python prints one (`5e-05`, `nan`, `-inf`, `1.0`), or undefined. */
export function pythonNumber(text: string): MetricValue | undefined {
  if (PY_NUMBER.test(text)) return Number(text);
  switch (text.toLowerCase()) {
    case 'nan':
    case '-nan':
      return 'NaN';
    case 'inf':
    case '+inf':
    case 'infinity':
      return 'Infinity';
    case '-inf':
    case '-infinity':
      return '-Infinity';
  }
  return undefined;
}

const DICT_ENTRY = /\s*'((?:[^'\\]|\\.)*)'\s*:\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^,{}\[\]'"]+?)\s*(,|})/y;
/** numpy 2 scalars and tensors print wrapped: `np.float64(0.93)`, `tensor(0.5)`. */
const WRAPPED_NUMBER = /^(?:np\.|numpy\.)?(?:float|int)(?:16|32|64)\((.+)\)$|^tensor\((.+)\)$/;

/**
 * A flat Python dict repr as Hugging Face's Trainer prints its logs
 * (`{'loss': 0.02, 'grad_norm': 0.5, 'learning_rate': 5e-05, 'epoch': 1.0}`): its numeric entries, or
 * null when the line is not such a dict as a whole. Strings, booleans and None are recognised and left out.
 */
export function parsePythonDict(line: string): Record<string, MetricValue> | null {
  const text = line.trim();
  if (text.charCodeAt(0) !== 123 /* { */ || text.charCodeAt(1) !== 39 /* ' */ || !text.endsWith('}')) return null;
  const values: Record<string, MetricValue> = {};
  DICT_ENTRY.lastIndex = 1;
  for (;;) {
    const match = DICT_ENTRY.exec(text);
    if (!match) return null;
    const [, key, raw, separator] = match as unknown as [string, string, string, string];
    const literal = raw.trim();
    const wrapped = WRAPPED_NUMBER.exec(literal);
    const number = pythonNumber(wrapped ? (wrapped[1] ?? wrapped[2])! : literal);
    if (number !== undefined) values[key] = number;
    else if (!(literal === 'True' || literal === 'False' || literal === 'None' || literal.startsWith("'") || literal.startsWith('"'))) return null;
    if (separator === '}') return DICT_ENTRY.lastIndex === text.length ? values : null;
  }
}

/** Keras' `Epoch 3/10` header. */
export function kerasEpochHeader(line: string): { epoch: number; epochs: number } | null {
  const match = /^\s*Epoch (\d+)\/(\d+)\s*$/.exec(line);
  return match ? { epoch: Number(match[1]), epochs: Number(match[2]) } : null;
}

const KERAS_STEPS = /^\s*(\d+)\/(\d+)(?=\s|$)/;
const KERAS_BAR = /^\s*(?:\[[=>.]*\]|[━─╸╺]+)\s*/;
const KERAS_TIMING = /^(?:ETA: \S+|\d+(?:\.\d+)?(?:[mµu]?s|min|h)(?:\/(?:step|epoch|sample))?(?: \d+(?:\.\d+)?[mµu]?s\/(?:step|epoch|sample))?)$/;
const KERAS_METRIC = /^([A-Za-z_][\w.\/-]*): (\S+)$/;

export interface KerasStepLine {
  step: number;
  steps: number;
  /** The `- name: value` pairs (the running averages of a batch update, the epoch's results on the last line). */
  values: Record<string, MetricValue>;
  /** The epoch is over: the last step, with no ETA left. */
  final: boolean;
}

/**
 * A Keras progress line, as `model.fit` prints one in either Keras 2 or 3 style
 * (`32/32 [====] - 1s 10ms/step - loss: 0.35 - val_loss: 0.2`, `32/32 ━━━━ 1s 10ms/step - loss: 0.35`,
 * `32/32 - 1s - loss: 0.35`), or null when the line is not one as a whole.
 */
export function parseKerasStepLine(line: string): KerasStepLine | null {
  const steps = KERAS_STEPS.exec(line);
  if (!steps) return null;
  let rest = line.slice(steps[0].length).replace(KERAS_BAR, '');
  if (rest.startsWith('- ')) rest = rest.slice(2);
  const values: Record<string, MetricValue> = {};
  let eta = false;
  for (const part of rest.split(' - ')) {
    const segment = part.trim();
    if (segment === '') continue;
    const metric = KERAS_METRIC.exec(segment);
    if (metric && metric[1] !== 'ETA') {
      const value = pythonNumber(metric[2]!);
      if (value === undefined) return null;
      values[metric[1]!] = value;
    } else if (KERAS_TIMING.test(segment)) {
      if (segment.startsWith('ETA')) eta = true;
    } else return null;
  }
  const step = Number(steps[1]);
  const total = Number(steps[2]);
  return { step, steps: total, values, final: step === total && !eta };
}

const KV_PAIR = /([A-Za-z_][\w.\/-]*)\s*(?:=|: )\s*([^\s,;|]+)/y;
const KV_SEPARATOR = /\s*(?:[,;|]|\s-\s|\s)\s*/y;

/**
 * A line made only of `name=value` or `name: value` pairs (`epoch=3 loss=0.41 acc=0.9`,
 * `epoch: 3, loss: 0.41`), every value a number; null otherwise. Opt-in (`metrics_format: kv`): plain
 * text like `step: 3` would otherwise be taken for a metric.
 */
export function parseKeyValueLine(line: string): Record<string, MetricValue> | null {
  const text = line.trim();
  if (text === '') return null;
  const values: Record<string, MetricValue> = {};
  let position = 0;
  while (position < text.length) {
    KV_PAIR.lastIndex = position;
    const pair = KV_PAIR.exec(text);
    if (!pair) return null;
    const value = pythonNumber(pair[2]!);
    if (value === undefined) return null;
    values[pair[1]!] = value;
    position = KV_PAIR.lastIndex;
    if (position === text.length) break;
    KV_SEPARATOR.lastIndex = position;
    if (!KV_SEPARATOR.exec(text)) return null;
    position = KV_SEPARATOR.lastIndex;
  }
  return values;
}
