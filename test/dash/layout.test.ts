import { describe, expect, it } from 'vitest';
import { dashLayout, type DashLayout, type Rect } from '../../dist/src/dash/layout.js';

const panels = (layout: DashLayout): [string, Rect][] =>
  (['runs', 'lossChart', 'metricChart', 'gpus', 'log', 'alerts', 'status'] as const).flatMap((name) =>
    layout[name] ? [[name, layout[name]!] as [string, Rect]] : [],
  );

/** Every panel inside the screen, none over another, and no cell left blank. */
function expectTiled(layout: DashLayout, cols: number, rows: number) {
  const cells = Array.from({ length: rows }, () => Array<string | null>(cols).fill(null));
  const problems: string[] = [];
  for (const [name, rect] of panels(layout)) {
    if (rect.width <= 0 || rect.height <= 0) problems.push(`${name} is empty`);
    for (let y = rect.top; y < rect.top + rect.height; y++)
      for (let x = rect.left; x < rect.left + rect.width; x++) {
        if (y >= rows || x >= cols || y < 0 || x < 0) problems.push(`${name} outside at ${x},${y}`);
        else if (cells[y]![x]) problems.push(`${name} over ${cells[y]![x]} at ${x},${y}`);
        else cells[y]![x] = name;
      }
  }
  const blank = cells.flat().filter((cell) => cell === null).length;
  if (blank > 0) problems.push(`${blank} blank cells`);
  expect(problems.slice(0, 5), `${cols}x${rows}`).toEqual([]);
}

// The grid, for the sizes the issue names and the ones between.
describe('dashboard layout', () => {
  it('is good at 200×50: every panel, two charts, the status line at the bottom', () => {
    const layout = dashLayout(200, 50, { gpuLines: 4, runRows: 30 });
    expect(layout.tier).toBe('large');
    expect(panels(layout).map(([name]) => name)).toEqual(['runs', 'lossChart', 'metricChart', 'gpus', 'log', 'alerts', 'status']);
    expect(layout.status).toEqual({ left: 0, top: 49, width: 200, height: 1 });
    expectTiled(layout, 200, 50);
  });

  it('is usable at 80×24: the runs, the GPUs and the log stay, charts and alerts collapse', () => {
    const layout = dashLayout(80, 24, { gpuLines: 2, runRows: 8 });
    expect(layout.tier).toBe('small');
    expect(panels(layout).map(([name]) => name)).toEqual(['runs', 'gpus', 'log', 'status']);
    expect(layout.runs.height).toBeGreaterThanOrEqual(6);
    expect(layout.log!.height).toBeGreaterThanOrEqual(4);
    expectTiled(layout, 80, 24);
  });

  it('at 120×40 has one chart beside the GPUs', () => {
    const layout = dashLayout(120, 40, { gpuLines: 4, runRows: 6 });
    expect(layout.tier).toBe('medium');
    expect(layout.lossChart).not.toBeNull();
    expect(layout.metricChart).toBeNull();
    expectTiled(layout, 120, 40);
  });

  it('gives the room few runs do not need to the panels below, and caps the table when there are many', () => {
    const few = dashLayout(120, 40, { gpuLines: 2, runRows: 2 });
    const many = dashLayout(120, 40, { gpuLines: 2, runRows: 500 });
    expect(few.runs.height).toBe(6);
    expect(many.runs.height).toBeLessThanOrEqual(16);
    expect(few.lossChart!.height + few.log!.height).toBeGreaterThan(many.lossChart!.height + many.log!.height);
  });

  it('shrinks to the runs and the status line when tiny, and tiles every size in between', () => {
    expect(panels(dashLayout(50, 12)).map(([name]) => name)).toEqual(['runs', 'status']);
    for (const [cols, rows] of [
      [40, 10],
      [60, 16],
      [79, 23],
      [80, 24],
      [99, 27],
      [100, 28],
      [139, 35],
      [140, 36],
      [160, 45],
      [200, 50],
      [300, 80],
    ] as const) {
      for (const gpuLines of [2, 8, 16]) for (const runRows of [1, 10, 100]) expectTiled(dashLayout(cols, rows, { gpuLines, runRows }), cols, rows);
    }
  });
});
