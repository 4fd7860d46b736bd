import Router from '@koa/router';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A Map, not an object literal: `constructor` or `__proto__` must not find the prototype's members. */
const SWAGGER_FILES = new Map<string, string>(Object.entries({
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'application/javascript',
  'swagger-ui-standalone-preset.js': 'application/javascript',
}));

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>trainer API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script>
SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });
</script></body></html>`;

/** `/openapi.json` and Swagger UI at `/docs`, served from the installed swagger-ui-dist (no CDN). */
export function docsRoutes(getDocument: () => unknown): Router {
  const router = new Router();
  const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  router.get('/openapi.json', (ctx) => {
    ctx.body = getDocument();
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html';
    ctx.body = PAGE;
  });
  router.get('/docs/:file', (ctx) => {
    const type = SWAGGER_FILES.get(ctx.params.file!);
    if (!type) return;
    ctx.type = type;
    ctx.body = createReadStream(join(swaggerDir, ctx.params.file!));
  });
  return router;
}
