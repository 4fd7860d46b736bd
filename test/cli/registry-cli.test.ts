import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { cli, lines } from './cli-helpers.js';

// trainer models|datasets|checkpoints: the real CLI against a real agent. Not a TTY here, so no
// progress bar may reach stderr.
// each test runs the CLI up to 20 times, one Node start-up each: at a load of 20 on two cores that is
// 8–10 s a call, so the tests get 30 s a call
describe('trainer models, datasets and checkpoints', { timeout: 20 * 30_000 }, () => {
  let t: TestAgent;
  let work: string;
  const run = (...args: string[]) => cli(t.url, args);

  beforeAll(async () => {
    t = await startTestAgent();
    work = await mkdtemp(join(tmpdir(), 'trainer-registry-cli-'));
  });
  afterAll(async () => {
    await t.close();
    await removeDir(work);
  });

  it('uploads, lists, downloads and deletes a model, streamed both ways', async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 0);
    for (let index = 0; index < bytes.length; index++) bytes[index] = (index * 31) % 253;
    await writeFile(join(work, 'resnet.pth'), bytes);

    const uploaded = await run('models', 'upload', join(work, 'resnet.pth'));
    expect(uploaded).toMatchObject({ code: 0, stderr: '' });
    expect(uploaded.stdout).toMatch(/Model 'resnet' uploaded successfully \(3 MB, sha256 [0-9a-f]{12}\)/);
    const named = await run('models', 'upload', join(work, 'resnet.pth'), '--name', 'resnet-v2', '--json');
    expect(JSON.parse(named.stdout)).toMatchObject({ name: 'resnet-v2', size_bytes: bytes.length });

    const list = await run('models', 'list');
    expect(lines(list.stdout)[0]).toMatch(/^NAME\s+SIZE_MB\s+RUN\s+TAGS\s+CREATED$/);
    expect(list.stdout).toMatch(/resnet-v2\s+3/);
    expect(JSON.parse((await run('models', 'list', '--json')).stdout).map((model: any) => model.name)).toEqual(['resnet', 'resnet-v2']);

    expect((await run('models', 'tag', 'resnet-v2', 'production')).stdout).toContain("Model 'resnet-v2' tagged 'production'");
    expect(JSON.parse((await run('models', 'list', '--tag', 'production', '--json')).stdout).map((model: any) => model.name)).toEqual(['resnet-v2']);
    expect((await run('models', 'list', '--tag', 'production')).stdout).toMatch(/resnet-v2\s+3\s+-\s+production/);
    expect((await run('models', 'tag', 'resnet-v2', 'production', '--remove')).code).toBe(0);
    expect((await run('models', 'list', '--tag', 'production')).stdout).toContain("No model is tagged 'production'.");

    const saved = await cli(t.url, ['models', 'download', 'resnet-v2', '-o', work, '--json']);
    expect(saved).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(saved.stdout)).toEqual({ name: 'resnet-v2', path: join(work, 'resnet-v2.pth'), bytes: bytes.length });
    expect((await readFile(join(work, 'resnet-v2.pth'))).equals(bytes)).toBe(true);
    // no silent overwrite; --force replaces
    const again = await run('models', 'download', 'resnet-v2', '-o', join(work, 'resnet-v2.pth'));
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/already exists: use --force/);
    expect((await run('models', 'download', 'resnet-v2', '-o', join(work, 'resnet-v2.pth'), '--force')).code).toBe(0);

    expect((await run('models', 'download', 'nope', '-o', work)).code).toBe(4);
    expect((await run('models', 'rm', 'resnet')).stdout).toContain("Model 'resnet' deleted successfully");
    expect((await run('models', 'rm', 'resnet')).code).toBe(4);
    const duplicate = await run('models', 'upload', join(work, 'resnet.pth'), '--name', 'resnet-v2');
    expect(duplicate.code).toBe(5);
    expect((await run('models', 'upload', join(work, 'missing.pth'))).code).toBe(2);
  });

  it('uploads, shows, lists and deletes a dataset', async () => {
    await writeFile(join(work, 'iris.csv'), 'sepal,petal,label\n1,2,a\n3,4,b\n');
    const uploaded = await run('datasets', 'upload', join(work, 'iris.csv'), '--name', 'iris-csv', '-d', 'two flowers');
    expect(uploaded).toMatchObject({ code: 0, stderr: '' });
    expect(uploaded.stdout).toContain("Dataset 'iris-csv' uploaded successfully (csv, 2 rows × 3 columns");
    const shown = await run('datasets', 'show', 'iris-csv');
    expect(shown.stdout).toMatch(/columns:\s+sepal, petal, label/);
    expect(shown.stdout).toMatch(/description:\s+two flowers/);
    expect(JSON.parse((await run('datasets', 'show', 'iris-csv', '--json')).stdout)).toMatchObject({ name: 'iris-csv', row_count: 2 });
    expect((await run('datasets', 'list')).stdout).toMatch(/iris-csv\s+csv\s+2/);
    expect((await run('datasets', 'show', 'nope')).code).toBe(4);

    await writeFile(join(work, 'iris-more.csv'), 'sepal,petal,label\n1,2,a\n3,4,b\n5,6,c\n');
    expect((await run('datasets', 'upload', join(work, 'iris-more.csv'), '--name', 'iris-csv')).code).toBe(5);
    const second = await run('datasets', 'upload', join(work, 'iris-more.csv'), '--name', 'iris-csv', '--new-version', '--json');
    expect(JSON.parse(second.stdout)).toMatchObject({ versions: 2, row_count: 3 });
    const versions = lines((await run('datasets', 'versions', 'iris-csv')).stdout);
    expect(versions).toHaveLength(3);
    expect(versions[1]).toMatch(/^[0-9a-f]{12}\s+\*\s+0\s+3\s+iris-more.csv/);

    const tracked = await t.api('POST', '/api/v1/training/sessions', { tracking_only: true, params: { dataset_name: 'iris-csv' } });
    const status = await run('run', 'status', tracked.body.session_id);
    expect(status.stdout).toMatch(new RegExp(`^dataset version:\\s+${JSON.parse(second.stdout).version}$`, 'm'));
    expect(status.stdout).toMatch(/^tracking only:\s+yes/m);
    await t.api('POST', `/api/v1/training/${tracked.body.session_id}/complete`, {});
    expect((await run('datasets', 'rm', 'iris-csv')).stdout).toContain("Dataset 'iris-csv' deleted successfully");
  });

  it('uploads, lists, downloads and deletes checkpoints', async () => {
    const created = await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1, interval_ms: 5 }, start: true });
    const session = created.body.session_id;
    await waitForState(t.api, session, ['completed']);
    await writeFile(join(work, 'e1.pt'), 'epoch one');
    const uploaded = await run('checkpoints', 'upload', join(work, 'e1.pt'), '--session', session, '--epoch', '1', '--metrics', '{"val_loss": 0.4}', '--json');
    expect(uploaded.stderr).toBe('');
    const checkpoint = JSON.parse(uploaded.stdout);
    expect(checkpoint).toMatchObject({ session_id: session, epoch: 1, is_best: true, metric_value: 0.4 });

    const list = await run('checkpoints', 'list', '--session', session);
    expect(lines(list.stdout)[1]).toMatch(new RegExp(`^${checkpoint.checkpoint_id}\\s+${session}\\s+1\\s+val_loss=0.4\\s+\\*`));
    const saved = await run('checkpoints', 'download', checkpoint.checkpoint_id, '-o', join(work, 'best.pt'));
    expect(saved.code).toBe(0);
    expect(await readFile(join(work, 'best.pt'), 'utf8')).toBe('epoch one');

    expect((await run('checkpoints', 'upload', join(work, 'e1.pt'), '--session', 'sess_000000000000', '--epoch', '1')).code).toBe(4);
    const badMetrics = await run('checkpoints', 'upload', join(work, 'e1.pt'), '--session', session, '--epoch', '2', '--metrics', 'nope');
    expect(badMetrics.code).toBe(2);
    expect(badMetrics.stderr).toMatch(/metrics must be a JSON object/);
    expect((await run('checkpoints', 'rm', checkpoint.checkpoint_id)).stdout).toContain('Checkpoint deleted successfully');
    expect((await run('checkpoints', 'list', '--session', session)).stdout).toContain('No checkpoints.');
  });
});
