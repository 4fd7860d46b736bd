import Router from '@koa/router';
import type { Context } from 'koa';
import { checkUploadHeaders, receiveMultipart } from '../multipart.js';
import { parse } from '../parse.js';
import { sendDownload } from '../registry-http.js';
import { invalid } from '../../errors.js';
import { CheckpointListQuery, CheckpointUploadQuery } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 001's checkpoints: list (by session), upload (multipart), describe, download, delete. */
export function checkpointRoutes({ checkpoints, uploadLimitBytes }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1', strict: true });

  router.get('/checkpoints', (ctx) => {
    const query = parse(CheckpointListQuery, ctx.query);
    ctx.body = { checkpoints: checkpoints.list({ sessionId: query.session_id, limit: query.limit }) };
  });

  router.post('/checkpoints', async (ctx: Context) => {
    // ?session_id= is checked before a byte of the body is read: a typo does not cost a large upload
    const { session_id: querySession } = parse(CheckpointUploadQuery, ctx.query);
    if (querySession) checkpoints.list({ sessionId: querySession, limit: 1 });
    checkUploadHeaders(ctx, uploadLimitBytes, 'file');
    const upload = checkpoints.upload();
    try {
      const fields = await receiveMultipart(ctx, { limitBytes: uploadLimitBytes, fileField: 'file', consume: (file) => upload.receive(file) });
      if (querySession && fields.session_id && fields.session_id !== querySession) throw invalid('session_id differs between the query and the form');
      const info = await upload.commit({ ...fields, session_id: fields.session_id ?? querySession ?? '' });
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
