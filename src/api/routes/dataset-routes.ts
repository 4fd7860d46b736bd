import Router from '@koa/router';
import type { Context } from 'koa';
import { checkUploadHeaders, receiveMultipart } from '../multipart.js';
import { parseRegistryQuery, sendDownload } from '../registry-http.js';
import { parse } from '../parse.js';
import { DatasetDownloadQuery, DatasetUploadQuery } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 000's Dataset Management: list, describe, upload (inspected as it streams in), delete; plus download. */
export function datasetRoutes({ datasets, uploadLimitBytes }: ApiServices): Router {
  // strict: `/models/` (an empty name) is not the list
  const router = new Router({ prefix: '/api/v1', strict: true });

  router.get('/datasets', async (ctx) => {
    ctx.body = await datasets.list();
  });

  router.post('/datasets', async (ctx: Context) => {
    const { dataset_name: name, new_version: newVersion } = parseRegistryQuery(ctx, DatasetUploadQuery);
    checkUploadHeaders(ctx, uploadLimitBytes, 'file');
    const reservation = await datasets.reserve(name, { newVersion });
    try {
      const fields = await receiveMultipart(ctx, { limitBytes: uploadLimitBytes, fileField: 'file', consume: (file) => reservation.receive(file) });
      await reservation.commit(fields);
      const info = await datasets.get(name);
      ctx.body = { message: `Dataset '${name}' uploaded successfully`, ...info };
    } finally {
      await reservation.release();
    }
  });

  router.get('/datasets/:name', async (ctx) => {
    ctx.body = await datasets.get(datasets.validName(ctx.params.name, 'name'));
  });

  router.get('/datasets/:name/download', async (ctx) => {
    const { version } = parse(DatasetDownloadQuery, ctx.query);
    sendDownload(ctx, await datasets.openDownload(datasets.validName(ctx.params.name, 'name'), version));
  });

  router.get('/datasets/:name/versions', async (ctx) => {
    const name = datasets.validName(ctx.params.name, 'name');
    ctx.body = { name, versions: await datasets.versions(name) };
  });

  router.delete('/datasets/:name', async (ctx) => {
    const name = datasets.validName(ctx.params.name, 'name');
    await datasets.delete(name);
    ctx.body = { message: `Dataset '${name}' deleted successfully` };
  });

  return router;
}
