import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { alertRules, dashboardQueries, withDashboardVariables } from '../helpers/exposition.js';
import { ensurePrometheus, promtoolCheckMetrics, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

const NVIDIA_SMI = fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url));
const prometheusBinary = ensurePrometheus();

// Debian's real Prometheus scrapes a real agent during a run, as a team's Prometheus would; promtool
// lints the exposition. Skipped, saying why, only where Prometheus cannot be installed (never in CI).
describe('a real Prometheus scraping the agent', () => {
  let t: TestAgent;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    if (!prometheusBinary.available) return;
    t = await startTestAgent({ env: { TRAINER_NVIDIA_SMI: NVIDIA_SMI, TRAINER_SAMPLE_INTERVAL_SECONDS: '0.2' } });
    prometheus = await startPrometheus(new URL(t.url).host, API_KEY);
  });
  afterAll(async () => {
    await prometheus?.close();
    await t?.close();
  });

  it("gets a running run's loss by run_id with PromQL, and its last loss once it ended", async (context) => {
    if (!prometheusBinary.available) return context.skip(prometheusBinary.reason);
    const epochs = 40;
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs, interval_ms: 150 }, gpus: 1, start: true })).body
      .session_id as string;
    await waitForState(t.api, id, ['running']);

    // during the run: the ticker prints loss = 1/epoch, so the scraped loss is one of those values
    const during = await waitFor(
      async () => {
        const [sample] = await prometheus.query(`trainer_run_metric{run_id="${id}",metric="loss"}`);
        return sample ?? null;
      },
      'Prometheus to have scraped the running run',
      30_000,
    );
    expect(during.metric).toMatchObject({ run_id: id, recipe: 'ticker', metric: 'loss', job: 'trainer' });
    const epoch = Math.round(1 / Number(during.value[1]));
    expect(epoch).toBeGreaterThanOrEqual(1);
    expect(1 / epoch).toBeCloseTo(Number(during.value[1]), 12);
    const [state] = await prometheus.query(`trainer_run_state{run_id="${id}"} == 1`);
    expect(state?.metric.state).toBe('running');
    // the GPU it holds is labelled with it; the other is not
    const held = (await t.agent.runs.get(id)).gpu_ids;
    expect(held).toHaveLength(1);
    const gpus = await prometheus.query(`trainer_gpu_temperature_celsius{run_id="${id}"}`);
    expect(gpus.map((gpu) => gpu.metric.gpu)).toEqual(held.map(String));

    await waitForState(t.api, id, ['completed'], 60_000);
    const last = await waitFor(
      async () => {
        const [sample] = await prometheus.query(`trainer_run_metric{run_id="${id}",metric="loss"} and on(run_id) trainer_run_state{state="completed"} == 1`);
        return sample ?? null;
      },
      'Prometheus to have scraped the ended run',
      30_000,
    );
    expect(Number(last.value[1])).toBeCloseTo(1 / epochs, 12);
    const [progress] = await prometheus.query(`trainer_run_progress_ratio{run_id="${id}"}`);
    expect(Number(progress?.value[1])).toBe(1);
  });

  it('evaluates every shipped alerting rule and dashboard query without an error', async (context) => {
    if (!prometheusBinary.available) return context.skip(prometheusBinary.reason);
    const rules = await waitFor(async () => {
      const listed = await prometheus.rules();
      return listed.length > 0 && listed.every((rule) => !rule.lastEvaluation.startsWith('0001')) ? listed : null;
    }, 'every alerting rule to have been evaluated');
    expect(rules.map((rule) => rule.name).sort()).toEqual(
      alertRules()
        .map((rule) => rule.alert)
        .sort(),
    );
    expect(rules.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.lastError}`)).toEqual([]);
    for (const { where, expr } of dashboardQueries()) {
      await expect(prometheus.query(withDashboardVariables(expr)), where).resolves.toBeInstanceOf(Array);
    }
    // the per-run curves have data by now
    expect(await prometheus.query(withDashboardVariables(dashboardQueries().find((query) => query.where === 'panel "Loss by run"')!.expr))).not.toEqual([]);
  });

  it('promtool check metrics prints nothing for the exposition', async (context) => {
    if (!prometheusBinary.available) return context.skip(prometheusBinary.reason);
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 2, interval_ms: 5 }, start: true })).body
      .session_id as string;
    await waitForState(t.api, id, ['completed']);
    await t.api('GET', `/api/v1/training/${id}/status`);
    const exposition: string = (await t.api('GET', '/metrics')).body;
    expect(exposition).toContain(`run_id="${id}"`);
    expect(promtoolCheckMetrics(exposition)).toEqual({ code: 0, output: '' });
  });
});
