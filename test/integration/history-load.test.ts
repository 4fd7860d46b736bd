import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';
import { machineIsQuiet, watchHealth } from '../helpers/health-watch.js';

const POINTS = 500_000;

/** Issue 14 finding 8: four concurrent 100,000-point history queries on a huge run held /health for 10 s. */
describe('heavy history queries do not hold the agent', () => {
  let t: TestAgent;
  let id: string;
  beforeAll(async () => {
    t = await startTestAgent();
    id = (await t.api('POST', '/api/v1/training/sessions', { tracking_only: true })).body.session_id;
    expect((await t.api('POST', `/api/v1/training/${id}/metrics`, { step: 0, epoch: 0, metrics: { loss: 1, accuracy: 0 } })).status).toBe(202);
    // the rest written straight into metrics.jsonl in its on-disk format (what a trainer's process appends)
    const file = createWriteStream(join(t.dataDir, 'runs', id, 'metrics.jsonl'), { flags: 'a' });
    const started = Date.parse('2026-01-01T00:00:00Z');
    for (let step = 1; step < POINTS; step += 1000) {
      let text = '';
      for (let s = step; s < Math.min(POINTS, step + 1000); s++) {
        text +=
          JSON.stringify({
            ts: new Date(started + s * 1000).toISOString(),
            epoch: Math.floor(s / 1000),
            step: s,
            loss: 1 / (1 + s / 1000) + (s % 7) / 100,
            accuracy: 1 - 1 / (1 + s / 1000),
          }) + '\n';
      }
      if (!file.write(text)) await once(file, 'drain');
    }
    file.end();
    await once(file, 'finish');
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it('4 concurrent max-size queries on a 500,000-point run answer in full while /health is never held up (≤ 200 ms)', async () => {
    const health = watchHealth(t.url);
    // bodies are parsed after the watch: this process is the agent's too, and a 15 MB JSON.parse here would count against it
    const fetchRaw = async (path: string) => {
      const response = await fetch(t.url + path, { headers: { authorization: `Bearer ${API_KEY}` } });
      return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
    };
    const raw = await Promise.all([
      fetchRaw(`/api/v1/training/${id}/history?max_points=100000`),
      fetchRaw(`/api/v1/metrics/${id}/history?metric_name=loss&max_points=100000`),
      fetchRaw(`/api/v1/training/${id}/history?max_points=100000&start_epoch=0`),
      fetchRaw(`/api/v1/metrics/${id}/history?metric_name=accuracy&max_points=100000`),
    ]);
    const { samples, longestLoopStretchMs, maxWallMs } = await health.stop();
    const [all1, one1, all2, one2] = raw.map((answer) => ({ ...answer, body: JSON.parse(answer.bytes.toString('utf8')) }));
    for (const answer of [all1, all2, one1, one2]) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    }
    for (const all of [all1, all2]) {
      expect(all.body.length).toBeGreaterThan(90_000);
      expect(all.body.length).toBeLessThanOrEqual(100_000);
      expect(all.body[0]).toMatchObject({ session_id: id, step: 0, loss: 1 });
      expect(all.body.at(-1)).toMatchObject({ session_id: id, step: POINTS - 1 });
    }
    expect(one1.body.metric_name).toBe('loss');
    expect(one1.body.values).toHaveLength(100_000);
    expect(one1.body.steps).toHaveLength(100_000);
    expect(one1.body.steps.at(-1)).toBe(POINTS - 1);
    expect(one2.body.epochs).toHaveLength(100_000);
    expect(samples.length).toBeGreaterThan(5);
    console.log(`/health: ${samples.length} answers, slowest ${Math.round(maxWallMs)} ms; longest stretch of loop work ${longestLoopStretchMs} ms`);
    // the loop never worked 200 ms without coming round (before the fix: 2,050 ms), on a machine that is not
    // overloaded; at any load within 500 ms: on two SMT siblings shared with other work, the same work takes
    // more CPU time (270 ms was seen beside the benchmarks; which work it was, a collection of this large heap
    // or the queries' own slices, is not known yet).
    // /health's wall time is held to 200 ms where the machine is not overloaded (at load 20, waiting for a CPU dominates)
    expect(longestLoopStretchMs).toBeLessThanOrEqual(machineIsQuiet() ? 200 : 500);
    if (machineIsQuiet()) expect(maxWallMs).toBeLessThanOrEqual(200);
  }, 300_000);
});
