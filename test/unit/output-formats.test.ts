import { describe, expect, it } from 'vitest';
import { parseKerasStepLine, parseKeyValueLine, parsePythonDict } from '../../dist/src/plugins/output/output-formats.js';
import { OutputParser } from '../../dist/src/plugins/output/output-parser.js';
import { LineSplitter } from '../../dist/src/plugins/output/line-splitter.js';
import { barPosition, stripAnsi } from '../../dist/src/plugins/output/progress-bar.js';
import { RecipeSchema } from '../../dist/src/domain/recipe.js';
import { parseOutputProgress, progressPatch, runProgress } from '../../dist/src/domain/run-progress.js';

const ts = 'T';
const metricsOf = (parser: InstanceType<typeof OutputParser>, lines: string[]) => {
  const { metricText } = parser.serializeBatch(lines, 'stdout', ts);
  return metricText.trim() === ''
    ? []
    : metricText
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
};
const logOf = (parser: InstanceType<typeof OutputParser>, lines: string[], stream: 'stdout' | 'stderr' = 'stdout') =>
  parser
    .serializeBatch(lines, stream, ts)
    .logText.trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line).message);

describe("Hugging Face Trainer's dict lines", () => {
  it('parses the training, evaluation and summary dicts as printed', () => {
    const parser = new OutputParser();
    expect(
      metricsOf(parser, [
        "{'loss': 0.02, 'grad_norm': 0.5, 'learning_rate': 5e-05, 'epoch': 0.5}",
        "{'eval_loss': 0.2, 'eval_accuracy': 0.93, 'eval_runtime': 1.5, 'epoch': 2.0}",
        "{'train_runtime': 12.3, 'train_samples_per_second': 40.1, 'train_loss': 0.31, 'epoch': 2.0, 'global_step': 250}",
      ]),
    ).toEqual([
      { ts, loss: 0.02, grad_norm: 0.5, learning_rate: 5e-5, epoch: 0.5 },
      { ts, eval_loss: 0.2, eval_accuracy: 0.93, eval_runtime: 1.5, epoch: 2 },
      { ts, train_runtime: 12.3, train_samples_per_second: 40.1, train_loss: 0.31, epoch: 2, step: 250 },
    ]);
  });

  it("reads Python's nan and inf, skips booleans, None and strings, and unwraps numpy scalars", () => {
    expect(parsePythonDict("{'loss': nan, 'grad_norm': inf, 'lr': -inf, 'ok': True, 'x': None, 'name': 'a, b', 'acc': np.float64(0.93)}")).toEqual({
      loss: 'NaN',
      grad_norm: 'Infinity',
      lr: '-Infinity',
      acc: 0.93,
    });
  });

  it('takes nothing from a dict that is not a flat dict as a whole', () => {
    for (const line of [
      "{'loss': 0.1, 'nested': {'a': 1}}",
      "{'loss': 0.1, 'list': [1, 2]}",
      "{'loss': 0.1} trailing",
      "{'loss': 0.1",
      "{'loss' 0.1}",
      "{'loss': 0.1 0.2}",
    ]) {
      expect(parsePythonDict(line), line).toBeNull();
    }
  });

  it('keeps metric lines out of the log like JSON lines (unless log_metric_lines), and other dicts in it', () => {
    const lines = [
      "{'loss': 0.02, 'epoch': 1.0}",
      "{'loss': nan, 'note': 'x'}",
      '{"loss": 0.5}',
      "{'note': 'no numbers'}",
      'Epoch 1/1',
      '1/1 [====] - 0s - loss: 0.3',
    ];
    expect(logOf(new OutputParser(), lines)).toEqual(["{'note': 'no numbers'}", 'Epoch 1/1']);
    expect(logOf(new OutputParser(undefined, true), lines)).toEqual(lines);
  });

  it('takes the fast path and the general parser alike', () => {
    const { metricText } = new OutputParser().serializeBatch(
      [
        "{'loss': 5e-05, 'global_step': 12, 'epoch': 0.25, 'ts': 3}",
        "{'loss': 5e-05, 'global_step': 12, 'epoch': 0.25, 'name': 'x'}",
        "{'global_step': 3.5, 'epoch': -1, 'loss': 1}",
      ],
      'stdout',
      ts,
    );
    expect(
      metricText
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { ts, loss: 5e-5, step: 12, epoch: 0.25 },
      { ts, loss: 5e-5, step: 12, epoch: 0.25 },
      { ts, loss: 1 },
    ]);
  });
});

describe('Keras output', () => {
  it('takes each epoch from its header and its metrics from the final line only', () => {
    const parser = new OutputParser();
    const lines = [
      'Epoch 1/2',
      '10/32 [========>.....................] - ETA: 1s - loss: 0.9000 - accuracy: 0.5000',
      '32/32 [==============================] - 1s 10ms/step - loss: 0.5531 - accuracy: 0.8000 - val_loss: 0.4000 - val_accuracy: 0.8500',
      'Epoch 2/2',
      '32/32 ━━━━━━━━━━━━━━━━━━━━ 1s 10ms/step - accuracy: 0.9000 - loss: 0.3531 - val_accuracy: 0.9500 - val_loss: 0.2000',
    ];
    expect(metricsOf(parser, lines)).toEqual([
      { ts, loss: 0.5531, accuracy: 0.8, val_loss: 0.4, val_accuracy: 0.85, epoch: 1 },
      { ts, accuracy: 0.9, loss: 0.3531, val_accuracy: 0.95, val_loss: 0.2, epoch: 2 },
    ]);
    expect(parser.takeProgress()).toEqual({ epoch: 2, epochs: 2, n: 32, total: 32 });
  });

  it('parses verbose=2 lines and refuses lines with anything unrecognised', () => {
    expect(parseKerasStepLine('32/32 - 1s - loss: 0.35 - accuracy: 0.90 - 1s/epoch - 10ms/step')).toEqual({
      step: 32,
      steps: 32,
      values: { loss: 0.35, accuracy: 0.9 },
      final: true,
      members: '"loss":0.35,"accuracy":0.90',
    });
    expect(parseKerasStepLine('3/10 files copied - loss: 0.3')).toBeNull();
    expect(parseKerasStepLine('32/32 [====] - 1s - loss: high')).toBeNull();
    expect(new OutputParser().serializeBatch(['Epoch 1/2 completed', '1/2 of the data loaded'], 'stdout', ts).points).toBe(0);
    const parser = new OutputParser();
    parser.parse('Epoch 3/5', 'stdout', ts);
    expect(parser.parse('8/8 [====] - 0s - loss: 0.25 - acc: nan', 'stdout', ts).metric).toEqual({ ts, loss: 0.25, acc: 'NaN', epoch: 3 });
    expect(parser.parse('8/8 [====] - 0s - loss: 0.25 - acc: 1e-3', 'stdout', ts).metric).toEqual({ ts, loss: 0.25, acc: 0.001, epoch: 3 });
  });
});

describe('the single-scan fast paths agree with the general parsers', () => {
  it('Trainer dicts: the record and the JSON members come from one scan, odd ones from the general parser', () => {
    const cases: [string, Record<string, unknown> | null, string | null][] = [
      ["{'loss': 0.02, 'global_step': 12, 'epoch': 0.25}", { loss: 0.02, global_step: 12, epoch: 0.25 }, '"loss":0.02,"step":12,"epoch":0.25'],
      ["{'loss':0.02}", null, null], // no space after the colon: not as Trainer prints, and the general parser takes it
      ["{'loss': +1, 'acc': .5}", { loss: 1, acc: 0.5 }, null], // Python, not JSON: the general parser
      ["{'odd key': 0.5}", { 'odd key': 0.5 }, null],
      ["{'epoch': 1.0, 'ts': 3}", { epoch: 1, ts: 3 }, null], // no metric in it
    ];
    for (const [line, record, members] of cases) {
      if (record) expect(parsePythonDict(line), line).toEqual(record);
      const metrics = metricsOf(new OutputParser(undefined, false, 'hf'), [line]);
      if (members) expect(metrics, line).toEqual([{ ts, ...JSON.parse(`{${members}}`) }]);
    }
    expect(parsePythonDict("{'loss':0.02}")).toEqual({ loss: 0.02 });
  });

  it('Keras lines: each shape the scan takes, and each it hands on', () => {
    const v2 = '32/32 [==============================] - 1s 10ms/step - loss: 0.3531 - accuracy: 0.9000 - val_loss: 0.2000';
    expect(parseKerasStepLine(v2)).toEqual({
      step: 32,
      steps: 32,
      values: { loss: 0.3531, accuracy: 0.9, val_loss: 0.2 },
      final: true,
      members: '"loss":0.3531,"accuracy":0.9000,"val_loss":0.2000',
    });
    expect(parseKerasStepLine('32/32 ━━━━━━━━━━━━━━━━━━━━ 1s 10ms/step - loss: 0.35')).toEqual({
      step: 32,
      steps: 32,
      values: { loss: 0.35 },
      final: true,
      members: '"loss":0.35',
    });
    expect(parseKerasStepLine('10/32 [=====>....] - ETA: 1s - loss: 0.9')).toMatchObject({ step: 10, final: false, members: '"loss":0.9' });
    expect(parseKerasStepLine('32/32 [====] - ETA: 0s - loss: 0.9')).toMatchObject({ step: 32, final: false }); // an ETA left: not over yet
    expect(parseKerasStepLine('  8/8 [====] - 0s - loss: 0.25')).toMatchObject({ step: 8, values: { loss: 0.25 }, final: true }); // leading blanks
    expect(parseKerasStepLine('8/8 [====] - 0s - loss: nan')).toEqual({ step: 8, steps: 8, values: { loss: 'NaN' }, final: true, members: null });
    expect(parseKerasStepLine('8/8 [====] - 0s - loss: .5')).toEqual({ step: 8, steps: 8, values: { loss: 0.5 }, final: true, members: null });
    expect(parseKerasStepLine('8/8 [====] - 0s - epoch: 2 - loss: 0.5')).toMatchObject({ values: { epoch: 2, loss: 0.5 }, members: null });
    expect(parseKerasStepLine('8/8 [====] - 0s - loss: 0.5 - 2 files left')).toBeNull();
    expect(parseKerasStepLine('8/8 [====] - 0s - 1loss: 0.5')).toBeNull();
    // not as Keras prints them: the general parser reads them alike
    expect(parseKerasStepLine('8/8 [====] 0s - loss: 0.5')).toMatchObject({ values: { loss: 0.5 }, members: '"loss":0.5' });
    expect(parseKerasStepLine('8/8 [====] - 0s - loss: 0.5 ')).toMatchObject({ values: { loss: 0.5 }, members: '"loss":0.5' });
    expect(parseKerasStepLine('8/8 [====] - 0s - loss: 0.5', false)).toMatchObject({ values: {}, members: '"loss":0.5' });
  });
});

describe('key=value lines (opt-in)', () => {
  it('parses lines made only of numeric pairs when the recipe asks for kv', () => {
    const parser = new OutputParser(undefined, false, 'kv');
    expect(metricsOf(parser, ['epoch=3 loss=0.41 acc=0.9', 'epoch: 4, loss: 0.3, acc: 0.95', 'step 3 of 10', 'loss=0.3 note=good'])).toEqual([
      { ts, epoch: 3, loss: 0.41, acc: 0.9 },
      { ts, epoch: 4, loss: 0.3, acc: 0.95 },
    ]);
    expect(parseKeyValueLine('lr=1e-3 | loss=nan')).toEqual({ lr: 0.001, loss: 'NaN' });
  });

  it('is not guessed in auto: a plain `step: 3` line stays a log line', () => {
    expect(metricsOf(new OutputParser(), ['loss=0.41 acc=0.9', 'step: 3'])).toEqual([]);
  });
});

describe('forcing a format', () => {
  const lines = ['{"loss": 0.5}', "{'loss': 0.4}", 'Epoch 1/1', '1/1 [====] - 0s - loss: 0.3', 'loss 0.2'];
  it('takes only that format', () => {
    const loss = (format: string, regex?: string) => metricsOf(new OutputParser(regex, false, format as never), lines).map((metric) => metric.loss);
    expect(loss('auto', 'loss (?<loss>[\\d.]+)')).toEqual([0.5, 0.4, 0.3, 0.2]);
    expect(loss('json')).toEqual([0.5]);
    expect(loss('hf')).toEqual([0.4]);
    expect(loss('keras')).toEqual([0.3]);
    expect(loss('regex', 'loss (?<loss>[\\d.]+)')).toEqual([0.2]);
    expect(loss('none', 'loss (?<loss>[\\d.]+)')).toEqual([]);
  });

  it('is a recipe field; regex needs a metrics_regex', () => {
    const base = { name: 'r', command: ['python3', 'train.py'] };
    expect(RecipeSchema.parse(base).metrics_format).toBe('auto');
    expect(RecipeSchema.safeParse({ ...base, metrics_format: 'regex' }).success).toBe(false);
    expect(RecipeSchema.safeParse({ ...base, metrics_format: 'yaml' }).success).toBe(false);
    expect(RecipeSchema.parse({ ...base, stop_signal: 'SIGINT', stop_grace_s: 30 })).toMatchObject({ stop_signal: 'SIGINT', stop_grace_s: 30 });
    expect(RecipeSchema.safeParse({ ...base, stop_signal: 'SIGKILL' }).success).toBe(false);
  });
});

describe('progress bars', () => {
  it('keeps the last state of a bar redrawn with \\r, and offers the latest redraw while it runs', () => {
    const splitter = new LineSplitter();
    const updates = Array.from({ length: 50 }, (_, i) => `\r ${i * 2}%|${'#'.repeat(i / 5)}| ${i * 2}/100 [00:01<00:01, 30.00it/s]`).join('');
    expect(splitter.push(Buffer.from(updates))).toEqual([]);
    expect(splitter.takeRedraw()).toBe(' 96%|#########| 96/100 [00:01<00:01, 30.00it/s]');
    expect(splitter.takeRedraw()).toBeNull();
    expect(splitter.push(Buffer.from('\r100%|##########| 100/100 [00:02<00:00, 50.00it/s]\nnext line\n'))).toEqual([
      '100%|##########| 100/100 [00:02<00:00, 50.00it/s]',
      'next line',
    ]);
  });

  it('collapses redraws inside one chunk and strips colours', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('\u001b[32m1/3\u001b[0m\r2/3\r3/3 done\r\n\u001b[1;31mERROR\u001b[0m boom\n'))).toEqual(['3/3 done', 'ERROR boom']);
    expect(stripAnsi('\u001b]0;title\u0007\u001b[2K\u001b[Aplain')).toBe('plain');
  });

  it('finds the position of tqdm, Keras and pip bars, and only of bars', () => {
    expect(barPosition(' 45%|####5     | 45/100 [00:01<00:01, 30.00it/s]')).toEqual({ n: 45, total: 100 });
    expect(barPosition('Training:  12%|█▏        | 1.2k/10.0k [00:01<00:07]')).toEqual({ n: 1200, total: 10000 });
    expect(barPosition('10/32 [=====>....] - ETA: 1s - loss: 0.4')).toEqual({ n: 10, total: 32 });
    expect(barPosition('   ━━━━━━━━━━━━━━━━ 1.2/5.0 MB 3.1 MB/s eta 0:00:02')).toEqual({ n: 1.2, total: 5 });
    expect(barPosition('copied 3/10 files')).toBeNull();
    expect(barPosition('50%|###| 11/10 [00:01]')).toBeNull();
  });

  it("turns a bar into the parser's progress and the run's", () => {
    const parser = new OutputParser();
    parser.observeRedraw(' 45%|####5     | 45/100 [00:01<00:01, 30.00it/s]');
    const progress = parser.takeProgress();
    expect(progress).toEqual({ epoch: null, epochs: null, n: 45, total: 100 });
    expect(parser.takeProgress()).toBeNull();
    const patch = progressPatch({ total_epochs: null }, parseOutputProgress(progress)!);
    expect(patch).toEqual({ total_epochs: null, bar_progress: { n: 45, total: 100 } });
    expect(runProgress({ current_epoch: null, ...patch })).toBe(0.45);
    expect(runProgress({ current_epoch: 1, total_epochs: 4, bar_progress: { n: 45, total: 100 } })).toBe(0.25);
    expect(progressPatch({ total_epochs: null }, parseOutputProgress({ epoch: 2, epochs: 5, n: null, total: null })!).total_epochs).toBe(5);
    expect(parseOutputProgress({ n: -1, total: 'x' })).toEqual({ epoch: null, epochs: null, n: null, total: null });
    expect(parseOutputProgress('nope')).toBeNull();
  });
});
