import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { cli, lines, spawnCli } from './cli-helpers.js';

// The real `trainer` binary, as a child process, against a real agent with the fixture recipes.
// One run at a time (MAX_CONCURRENT_SESSIONS=1): each test ends the runs it starts.
describe('trainer CLI', () => {
  let t: TestAgent;
  const trainer = (...args: string[]) => cli(t.url, args);

  beforeAll(async () => {
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('--help lists the commands', async () => {
    const [root, run] = await Promise.all([trainer('--help'), trainer('run', '--help')]);
    expect(root.code).toBe(0);
    for (const name of ['agent', 'queue', 'recipes', 'run']) expect(root.stdout).toMatch(new RegExp(`^\\s+${name}\\s`, 'm'));
    expect(run.code).toBe(0);
    for (const verb of ['start', 'stop', 'status', 'logs', 'metrics', 'list']) expect(run.stdout).toContain(`run ${verb}`);
  });

  it('run start --wait follows a run to completion, a line per epoch, and exits 0', async () => {
    const result = await trainer('run', 'start', 'ticker', '-p', 'epochs=3', '-p', 'interval_ms=100', '--wait', '--poll-interval', '50');
    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    const id = out[0]!.match(/^(sess_[0-9a-f]{12}) (running|queued)/)?.[1];
    expect(id, result.stdout).toBeDefined();
    const progress = out.filter((line) => line.startsWith('epoch '));
    const epochs = progress.map((line) => Number(line.match(/^epoch (\d+)\/3 {2}loss /)?.[1]));
    expect(epochs.length).toBeGreaterThan(0);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b)); // one line per new epoch, in order
    expect(new Set(epochs).size).toBe(epochs.length);
    expect(progress.at(-1)).toBe('epoch 3/3  loss 0.3333  accuracy 0.75');
    expect(out.at(-1)).toBe(`${id} completed at epoch 3/3`);

    // the finished run, seen through status and metrics
    const [status, metrics, history] = await Promise.all([
      trainer('run', 'status', id!),
      trainer('run', 'metrics', id!),
      trainer('run', 'metrics', id!, '--history'),
    ]);
    expect(status.stdout).toMatch(/^state:\s+completed$/m);
    expect(status.stdout).toMatch(/^epoch:\s+3\/3$/m);
    expect(status.stdout).toMatch(/^progress:\s+100% \[#{20}\]$/m);
    expect(status.stdout).toMatch(/^exit code:\s+0$/m);
    expect(status.stdout).toMatch(/^started:\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/m);
    expect(metrics.stdout).toMatch(/^epoch:\s+3$/m);
    expect(metrics.stdout).toMatch(/^loss:\s+0.3333$/m);
    expect(lines(history.stdout)[0]).toMatch(/^epoch\s+loss\s+accuracy\s+timestamp$/);
    expect(
      lines(history.stdout)
        .slice(1)
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual(['1', '2', '3']);
  });

  it('run status shows the progress of a run with no epochs, from the progress bar it draws', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'progress-bar', params: { n: 45 }, start: true })).body.session_id as string;
    try {
      await waitFor(async () => (await t.api('GET', `/api/v1/training/${id}/status`)).body.progress === 0.45, 'the bar at 45/100');
      const status = await trainer('run', 'status', id);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/^progress:\s+45% \[#########-----------\]$/m);
    } finally {
      await t.api('POST', `/api/v1/training/${id}/stop`);
    }
  });

  it('run start --wait of a failing run exits non-zero with the run’s error', async () => {
    const result = await trainer('run', 'start', 'ticker', '-p', 'epochs=2', '-p', 'interval_ms=20', '-p', 'exit_code=3', '--wait', '--poll-interval', '50');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: run sess_[0-9a-f]{12} failed: .*code 3/m);
    expect(result.stderr).toContain('ticker failing on purpose');
  });

  it('--json prints JSON: the created run, the final status with --wait (and a failure still exits non-zero)', async () => {
    const [created, waited, failed] = [
      await trainer('run', 'start', 'ticker', '-p', 'epochs=1', '-p', 'interval_ms=10', '--json'),
      await trainer('run', 'start', 'ticker', '-p', 'epochs=2', '-p', 'interval_ms=10', '--wait', '--json', '--poll-interval', '50'),
      await trainer('run', 'start', 'ticker', '-p', 'epochs=1', '-p', 'interval_ms=10', '-p', 'exit_code=4', '--wait', '--json', '--poll-interval', '50'),
    ];
    expect(created.code).toBe(0);
    const createdBody = JSON.parse(created.stdout);
    expect(createdBody).toMatchObject({ session_id: expect.stringMatching(/^sess_/), recipe: 'ticker', config: { epochs: 1, interval_ms: 10, exit_code: 0 } });
    expect(['queued', 'running']).toContain(createdBody.status);

    expect(waited.code, waited.stderr).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ state: 'completed', current_epoch: 2, total_epochs: 2, exit_code: 0 });

    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ state: 'failed', exit_code: 4, error_message: expect.stringContaining('code 4') });

    const [status, list, queue, recipes, metrics, logs] = await Promise.all([
      trainer('run', 'status', createdBody.session_id, '--json'),
      trainer('run', 'list', '--json', '--limit', '2'),
      trainer('queue', '--json'),
      trainer('recipes', '--json'),
      trainer('run', 'metrics', createdBody.session_id, '--history', '--json'),
      trainer('run', 'logs', createdBody.session_id, '--json'),
    ]);
    expect(JSON.parse(status.stdout)).toMatchObject({ session_id: createdBody.session_id, recipe: 'ticker' });
    const page = JSON.parse(list.stdout);
    expect(page.sessions).toHaveLength(2);
    expect(page.total).toBeGreaterThanOrEqual(3);
    expect(Array.isArray(JSON.parse(queue.stdout))).toBe(true);
    expect(JSON.parse(recipes.stdout).find((recipe: { default: boolean }) => recipe.default)).toMatchObject({ name: 'tfjs' });
    expect(Array.isArray(JSON.parse(metrics.stdout))).toBe(true);
    expect(Array.isArray(JSON.parse(logs.stdout))).toBe(true);
  });

  it('bad parameters: the server’s detail on one line and exit 2; -p without "=" is refused before any request', async () => {
    const runsBefore = (await t.api('GET', '/api/v1/training/sessions')).headers.get('x-total-count');
    const [badValue, noEquals, unknownParam, badFlag] = await Promise.all([
      trainer('run', 'start', 'ticker', '-p', 'epochs=abc'),
      trainer('run', 'start', 'ticker', '-p', 'epochs'),
      trainer('run', 'start', 'ticker', '-p', 'nope=1'),
      trainer('run', 'start', 'ticker', '--priority', '1000'),
    ]);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr.trim()).toBe(`Error: parameter 'epochs' must be a number (decimal notation), got "abc"`);
    expect(noEquals.code).toBe(2);
    expect(noEquals.stderr).toMatch(/-p "epochs" is not key=value/);
    expect(unknownParam.code).toBe(2);
    expect(unknownParam.stderr).toContain("unknown parameter 'nope'");
    expect(badFlag.code).toBe(2);
    expect((await t.api('GET', '/api/v1/training/sessions')).headers.get('x-total-count')).toBe(runsBefore); // none created a run
  });

  it('unknown sessions and recipes exit 4 with the server’s detail; --json gives a JSON error', async () => {
    const [status, stop, logs, recipe, json] = await Promise.all([
      trainer('run', 'status', 'sess_000000000000'),
      trainer('run', 'stop', 'sess_000000000000'),
      trainer('run', 'logs', 'sess_000000000000'),
      trainer('run', 'start', 'no-such-recipe'),
      trainer('run', 'status', 'sess_000000000000', '--json'),
    ]);
    for (const result of [status, stop, logs]) {
      expect(result.code).toBe(4);
      expect(result.stderr.trim()).toBe("Error: Session 'sess_000000000000' not found");
    }
    expect(recipe.code).toBe(4);
    expect(recipe.stderr).toContain('no-such-recipe');
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toEqual({ error: { message: "Session 'sess_000000000000' not found", exit: 4 } });
  });

  it('a wrong API key exits 3; an unreachable agent exits 6 and says how to point at one', async () => {
    const [wrongKey, badPort, refused] = await Promise.all([
      cli(t.url, ['run', 'list'], { TRAINER_API_KEY: 'wrong' }),
      cli(t.url, ['run', 'list', '--url', 'http://127.0.0.1:1']),
      cli('http://127.0.0.1:9', ['queue']),
    ]);
    expect(wrongKey.code).toBe(3);
    for (const result of [badPort, refused]) {
      expect(result.code).toBe(6);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(/Cannot reach the agent at http:\/\/127\.0\.0\.1:\d+ .*--url or TRAINER_URL/);
    }
  });

  it('run logs --follow prints lines as they come until the run ends, then exits 0', async () => {
    const started = await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 100000, interval_ms: 50 }, start: true });
    expect(started.status).toBe(201);
    const id = started.body.session_id;
    const follower = spawnCli(t.url, ['run', 'logs', id, '--follow', '--limit', '1', '--poll-interval', '50']);
    try {
      // more lines than the first page's one: it is following
      await waitFor(() => lines(follower.stdout()).length >= 4, 'the follower to print new lines');
      expect((await t.api('POST', `/api/v1/training/${id}/stop`)).status).toBe(200);
      const result = await follower.done;
      expect(result.code, result.stderr).toBe(0);
      expect((await t.api('GET', `/api/v1/training/${id}/status`)).body.state).toBe('stopped');

      // what it printed is the end of the log, each line once, up to the very last one
      const out = lines(result.stdout);
      for (const line of out) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z [A-Z]+ /);
      const log = (await t.api('GET', `/api/v1/training/${id}/logs?limit=10000`)).body.map(
        (entry: { timestamp: string; level: string; message: string }) => `${entry.timestamp} ${entry.level} ${entry.message}`,
      );
      expect(out).toEqual(log.slice(log.length - out.length));

      // without --follow: the last N lines
      const tail = await trainer('run', 'logs', id, '--limit', '2');
      expect(lines(tail.stdout)).toEqual(log.slice(-2));
    } finally {
      follower.kill();
    }
  });

  it('queue, run list, status and stop show and end running and queued runs', async () => {
    const blocker = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 100000, interval_ms: 50 }, start: true })).body
      .session_id;
    await waitForState(t.api, blocker, ['running']);
    await waitFor(async () => (await t.api('GET', `/api/v1/training/${blocker}/status`)).body.current_epoch >= 1, 'a first epoch');

    const queued = await trainer('run', 'start', 'ticker', '-p', 'epochs=1', '--priority', '5', '--name', 'waits', '--gpus', '0');
    expect(queued.code, queued.stderr).toBe(0);
    const [, waiting] = queued.stdout.match(/^(sess_[0-9a-f]{12}) queued \(queue position 1\)$/m) ?? [];
    expect(waiting, queued.stdout).toBeDefined();

    const [queue, list, listQueued, status, metrics] = await Promise.all([
      trainer('queue'),
      trainer('run', 'list'),
      trainer('run', 'list', '--state', 'queued'),
      trainer('run', 'status', blocker),
      trainer('run', 'metrics', blocker),
    ]);
    const queueLines = lines(queue.stdout);
    expect(queueLines[0]).toMatch(/^POSITION\s+ID\s+RECIPE\s+PRIORITY\s+GPUS\s+QUEUED$/);
    expect(queueLines[1]).toMatch(new RegExp(`^1\\s+${waiting}\\s+ticker\\s+5\\s+0\\s+\\d{4}-`));

    const listLines = lines(list.stdout);
    expect(listLines[0]).toMatch(/^ID\s+RECIPE\s+STATE\s+EPOCH\s+CREATED\s+NAME$/);
    expect(listLines[1]).toMatch(new RegExp(`^${waiting}\\s+ticker\\s+queued\\s+0/1\\s+\\S+ \\S+\\s+waits$`));
    expect(listLines[2]).toMatch(new RegExp(`^${blocker}\\s+ticker\\s+running\\s+\\d+/100000\\s`));
    const total = (await t.api('GET', '/api/v1/training/sessions')).headers.get('x-total-count');
    expect(listLines.at(-1)).toBe(`${listLines.length - 2} of ${total} runs`);
    expect(lines(listQueued.stdout).at(-1)).toBe('1 of 1 queued run');

    expect(status.stdout).toMatch(/^state:\s+running$/m);
    expect(status.stdout).toMatch(/^epoch:\s+\d+\/100000$/m);
    expect(metrics.stdout).toMatch(/^loss:\s+[\d.]+$/m);

    const cancelled = await trainer('run', 'stop', waiting!);
    expect(cancelled.stdout.trim()).toBe(`Training session ${waiting} cancelled successfully`);
    const stopped = await trainer('run', 'stop', blocker);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`Training session ${blocker}`);
    await waitForState(t.api, blocker, ['stopped']);
    expect(lines((await trainer('queue')).stdout)).toEqual(['The queue is empty.']);

    const again = await trainer('run', 'stop', blocker);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/already stopped/);
  });

  it('recipes lists names, backends, the default and parameters', async () => {
    const result = await trainer('recipes');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}demo-mlp {2}\[process\] {2}Train a small neural network/m);
    expect(result.stdout).toMatch(/^\* tfjs {2}\[process\] {2}Train mlp, cnn or resnet-mini/m);
    expect(result.stdout).toMatch(/^ {2}ticker {2}\[process\] {2}Prints a metric line per epoch/m);
    expect(result.stdout).toMatch(/^\s+interval_ms\s+int 1\.\.60000\s+100\b/m);
    expect(result.stdout).toMatch(/^\s+optimizer\s+adam\|sgd\|rmsprop\|adamw\s+adam\b/m);
  });
});
