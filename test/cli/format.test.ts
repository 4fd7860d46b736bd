import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatEpoch, formatFields, formatNumber, formatTable, formatTime, progressLine } from '../../dist/src/cli/format.js';
import { parseParams } from '../../dist/src/cli/commands/run/start.js';
import { EXIT_CODES, WIRE_CODES, exitCodeForWire } from '../../dist/src/errors.js';

// The CLI's pure pieces; the commands themselves are tested end to end in cli.test.ts.
describe('CLI formatting and parsing', () => {
  it('aligns tables and fields, with "-" for missing values', () => {
    expect(
      formatTable(
        ['ID', 'STATE', 'NAME'],
        [
          ['a', 'running', null],
          ['bbb', 'queued', 'x'],
        ],
      ).split('\n'),
    ).toEqual(['ID   STATE    NAME', 'a    running  -', 'bbb  queued   x']);
    expect(
      formatFields([
        ['state', 'running'],
        ['exit code', null],
      ]),
    ).toBe('state:     running\nexit code: -');
  });

  it('formats numbers, epochs, times and progress lines', () => {
    expect([formatNumber(0.41234), formatNumber(12), formatNumber(1 / 3), formatNumber(12345.678)]).toEqual(['0.4123', '12', '0.3333', '12350']);
    expect([formatEpoch(3, 20), formatEpoch(null, 20), formatEpoch(4, null), formatEpoch(null, null)]).toEqual(['3/20', '0/20', '4', '-']);
    expect(formatTime('2025-01-02T03:04:05.678Z')).toBe('2025-01-02 03:04:05Z');
    expect(formatTime(null)).toBe('-');
    const status = { current_epoch: 3, total_epochs: 20 } as never;
    expect(progressLine(status, { session_id: 's', epoch: 3, step: 9, loss: 0.41234, val_accuracy: 0.81, note: 'x', timestamp: 't' })).toBe(
      'epoch 3/20  loss 0.4123  val_accuracy 0.81',
    );
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

  it('maps wire codes, not statuses, to exit codes, as the table in README and --help says', () => {
    expect(
      ['run_not_found', 'invalid_state', 'validation_failed', 'scope_insufficient', 'rate_limited', 'unauthenticated'].map((code) =>
        exitCodeForWire(code, 400),
      ),
    ).toEqual([4, 5, 2, 3, 7, 3]);
    for (const row of EXIT_CODES) for (const code of row.codes) expect(exitCodeForWire(code, 500), code).toBe(row.exit);
    const listed = EXIT_CODES.flatMap((row) => row.codes);
    expect([...listed].sort()).toEqual(Object.keys(WIRE_CODES).sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('falls back on the status only for an answer without a code (no answer, a proxy’s page)', () => {
    expect([0, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503].map((status) => exitCodeForWire(null, status))).toEqual([6, 2, 3, 3, 4, 5, 2, 7, 70, 6, 6]);
    expect(exitCodeForWire('some_future_code', 404)).toBe(4);
  });

  it('README and trainer --help list every exit code with its meaning and codes', async () => {
    const readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const table = readme.split('<!-- exit-codes:')[1]!.split('\n\n')[0]!;
    const rows = table.split('\n').filter((line) => /^\| \d+ \|/.test(line));
    expect(rows).toEqual(EXIT_CODES.map((row) => `| ${row.exit} | ${row.meaning} | ${row.codes.map((code) => `\`${code}\``).join(', ')} |`));
    const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--help']);
    const help = stdout.split('EXIT CODES')[1]!;
    for (const row of EXIT_CODES) expect(help).toMatch(new RegExp(`^  ${row.exit} +${row.meaning.replace(/[()?.*+]/g, '\\$&')}`, 'm'));
  });
});
