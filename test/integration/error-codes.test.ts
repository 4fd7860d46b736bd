import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/cli-helpers.js';
import { request, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

describe('error bodies carry a code that clients decide on', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('names what went wrong, with seed 000’s detail kept', async () => {
    const missing = await t.api('GET', '/api/v1/training/sess_missing/status');
    expect(missing).toMatchObject({ status: 404, body: { detail: "Session 'sess_missing' not found", code: 'run_not_found' } });
    expect((await t.api('GET', '/api/v1/models/nothing-here')).body).toMatchObject({ code: 'not_found' });
    expect((await t.api('GET', '/api/v1/no-such-route')).body).toMatchObject({ code: 'not_found' });
    expect((await t.api('PUT', '/api/v1/keys')).body).toMatchObject({ code: 'method_not_allowed' });
    expect((await t.api('POST', '/api/v1/training/start', { epochs: -1 })).body).toMatchObject({ code: 'validation_failed' });
    expect((await t.api('POST', '/api/v1/training/start', '{not json')).body).toMatchObject({ code: 'bad_request' });
    expect((await t.api('POST', '/api/v1/training/start', 'x', { 'content-type': 'text/plain' })).body).toMatchObject({ code: 'unsupported_media_type' });
    expect((await t.api('GET', '/api/v1/training/sessions', undefined, { authorization: '' })).body).toMatchObject({ code: 'unauthenticated' });
    const read = (await t.api('POST', '/api/v1/keys', { name: 'reader', scope: 'read' })).body.key;
    expect((await request(t.url, 'DELETE', '/api/v1/notifications', undefined, { authorization: `Bearer ${read}` })).body).toMatchObject({
      code: 'scope_insufficient',
    });

    const run = (await t.api('POST', '/api/v1/training/sessions', { tracking_only: true })).body;
    expect((await t.api('POST', `/api/v1/training/${run.session_id}/complete`, {})).status).toBe(200);
    const stopped = await t.api('POST', `/api/v1/training/${run.session_id}/stop`);
    expect(stopped).toMatchObject({ status: 409, body: { code: 'invalid_state' } });
  });

  it('the CLI exits by the code: over the rate limit is 7, a missing run 4, a finished one 5', async () => {
    const limited = await startTestAgent({ env: { TRAINER_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      expect((await cli(limited.url, ['run', 'status', 'sess_missing'])).code).toBe(4);
      expect((await limited.api('GET', '/api/v1/training/sessions')).status).toBe(200);
      const refused = await cli(limited.url, ['run', 'status', 'sess_missing']);
      expect(refused.stderr).toMatch(/Rate limit/);
      expect(refused.code).toBe(7);
    } finally {
      await limited.close();
    }
    const run = (await t.api('POST', '/api/v1/training/sessions', { tracking_only: true })).body;
    await t.api('POST', `/api/v1/training/${run.session_id}/complete`, {});
    expect((await cli(t.url, ['run', 'stop', run.session_id])).code).toBe(5);
  });
});
