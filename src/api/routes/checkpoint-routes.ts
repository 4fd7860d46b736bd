import Router from '@koa/router';
import type { Context } from 'koa';
import { checkUploadHeaders, receiveMultipart } from '../multipart.js';
import { parse } from '../parse.js';
import { sendDownload } from '../registry-http.js';
import { CheckpointListQuery } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 001's checkpoints: list (by session), upload (multipart), describe, download, delete. */
export function checkpointRoutes({ checkpoints, uploadLimitBytes }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1', strict: true });

  router.get('/checkpoints', (ctx) => {
    const query = parse(CheckpointListQuery, ctx.query);
    ctx.body = { checkpoints: checkpoints.list({ sessionId: query.session_id, limit: query.limit }) };
  });

  router.post('/checkpoints', async (ctx: Context) => {
    checkUploadHeaders(ctx, uploadLimitBytes, 'file');
    const upload = checkpoints.upload();
    try {
      const fields = await receiveMultipart(ctx, { limitBytes: uploadLimitBytes, fileField: 'file', consume: (file) => upload.receive(file) });
      const info = await upload.commit(fields);
      ctx.body = { ...info, uploaded_at: info.created_at };
    } finally {
      await upload.release();
    }
  });

  router.get('/checkpoints/:checkpointId', (ctx) => {
    ctx.body = checkpoints.get(ctx.params.checkpointId!);
  });

  router.get('/checkpoints/:checkpointId/download', async (ctx) => {
    sendDownload(ctx, await checkpoints.openDownload(ctx.params.checkpointId!));
  });

  router.delete('/checkpoints/:checkpointId', async (ctx) => {
    await checkpoints.delete(ctx.params.checkpointId!);
    ctx.body = { message: 'Checkpoint deleted successfully' };
  });

  return router;
}
