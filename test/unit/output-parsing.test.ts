import { describe, expect, it } from 'vitest';
import { LINE_CONTINUED_MARKER, LINE_CUT_MARKER, LineSplitter } from '../../src/plugins/output/line-splitter.js';
import { OutputParser } from '../../src/plugins/output/output-parser.js';
import { parseGpuReadings } from '../../src/monitor/nvidia-smi.js';

describe('output parser', () => {
  const parser = new OutputParser('step (?<step>\\d+) loss (?<loss>[\\d.]+)');

  it('takes numbers from JSON lines and keeps the line as a log', () => {
    const { log, metric } = parser.parse('{"epoch": 3, "loss": 0.41, "accuracy": 0.88, "phase": "train"}', 'stdout', 'T');
    expect(metric).toEqual({ ts: 'T', epoch: 3, loss: 0.41, accuracy: 0.88 });
    expect(log).toEqual({ ts: 'T', level: 'INFO', stream: 'stdout', message: '{"epoch": 3, "loss": 0.41, "accuracy": 0.88, "phase": "train"}' });
  });

  it("keeps Python's bare NaN and Infinity as strings", () => {
    expect(parser.parse('{"epoch": 4, "loss": NaN, "grad": -Infinity}', 'stdout', 'T').metric).toEqual({ ts: 'T', epoch: 4, loss: 'NaN', grad: '-Infinity' });
  });

  it('ignores JSON without numbers, arrays and broken JSON', () => {
    for (const line of ['{"status": "ok"}', '[1, 2]', '{"loss": 0.4', '{}', 'NaN']) expect(parser.parse(line, 'stdout', 'T').metric).toBeNull();
  });

  it('uses the regex for text lines', () => {
    expect(parser.parse('step 12 loss 0.25', 'stdout', 'T').metric).toEqual({ ts: 'T', step: 12, loss: 0.25 });
  });

  it('derives levels from the line, then the stream', () => {
    expect(parser.parse('ERROR: out of memory', 'stdout', 'T').log.level).toBe('ERROR');
    expect(parser.parse('[WARN] slow', 'stdout', 'T').log.level).toBe('WARNING');
    expect(parser.parse('Traceback (most recent call last):', 'stderr', 'T').log.level).toBe('WARNING');
    expect(parser.parse('hello', 'stdout', 'T').log.level).toBe('INFO');
  });
});

describe('line splitter', () => {
  it('joins lines split across chunks and multi-byte characters split across chunks', () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from('a\r\nbé\nc');
    expect(splitter.push(bytes.subarray(0, 5))).toEqual(['a']);
    expect(splitter.push(bytes.subarray(5))).toEqual(['bé']);
    expect(splitter.end()).toEqual(['c']);
  });

  it('cuts a line that never ends instead of buffering it without bound, marked where cut, losing nothing', () => {
    const splitter = new LineSplitter();
    const lines = splitter.push(Buffer.alloc(100 * 1024, 'x'));
    expect(lines).toEqual(['x'.repeat(64 * 1024) + LINE_CUT_MARKER]);
    expect(splitter.push(Buffer.from('yz\nnext\n'))).toEqual([LINE_CONTINUED_MARKER + 'x'.repeat(36 * 1024) + 'yz', 'next']);
  });

  it('a complete line over 64 KiB in one chunk is cut into marked pieces too', () => {
    const splitter = new LineSplitter();
    const line = 'a'.repeat(64 * 1024) + 'b'.repeat(64 * 1024) + 'c';
    expect(splitter.push(Buffer.from(line + '\n'))).toEqual([
      'a'.repeat(64 * 1024) + LINE_CUT_MARKER,
      LINE_CONTINUED_MARKER + 'b'.repeat(64 * 1024) + LINE_CUT_MARKER,
      LINE_CONTINUED_MARKER + 'c',
    ]);
    expect(splitter.end()).toEqual([]);
  });
});

describe('nvidia-smi readings', () => {
  it('parses the query CSV, maps [N/A] to null and skips noise', () => {
    const csv =
      '0, GPU-aaa, NVIDIA H100 80GB HBM3, 93, 40000, 81559, 64, 402.17\n1, GPU-bbb, NVIDIA H100 80GB HBM3, [N/A], 0, 81559, 30, [Not Supported]\n\nNo devices were found\n';
    expect(parseGpuReadings(csv)).toEqual([
      {
        index: 0,
        uuid: 'GPU-aaa',
        name: 'NVIDIA H100 80GB HBM3',
        utilization: 93,
        memory_used_mb: 40000,
        memory_total_mb: 81559,
        memory_percent: 49,
        temperature: 64,
        power_w: 402.17,
      },
      {
        index: 1,
        uuid: 'GPU-bbb',
        name: 'NVIDIA H100 80GB HBM3',
        utilization: null,
        memory_used_mb: 0,
        memory_total_mb: 81559,
        memory_percent: 0,
        temperature: 30,
        power_w: null,
      },
    ]);
  });
});

describe('batch serialization (the supervisor hot path)', () => {
  const ts = '2026-01-01T00:00:00.000Z';

  it('stores plain numeric JSON lines as printed, with the timestamp spliced in, and keeps them out of the log', () => {
    const { logText, metricText, points } = new OutputParser().serializeBatch(
      ['{"epoch": 1, "loss": 0.5}', 'Epoch 1/2 completed', '{"epoch": 2, "loss": NaN, "note": "x"}'],
      'stdout',
      ts,
    );
    expect(points).toBe(2);
    expect(
      metricText
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { ts, epoch: 1, loss: 0.5 },
      { ts, epoch: 2, loss: 'NaN' },
    ]);
    expect(
      logText
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([{ ts, level: 'INFO', stream: 'stdout', message: 'Epoch 1/2 completed' }]);
  });

  it('logs metric lines too when the recipe asks for it, and never trusts a line with a ts, a bad epoch or a string', () => {
    const { logText, metricText } = new OutputParser(undefined, true).serializeBatch(
      ['{"ts": "forged", "loss": 1}', '{"epoch": -1, "loss": 1}', '{"loss": 1, "tag": "a"}'],
      'stderr',
      ts,
    );
    expect(
      metricText
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { ts, loss: 1 },
      { ts, loss: 1 },
      { ts, loss: 1 },
    ]);
    expect(logText.trim().split('\n')).toHaveLength(3);
  });
});
