import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

// Every malformed request gets a 4xx with a `detail`, and the agent keeps serving.
describe('bad input', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  const valid = { model_architecture: 'mlp', dataset_name: 'spirals', learning_rate: 0.01, batch_size: 32, epochs: 1 };

  async function expectClientError(response: { status: number; body: any }, status: number, detail?: RegExp) {
    expect(response.status).toBe(status);
    expect(typeof response.body.detail).toBe('string');
    if (detail) expect(response.body.detail).toMatch(detail);
    expect((await t.api('GET', '/health')).status).toBe(200);
  }

  it('refuses requests without a key or with a wrong one, by either header', async () => {
    const paths = ['/api/v1/training/sessions', '/api/v1/training/queue', '/api/v1/datasets', '/api/v1/training/sess_000000000000/status'];
    for (const path of paths) {
      const none = await fetch(t.url + path);
      expect(none.status).toBe(401);
      expect((await none.json()).detail).toMatch(/Missing API key/);
      const wrongBearer = await request(t.url, 'GET', path, undefined, { authorization: 'Bearer nope' });
      await expectClientError(wrongBearer, 401, /Invalid API key/);
      const wrongHeader = await fetch(t.url + path, { headers: { 'x-api-key': 'test-key-1x' } });
      expect(wrongHeader.status).toBe(401);
    }
    const byHeader = await fetch(t.url + '/api/v1/training/queue', { headers: { 'x-api-key': 'test-key-1' } });
    expect(byHeader.status).toBe(200);
    const malformedAuthorization = await request(t.url, 'GET', '/api/v1/training/queue', undefined, { authorization: 'Basic dGVzdA==' });
    await expectClientError(malformedAuthorization, 401);
  });

  it('a method no route implements (PROPFIND, PURGE) is a 405, not the router’s 501 turned into a 500', async () => {
    for (const method of ['PROPFIND', 'PURGE']) {
      const response = await request(t.url, method, '/api/v1/training/sessions');
      await expectClientError(response, 405, /not allowed/i);
      expect(response.body.code).toBe('method_not_allowed');
    }
  });

  it('answers bad JSON, wrong content types and huge bodies with 4xx', async () => {
    await expectClientError(await t.api('POST', '/api/v1/training/start', '{"model_architecture": '), 400, /not valid JSON/);
    await expectClientError(await t.api('POST', '/api/v1/training/start', 'null'), 400);
    await expectClientError(await t.api('POST', '/api/v1/training/start', '[1,2]'), 422);
    await expectClientError(await t.api('POST', '/api/v1/training/start', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, /send JSON/);
    const huge = JSON.stringify({ ...valid, session_name: 'x'.repeat(2 * 1024 * 1024) });
    await expectClientError(await t.api('POST', '/api/v1/training/start', huge), 413, /too large/);
  });

  it('validates every field of the start body with 422 and a detail naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...valid, learning_rate: 0 }, /learning_rate/],
      [{ ...valid, learning_rate: 1.5 }, /learning_rate/],
      [{ ...valid, learning_rate: '0.01' }, /learning_rate/],
      [{ ...valid, batch_size: 0 }, /batch_size/],
      [{ ...valid, batch_size: 257 }, /batch_size/],
      [{ ...valid, batch_size: 3.5 }, /batch_size/],
      [{ ...valid, epochs: 0 }, /epochs/],
      [{ ...valid, epochs: 1001 }, /epochs/],
      [{ ...valid, optimizer: 'adagrad' }, /optimizer/],
      [{ ...valid, loss_function: 'hinge' }, /loss_function/],
      [{ ...valid, model_architecture: undefined }, /model_architecture/],
      [{ ...valid, model_architecture: 'resnet50' }, /model_architecture.*mlp, linear/],
      [{ ...valid, model_architecture: '' }, /model_architecture/],
      [{ ...valid, dataset_name: 'a\u0000b' }, /dataset_name/],
      [{ ...valid, unexpected: 1 }, /unexpected|Unrecognized/i],
      [{ ...valid, priority: 1000 }, /priority/],
      [{ ...valid, gpus: -1 }, /gpus/],
      [{ ...valid, recipe: 'no-such-recipe' }, /Recipe 'no-such-recipe' not found/],
    ];
    for (const [body, detail] of cases) {
      const response = await t.api('POST', '/api/v1/training/start', body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body.detail).toMatch(detail);
    }
    expect((await t.api('GET', '/api/v1/training/sessions')).body).toEqual([]);
  });

  it('an unknown dataset is a 404, and nothing is queued', async () => {
    await expectClientError(await t.api('POST', '/api/v1/training/start', { ...valid, dataset_name: 'cifar10' }), 404, /Dataset 'cifar10' not found/);
    await expectClientError(await t.api('GET', '/api/v1/datasets/cifar10'), 404);
    expect((await t.api('GET', '/api/v1/training/sessions')).headers.get('x-total-count')).toBe('0');
  });

  it('asking for more GPUs than the machine has is refused at submission with 422', async () => {
    await expectClientError(await t.api('POST', '/api/v1/training/start', { ...valid, gpus: 1 }), 422, /asks for 1 GPU, but this machine has 0/);
  });

  it('validates list and log query parameters', async () => {
    for (const query of ['limit=0', 'limit=abc', 'limit=100000', 'offset=-1', 'status=sleeping']) {
      await expectClientError(await t.api('GET', `/api/v1/training/sessions?${query}`), 422);
    }
    await expectClientError(await t.api('GET', '/api/v1/training/sess_000000000000/logs?limit=-5'), 422);
  });

  it('validates recipe parameters given as strings (CLI and chat) and as JSON', async () => {
    const create = (params: Record<string, unknown>) => t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params });
    await expectClientError(await create({ epochs: 'abc' }), 422, /parameter 'epochs' must be a number/);
    await expectClientError(await create({ epochs: '0' }), 422, /at least 1/);
    await expectClientError(await create({ epochs: 2.5 }), 422, /integer/);
    await expectClientError(await create({ bogus: 1 }), 422, /unknown parameter 'bogus'/);
    await expectClientError(await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: { nested: true } } }), 422);
    await expectClientError(await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', config_path: 'x.yaml' }), 422, /either config_path or recipe/);
  });

  it('unknown routes and methods answer with a detail', async () => {
    await expectClientError(await t.api('GET', '/api/v1/nothing-here'), 404);
    await expectClientError(await t.api('PUT', '/api/v1/training/start', valid), 405);
  });

  it('illegal transitions are 409 with the state in the detail', async () => {
    const created = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1, interval_ms: 1 } })).body.session_id;
    await t.api('DELETE', `/api/v1/training/queue/${created}`);
    await expectClientError(await t.api('POST', `/api/v1/training/sessions/${created}/start`), 409, /it is cancelled/);
    await expectClientError(await t.api('DELETE', `/api/v1/training/queue/${created}`), 409, /it is cancelled/);
  });
});
