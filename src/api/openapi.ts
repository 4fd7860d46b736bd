import type Router from '@koa/router';
import { z, type ZodType } from 'zod';
import { ROUTE_DOCS, type RouteDoc } from './route-docs.js';
import { openApiPath } from './route-template.js';

/** The routes the routers really serve, as `METHOD /path` keys. */
export function registeredRoutes(routers: readonly Router[]): string[] {
  const keys = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack) {
      for (const method of layer.methods) if (method !== 'HEAD') keys.add(`${method} ${layer.path}`);
    }
  }
  return [...keys].sort();
}

const jsonSchema = (schema: ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const ERROR = { description: 'Error', content: { 'application/json': { schema: { type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] } } } };

/** OpenAPI 3.1, built from the routers and the zod schemas that validate each request. */
export function buildOpenApi(routers: readonly Router[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const key of registeredRoutes(routers)) {
    const [method, path] = key.split(' ') as [string, string];
    const doc: RouteDoc = ROUTE_DOCS[key] ?? { summary: key, tag: 'other' };
    const templatePath = openApiPath(path);
    const parameters: unknown[] = [...path.matchAll(/:(\w+)/g)].map((match) => ({ name: match[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (doc.query) {
      const schema = jsonSchema(doc.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(schema.properties ?? {})) parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
    }
    const operation: Record<string, unknown> = {
      summary: doc.summary,
      tags: [doc.tag],
      parameters,
      responses: {
        [String(doc.status ?? 200)]: { description: 'Success', content: { [doc.stream ? 'text/event-stream' : doc.download ? 'application/octet-stream' : 'application/json']: doc.download ? { schema: { type: 'string', format: 'binary' } } : {} } },
        '4XX': ERROR,
      },
    };
    if (doc.public) operation.security = [];
    if (doc.upload) operation.requestBody = { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' }, description: { type: 'string' } }, required: ['file'] } } } };
    if (doc.body) operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(doc.body) } } };
    (paths[templatePath] ??= {})[method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'trainer agent API', version, description: "Seed 000's training contract, seed 001's sessions, streams and monitoring. Errors are {\"detail\": \"…\"}." },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
  };
}
