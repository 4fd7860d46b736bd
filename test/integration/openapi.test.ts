import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_DOCS } from '../../dist/src/api/route-docs.js';
import { startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

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

  const operations = () => Object.entries(doc.paths).flatMap(([path, methods]: [string, any]) => Object.entries(methods).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, operation: operation as any })));

  it('documents every route the agent serves, and nothing it does not', () => {
    const served = operations().map((operation) => operation.key).sort();
    expect(served).toEqual(Object.keys(ROUTE_DOCS).sort());
    for (const { key, operation } of operations()) expect(operation.summary, key).not.toBe(key);
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
});
