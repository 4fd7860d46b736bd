import { bodyParser } from '@koa/bodyparser';
import type { RequestListener } from 'node:http';
import Koa from 'koa';
import type { Logger } from '../logging/logger.js';
import { AppError, ErrorCode } from '../errors.js';
import { apiKeyAuth } from './middleware/api-key-auth.js';
import { clientAddressOf } from './client-address.js';
import { authFailureLimit } from './middleware/auth-failure-limit.js';
import { keyRateLimit } from './middleware/rate-limit.js';
import { requireJsonBodies } from './middleware/require-json-bodies.js';
import { errorHandler } from './middleware/error-handler.js';
import { normalisePath } from './middleware/normalise-path.js';
import { validateResponses } from './middleware/validate-responses.js';
import { dispatchRoutes } from './route-dispatch.js';
import { overLimitAnswer } from './over-limit-answer.js';
import { catalogRoutes } from './routes/catalog-routes.js';
import { checkpointRoutes } from './routes/checkpoint-routes.js';
import { datasetRoutes } from './routes/dataset-routes.js';
import { modelRoutes } from './routes/model-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { buildOpenApi } from './openapi.js';
import { docsRoutes } from './routes/docs-routes.js';
import { requestMetrics } from './middleware/request-metrics.js';
import { alertRoutes } from './routes/alert-routes.js';
import { keyRoutes } from './routes/key-routes.js';
import { notificationRoutes } from './routes/notification-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { scheduleRoutes } from './routes/schedule-routes.js';
import { hpoRoutes } from './routes/hpo-routes.js';
import { workspaceRoutes } from './routes/workspace-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { metricHistoryRoutes } from './routes/metric-history-routes.js';
import { streamRoutes } from './routes/stream-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { trainingRoutes } from './routes/training-routes.js';
import { jobRoutes } from './routes/job-routes.js';
import type { ApiServices } from './services.js';

export interface AppOptions {
  bodyLimitKb: number;
  rateLimitPerMinute: number;
  /** Failed authentications per client address per minute before it is answered 429; 0 or absent: off. */
  authFailuresPerMinute?: number;
  /** Reverse proxies whose X-Forwarded-For names the client (CIDRs or addresses; client-address.ts). */
  trustedProxies?: readonly string[];
  logger: Logger;
  /** Test mode: check every answer against its route's declared schemas (validate-responses.ts). */
  validateResponses?: boolean;
}

/** The API server's request listener: the Koa app, behind the over-limit answer when a limit (per key, per address) is on. */
export function createApiListener(services: ApiServices, options: AppOptions): RequestListener {
  const app = new Koa();
  app.silent = true; // errors are answered and logged by errorHandler
  app.use(requestMetrics(services.prometheus));
  if (options.validateResponses) app.use(validateResponses(options.logger));
  app.use(errorHandler(options.logger));
  app.use(normalisePath());
  const limiter = options.rateLimitPerMinute > 0 ? keyRateLimit(options.rateLimitPerMinute) : null;
  const failedAuthLimit =
    (options.authFailuresPerMinute ?? 0) > 0 ? authFailureLimit(options.authFailuresPerMinute!, clientAddressOf(options.trustedProxies ?? [])) : null;
  const verify = (presented: string) => services.keys.verify(presented);
  const jsonBody = [
    requireJsonBodies(),
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: `${options.bodyLimitKb}kb`,
      encoding: 'utf-8',
      onError: (error) => {
        const status = (error as { status?: number }).status;
        if (status === 413) throw new AppError(ErrorCode.PayloadTooLarge, `Request body too large (limit ${options.bodyLimitKb} KiB)`);
        throw new AppError(ErrorCode.BadRequest, `Request body is not valid JSON: ${error.message}`);
      },
    }),
  ];
  const apiRouters = [
    healthRoutes(services),
    trainingRoutes(services),
    sessionRoutes(services),
    catalogRoutes(services),
    modelRoutes(services),
    datasetRoutes(services),
    checkpointRoutes(services),
    systemRoutes(services),
    streamRoutes(services),
    metricHistoryRoutes(services),
    metricsRoutes(services),
    keyRoutes(services),
    alertRoutes(services),
    notificationRoutes(services),
    webhookRoutes(services),
    workspaceRoutes(services),
    scheduleRoutes(services),
    hpoRoutes(services),
    jobRoutes(services),
  ];
  let openApi: unknown;
  const docs = docsRoutes(() => (openApi ??= buildOpenApi([...apiRouters, docs], services.version)));
  // After routing, per the route that matched: the failed-authentication limit (routes that need a key), its scope, then the key's rate limit, then its body
  // (multipart/form-data uploads are streamed by their handlers; every other body is JSON; a GET's is never read). A limit that is off is left out.
  const routes = dispatchRoutes([...apiRouters, docs], (route, key) => [
    ...(route.scope === 'public' ? [] : [...(failedAuthLimit ? [failedAuthLimit.guard] : []), apiKeyAuth(route, verify, failedAuthLimit?.recordFailure)]),
    ...(limiter ? [limiter.middleware] : []),
    ...(route.upload || key.startsWith('GET ') ? [] : jsonBody),
  ]);
  app.use(routes.middleware);
  const koaListener = app.callback();
  if (!limiter && !failedAuthLimit) return koaListener;
  const answerOverLimit = overLimitAnswer({
    keyLimit: limiter,
    addressLimit: failedAuthLimit,
    rememberedKey: (presented) => services.keys.remembered(presented),
    routes,
    metrics: services.prometheus,
  });
  return (request, response) => {
    let answered = false;
    try {
      answered = answerOverLimit(request, response);
    } catch (error) {
      options.logger.error('over-limit answer failed; Koa answers', { error: (error as Error)?.stack ?? String(error) });
    }
    if (answered) return;
    if (response.headersSent) response.destroy();
    else void koaListener(request, response);
  };
}
