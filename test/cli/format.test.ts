import { describe, expect, it } from 'vitest';
import { formatEpoch, formatFields, formatNumber, formatTable, formatTime, progressLine } from '../../dist/src/cli/format.js';
import { parseParams } from '../../dist/src/cli/commands/run/start.js';
import { exitCodeForStatus } from '../../dist/src/cli/base-command.js';

// The CLI's pure pieces; the commands themselves are tested end to end in cli.test.ts.
describe('CLI formatting and parsing', () => {
  it('aligns tables and fields, with "-" for missing values', () => {
    expect(formatTable(['ID', 'STATE', 'NAME'], [['a', 'running', null], ['bbb', 'queued', 'x']]).split('\n')).toEqual(['ID   STATE    NAME', 'a    running  -', 'bbb  queued   x']);
    expect(formatFields([['state', 'running'], ['exit code', null]])).toBe('state:     running\nexit code: -');
  });

  it('formats numbers, epochs, times and progress lines', () => {
    expect([formatNumber(0.41234), formatNumber(12), formatNumber(1 / 3), formatNumber(12345.678)]).toEqual(['0.4123', '12', '0.3333', '12350']);
    expect([formatEpoch(3, 20), formatEpoch(null, 20), formatEpoch(4, null), formatEpoch(null, null)]).toEqual(['3/20', '0/20', '4', '-']);
    expect(formatTime('2025-01-02T03:04:05.678Z')).toBe('2025-01-02 03:04:05Z');
    expect(formatTime(null)).toBe('-');
    const status = { current_epoch: 3, total_epochs: 20 } as never;
    expect(progressLine(status, { session_id: 's', epoch: 3, step: 9, loss: 0.41234, val_accuracy: 0.81, note: 'x', timestamp: 't' })).toBe('epoch 3/20  loss 0.4123  val_accuracy 0.81');
    expect(progressLine(status, null)).toBe('epoch 3/20');
  });

  it('parses -p key=value, keeping values as strings; anything else is refused', () => {
    const fail = (message: string): never => {
      throw new Error(message);
    };
    expect(parseParams(['epochs=3', 'lr=0.01', 'expr=a=b', 'empty='], fail)).toEqual({ epochs: '3', lr: '0.01', expr: 'a=b', empty: '' });
    expect(() => parseParams(['epochs'], fail)).toThrow(/not key=value/);
    expect(() => parseParams(['=3'], fail)).toThrow(/not key=value/);
    expect(() => parseParams(['a=1', 'a=2'], fail)).toThrow(/given twice/);
  });

  it('maps HTTP statuses to exit codes like the agent’s error codes', () => {
    expect([0, 400, 401, 403, 404, 409, 422, 500, 503].map(exitCodeForStatus)).toEqual([6, 2, 3, 3, 4, 5, 2, 70, 6]);
  });
});
