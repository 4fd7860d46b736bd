import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import type { Logger } from '../plugins/contract.js';
import { apiKeyAuth } from './middleware/api-key-auth.js';
import { errorHandler } from './middleware/error-handler.js';
import { catalogRoutes } from './routes/catalog-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { trainingRoutes } from './routes/training-routes.js';
import type { ApiServices } from './services.js';

export interface AppOptions {
  apiKeys: readonly string[];
  bodyLimitKb: number;
  logger: Logger;
}

export function createApp(services: ApiServices, options: AppOptions): Koa {
  const app = new Koa();
  app.silent = true; // errors are answered and logged by errorHandler
  app.use(errorHandler(options.logger));
  app.use(apiKeyAuth(options.apiKeys));
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: `${options.bodyLimitKb}kb`, encoding: 'utf-8' }));
  for (const router of [healthRoutes(services), trainingRoutes(services), sessionRoutes(services), catalogRoutes(services)]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: true }));
  }
  return app;
}
