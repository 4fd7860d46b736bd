/**
 * The text formats training frameworks print their numbers in, each recognised only as a whole line:
 * a line that merely contains a number is never mistaken for a metric.
 */

import type { Recipe } from '../../domain/recipe.js';

/** What a recipe's `metrics_format` may name; `auto` detects each line's format. */
export type MetricsFormat = Recipe['metrics_format'];

/** A parsed value: a finite number, or NaN/±Infinity kept as the strings the metrics file stores. */
export type MetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

const PY_NUMBER = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)$/;

/** A number as Python prints one (`5e-05`, `nan`, `-inf`, `1.0`), or undefined. */
export function pythonNumber(text: string): MetricValue | undefined {
  const plain = plainNumber(text);
  if (plain !== undefined) return plain;
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

/**
 * The common case without a regex: digits, one sign, a point, an exponent (what Python's repr prints for
 * ints and floats). Number() alone would also take `0x1f`, `Infinity` or an empty string.
 */
function plainNumber(text: string): number | undefined {
  const length = text.length;
  if (length === 0 || length > 40) return undefined;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    // 0-9 . + - e E
    if (!((code >= 48 && code <= 57) || code === 46 || code === 43 || code === 45 || code === 101 || code === 69)) return undefined;
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const PLAIN_KEY = /^[A-Za-z_][\w.\/-]{0,127}$/;

/**
 * One scan of a dict as Trainer prints it (quoted plain keys without escapes, plain numbers), for both
 * of its readers: the values as a record (`parsePythonDict`) or the members as JSON text (the batch hot
 * path). Undefined hands the line to the general parser (strings, nan, escapes, odd keys).
 */
function scanTrainerDict(text: string, asJson: false): Record<string, MetricValue> | undefined;
function scanTrainerDict(text: string, asJson: true): string | null | undefined;
function scanTrainerDict(text: string, asJson: boolean): Record<string, MetricValue> | string | null | undefined {
  const record: Record<string, MetricValue> = {};
  let members = '';
  let values = 0;
  let i = 1;
  const end = text.length - 1; // the closing }
  if (text.charCodeAt(end) !== 125 /* } */) return undefined;
  for (;;) {
    while (text.charCodeAt(i) === 32) i++;
    if (text.charCodeAt(i) !== 39 /* ' */) return undefined;
    const keyEnd = text.indexOf("'", i + 1);
    if (keyEnd === -1) return undefined;
    let key = text.slice(i + 1, keyEnd);
    if (!PLAIN_KEY.test(key)) return undefined;
    i = keyEnd + 1;
    if (text.charCodeAt(i) !== 58 /* : */ || text.charCodeAt(i + 1) !== 32) return undefined;
    i += 2;
    let valueEnd = text.indexOf(',', i);
    if (valueEnd === -1 || valueEnd > end) valueEnd = end;
    const literal = text.slice(i, valueEnd);
    const value = plainNumber(literal);
    // `+1` and `.5` are Python but not JSON
    if (value === undefined || literal.charCodeAt(0) === 43 /* + */ || literal.charCodeAt(0) === 46 /* . */) return undefined;
    if (!asJson) record[key] = value;
    else {
      if (key === 'global_step' || key === 'step') {
        key = 'step';
        if (!Number.isInteger(value) || value < 0) key = '';
      } else if (key === 'epoch') {
        if (value < 0) key = '';
      } else if (key === 'ts') key = '';
      else values++;
      if (key !== '') members += (members === '' ? '"' : ',"') + key + '":' + (key === 'step' ? String(value) : literal);
    }
    if (valueEnd === end) return asJson ? (values > 0 ? members : null) : record;
    i = valueEnd + 1;
  }
}

/**
 * The hot path for Trainer's log lines: the dict's members as JSON text (`"loss":0.02,"epoch":1.0`), the
 * numbers copied as printed (Python's float repr is valid JSON), `global_step` as `step`. Undefined when
 * the line needs the general parser (strings, nan, escapes, odd keys); null when it has no metric.
 */
export function pythonDictAsJsonMembers(text: string): string | null | undefined {
  return scanTrainerDict(text, true);
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
  const fast = scanTrainerDict(text, false);
  if (fast !== undefined) return fast;
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
  const first = line.charCodeAt(0);
  if (first !== 69 /* E */ && first !== 32 && first !== 9) return null;
  const match = /^\s*Epoch (\d+)\/(\d+)\s*$/.exec(line);
  return match ? { epoch: Number(match[1]), epochs: Number(match[2]) } : null;
}

const KERAS_STEPS = /^\s*(\d+)\/(\d+)(?=\s|$)/;
const KERAS_BAR = /^\s*(?:\[[=>.]*\]|[━─╸╺]+)\s*/;
const KERAS_TIMING = /^(?:ETA: \S+|\d+(?:\.\d+)?(?:[mµu]?s|min|h)(?:\/(?:step|epoch|sample))?(?: \d+(?:\.\d+)?[mµu]?s\/(?:step|epoch|sample))?)$/;
const KERAS_NAME = /^[A-Za-z_][\w.\/-]*$/;

export interface KerasStepLine {
  step: number;
  steps: number;
  /** The `- name: value` pairs (the running averages of a batch update, the epoch's results on the last line); empty when not asked for. */
  values: Record<string, MetricValue>;
  /** The epoch is over: the last step, with no ETA left. */
  final: boolean;
  /** `values` as JSON members (`"loss":0.35,"accuracy":0.9`), the numbers copied as printed; null when one is not a plain number. */
  members: string | null;
}

/**
 * A Keras progress line, as `model.fit` prints one in either Keras 2 or 3 style
 * (`32/32 [====] - 1s 10ms/step - loss: 0.35 - val_loss: 0.2`, `32/32 ━━━━ 1s 10ms/step - loss: 0.35`,
 * `32/32 - 1s - loss: 0.35`), or null when the line is not one as a whole.
 */
export function parseKerasStepLine(line: string, withValues = true): KerasStepLine | null {
  const fast = scanKerasStepLine(line, withValues);
  if (fast !== undefined) return fast;
  const steps = KERAS_STEPS.exec(line);
  if (!steps) return null;
  let rest = line.slice(steps[0].length);
  const open = rest.indexOf('[');
  if (open !== -1 && open < 3 && rest.indexOf(']') > open) rest = rest.slice(rest.indexOf(']') + 1);
  else rest = rest.replace(KERAS_BAR, '');
  if (rest.startsWith(' - ')) rest = rest.slice(3);
  else if (rest.startsWith('- ')) rest = rest.slice(2);
  const values: Record<string, MetricValue> = {};
  let members: string | null = '';
  let eta = false;
  for (const part of rest.split(' - ')) {
    const segment = part.trim();
    if (segment === '') continue;
    const colon = segment.indexOf(': ');
    if (colon > 0 && !segment.startsWith('ETA: ') && KERAS_NAME.test(segment.slice(0, colon))) {
      const name = segment.slice(0, colon);
      const literal = segment.slice(colon + 2);
      const plain = plainNumber(literal);
      const value = plain ?? pythonNumber(literal);
      if (value === undefined) return null;
      if (withValues) values[name] = value;
      if (plain === undefined || literal.charCodeAt(0) === 43 || literal.charCodeAt(0) === 46 || name === 'epoch' || name === 'step' || name === 'ts')
        members = null;
      else if (members !== null) members += (members === '' ? '"' : ',"') + name + '":' + literal;
    } else if (KERAS_TIMING.test(segment)) {
      if (segment.startsWith('ETA')) eta = true;
    } else return null;
  }
  const step = Number(steps[1]);
  const total = Number(steps[2]);
  return { step, steps: total, values, final: step === total && !eta, members: members === '' ? null : members };
}

/**
 * parseKerasStepLine's single scan for the lines as Keras prints them (no leading blank, plain numbers,
 * `name: value` and timing segments); undefined hands anything else to the general parser, which decides.
 */
function scanKerasStepLine(line: string, withValues: boolean): KerasStepLine | undefined {
  let i = 0;
  let step = 0;
  let c = line.charCodeAt(0);
  if (!(c >= 48 && c <= 57)) return undefined;
  while (c >= 48 && c <= 57) {
    step = step * 10 + (c - 48);
    c = line.charCodeAt(++i);
  }
  if (c !== 47 /* / */) return undefined;
  c = line.charCodeAt(++i);
  if (!(c >= 48 && c <= 57)) return undefined;
  let steps = 0;
  while (c >= 48 && c <= 57) {
    steps = steps * 10 + (c - 48);
    c = line.charCodeAt(++i);
  }
  if (c !== 32 || i > 30) return undefined;
  c = line.charCodeAt(i + 1);
  if (c === 91 /* [ */) {
    const close = line.indexOf(']', i + 2);
    if (close === -1) return undefined;
    i = close + 1;
    if (line.startsWith(' - ', i)) i += 3;
    else if (line.startsWith('- ', i)) i += 2;
    else return undefined;
  } else if (c === 0x2501 || c === 0x2500 || c === 0x2578 || c === 0x257a) {
    i++;
    while ((c = line.charCodeAt(i)) === 0x2501 || c === 0x2500 || c === 0x2578 || c === 0x257a) i++;
    while (line.charCodeAt(i) === 32) i++;
    if (line.startsWith('- ', i)) i += 2;
  } else if (line.startsWith(' - ', i)) i += 3;
  else return undefined;
  const values: Record<string, MetricValue> = {};
  let members = '';
  let eta = false;
  const length = line.length;
  for (;;) {
    let end = line.indexOf(' - ', i);
    if (end === -1) end = length;
    const colon = line.indexOf(': ', i);
    if (colon !== -1 && colon < end && !(colon === i + 3 && line.startsWith('ETA', i))) {
      if (!isKerasName(line, i, colon)) return undefined;
      const literal = line.slice(colon + 2, end);
      const value = plainNumber(literal);
      const lead = literal.charCodeAt(0);
      if (value === undefined || lead === 43 /* + */ || lead === 46 /* . */) return undefined;
      const name = line.slice(i, colon);
      if (name === 'epoch' || name === 'step' || name === 'ts') return undefined;
      if (withValues) values[name] = value;
      members += (members === '' ? '"' : ',"') + name + '":' + literal;
    } else {
      const segment = line.slice(i, end);
      if (!KERAS_TIMING.test(segment)) return undefined;
      if (segment.startsWith('ETA')) eta = true;
    }
    if (end === length) break;
    i = end + 3;
  }
  return { step, steps, values, final: step === steps && !eta, members: members === '' ? null : members };
}

/** KERAS_NAME over line[start, end) without slicing: a letter or `_`, then word characters, `.`, `/`, `-`. */
function isKerasName(line: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (letter) continue;
    if (i === start) return false;
    if (!((c >= 48 && c <= 57) || c === 46 || c === 47 || c === 45)) return false;
  }
  return true;
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
