import { appendFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricIndex } from '../../dist/src/store/metric-index.js';
import { RunPaths } from '../../dist/src/store/run-paths.js';

async function setup() {
  const paths = new RunPaths(await mkdtemp(join(tmpdir(), 'trainer-index-')));
  await mkdir(paths.dir('r'), { recursive: true });
  return { paths, index: new MetricIndex(paths) };
}

const line = (record: object) => JSON.stringify(record) + '\n';

describe('metric index', () => {
  it('indexes lazily and incrementally, whoever appended the lines', async () => {
    const { paths, index } = await setup();
    await writeFile(
      paths.metrics('r'),
      line({ ts: '2026-01-01T00:00:00.000Z', epoch: 1, loss: 0.5, acc: 0.1 }) + line({ ts: '2026-01-01T00:00:01.000Z', epoch: 2, acc: 0.2 }),
    );
    let loss = await index.query('r', 'loss', {});
    expect(loss).toEqual([{ ts: '2026-01-01T00:00:00.000Z', epoch: 1, loss: 0.5 }]);
    await appendFile(paths.metrics('r'), line({ ts: '2026-01-01T00:00:02.000Z', epoch: 3, step: 7, loss: 'NaN' }) + '{"torn": ');
    loss = await index.query('r', 'loss', {});
    expect(loss.map((record: any) => [record.loss, record.step])).toEqual([
      [0.5, undefined],
      ['NaN', 7],
    ]);
    expect((await index.query('r', 'acc', { startEpoch: 2 })).map((record: any) => record.acc)).toEqual([0.2]);
    expect(await index.query('r', 'nothing', {})).toEqual([]);
  });

  it('recovers from a crash between writing columns and their meta', async () => {
    const { paths, index } = await setup();
    await writeFile(paths.metrics('r'), line({ ts: 't', epoch: 1, loss: 1 }));
    await index.query('r', 'loss', {});
    const meta = await readFile(join(paths.dir('r'), 'metrics.idx', 'meta.json'), 'utf8');
    await appendFile(paths.metrics('r'), line({ ts: 't', epoch: 2, loss: 2 }));
    await index.query('r', 'loss', {});
    await writeFile(join(paths.dir('r'), 'metrics.idx', 'meta.json'), meta); // as if the meta write was lost
    expect((await new MetricIndex(paths).query('r', 'loss', {})).map((record: any) => record.loss)).toEqual([1, 2]);
  });

  it('folds summaries as it indexes, unless told not to (the benchmark measures what folding costs that way)', async () => {
    const { paths, index } = await setup();
    await writeFile(paths.metrics('r'), line({ ts: 't', epoch: 1, loss: 2 }) + line({ ts: 't', epoch: 2, loss: 1 }));
    expect(await index.summary('r')).toEqual({ loss: { current: 1, min: 1, max: 2, mean: 1.5, count: 2, non_finite: 0 } });
    const other = await setup();
    await writeFile(other.paths.metrics('r'), line({ ts: 't', epoch: 1, loss: 2 }));
    const plain = new MetricIndex(other.paths, { summaries: false });
    expect(await plain.summary('r')).toEqual({});
    expect((await plain.query('r', 'loss', {})).map((record: any) => record.loss)).toEqual([2]);
  });
});
