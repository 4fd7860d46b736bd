import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainerClient } from '../../dist/src/client/trainer-client.js';
import { createDashState, type DashState } from '../../dist/src/dash/dash-state.js';
import { DashFeed, LogOverlap } from '../../dist/src/dash/feed.js';
import { API_KEY, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

const NVIDIA_SMI = fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url));

// The dashboard's data side against a real agent: what the terminal would draw, without a terminal.
describe('dashboard feed', () => {
  let t: TestAgent;
  let state: DashState;
  let feed: DashFeed;
  const start = async (params: Record<string, number>) =>
    (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params, start: true })).body.session_id as string;

  beforeAll(async () => {
    t = await startTestAgent({
      env: { MAX_CONCURRENT_SESSIONS: '2', TRAINER_NVIDIA_SMI: NVIDIA_SMI, TRAINER_SAMPLE_INTERVAL_SECONDS: '0.2', TRAINER_ALERT_EVAL_SECONDS: '1' },
    });
  });
  afterAll(async () => {
    feed?.close();
    await t?.close();
  });

  it('shows the runs with their latest metrics, follows new ones live, and the GPUs', async () => {
    const done = await start({ epochs: 2, interval_ms: 10 });
    await waitForState(t.api, done, ['completed']);
    state = createDashState(t.url);
    feed = new DashFeed(new TrainerClient({ url: t.url, apiKey: API_KEY }), state, () => {}, { gpuIntervalMs: 500, sessionLimit: 200 });
    feed.start();
    await waitFor(() => state.runs.get(done)?.metrics.loss === 0.5, 'the finished run with its last loss');
    expect(state.connection.state).toBe('connected');
    expect(state.runs.get(done)).toMatchObject({ state: 'completed', epoch: 2, totalEpochs: 2, params: { epochs: 2, interval_ms: 10, exit_code: 0 } });

    const live = await start({ epochs: 1000, interval_ms: 40 });
    // from the event stream alone: no re-read of the runs
    await waitFor(() => state.runs.get(live)?.state === 'running' && (state.runs.get(live)?.epoch ?? 0) >= 2, 'the new run, running, with its epochs');
    await waitFor(() => state.gpus?.length === 2, 'the GPUs');
    expect(state.alerts).toEqual([]);
  });

  it('follows the selected run: its curve and its log, gapless across the tail read and the live stream', async () => {
    const live = [...state.runs.values()].find((row) => row.state === 'running')!.id;
    feed.select(live);
    await waitFor(() => state.log.live && (state.curves.series.get('loss')?.xs.length ?? 0) >= 3, 'the curve and a live log');
    const epochsBefore = state.curves.series.get('loss')!.xs.length;
    await waitFor(() => state.curves.series.get('loss')!.xs.length >= epochsBefore + 3, 'live points on the curve');
    const xs = state.curves.series.get('loss')!.xs;
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(new Set(xs).size).toBe(xs.length);
    // every epoch line once, in order, from the first one the tail read returned
    const epochs = state.log.entries
      .map((entry) => /^Epoch (\d+)\/1000 completed$/.exec(entry.message)?.[1])
      .filter(Boolean)
      .map(Number);
    expect(epochs.length).toBeGreaterThan(3);
    expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, index) => epochs[0]! + index));
    expect(state.log.entries[0]!.message).toMatch(/^Starting: |^ticker starting/);
  });

  it('stops a run and sees it stopped; starts one and selects it', async () => {
    const live = state.selectedId!;
    await feed.stop(live);
    await waitFor(() => state.runs.get(live)?.state === 'stopped', 'the stopped run');
    expect(state.message?.text).toMatch(/stopped/);
    await feed.startRun('ticker', { epochs: '1', interval_ms: '10' });
    const created = state.selectedId!;
    expect(created).not.toBe(live);
    await waitFor(() => state.runs.get(created)?.state === 'completed', 'the started run to complete');
    await feed.startRun('ticker', { epochs: '0' });
    expect(state.message).toMatchObject({ level: 'error', text: expect.stringContaining('Could not start ticker') });
  });

  it('gets alerts and notifications from the event stream, with no polling', async () => {
    // the runs above made lifecycle notifications: read at connect or pushed since
    expect(state.notifications?.some((notification) => /completed/.test(notification.message))).toBe(true);
    const rule = await t.api('POST', '/api/v1/alerts/rules', {
      name: 'gpu present',
      metric: 'gpu_temperature',
      condition: 'greater_than',
      threshold: -1,
      severity: 'low',
      for_seconds: 0,
    });
    expect(rule.status).toBe(201);
    const fired = await waitFor(() => state.alerts?.find((alert) => alert.rule_name === 'gpu present'), 'the alert, pushed');
    await waitFor(
      () => state.notifications?.some((notification) => notification.message.includes('gpu present') || notification.message.includes('GPU')),
      'its notification, pushed',
    );
    expect((await t.api('POST', `/api/v1/alerts/${fired.alert_id}/acknowledge`, { acknowledged_by: 'feed test' })).status).toBe(200);
    await waitFor(() => !state.alerts?.some((alert) => alert.alert_id === fired.alert_id), 'the acknowledged alert to leave the active list');
    await t.api('DELETE', `/api/v1/alerts/rules/${rule.body.rule_id}`);
  });

  it('drops the live lines that the tail read already had, once each, and only at the start', () => {
    const line = (n: number, message = `line ${n}`) => ({ session_id: 's', timestamp: `2026-01-02T03:00:0${n}.000Z`, level: 'info', message });
    const overlap = new LogOverlap([line(1), line(2), line(3)]);
    expect([line(2), line(3), line(4), line(3)].map((entry) => overlap.seen(entry))).toEqual([true, true, false, false]);
    const none = new LogOverlap([line(1), line(2)]);
    expect([line(5), line(2)].map((entry) => none.seen(entry))).toEqual([false, false]);
    expect(new LogOverlap([]).seen(line(1))).toBe(false);
  });
});
