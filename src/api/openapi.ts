import type Router from '@koa/router';
import { z, type ZodType } from 'zod';
import { ErrorBody } from './responses.js';
import { exampleOf } from './openapi-examples.js';
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

/** Every tag an operation may carry, with what it groups. */
export const TAGS: Record<string, string> = {
  health: 'Liveness, version, Prometheus metrics and this description',
  training: "Runs (seed 000 calls them training sessions): start, stop, status, queue, logs; seed 001's session views",
  metrics: "A run's metrics: latest, history, summary, and metrics a client logs into it",
  streams: 'Server-Sent Events of runs (WebSocket streams at /api/v1/ws/… carry the same events)',
  checkpoints: 'Checkpoints of runs (seed 001)',
  models: 'The model registry (seed 000) and its tags (seed 004)',
  datasets: 'Datasets: built in, uploaded, versioned (seed 000, seed 004)',
  recipes: 'What runs can be started with, and the TF.js architectures',
  system: 'CPU, memory, disk and GPUs of the agent machine',
  experiments: 'Experiments grouping runs, and the leaderboard',
  config: 'Runtime settings, run slots and the audit log',
  keys: 'API keys and their scopes (admin)',
  alerts: 'Alerts, alert rules and silences (seed 001)',
  notifications: 'The notification inbox and deliveries to Slack, Discord, webhooks and logs',
  webhooks: 'Signed webhooks (seed 001) and their deliveries',
  schedules: 'Recurring runs on a cron schedule',
  hpo: 'Hyperparameter studies whose trials are runs (seed 004)',
  jobs: "Seed 004's job API: ad-hoc commands (exec scope) and a job view of every run",
};

/** The leaderboard as CSV (`format=csv`): a header, then one row per run, its params as the last columns. */
const CSV_EXAMPLE = 'rank,session_id,recipe,experiment_id,val_accuracy,ended_at,learning_rate\n1,sess_0123456789ab,tfjs,,0.93,2026-12-07T04:00:00.000Z,0.001\n';

const ERROR_RESPONSES: Record<number, { description: string; code: string; detail: string }> = {
  400: {
    description: 'The request cannot be read (not JSON, a bad multipart body)',
    code: 'bad_request',
    detail: 'Request body is not valid JSON: Unexpected token',
  },
  401: {
    description: 'No API key, or not a valid one',
    code: 'unauthenticated',
    detail: 'Missing API key: send Authorization: Bearer <key> or X-API-Key: <key>',
  },
  403: {
    description: "The key's scope does not allow this route",
    code: 'scope_insufficient',
    detail: "This API key ('ci') has scope 'read'; POST /api/v1/training/start needs 'write'",
  },
  404: { description: 'No such run, model, dataset, …', code: 'not_found', detail: "Session 'sess_0123456789ab' not found" },
  409: {
    description: 'It exists, but its state does not allow this (`invalid_state`), or the name is taken (`conflict`)',
    code: 'invalid_state',
    detail: 'Cannot stop session sess_0123456789ab: it is already completed',
  },
  413: { description: 'The body is over the limit', code: 'payload_too_large', detail: 'Request body too large (limit 1024 KiB)' },
  415: {
    description: 'The body is not in the media type this route takes',
    code: 'unsupported_media_type',
    detail: "Unsupported content type 'text/plain': send JSON with Content-Type: application/json",
  },
  422: {
    description: 'The parameters or the body do not validate; `errors` lists each field',
    code: 'validation_failed',
    detail: 'learning_rate: Too big: expected number to be <=1',
  },
  429: {
    description: "Over the key's rate limit; Retry-After says when to retry",
    code: 'rate_limited',
    detail: 'Rate limit of 1200 requests per minute exceeded for this API key; retry in 12 s',
  },
  507: {
    description: "The agent's data disk is full: nothing was saved (a change to an existing record is kept in memory and saved once space returns)",
    code: 'insufficient_storage',
    detail: 'Cannot save the agent state: the disk is full (ENOSPC). Free space on the data disk and try again. Nothing was saved.',
  },
};

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The error statuses a route can answer, from what it takes. */
function errorStatuses(method: string, path: string, doc: RouteDoc): number[] {
  const statuses = new Set<number>();
  if (doc.scope !== 'public') [401, 403, 429].forEach((status) => statuses.add(status));
  if (path.includes(':')) statuses.add(404);
  if (doc.query || doc.body || path.includes(':')) statuses.add(422);
  if (doc.body) [400, 413, 415].forEach((status) => statuses.add(status));
  if (doc.upload) [400, 413, 415].forEach((status) => statuses.add(status));
  if (WRITE_METHODS.has(method) && doc.scope !== 'public') [409, 507].forEach((status) => statuses.add(status));
  return [...statuses].sort();
}

/**
 * A stable camelCase operationId from the method and path: the verb (list for a GET of a
 * collection, get, create for POST — or the action a POST path ends with after a parameter —,
 * update, delete) and the path's words, then `By<param>` when the path ends with one.
 * `GET /api/v1/training/:sessionId/status` → `getTrainingStatus`.
 */
export function operationIdOf(method: string, path: string): string {
  const segments = path.split('/').filter((segment) => segment && segment !== 'api' && segment !== 'v1');
  const words = segments
    .filter((segment) => !segment.startsWith(':'))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  const endsWithParameter = segments.at(-1)?.startsWith(':') ?? false;
  const collection = !path.includes(':') && /s$/.test(words.at(-1) ?? '') && !['status', 'metrics'].includes(words.at(-1)!);
  const verb =
    method === 'GET' ? (collection ? 'list' : 'get') : method === 'DELETE' ? 'delete' : method === 'PATCH' ? 'update' : method === 'PUT' ? 'replace' : 'create';
  // POST /…/:id/stop is the action `stop` on the thing before it
  const action = method === 'POST' && segments.length > 1 && segments.at(-2)!.startsWith(':') && !endsWithParameter;
  const parts = action ? [words.at(-1)!, ...words.slice(0, -1)] : [verb, ...words];
  if (endsWithParameter && segments.length > 1) parts.push('by', segments.at(-1)!.slice(1));
  if (segments.length === 0) parts.push('index');
  return parts.map((part, index) => (index === 0 ? part : part[0]!.toUpperCase() + part.slice(1))).join('');
}

/** Converts a zod schema, moving its named parts (`.meta({ id })`) into components. */
function schemaOf(schema: ZodType, io: 'input' | 'output', components: Record<string, unknown>): Record<string, unknown> {
  const {
    $schema: _ignored,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown> & { $defs?: Record<string, unknown> };
  const relink = <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as T;
  for (const [name, definition] of Object.entries($defs ?? {})) components[name] ??= relink(definition);
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) return relink(rest);
  const { id: _id, ...definition } = rest;
  components[id] ??= relink(definition);
  return { $ref: `#/components/schemas/${id}` };
}

const TEXT_MEDIA: Record<string, Record<string, unknown>> = {
  'GET /metrics': {
    'text/plain; version=0.0.4': {
      schema: { type: 'string', description: 'Prometheus text exposition format' },
      example: '# HELP trainer_runs Runs by state\n# TYPE trainer_runs gauge\ntrainer_runs{state="running"} 1\n',
    },
  },
  'GET /docs': {
    'text/html': {
      schema: { type: 'string' },
      example: '<!doctype html><html><head><title>trainer agent API</title></head><body><div id="swagger-ui"></div></body></html>',
    },
  },
  'GET /redoc': {
    'text/html': {
      schema: { type: 'string' },
      example: '<!doctype html><html><head><title>trainer agent API</title></head><body><div id="swagger-ui"></div></body></html>',
    },
  },
  'GET /docs/:file': {
    'text/css': { schema: { type: 'string' }, example: '.swagger-ui { font-family: sans-serif; }' },
    'application/javascript': { schema: { type: 'string' }, example: 'window.ui = SwaggerUIBundle({ url: "/openapi.json" });' },
  },
  'GET /openapi.yaml': { 'application/yaml': { schema: { type: 'string' }, example: 'openapi: 3.1.0\ninfo:\n  title: trainer agent API\n' } },
  'GET /api/v1/openapi.yaml': { 'application/yaml': { schema: { type: 'string' }, example: 'openapi: 3.1.0\ninfo:\n  title: trainer agent API\n' } },
};

const SSE_DESCRIPTION =
  'Server-Sent Events. Each event is `event:` its name (none for unnamed `message` events), `id:` the resume cursor (send it back as Last-Event-ID), `data:` one JSON object; the schema below is one event, with `data` parsed.';

/** A text/event-stream answer: one schema per event name (its data's schema), and the first event as the example. */
function streamResponse(doc: RouteDoc, components: Record<string, unknown>): Record<string, unknown> {
  const events = Object.entries(doc.events ?? {}).map(([name, { data, description }]) => {
    const properties: Record<string, unknown> = name === 'message' ? {} : { event: { const: name } };
    properties.id = {
      type: 'string',
      description: 'The resume cursor (`m<metrics offset>.l<log offset>`), on the last event of each batch of a run stream',
      examples: ['m2048.l512'],
    };
    properties.data = schemaOf(data, 'output', components);
    return { title: name, description, type: 'object', properties, required: name === 'message' ? ['data'] : ['event', 'data'], additionalProperties: false };
  });
  const schema = events.length === 1 ? events[0] : { oneOf: events };
  return { description: SSE_DESCRIPTION, content: { 'text/event-stream': { schema, example: exampleOf(events[0], components) } } };
}

/** The success responses of a route, by status. */
function successResponses(key: string, doc: RouteDoc, components: Record<string, unknown>): Record<string, unknown> {
  if (doc.responses) {
    return Object.fromEntries(
      Object.entries(doc.responses).map(([status, zodSchema]) => {
        const schema = schemaOf(zodSchema!, 'output', components);
        const content: Record<string, unknown> = { 'application/json': { schema, example: exampleOf(schema, components) } };
        if (doc.csv) content['text/csv'] = { schema: { type: 'string' }, example: CSV_EXAMPLE };
        return [status, { description: 'Success', content }];
      }),
    );
  }
  const status = String(doc.status ?? 200);
  if (TEXT_MEDIA[key]) return { [status]: { description: 'Success', content: TEXT_MEDIA[key] } };
  if (doc.stream) return { [status]: streamResponse(doc, components) };
  if (doc.download)
    return {
      [status]: { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' }, example: '<bytes>' } } },
    };
  return { [status]: { description: 'Success', content: { 'application/json': {} } } };
}

/** Each scheme carries the scope the route requires as its role (OpenAPI 3.1 allows roles on any scheme). */
function securityFor(doc: RouteDoc): Record<string, string[]>[] {
  const schemes = doc.stream ? ['bearer', 'apiKey', 'streamKey'] : ['bearer', 'apiKey'];
  return schemes.map((scheme) => ({ [scheme]: [doc.scope] }));
}

/** OpenAPI 3.1, built from the routers and each route's declaration (route-docs.ts). */
export function buildOpenApi(routers: readonly Router[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  for (const key of registeredRoutes(routers)) {
    const [method, path] = key.split(' ') as [string, string];
    const doc: RouteDoc = ROUTE_DOCS[key] ?? { summary: key, tag: 'other', scope: 'admin' };
    const templatePath = openApiPath(path);
    const parameters: unknown[] = [...path.matchAll(/:(\w+)/g)].map((match) => ({ name: match[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (doc.query) {
      const schema = schemaOf(doc.query, 'input', schemas) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(schema.properties ?? {}))
        parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
    }
    const errors = Object.fromEntries(errorStatuses(method, path, doc).map((status) => [String(status), { $ref: `#/components/responses/Error${status}` }]));
    const operation: Record<string, unknown> = {
      operationId: doc.operationId ?? operationIdOf(method, path),
      summary: doc.summary,
      description: doc.scope === 'public' ? 'No API key needed.' : `Requires an API key of scope \`${doc.scope}\` or above.`,
      tags: [doc.tag],
      parameters,
      responses: { ...successResponses(key, doc, schemas), ...(doc.noContent && { 204: { description: doc.noContent } }), ...errors },
      security: doc.scope === 'public' ? [] : securityFor(doc),
    };
    if (doc.upload)
      operation.requestBody = {
        required: true,
        content: {
          'multipart/form-data': {
            schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' }, description: { type: 'string' } }, required: ['file'] },
          },
        },
      };
    if (doc.body) operation.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(doc.body, 'input', schemas) } } };
    (paths[templatePath] ??= {})[method.toLowerCase()] = operation;
  }
  schemaOf(ErrorBody, 'output', schemas);
  const responses = Object.fromEntries(
    Object.entries(ERROR_RESPONSES).map(([status, { description, code, detail }]) => [
      `Error${status}`,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: { detail, code } } } },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'trainer agent API',
      version,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Seed 000\'s training contract, seed 001\'s sessions, streams and monitoring. Errors are {"detail": "…", "code": "…"}: decide on `code`. Each operation names the key scope it needs.',
    },
    servers: [{ url: 'http://127.0.0.1:8000', description: 'The agent on its default address' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        streamKey: { type: 'apiKey', in: 'query', name: 'api_key', description: 'Stream routes only: a browser EventSource cannot send headers.' },
      },
      schemas,
      responses,
    },
    paths,
  };
}
