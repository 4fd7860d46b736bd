import { describe, expect, it } from 'vitest';
import { loadEngine } from '../../dist/src/tfjs/engine.js';
import { trainingEngines } from '../../dist/src/monitor/training-engines.js';

describe('engine selection', () => {
  const missing = trainingEngines().find((engine) => !engine.available && engine.name !== 'wasm');

  // skipped where every native engine is installed: there is nothing to fall back from
  it.skipIf(!missing)('falls back, with a note, from an engine that does not load here', async () => {
    if (!missing) return;
    expect(missing.reason).toMatch(/not installed|without its native binding/);
    const engine = await loadEngine({ requested: missing.name, needsConvGradients: false });
    expect(engine.name).toBe('cpu');
    expect(engine.notes).toEqual([expect.stringContaining(`${missing.name} unavailable:`)]);
    expect(engine.tf.getBackend()).toBe('cpu');
  });

  it('auto picks the first engine that loads, in order, and says why it skipped the better ones', async () => {
    const available = trainingEngines()
      .filter((engine) => engine.available)
      .map((engine) => engine.name);
    const engine = await loadEngine({ requested: 'auto', needsConvGradients: true });
    expect(engine.name).toBe(available[0]);
    const skipped = trainingEngines().slice(
      0,
      trainingEngines().findIndex((candidate) => candidate.name === engine.name),
    );
    for (const candidate of skipped) expect(engine.notes.some((note) => note.startsWith(`${candidate.name} unavailable`))).toBe(true);
  });
});
