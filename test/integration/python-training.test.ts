import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { childrenOf, processGroupMembers, torchPython } from '../helpers/python.js';

const torch = torchPython();

/**
 * Real PyTorch training scripts through a recipe with no metrics_regex: what trainer reads from
 * Hugging Face's and Keras' output, progress bars, checkpoints, a graceful stop and a resumed retry.
 */
describe.skipIf(torch.skip)(`PyTorch training scripts (${torch.skip || torch.python})`, () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  const start = async (params: Record<string, unknown>) => {
    const response = await t.api('POST', '/api/v1/training/sessions', { recipe: 'digits-cnn', params: { python: torch.python, ...params }, start: true });
    expect(response.status).toBe(201);
    return response.body.session_id as string;
  };
  const history = async (id: string) => (await t.api('GET', `/api/v1/training/${id}/history`)).body as Record<string, any>[];
  const checkpoints = async (id: string) => (await t.api('GET', `/api/v1/checkpoints?session_id=${id}`)).body.checkpoints as Record<string, any>[];
  const logs = async (id: string) =>
    ((await t.api('GET', `/api/v1/training/${id}/logs?limit=10000`)).body as { message: string }[]).map((entry) => entry.message);

  it('reads Hugging Face dict lines, shows the tqdm bar as progress, and a retry after SIGKILL resumes from the registered checkpoint', async () => {
    const id = await start({ style: 'hf', epochs: 5, batch_sleep_ms: 25 });
    const running = await waitFor(
      async () => {
        const status = (await t.api('GET', `/api/v1/training/${id}/status`)).body;
        return status.state === 'running' && status.progress > 0 && status.progress < 1 ? status : null;
      },
      'progress from the bar while the first epoch runs',
      120_000,
    );
    expect(running.total_epochs).toBeNull();

    // the process dies as the OOM killer would kill it, after epoch 2's checkpoint: the retry resumes there
    await waitFor(async () => (await checkpoints(id)).some((checkpoint) => checkpoint.epoch === 2), "epoch 2's checkpoint", 120_000);
    const handle = t.agent.runs.get(id).handle as { pid: number };
    const [python] = childrenOf(handle.pid);
    expect(python).toBeGreaterThan(0);
    process.kill(python!, 'SIGKILL');

    const done = await waitForState(t.api, id, ['completed', 'failed'], 180_000);
    expect(done).toMatchObject({ state: 'completed' });
    expect(done.attempts).toHaveLength(2);
    expect(done.attempts[0]).toMatchObject({ end_reason: 'oom' });
    expect(done.attempts[1].resumed_from).toMatch(/./);

    const points = await history(id);
    const evalEpochs = points.filter((point) => typeof point.eval_loss === 'number').map((point) => point.epoch);
    // epochs continue after the kill: none is trained twice, none is missing
    expect(evalEpochs).toEqual([1, 2, 3, 4, 5]);
    expect(points.filter((point) => typeof point.loss === 'number').map((point) => point.epoch)).toEqual([1, 2, 3, 4, 5]);
    const final = (await t.api('GET', `/api/v1/training/sessions/${id}`)).body.latest_metrics;
    expect(final.eval_accuracy).toBeGreaterThanOrEqual(0.9);

    const lines = await logs(id);
    expect(lines.some((line) => /^Resuming from \S+ at epoch [3-5]$/.test(line))).toBe(true);
    // one line per finished bar (its last state), none glued from redraws, no escape codes
    const bars = lines.filter((line) => /\d+\/45 \[/.test(line));
    expect(bars.length).toBeGreaterThanOrEqual(5);
    expect(bars.length).toBeLessThanOrEqual(6 + 1);
    expect(lines.filter((line) => line.includes('\r') || line.includes('\u001b'))).toEqual([]);
    expect(bars.filter((line) => line.includes('45/45'))).toHaveLength(5);

    const registered = await checkpoints(id);
    expect(registered.map((checkpoint) => checkpoint.epoch).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(registered.find((checkpoint) => checkpoint.epoch === 5)).toMatchObject({ original_path: 'checkpoints/epoch-5.pt', metric_name: 'val_loss' });
  }, 400_000);

  it("reads Keras' epoch lines, and a stop mid-epoch saves a checkpoint in the grace period and ends stopped", async () => {
    const id = await start({ style: 'keras', epochs: 4, batch_sleep_ms: 60 });
    const firstEpoch = await waitFor(
      async () => {
        const points = await history(id);
        return points.find((point) => point.epoch === 1 && typeof point.val_loss === 'number');
      },
      "epoch 1's results",
      120_000,
    );
    expect(firstEpoch).toMatchObject({ epoch: 1, loss: expect.any(Number), accuracy: expect.any(Number), val_accuracy: expect.any(Number) });
    const status = (await t.api('GET', `/api/v1/training/${id}/status`)).body;
    expect(status).toMatchObject({ state: 'running', total_epochs: 4 });
    // intermediate batch updates are progress, not metrics
    expect((await history(id)).filter((point) => point.epoch === undefined || point.epoch === null)).toEqual([]);

    expect((await t.api('POST', `/api/v1/training/${id}/stop`)).status).toBe(200);
    const stopped = await waitForState(t.api, id, ['stopped', 'failed', 'completed'], 60_000);
    expect(stopped).toMatchObject({ state: 'stopped', end_reason: 'stopped_by_user', exit_code: 0 });
    const saved = await waitFor(
      async () => (await checkpoints(id)).find((checkpoint) => checkpoint.original_path.startsWith('checkpoints/stopped-epoch-')),
      'the checkpoint saved in the grace period',
    );
    expect(saved.original_path).toMatch(/^checkpoints\/stopped-epoch-[2-4]\.pt$/);
    const lines = await logs(id);
    expect(lines.some((line) => line.startsWith('Stop requested at epoch'))).toBe(true);
    expect(lines.filter((line) => line.startsWith('Epoch '))).toEqual(expect.arrayContaining(['Epoch 1/4', 'Epoch 2/4']));
  }, 300_000);

  it('a 2-rank run (ranks started as torchrun would, gloo on CPU) reports each epoch once, and a stop leaves no rank alive', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const id = await start({ style: 'json', epochs: 40, ranks: 2, batch_sleep_ms: 20, port });
    await waitFor(async () => (await history(id)).some((point) => point.epoch === 2), "epoch 2's metrics", 180_000);
    const handle = t.agent.runs.get(id).handle as { pid: number };
    const [launcher] = childrenOf(handle.pid);
    const group = processGroupMembers(launcher!);
    // the launcher and its two ranks (and multiprocessing's helpers)
    expect(group.length).toBeGreaterThanOrEqual(3);

    await t.api('POST', `/api/v1/training/${id}/stop`);
    expect(await waitForState(t.api, id, ['stopped', 'failed', 'completed'], 90_000)).toMatchObject({ state: 'stopped', end_reason: 'stopped_by_user' });
    await waitFor(() => processGroupMembers(launcher!).length === 0, 'every rank to be gone', 10_000);

    const epochs = (await history(id)).filter((point) => typeof point.loss === 'number').map((point) => point.epoch);
    expect(epochs.length).toBeGreaterThanOrEqual(2);
    expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, index) => index + 1));
    const saved = (await checkpoints(id)).map((checkpoint) => checkpoint.original_path);
    expect(saved.filter((path) => path.startsWith('checkpoints/stopped-epoch-'))).toHaveLength(1);
  }, 400_000);
});
