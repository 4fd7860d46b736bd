import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { validateResponses } from '../../dist/src/api/middleware/validate-responses.js';
import { RunStatus } from '../../dist/src/api/responses.js';
import { ROUTE_DOCS } from '../../dist/src/api/route-docs.js';
import { API_KEY, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

describe('API description', () => {
  let t: TestAgent;
  let doc: any;
  beforeAll(async () => {
    t = await startTestAgent();
    const response = await fetch(`${t.url}/openapi.json`);
    expect(response.status).toBe(200);
    doc = await response.json();
  });
  afterAll(async () => {
    await t.close();
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]: [string, any]) =>
      Object.entries(methods).map(([method, operation]) => ({
        key: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        operation: operation as any,
      })),
    );

  it('documents every route the agent serves, and nothing it does not', () => {
    const served = operations()
      .map((operation) => operation.key)
      .sort();
    expect(served).toEqual(Object.keys(ROUTE_DOCS).sort());
    for (const { key, operation } of operations()) expect(operation.summary, key).not.toBe(key);
  });

  it('documents the answers beside JSON: the leaderboard as CSV, a finished job stream 204, a full disk 507 on writes', async () => {
    const leaderboard = doc.paths['/api/v1/leaderboard'].get.responses['200'].content;
    expect(Object.keys(leaderboard).sort()).toEqual(['application/json', 'text/csv']);
    const csv = await fetch(`${t.url}/api/v1/leaderboard?metric=loss&format=csv`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    // the same columns as the example: rank, session, recipe, experiment, the metric, ended_at, then the params
    expect((await csv.text()).split('\n')[0]).toBe('rank,session_id,recipe,experiment_id,loss,ended_at');
    expect(leaderboard['text/csv'].example.split('\n')[0]).toMatch(/^rank,session_id,recipe,experiment_id,val_accuracy,ended_at,/);

    expect(doc.paths['/api/jobs/{jobId}/stream'].get.responses['204'].description).toMatch(/after the job ended/);
    for (const { key, operation } of operations()) {
      const writes = /^(POST|PUT|PATCH|DELETE) /.test(key) && operation.security?.length !== 0;
      if (writes) expect(operation.responses['507'], key).toEqual({ $ref: '#/components/responses/Error507' });
    }
    expect(doc.components.responses.Error507.content['application/json'].example.code).toBe('insufficient_storage');
  });

  it("declares the every-run stream's query and refuses what is not in it", async () => {
    const parameters = doc.paths['/api/v1/sse/events'].get.parameters.map((parameter: { name: string; in: string }) => `${parameter.in} ${parameter.name}`);
    expect(parameters).toContain('query logs');
    const refused = await fetch(`${t.url}/api/v1/sse/events?logs=maybe`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(refused.status).toBe(422);
    expect((await refused.json()).code).toBe('validation_failed');
  });

  it('describes request bodies and query parameters from the validating schemas', () => {
    const start = doc.paths['/api/v1/training/start'].post.requestBody.content['application/json'].schema;
    expect(start.properties.learning_rate).toMatchObject({ type: 'number', minimum: 0.0001, maximum: 1 });
    expect(start.properties.batch_size).toMatchObject({ type: 'integer', minimum: 1, maximum: 256 });
    expect(start.properties.optimizer.enum).toEqual(['adam', 'sgd', 'rmsprop', 'adamw']);
    expect(start.required).toEqual(expect.arrayContaining(['model_architecture', 'dataset_name', 'learning_rate', 'batch_size', 'epochs']));
    const list = doc.paths['/api/v1/training/sessions'].get.parameters.map((parameter: { name: string }) => parameter.name);
    expect(list).toEqual(expect.arrayContaining(['limit', 'offset', 'status']));
    expect(doc.paths['/health'].get.security).toEqual([]);
  });

  it('serves Swagger UI without a key and without a CDN', async () => {
    const page = await fetch(`${t.url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/openapi.json');
    const bundle = await fetch(`${t.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await fetch(`${t.url}/docs/..%2Fpackage.json`)).status).toBe(404);
  });

  it('names every operation (stable, unique camelCase operationIds) under a declared tag, with the scope it needs', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/v1/training/{sessionId}/status'].get.operationId).toBe('getTrainingStatus');
    const declared = doc.tags.map((tag: { name: string; description: string }) => tag.name);
    for (const tag of doc.tags) expect(tag.description.length).toBeGreaterThan(10);
    for (const { key, operation } of operations()) {
      expect(declared, key).toContain(operation.tags[0]);
      if (operation.security.length === 0) continue;
      const scope = Object.values(operation.security[0] as Record<string, string[]>)[0]![0];
      expect(operation.description, key).toContain(`\`${scope}\``);
      expect(Object.keys(operation.responses), key).toEqual(expect.arrayContaining(['401', '403', '429']));
    }
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer', 'streamKey']);
    expect(doc.paths['/api/v1/sse/events'].get.security).toContainEqual({ streamKey: ['read'] });
    expect(doc.paths['/api/v1/keys'].post.security).toContainEqual({ bearer: ['admin'] });
  });

  it('describes each error status as {detail, code} with an example, and the media type of every non-JSON answer', () => {
    expect(doc.components.schemas.Error.required).toEqual(['detail', 'code']);
    expect(doc.components.schemas.Error.properties.code.enum).toEqual(
      expect.arrayContaining(['run_not_found', 'invalid_state', 'validation_failed', 'scope_insufficient', 'rate_limited']),
    );
    for (const [name, response] of Object.entries(doc.components.responses as Record<string, any>))
      expect(response.content['application/json'].example.code, name).toMatch(/^[a-z_]+$/);
    expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain; version=0.0.4']);
    expect(Object.keys(doc.paths['/docs'].get.responses['200'].content)).toEqual(['text/html']);
    expect(Object.keys(doc.paths['/api/v1/sse/training/{sessionId}'].get.responses['200'].content)).toEqual(['text/event-stream']);
    expect(Object.keys(doc.paths['/api/v1/models/{name}'].get.responses['200'].content)).toEqual(['application/octet-stream']);
    expect(Object.keys(doc.paths['/api/v1/models'].post.requestBody.content)).toEqual(['multipart/form-data']);
  });

  it('gives seed 000 and 001 answers their schemas, field names as the seeds wrote them', () => {
    const ref = (path: string, method: string, status = '200') => doc.paths[path][method].responses[status].content['application/json'].schema;
    expect(ref('/api/v1/training/{sessionId}/status', 'get')).toEqual({ $ref: '#/components/schemas/RunStatus' });
    const status = doc.components.schemas.RunStatus;
    expect(status.required).toEqual(
      expect.arrayContaining(['session_id', 'state', 'current_epoch', 'total_epochs', 'start_time', 'end_time', 'error_message']),
    );
    expect(status.properties.state.description).toMatch(/`status`/);
    expect(ref('/api/v1/training/start', 'post')).toEqual({ $ref: '#/components/schemas/StartedSession' });
    expect(ref('/api/v1/training/sessions', 'post', '201')).toEqual({ $ref: '#/components/schemas/CreatedSession' });
    expect(ref('/api/v1/training/sessions', 'get')).toEqual({ type: 'array', items: { $ref: '#/components/schemas/SessionSummary' } });
    expect(ref('/api/v1/checkpoints', 'get').properties.checkpoints.items).toEqual({ $ref: '#/components/schemas/Checkpoint' });
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g)!;
    for (const target of refs) expect(doc.components.schemas, target).toHaveProperty(target.split('/').at(-1)!);
  });

  it("gives seed 004's jobs, the machine, catalog and seed 002 answers their schemas", () => {
    const ref = (path: string, method: string, status = '200') => doc.paths[path][method].responses[status].content['application/json'].schema;
    expect(ref('/api/jobs', 'post', '201')).toEqual({ $ref: '#/components/schemas/JobCreated' });
    expect(ref('/api/jobs', 'get')).toEqual({ type: 'array', items: { $ref: '#/components/schemas/Job' } });
    expect(doc.components.schemas.Job.properties.status.enum).toEqual(['pending', 'running', 'completed', 'failed', 'cancelled']);
    expect(ref('/api/v1/system/info', 'get')).toEqual({ $ref: '#/components/schemas/SystemInfo' });
    expect(ref('/api/v1/gpus', 'get')).toEqual({ type: 'array', items: { $ref: '#/components/schemas/Gpu' } });
    expect(ref('/api/v1/health', 'get')).toEqual({ $ref: '#/components/schemas/HealthDetail' });
    expect(ref('/api/v1/recipes/{name}', 'get')).toEqual({ $ref: '#/components/schemas/Recipe' });
    expect(ref('/api/v1/leaderboard', 'get')).toEqual({ $ref: '#/components/schemas/Leaderboard' });
    expect(ref('/api/v1/metrics/{sessionId}', 'post')).toEqual({ $ref: '#/components/schemas/LoggedMetric' });
    expect(ref('/api/v1/training/sessions/{sessionId}', 'delete')).toEqual({ $ref: '#/components/schemas/DeletedSession' });
    expect(ref('/openapi.json', 'get')).toEqual({ $ref: '#/components/schemas/OpenApiDocument' });
  });

  it("is what every agent the suite starts checks its answers against (the suite's TRAINER_VALIDATE_RESPONSES reaches agents in the test process)", () => {
    expect(process.env.TRAINER_VALIDATE_RESPONSES).toBe('1');
    expect(t.agent.config.validateResponses).toBe(true);
  });

  it('is served as JSON and YAML at /openapi.* and /api/v1/openapi.*, the same document', async () => {
    expect(await (await fetch(`${t.url}/api/v1/openapi.json`)).json()).toEqual(doc);
    for (const path of ['/openapi.yaml', '/api/v1/openapi.yaml']) {
      const response = await fetch(t.url + path);
      expect(response.headers.get('content-type')).toMatch(/^application\/yaml/);
      expect(parseYaml(await response.text())).toEqual(doc);
    }
  });

  it('in test mode, an answer that does not match its declared schema becomes a 500 naming the field', async () => {
    const errors: unknown[] = [];
    const check = validateResponses({ error: (...args: unknown[]) => errors.push(args), warn() {}, info() {}, debug() {} } as never);
    const ctx: any = {
      method: 'GET',
      path: '/api/v1/training/x/status',
      status: 200,
      body: { session_id: 'x', status: 'running' },
      state: { route: { key: 'GET /api/v1/training/:sessionId/status', doc: { responses: { 200: RunStatus } } } },
    };
    await check(ctx, async () => {});
    expect(ctx.status).toBe(500);
    expect(ctx.body.detail).toMatch(/does not match its contract.*state/);
    expect(errors).toHaveLength(1);
    const error: any = { method: 'GET', path: '/x', status: 404, body: { detail: 'gone' }, state: {} };
    await check(error, async () => {});
    expect(error.body.detail).toMatch(/code/);
  });
});
