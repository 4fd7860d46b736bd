import { describe, expect, it } from 'vitest';
import { bestTrial, gridSize, gridValues, sampleTrial, searchSpaceProblems } from '../../dist/src/domain/hpo.js';

describe('HPO sampling', () => {
  it('grid: every point once, the last dimension fastest; floats get grid_points, log-spaced on a log scale', () => {
    const study = {
      sampler: 'grid',
      seed: 0,
      grid_points: 3,
      search_space: { a: { type: 'int', low: 1, high: 2 }, b: { type: 'categorical', choices: ['x', 'y', 'z'] } },
    };
    expect(gridSize(study.search_space, 3)).toBe(6);
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => sampleTrial(study, n))).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 1, b: 'z' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 2, b: 'z' },
      { a: 1, b: 'x' },
    ]);
    expect(gridValues({ type: 'float', low: 1e-4, high: 1e-2, log: true }, 3)).toEqual([1e-4, 1e-3, 1e-2]);
    expect(gridValues({ type: 'float', low: 0, high: 1, step: 0.25 }, 3)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(gridValues({ type: 'int', low: 0, high: 10, step: 5 }, 3)).toEqual([0, 5, 10]);
  });

  it('random: seeded per trial (the same seed gives the same trials), within bounds, log-uniform on a log scale', () => {
    const space = {
      lr: { type: 'float', low: 1e-5, high: 1e-1, log: true },
      layers: { type: 'int', low: 1, high: 4 },
      opt: { type: 'categorical', choices: ['adam', 'sgd'] },
      drop: { type: 'float', low: 0, high: 0.5 },
    };
    const study = { sampler: 'random', seed: 42, grid_points: 5, search_space: space };
    const draws = Array.from({ length: 4000 }, (_, n) => sampleTrial(study, n));
    expect(sampleTrial(study, 17)).toEqual(draws[17]);
    expect(sampleTrial({ ...study, seed: 43 }, 17)).not.toEqual(draws[17]);
    for (const draw of draws) {
      expect(draw.lr).toBeGreaterThanOrEqual(1e-5);
      expect(draw.lr).toBeLessThanOrEqual(1e-1);
      expect(draw.drop).toBeGreaterThanOrEqual(0);
      expect(draw.drop).toBeLessThanOrEqual(0.5);
    }
    expect(new Set(draws.map((draw) => draw.layers))).toEqual(new Set([1, 2, 3, 4]));
    expect(new Set(draws.map((draw) => draw.opt))).toEqual(new Set(['adam', 'sgd']));
    // log-uniform: each decade gets about a quarter of the draws
    const belowMiddle = draws.filter((draw) => (draw.lr as number) < 1e-3).length / draws.length;
    expect(belowMiddle).toBeGreaterThan(0.45);
    expect(belowMiddle).toBeLessThan(0.55);
    const firstDecade = draws.filter((draw) => (draw.lr as number) < 1e-4).length / draws.length;
    expect(firstDecade).toBeGreaterThan(0.2);
    expect(firstDecade).toBeLessThan(0.3);
  });

  it('names what is wrong with a search space, and picks the best trial for the direction', () => {
    expect(searchSpaceProblems({})).toEqual(['search_space: give at least one parameter']);
    expect(searchSpaceProblems({ lr: { type: 'float', low: 0, high: 1, log: true }, n: { type: 'int', low: 5, high: 1 } })).toEqual([
      'search_space.lr: a log scale needs low > 0',
      'search_space.n: low (5) must not be above high (1)',
    ]);
    const trials = [
      { number: 0, state: 'completed', value: 2 },
      { number: 1, state: 'failed', value: null },
      { number: 2, state: 'completed', value: -1 },
      { number: 3, state: 'completed', value: 5 },
    ];
    expect(bestTrial({ objective: 'minimize', trials })?.number).toBe(2);
    expect(bestTrial({ objective: 'maximize', trials })?.number).toBe(3);
    expect(bestTrial({ objective: 'maximize', trials: [] })).toBeNull();
  });
});

describe('median pruner', () => {
  it('stops a trial whose best so far is worse than the median of completed trials at the same epoch, after the warm-up', async () => {
    const { shouldPrune } = await import('../../dist/src/domain/hpo.js');
    const completed = (curve: Record<string, number>) => ({ state: 'completed', value: 0, intermediate: curve });
    const study = {
      pruner: 'median',
      pruner_warmup_epochs: 2,
      pruner_min_trials: 3,
      objective: 'minimize',
      trials: [completed({ 1: 5, 2: 3, 3: 1 }), completed({ 1: 4, 2: 2, 3: 1 }), completed({ 1: 6, 2: 4, 3: 2 })],
    };
    const curve = (entries: [number, number][]) => new Map(entries);
    expect(
      shouldPrune(
        study,
        curve([
          [1, 9],
          [2, 8],
        ]),
        2,
      ),
    ).toBe(true); // median at epoch 2: 3
    expect(
      shouldPrune(
        study,
        curve([
          [1, 9],
          [2, 3],
        ]),
        2,
      ),
    ).toBe(false); // equal to the median: kept
    expect(shouldPrune(study, curve([[1, 9]]), 1)).toBe(false); // warm-up
    expect(
      shouldPrune(
        { ...study, trials: study.trials.slice(0, 2) },
        curve([
          [1, 9],
          [2, 8],
        ]),
        2,
      ),
    ).toBe(false); // too few completed trials
    expect(
      shouldPrune(
        { ...study, pruner: 'none' },
        curve([
          [1, 9],
          [2, 8],
        ]),
        2,
      ),
    ).toBe(false);
    expect(
      shouldPrune(
        { ...study, objective: 'maximize' },
        curve([
          [1, 9],
          [2, 8],
        ]),
        2,
      ),
    ).toBe(false); // higher is better there
  });
});
