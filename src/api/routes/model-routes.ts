import Router from '@koa/router';
import type { Context } from 'koa';
import { checkUploadHeaders, receiveMultipart } from '../multipart.js';
import { parseRegistryQuery, sendDownload } from '../registry-http.js';
import { parse } from '../parse.js';
import { ModelListQuery, ModelUploadQuery, TagModelBody } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 000's Model Management, paths and bodies verbatim. */
export function modelRoutes({ models, uploadLimitBytes }: ApiServices): Router {
  // strict: `/models/` never reaches the list by accident (paths are normalised before routing, normalise-path.ts)
  const router = new Router({ prefix: '/api/v1', strict: true });

  router.get('/models', async (ctx) => {
    const { tag } = parse(ModelListQuery, ctx.query);
    ctx.body = await models.list({ tag });
  });

  router.post('/models/:name/tag', async (ctx) => {
    const { tag } = parse(TagModelBody, ctx.request.body);
    const model = await models.tag(models.validName(ctx.params.name, 'name'), tag);
    ctx.body = { message: `Model '${model.name}' tagged '${tag}'`, ...model };
  });

  router.delete('/models/:name/tag/:tag', async (ctx) => {
    const { tag } = parse(TagModelBody, { tag: ctx.params.tag });
    const model = await models.untag(models.validName(ctx.params.name, 'name'), tag);
    ctx.body = { message: `Tag '${tag}' removed from model '${model.name}'`, ...model };
  });

  router.post('/models', async (ctx: Context) => {
    const { model_name: name } = parseRegistryQuery(ctx, ModelUploadQuery);
    checkUploadHeaders(ctx, uploadLimitBytes, 'file');
    const reservation = await models.reserve(name);
    try {
      const fields = await receiveMultipart(ctx, { limitBytes: uploadLimitBytes, fileField: 'file', consume: (file) => reservation.receive(file) });
      await reservation.commit(fields);
      const info = await models.describe(name);
      ctx.body = { message: `Model '${name}' uploaded successfully`, ...info };
    } finally {
      await reservation.release();
    }
  });

  router.get('/models/:name', async (ctx) => {
    sendDownload(ctx, await models.openDownload(models.validName(ctx.params.name, 'name')));
  });

  router.delete('/models/:name', async (ctx) => {
    const name = models.validName(ctx.params.name, 'name');
    await models.delete(name);
    ctx.body = { message: `Model '${name}' deleted successfully` };
  });

  return router;
}
