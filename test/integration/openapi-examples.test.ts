import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../../dist/src/api/responses.js';
import { ROUTE_DOCS } from '../../dist/src/api/route-docs.js';
import { startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

/** Each example in the served document, checked against the very zod schema the route declares (and the suite validates answers with). */
describe('examples in the OpenAPI document', () => {
  let t: TestAgent;
  let doc: any;
  beforeAll(async () => {
    t = await startTestAgent();
    doc = await (await fetch(`${t.url}/openapi.json`)).json();
  });
  afterAll(async () => {
    await t.close();
  });

  const operationOf = (key: string) => {
    const [method, path] = key.split(' ') as [string, string];
    return doc.paths[path.replace(/:(\w+)/g, '{$1}')][method.toLowerCase()];
  };
  const problemsOf = (
    schema: { safeParse(value: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } },
    value: unknown,
  ) => {
    const result = schema.safeParse(value);
    return result.success ? [] : result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('runs its in-process agents with every answer checked against its schema (TRAINER_VALIDATE_RESPONSES, vitest.config.ts)', () => {
    expect(process.env.TRAINER_VALIDATE_RESPONSES).toBe('1');
    expect(t.agent.config.validateResponses).toBe(true);
  });

  it('gives every response that has a schema an example', () => {
    const missing: string[] = [];
    const visit = (where: string, responses: Record<string, any>) => {
      for (const [status, response] of Object.entries(responses)) {
        if (response.$ref) continue; // the shared error responses, checked below
        for (const [media, content] of Object.entries(response.content ?? {}) as [string, any][])
          if (content.schema && content.example === undefined) missing.push(`${where} ${status} ${media}`);
      }
    };
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>))
      for (const [method, operation] of Object.entries(methods)) visit(`${method.toUpperCase()} ${path}`, operation.responses);
    visit('components', doc.components.responses);
    expect(missing).toEqual([]);
  });

  it("has each JSON success example valid against its route's declared schema", () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const [key, route] of Object.entries(ROUTE_DOCS)) {
      for (const [status, schema] of Object.entries(route.responses ?? {})) {
        const example = operationOf(key).responses[status].content['application/json'].example;
        const problems = problemsOf(schema as never, example);
        checked += 1;
        if (problems.length > 0) wrong.push(`${key} ${status}: ${problems.join('; ')}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });

  it('has each error example valid as {detail, code}', () => {
    for (const [name, response] of Object.entries(doc.components.responses as Record<string, any>))
      expect(problemsOf(ErrorBody, response.content['application/json'].example), name).toEqual([]);
  });

  it("documents each stream's event names with their data schemas, and its example is one such event", () => {
    const streams = Object.entries(ROUTE_DOCS).filter(([, route]) => route.stream);
    expect(streams.map(([key]) => key).sort()).toEqual(['GET /api/jobs/:jobId/stream', 'GET /api/v1/sse/events', 'GET /api/v1/sse/training/:sessionId']);
    for (const [key, route] of streams) {
      const content = operationOf(key).responses['200'].content['text/event-stream'];
      const documented = content.schema.oneOf ?? [content.schema];
      expect(documented.map((event: any) => event.title).sort(), key).toEqual(Object.keys(route.events ?? {}).sort());
      for (const event of documented) expect(event.properties.data, `${key} ${event.title}`).toBeDefined();
      const example = content.example;
      expect(problemsOf(route.events![example.event ?? 'message']!.data as never, example.data), key).toEqual([]);
    }
    expect(
      operationOf('GET /api/v1/sse/events').responses['200'].content['text/event-stream'].schema.oneOf.map((event: any) => event.properties.event.const),
    ).toEqual(['status', 'metrics', 'log', 'alert', 'notification']);
  });
});
