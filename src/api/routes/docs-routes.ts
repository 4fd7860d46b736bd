import Router from '@koa/router';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';

/** A Map, not an object literal: `constructor` or `__proto__` must not find the prototype's members. */
const SWAGGER_FILES = new Map<string, string>(
  Object.entries({
    'swagger-ui.css': 'text/css',
    'swagger-ui-bundle.js': 'application/javascript',
    'swagger-ui-standalone-preset.js': 'application/javascript',
  }),
);

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>trainer API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script>
SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });
</script></body></html>`;

/**
 * Seed 000's `/redoc`: the same reference read-only (no "Try it out"), every operation listed. It is
 * drawn by the bundled Swagger UI, not by ReDoc, which the agent does not ship (no CDN either).
 */
const REFERENCE_PAGE = PAGE.replace(
  "dom_id: '#ui' }",
  "dom_id: '#ui', supportedSubmitMethods: [], docExpansion: 'list', defaultModelsExpandDepth: -1 }",
).replace('<title>trainer API</title>', '<title>trainer API reference</title>');

/** The description at `/openapi.json` and `/api/v1/openapi.json` (YAML at `….yaml`), and Swagger UI at `/docs` from the installed swagger-ui-dist (no CDN). */
export function docsRoutes(getDocument: () => unknown): Router {
  const router = new Router();
  const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  let yaml: string | undefined;
  for (const prefix of ['', '/api/v1']) {
    router.get(`${prefix}/openapi.json`, (ctx) => {
      ctx.body = getDocument();
    });
    router.get(`${prefix}/openapi.yaml`, (ctx) => {
      ctx.type = 'application/yaml';
      ctx.body = yaml ??= stringify(getDocument(), { aliasDuplicateObjects: false });
    });
  }
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html';
    ctx.body = PAGE;
  });
  router.get('/redoc', (ctx) => {
    ctx.type = 'text/html';
    ctx.body = REFERENCE_PAGE;
  });
  router.get('/docs/:file', (ctx) => {
    const type = SWAGGER_FILES.get(ctx.params.file!);
    if (!type) return;
    ctx.type = type;
    ctx.body = createReadStream(join(swaggerDir, ctx.params.file!));
  });
  return router;
}
