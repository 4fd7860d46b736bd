import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, type TestAgent } from '../helpers/agent-harness.js';

const STANDIN = fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url));

describe('alert rules with a stand-in nvidia-smi whose temperature the test controls', () => {
  let t: TestAgent;
  let stateFile: string;
  // written whole then renamed: the agent samples 5 times a second and must never read half a file
  const setTemperatures = async (gpu0: number, gpu1: number) => {
    await writeFile(
      `${stateFile}.tmp`,
      `0, GPU-aaaa, NVIDIA A100-SXM4-40GB, 90, 30000, 40960, ${gpu0}, 300.0\n1, GPU-bbbb, NVIDIA A100-SXM4-40GB, 90, 30000, 40960, ${gpu1}, 300.0\n`,
    );
    await rename(`${stateFile}.tmp`, stateFile);
  };

  beforeAll(async () => {
    stateFile = join(await mkdtemp(join(tmpdir(), 'trainer-gpu-state-')), 'nvidia-smi.csv');
    process.env.STANDIN_NVIDIA_SMI_STATE = stateFile; // read by the stand-in, which the agent runs with its own environment
    await setTemperatures(50, 50);
    t = await startTestAgent({ env: { TRAINER_NVIDIA_SMI: STANDIN, TRAINER_SAMPLE_INTERVAL_SECONDS: '0.2', TRAINER_ALERT_EVAL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Until the agent's latest sample shows these temperatures: a rule created now sees only them. */
  const sampled = (gpu0: number, gpu1: number) =>
    waitFor(async () => {
      const gpus = (await t.api('GET', '/api/v1/gpus')).body as { temperature: number }[];
      return gpus[0]?.temperature === gpu0 && gpus[1]?.temperature === gpu1;
    }, `a sample at ${gpu0} and ${gpu1} °C`);
  const alertNotifications = async () =>
    (await t.api('GET', '/api/v1/notifications?type=alert')).body.notifications as { message: string; data: { event: string; rule_name: string } }[];
  const ofRule = (name: string, event: string) => async () => (await alertNotifications()).filter((n) => n.data.rule_name === name && n.data.event === event);

  /**
   * Where a test checks that nothing more happens: waits until the evaluator has made at least two more passes,
   * seen through a rule that always fires and repeats every second (its third message). Slower on a loaded
   * machine exactly when the passes are, unlike a fixed sleep.
   */
  let sentinels = 0;
  const afterFurtherPasses = async () => {
    const name = `sentinel ${++sentinels}`;
    const rule = await t.api('POST', '/api/v1/alerts/rules', {
      name,
      metric: 'gpu_temperature',
      condition: 'greater_than',
      threshold: -1000,
      repeat_interval_seconds: 1,
    });
    expect(rule.status).toBe(201);
    await waitFor(async () => (await ofRule(name, 'alert_triggered')()).length >= 3, 'three passes of a rule that always fires');
    expect((await t.api('DELETE', `/api/v1/alerts/rules/${rule.body.rule_id}`)).status).toBe(200);
  };

  it('fires once after `for`, does not flap around the line, and resolves once', async () => {
    const rule = await t.api('POST', '/api/v1/alerts/rules', {
      name: 'gpu hot',
      metric: 'gpu_temperature',
      condition: 'greater_than',
      threshold: 85,
      resolve_threshold: 80,
      severity: 'high',
      for_seconds: 3,
    });
    expect(rule.status).toBe(201);
    expect(rule.body).toMatchObject({
      name: 'gpu hot',
      type: 'threshold',
      params: { metric: 'gpu_temperature', condition: 'greater_than', threshold: 85, resolve_threshold: 80 },
      for_seconds: 3,
      enabled: true,
    });

    const hotFrom = Date.now(); // the agent cannot see 91 °C before the file says so
    await setTemperatures(91, 50);
    const fired = await waitFor(async () => (await t.api('GET', '/api/v1/alerts?status=active')).body.alerts[0], 'the alert to fire');
    expect(fired).toMatchObject({ rule_name: 'gpu hot', key: 'gpu:0', severity: 'high', value: 91, threshold: 85, status: 'active' });
    // pending until `for` has passed: fired no sooner than 3 s after the first hot reading could be seen, however slow the machine
    expect(Date.parse(fired.triggered_at) - hotFrom).toBeGreaterThanOrEqual(3000);

    // hovering between the resolve line and the threshold: still one alert, no resolve, no new message
    const gpuHot = async () =>
      (await t.api('GET', '/api/v1/alerts')).body.alerts.filter((alert: { rule_name: string }) => alert.rule_name === 'gpu hot') as {
        status: string;
        value: number;
      }[];
    // the alert's value follows each pass that sees it: waiting for it means a pass has judged that reading
    const judged = (temperature: number) =>
      waitFor(
        async () => ((await gpuHot()).some((alert) => alert.value === temperature || alert.status !== 'active') ? gpuHot() : null),
        `a pass over ${temperature} °C`,
      );
    await setTemperatures(83, 50);
    expect(await judged(83)).toMatchObject([{ status: 'active', value: 83 }]);
    await setTemperatures(88, 50);
    expect(await judged(88)).toMatchObject([{ status: 'active', value: 88 }]);
    expect(await ofRule('gpu hot', 'alert_triggered')()).toHaveLength(1);

    await setTemperatures(70, 50);
    await waitFor(async () => (await t.api('GET', `/api/v1/alerts?status=resolved`)).body.alerts.length === 1, 'the alert to resolve');
    const resolvedMessages = await waitFor(
      async () => ((await ofRule('gpu hot', 'alert_resolved')()).length ? await ofRule('gpu hot', 'alert_resolved')() : null),
      'the resolve message',
    );
    await afterFurtherPasses();
    expect(await ofRule('gpu hot', 'alert_resolved')()).toHaveLength(resolvedMessages.length);
    expect(resolvedMessages).toHaveLength(1);
    expect(resolvedMessages[0]!.message).toMatch(/^Resolved: GPU 0 temperature above 85/);
    await t.api('DELETE', `/api/v1/alerts/rules/${rule.body.rule_id}`);
  });

  it('repeats an unacknowledged alert and stops once it is acknowledged; groups several GPUs into one message', async () => {
    await setTemperatures(65, 66);
    await sampled(65, 66); // before the rule exists: its first pass sees both GPUs hot
    const rule = (
      await t.api('POST', '/api/v1/alerts/rules', {
        name: 'gpu warm',
        metric: 'gpu_temperature',
        condition: 'greater_than',
        threshold: 60,
        severity: 'medium',
        repeat_interval_seconds: 1,
      })
    ).body;
    const first = await waitFor(
      async () => ((await ofRule('gpu warm', 'alert_triggered')()).length >= 1 ? await ofRule('gpu warm', 'alert_triggered')() : null),
      'a message',
    );
    expect(first.at(-1)!.message).toMatch(/2 alerts from rule gpu warm: GPU 0 temperature above 60: 65; GPU 1 temperature above 60: 66/);
    await waitFor(async () => (await ofRule('gpu warm', 'alert_triggered')()).length >= 3, 'repeats');

    for (const alert of (await t.api('GET', '/api/v1/alerts?status=active')).body.alerts) {
      const acked = await t.api('POST', `/api/v1/alerts/${alert.alert_id}/acknowledge`, { acknowledged_by: 'oncall@example.com', notes: 'looking' });
      expect(acked.body).toMatchObject({ status: 'acknowledged', acknowledged_by: 'oncall@example.com', notes: 'looking' });
    }
    const count = (await ofRule('gpu warm', 'alert_triggered')()).length;
    await afterFurtherPasses();
    expect((await ofRule('gpu warm', 'alert_triggered')()).length).toBe(count);
    expect(
      (await t.api('POST', `/api/v1/alerts/${(await t.api('GET', '/api/v1/alerts?status=acknowledged')).body.alerts[0].alert_id}/acknowledge`, {})).status,
    ).toBe(409);
    await t.api('DELETE', `/api/v1/alerts/rules/${rule.rule_id}`);
    await setTemperatures(50, 50);
  });

  it('a silenced rule records alerts but sends nothing', async () => {
    // rules are evaluated on every sample: the rule must not meet a reading from before the silence
    await sampled(50, 50);
    const rule = (await t.api('POST', '/api/v1/alerts/rules', { name: 'gpu silent', metric: 'gpu_temperature', condition: 'greater_than', threshold: 60 }))
      .body;
    const silence = await t.api('POST', '/api/v1/alerts/silences', { rule_id: rule.rule_id, duration: '1h', reason: 'maintenance' });
    expect(silence.status).toBe(201);
    await setTemperatures(70, 50);
    await waitFor(
      async () => (await t.api('GET', '/api/v1/alerts?status=active')).body.alerts.some((alert: { rule_name: string }) => alert.rule_name === 'gpu silent'),
      'the silent alert',
    );
    await afterFurtherPasses();
    expect(await ofRule('gpu silent', 'alert_triggered')()).toEqual([]);
    await setTemperatures(50, 50);
  });

  it('validates rules, acknowledgements and silences', async () => {
    const bad = [
      { name: 'x', metric: 'gpu_temperature', condition: 'hotter', threshold: 1 },
      { name: 'x', metric: 'nope', condition: 'greater_than', threshold: 1 },
      { name: 'x', metric: 'gpu_temperature', condition: 'greater_than' },
      { name: 'x', metric: 'gpu_temperature', condition: 'greater_than', threshold: 80, resolve_threshold: 90 },
      { name: 'x', type: 'no-such-rule', params: {} },
      { name: 'x', type: 'stalled', params: { minutes: -1 } },
      { name: '', metric: 'cpu_percent', condition: 'greater_than', threshold: 1 },
      { name: 'x', metric: 'cpu_percent', condition: 'greater_than', threshold: 1, severity: 'urgent' },
    ];
    for (const body of bad) {
      const response = await t.api('POST', '/api/v1/alerts/rules', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(typeof response.body.detail).toBe('string');
    }
    expect((await t.api('POST', '/api/v1/alerts/alert_nope/acknowledge', {})).status).toBe(404);
    expect((await t.api('POST', '/api/v1/alerts/silences', { rule_id: 'rule_nope', duration: '1h' })).status).toBe(404);
    expect((await t.api('POST', '/api/v1/alerts/silences', { duration: '1h' })).status).toBe(422);
    expect((await t.api('POST', '/api/v1/alerts/silences', { run_id: 'sess_ffffffffffff', duration: 'forever' })).status).toBe(422);
    expect((await t.api('GET', '/api/v1/alerts?status=burning')).status).toBe(422);
    expect((await t.api('GET', '/api/v1/notifications?unread=maybe')).status).toBe(422);
  });
});

describe('run rules and lifecycle notifications', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_ALERT_EVAL_SECONDS: '1', MAX_CONCURRENT_SESSIONS: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('NaN loss, a stalled run, and a completed run each reach the inbox', async () => {
    await t.api('POST', '/api/v1/alerts/rules', { name: 'nan', type: 'nan-loss', params: {}, severity: 'critical' });
    await t.api('POST', '/api/v1/alerts/rules', { name: 'stalled', type: 'stalled', params: { minutes: 0.03 }, severity: 'high' });
    const nan = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'nan-loss', start: true })).body.session_id;
    const silent = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 2, interval_ms: 20000 }, start: true })).body
      .session_id;
    const done = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 2, interval_ms: 10 }, start: true })).body.session_id;

    const inbox = async () =>
      (await t.api('GET', '/api/v1/notifications')).body.notifications as { type: string; priority: string; message: string; read: boolean; id: string }[];
    const nanMessage = await waitFor(
      async () => (await inbox()).find((n) => n.type === 'alert' && n.message.includes(nan) && n.message.includes('loss is NaN')),
      'the NaN alert',
    );
    expect(nanMessage.priority).toBe('high');
    await waitFor(
      async () => (await inbox()).find((n) => n.type === 'alert' && n.message.includes(silent) && n.message.includes('stalled')),
      'the stalled alert',
    );
    await waitFor(
      async () => (await inbox()).find((n) => n.type === 'training' && n.message === `Training session ${done} (ticker) completed`),
      'the completion notice',
    );

    const unread = (await t.api('GET', '/api/v1/notifications?unread=true')).body.notifications.length;
    expect((await t.api('POST', `/api/v1/notifications/${nanMessage.id}/read`)).body.read).toBe(true);
    expect((await t.api('GET', '/api/v1/notifications?unread=true')).body.notifications.length).toBe(unread - 1);
    expect((await t.api('POST', '/api/v1/notifications/notif_nope/read')).status).toBe(404);
    expect((await t.api('DELETE', '/api/v1/notifications')).status).toBe(200);
    expect((await inbox()).filter((n) => n.type === 'training' && n.message.includes(done))).toEqual([]);
  });
});

describe('alert rules evaluated on new data', () => {
  let t: TestAgent;
  beforeAll(async () => {
    // the periodic evaluation is an hour away: only the evaluation that new metrics start can fire this
    t = await startTestAgent({ env: { TRAINER_ALERT_EVAL_SECONDS: '3600' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('tells of a NaN loss as soon as the run prints it, without waiting for the periodic pass', async () => {
    await t.api('POST', '/api/v1/alerts/rules', { name: 'nan', type: 'nan-loss', params: {}, severity: 'critical' });
    const nan = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'nan-loss', start: true })).body.session_id;
    const alert = await waitFor(
      async () => (await t.api('GET', '/api/v1/alerts?status=active')).body.alerts.find((candidate: { run_id: string }) => candidate.run_id === nan),
      'the NaN alert',
      15_000,
    );
    expect(alert).toMatchObject({ rule_name: 'nan', severity: 'critical', key: `run:${nan}` });
    await t.api('POST', `/api/v1/training/${nan}/stop`);
  });
});
