import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { plainPython, SDK_PYTHON_DIR } from '../helpers/python.js';

const run = promisify(execFile);
const python = plainPython();

/** trainer_client (sdk/python): its own tests, and against a real agent from inside a run and from outside any. */
describe.skipIf(python.skip)(`trainer_client, the Python module (${python.skip || python.python})`, () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  /** A plain Python process outside the agent, with trainer_client on its path as `pip install sdk/python` would put it. */
  const outside = async (source: string, env: Record<string, string> = {}) => {
    const { stdout } = await run(python.python, ['-c', source], {
      env: { PATH: process.env.PATH!, PYTHONPATH: SDK_PYTHON_DIR, TRAINER_URL: t.url, TRAINER_API_KEY: API_KEY, ...env },
      timeout: 120_000,
    });
    return stdout.trim();
  };

  it('passes its own tests (python -m unittest, standard library only)', async () => {
    const { stderr } = await run(python.python, ['-m', 'unittest', 'discover', '-s', `${SDK_PYTHON_DIR}/tests`], { timeout: 120_000 });
    expect(stderr).toMatch(/\nOK\s*$/);
  });

  it('logs 10,000 points from outside the agent into a tracking run, in batches, all of them kept', async () => {
    const out = await outside(`
import trainer_client as tc
run = tc.track("notebook", params={"lr": 0.01})
for step in range(10000):
    tc.log({"loss": 1.0 / (step + 1)}, step=step, epoch=step // 1000)
tc.flush(60)
print(run.id, run.batches_sent, run.dropped, run.error)
print(run.complete()["status"])
`);
    const [first, second] = out.split('\n');
    const [id, batches, dropped, error] = first!.split(' ');
    expect({ dropped, error, status: second }).toEqual({ dropped: '0', error: 'None', status: 'completed' });
    expect(Number(batches)).toBeGreaterThanOrEqual(10);
    expect(Number(batches)).toBeLessThan(200);
    const history = (await t.api('GET', `/api/v1/training/${id}/history?metric_name=loss`)).body;
    expect(history).toHaveLength(10_000);
    expect(history.map((point: { step: number }) => point.step)).toEqual(Array.from({ length: 10_000 }, (_, step) => step));
    expect((await t.api('GET', `/api/v1/training/${id}/status`)).body).toMatchObject({ state: 'completed', tracking_only: true, current_epoch: 9 });
  });

  it('drives runs from a CI script: start, wait with metrics, stop, and errors with the API detail', async () => {
    const out = await outside(`
import trainer_client as tc
client = tc.Client()
seen = []
run = client.start("ticker", {"epochs": 3, "interval_ms": 20})
status = client.wait(run, on_metrics=lambda record: seen.append(record["epoch"]), poll_s=0.1)
print(status["state"], seen, len(client.metrics(run)))
try:
    client.start("no-such-recipe")
except tc.TrainerError as error:
    print(error.status, error.detail)
long = client.start("ticker", {"epochs": 1000, "interval_ms": 100})
client.stop(long)
try:
    client.wait(long, poll_s=0.1)
except tc.RunFailed as error:
    print(error.status["state"])
`);
    const [done, refused, stopped] = out.split('\n');
    expect(done).toBe('completed [1, 2, 3] 3');
    expect(refused).toMatch(/^404 .*no-such-recipe/);
    expect(stopped).toBe('stopped');
  });

  it('is importable in a run with nothing installed; a SIGINT stop lets a KeyboardInterrupt handler save a checkpoint that is registered', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'py-sdk', params: { python: python.python, epochs: 3, hold_s: 120 }, start: true }))
      .body.session_id;
    const logs = async () => ((await t.api('GET', `/api/v1/training/${id}/logs?limit=1000`)).body as { message: string }[]).map((entry) => entry.message);
    await waitFor(async () => (await logs()).includes('trained; holding'), 'the script to hold', 60_000);
    const history = (await t.api('GET', `/api/v1/training/${id}/history?metric_name=loss`)).body;
    expect(history.map((point: { epoch: number }) => point.epoch)).toEqual([1, 2, 3]);
    expect((await logs())[1]).toBe(`run ${id}, resuming from None`);

    await t.api('POST', `/api/v1/training/${id}/stop`);
    expect(await waitForState(t.api, id, ['stopped', 'failed', 'completed'])).toMatchObject({ state: 'stopped', exit_code: 0 });
    expect(await logs()).toContain('saved on KeyboardInterrupt');
    expect((await logs()).some((line) => line.includes('Stop requested: SIGINT'))).toBe(true);
    const paths = await waitFor(async () => {
      const list = (await t.api('GET', `/api/v1/checkpoints?session_id=${id}`)).body.checkpoints.map(
        (checkpoint: { original_path: string }) => checkpoint.original_path,
      );
      return list.includes('ckpt/interrupted.pt') ? list : null;
    }, 'the checkpoint saved on KeyboardInterrupt');
    expect(paths).toContain('ckpt/epoch-3.pt');
  });
});
