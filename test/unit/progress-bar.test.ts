import { describe, expect, it } from 'vitest';
import { progressBar, renderProgress } from '../../dist/src/cli/progress.js';

describe('transfer progress bar', () => {
  const output = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, stream: { isTTY, columns: 80, write: (text: string) => written.push(text) } };
  };

  it('draws on a terminal, redrawn in place, and ends the line', () => {
    let now = 0;
    const { written, stream } = output(true);
    const bar = progressBar('Uploading m', stream, true, () => now);
    bar.update(0, 4 * 1024 * 1024);
    now += 50;
    bar.update(1024 * 1024, 4 * 1024 * 1024); // within 100 ms: not drawn
    now += 100;
    bar.update(2 * 1024 * 1024, 4 * 1024 * 1024);
    bar.finish();
    expect(written).toHaveLength(4);
    expect(written[1]).toBe(`\r${renderProgress('Uploading m', 2 * 1024 * 1024, 4 * 1024 * 1024, 80)}`);
    expect(written[1]).toContain(' 50%  2.0/4.0 MiB');
    expect(written[3]).toBe('\n');
  });

  it('draws nothing when not a terminal, or when disabled (--json)', () => {
    for (const [isTTY, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const { written, stream } = output(isTTY);
      const bar = progressBar('x', stream, enabled);
      bar.update(1, 2);
      bar.finish();
      expect(written).toEqual([]);
    }
  });

  it('fits the width and shows sizes without a total', () => {
    expect(renderProgress('Downloading a-very-long-model-name', 5, 10, 40).length).toBeLessThan(40);
    expect(renderProgress('Downloading m', 3 * 1024 * 1024, null, 80)).toBe('Downloading m  3.0 MiB');
    expect(renderProgress('m', 10, 10, 80)).toMatch(/\[#+\] 100%/);
  });
});
