import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApiListener } from '../api/app.js';
import { attachWebSockets } from '../api/websocket.js';
import { AppError, ErrorCode } from '../errors.js';
import { EventBus } from '../events/event-bus.js';
import type { GpuDevice } from '../monitor/nvidia-smi.js';
import { SystemSampler } from '../monitor/system-sampler.js';
import type { Logger } from '../logging/logger.js';
import { loadBuiltinPlugins, loadExternalPlugins } from '../plugins/plugin-loader.js';
import { PluginRegistry } from '../plugins/plugin-registry.js';
import { createOutboundHttp } from '../plugins/outbound-http.js';
import { CheckpointService } from '../services/checkpoint-service.js';
import { DatasetCatalog } from '../services/dataset-catalog.js';
import { ModelRegistry } from '../services/model-registry.js';
import { BlobStore } from '../store/blob-store.js';
import { RecipeCatalog } from '../services/recipe-catalog.js';
import { RunExecutor } from '../services/run-executor.js';
import { RunLifecycle } from '../services/run-lifecycle.js';
import { RunService } from '../services/run-service.js';
import { RunStreamService } from '../services/run-stream-service.js';
import { PrometheusMetrics } from '../services/prometheus-metrics.js';
import { ApiKeyService } from '../services/api-key-service.js';
import { AlertService } from '../services/alert-service.js';
import { NotificationService } from '../services/notification-service.js';
import { NotificationDispatcher } from '../services/notification-dispatcher.js';
import { OutboundPipeline } from '../services/outbound-pipeline.js';
import { AlertingStore } from '../store/alerting-store.js';
import { WebhookStore } from '../store/webhook-store.js';
import { NotifierOutboxStore } from '../store/notifier-outbox-store.js';
import { createHardenedServer } from '../services/listener-guard.js';
import { WebhookService } from '../services/webhook-service.js';
import { ScheduleService } from '../services/schedule-service.js';
import { openScheduleStore } from '../store/schedule-store.js';
import { HpoService } from '../services/hpo-service.js';
import { openStudyStore } from '../store/study-store.js';
import { startPeriodicJobs } from '../schedule/periodic-jobs.js';
import { CreateRuleBody } from '../api/schemas.js';
import { KeyStore } from '../store/key-store.js';
import { Scheduler } from '../services/scheduler.js';
import { RunFiles } from '../store/run-files.js';
import { MetricIndex } from '../store/metric-index.js';
import { MetricIndexer } from '../services/metric-indexer.js';
import { WorkspaceStore } from '../store/workspace-store.js';
import { AuditLog } from '../store/audit-log.js';
import { ExecService } from '../services/exec-service.js';
import { AuditService } from '../services/audit-service.js';
import { RuntimeConfigService } from '../services/runtime-config-service.js';
import { ExperimentService } from '../services/experiment-service.js';
import { LeaderboardService } from '../services/leaderboard-service.js';
import { tfjsParamsValidator } from '../services/training-plan-check.js';
import { RunPaths } from '../store/run-paths.js';
import { StateStore } from '../store/state-store.js';
import { NO_API_KEYS_MESSAGE, TRAINER_HOME, type AgentConfig } from './agent-config.js';
import { ComponentStack } from './components.js';
import { createLogger } from '../logging/logger.js';
import { chatThreadRoutes, startChatBots, type ChatBots } from '../../bots/host.js';
import { readPackageVersion } from './package-version.js';

export interface Agent {
  config: AgentConfig;
  runs: RunService;
  alerts: AlertService;
  gpus: readonly GpuDevice[];
  /** The Slack and Discord `/train` bots, those configured. */
  chat: ChatBots;
  /** The agent's event bus (what its parts announce to each other). */
  events: EventBus;
  /** The bound address, once `listen` has resolved. */
  url: string;
  listen(): Promise<string>;
  /** Closes every part in the reverse of the order they started; training processes are left running. */
  close(): Promise<void>;
}

/**
 * The composition root. Each part starts given what it needs, so the start order is a dependency order
 * (store → plugins → catalogs → GPU inventory → services → re-attach runs that were running →
 * scheduler → chat → HTTP), and each part says how it closes: `close()` closes them in reverse, each
 * after its in-flight work drains. Every part that subscribes to the event bus gets a scope of it,
 * released when it closes. A start that fails closes what had started.
 */
export async function createAgent(config: AgentConfig, logger: Logger = createLogger({ level: config.logLevel })): Promise<Agent> {
  if (config.apiKeys.length === 0) throw new AppError(ErrorCode.Config, NO_API_KEYS_MESSAGE);
  const parts = new ComponentStack(logger);
  try {
    return await assemble(config, logger, parts);
  } catch (error) {
    await parts.close();
    throw error;
  }
}

async function assemble(config: AgentConfig, logger: Logger, parts: ComponentStack): Promise<Agent> {
  // the data dir holds keys, secrets and everyone's runs: the agent's user only, created so and kept so
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await chmod(config.dataDir, 0o700);
  const store = await parts.start(
    'state store',
    () => StateStore.open(config.databasePath),
    (opened) => opened.settled(),
  );
  const outbound = createOutboundHttp({ allow: config.outboundAllow });
  const registry = await parts.start(
    'plugins',
    async () => {
      const loaded = new PluginRegistry(logger, outbound);
      await loadBuiltinPlugins(loaded);
      await loadExternalPlugins(loaded, config.plugins.load, config.configDir);
      await loaded.instantiateAll(config.plugins.config);
      return loaded;
    },
    (loaded) => loaded.closeAll(),
  );

  const recipes = await RecipeCatalog.load(config.recipeDirs);
  if (!recipes.has(config.defaultRecipe)) {
    throw new AppError(
      ErrorCode.Config,
      `Configuration error: the default recipe '${config.defaultRecipe}' does not exist (known: ${recipes
        .list()
        .map((recipe) => recipe.name)
        .join(', ')})`,
    );
  }
  const datasetBlobs = new BlobStore(config.datasetsDir);
  // earlier dataset versions: hidden inside the datasets directory (never listed as datasets, and on
  // the same file system, so that a version moves there by a rename); created with the first one
  const datasetVersionBlobs = new BlobStore(join(config.datasetsDir, '.versions'));
  const modelBlobs = new BlobStore(config.modelsDir);
  const checkpointBlobs = new BlobStore(config.checkpointsDir);
  await Promise.all([datasetBlobs.init(), modelBlobs.init(), checkpointBlobs.init()]);
  const datasets = new DatasetCatalog(datasetBlobs, store, datasetVersionBlobs, config.contentLimits);
  const system = await parts.start(
    'system sampler',
    async () => {
      const sampler = new SystemSampler({
        nvidiaSmi: config.nvidiaSmi,
        diskPath: config.dataDir,
        intervalMs: config.sampleIntervalMs,
        retentionMs: 60 * 60 * 1000,
      });
      await sampler.start();
      return sampler;
    },
    (sampler) => sampler.stop(),
  );
  const gpus: GpuDevice[] = system.latest()!.gpus.map(({ index, uuid, name, memory_total_mb }) => ({ index, uuid, name, memory_total_mb }));
  const gpuInventory = gpus.map((gpu) => gpu.index);

  const events = await parts.start(
    'event bus',
    () => new EventBus((event, error) => logger.error('event listener failed', { event, error: (error as Error)?.message })),
    (bus) => bus.release(),
  );
  /** A scope of the bus for one part: its subscriptions end when that part closes. */
  const subscriber = (name: string) => {
    const scope = events.scope();
    parts.add(`${name} subscriptions`, () => scope.release());
    return scope;
  };
  const paths = new RunPaths(config.runsDir);
  const files = new RunFiles(paths);
  const lifecycle = new RunLifecycle({ store, events, logger });
  // subscribed to run.finished before re-attaching: a run that ended while the agent was down registers too
  const models = await parts.start(
    'model registry',
    () => new ModelRegistry({ store, blobs: modelBlobs, paths, events: subscriber('model registry'), logger }),
    (registryOfModels) => registryOfModels.close(),
  );
  const checkpoints = await parts.start(
    'checkpoints',
    () =>
      new CheckpointService({
        store,
        blobs: checkpointBlobs,
        recipes,
        paths,
        files,
        events: subscriber('checkpoints'),
        logger,
        keepBest: config.checkpointKeepBest,
        keepLast: config.checkpointKeepLast,
      }),
    (service) => service.close(),
  );
  const executor = await parts.start(
    'run executor',
    () =>
      new RunExecutor({
        lifecycle,
        registry,
        recipes,
        paths,
        files,
        events,
        logger,
        stopGraceMs: config.stopGraceMs,
        runLogCapBytes: config.runLogCapBytes,
        trainerHome: TRAINER_HOME,
        baseEnv: process.env,
        datasetsDir: config.datasetsDir,
        datasetPath: (name, version) => datasets.stablePath(name, version),
        registeredCheckpoint: (runId) => checkpoints.latestPath(runId),
      }),
    (started) => started.close(),
  );
  // its close waits for a launch in progress
  const scheduler = await parts.start(
    'scheduler',
    () => new Scheduler({ lifecycle, executor, events: subscriber('scheduler'), logger, gpuInventory, maxConcurrent: config.maxConcurrent }),
    (started) => started.tick(),
  );
  const metricIndex = new MetricIndex(paths);
  await parts.start(
    'metric indexer',
    () => new MetricIndexer(metricIndex, subscriber('metric indexer'), logger),
    (indexer) => indexer.close(),
  );
  const workspace = await WorkspaceStore.open(join(config.dataDir, 'workspace.json'));
  const audit = new AuditService(new AuditLog(join(config.dataDir, 'audit.jsonl')));
  const runtimeConfig = new RuntimeConfigService({
    store: workspace,
    scheduler,
    recipes,
    audit,
    boot: { maxConcurrent: config.maxConcurrent, defaultRecipe: config.defaultRecipe },
  });
  const experiments = new ExperimentService(workspace, lifecycle);
  const leaderboard = new LeaderboardService(store);
  const runs = new RunService({
    lifecycle,
    recipes,
    datasets,
    registry,
    files,
    metricIndex,
    executor,
    scheduler,
    gpuInventory,
    defaults: () => ({ recipe: runtimeConfig.get().default_recipe, params: runtimeConfig.get().default_params }),
    experimentExists: (id) => experiments.exists(id),
    stopWaitMs: config.stopGraceMs + 5000,
    validators: { tfjs: tfjsParamsValidator(datasets, { limits: config.contentLimits, timeoutMs: config.contentCheckTimeoutMs }) },
  });

  const streams = new RunStreamService({ runs, activity: executor, files, paths, events });
  const prometheus = new PrometheusMetrics({ runs, activity: executor, system, events: subscriber('prometheus metrics'), exposure: config.metricExposure });
  const alertingStore = await AlertingStore.open(join(config.dataDir, 'alerting.json'));
  const routeProblems = NotificationDispatcher.validateRoutes(registry, config.notificationRoutes);
  if (routeProblems.length > 0) throw new AppError(ErrorCode.Config, `Configuration error: ${routeProblems.join('; ')}`);
  const outbox = await NotifierOutboxStore.open(join(config.dataDir, 'notifier-outbox.json'));
  const dispatcher = await parts.start(
    'notifier dispatcher',
    () =>
      new NotificationDispatcher({
        registry,
        logger,
        routes: config.notificationRoutes,
        chatThreads: chatThreadRoutes(config.chat),
        store: outbox,
        originOf: (runId) => runs.find(runId)?.origin ?? null,
      }),
    async (started) => {
      await started.drain();
      started.close();
    },
  );
  const notifications = new NotificationService(alertingStore, events);
  const webhookStore = await WebhookStore.open(join(config.dataDir, 'webhooks.json'));
  const webhooks = await parts.start(
    'webhooks',
    () => new WebhookService({ store: webhookStore, registry, logger, outbound }),
    (started) => started.close(),
  );
  // subscribed before re-attaching: the end of a run that ended while the agent was down goes out too;
  // closed before the outboxes it feeds, after waiting for the events on their way into them
  const outboundEvents = await parts.start(
    'outbound pipeline',
    () =>
      new OutboundPipeline({
        events: subscriber('outbound pipeline'),
        inbox: notifications,
        webhooks,
        notifiers: dispatcher,
        findRun: (id) => runs.find(id),
        announced: (runId, event) => lifecycle.announced(runId, event),
        logger,
      }),
    (pipeline) => pipeline.close(),
  );
  // what a run recorded before the agent was killed, and never announced, goes out first, and the model
  // a run left is registered (the other listeners of a run's end need nothing: a history query brings
  // the metric index up to date, studies catch up when they start)
  const unannounced = lifecycle.unannouncedRuns();
  for (const run of unannounced) if (run.unannounced!.includes('run.finished')) models.registerOutputOf(run);
  await outboundEvents.announceRecorded(unannounced);
  const alerts = new AlertService({ store: alertingStore, registry, runs, activity: executor, system, events, outbound: outboundEvents, logger });
  await alerts.loadConfigRules(config.alertRules.map((rule, index) => parseConfigRule(rule, index)));
  await parts.start(
    'alert watch',
    () => alerts.watch(),
    (stopWatching) => stopWatching(),
  );

  const scheduleStore = await openScheduleStore(join(config.dataDir, 'schedules.json'));
  const schedules = await parts.start(
    'schedules',
    () => new ScheduleService({ store: scheduleStore, runs, recipes, logger }),
    (service) => service.close(),
  );
  // subscribed to run.finished before re-attaching: a trial that ended while the agent was down is recorded
  const studyStore = await openStudyStore(join(config.dataDir, 'studies.json'));
  const studies = await parts.start(
    'studies',
    () => new HpoService({ store: studyStore, runs, recipes, events: subscriber('studies'), logger }),
    (service) => service.close(),
  );

  const wereRunning = store.runs.filter((run) => run.state === 'running' && !run.tracking_only).map((run) => run.id);
  await executor.reattachAll();
  void checkpoints.catchUp(wereRunning); // in the background: copying large checkpoints must not hold up the start
  await runtimeConfig.applyPersisted();
  await scheduler.tick();
  await parts.start(
    'periodic jobs',
    () => startPeriodicJobs({ alerts, webhooks, notifiers: dispatcher, logger, alertEvalSeconds: config.alertEvalSeconds }),
    (stopPeriodicJobs) => stopPeriodicJobs(),
  );
  schedules.start();
  await studies.start();

  const version = readPackageVersion();
  const keys = new ApiKeyService(config.apiKeys, await KeyStore.open(join(config.dataDir, 'keys.json')));
  const exec = new ExecService({ runs, audit, policy: { allowCommands: config.allowCommands, allowedCwd: config.allowedCwd } });
  const apiServices = {
    runs,
    exec,
    streams,
    prometheus,
    keys,
    alerts,
    notifications,
    notifiers: dispatcher,
    webhooks,
    schedules,
    studies,
    config: runtimeConfig,
    experiments,
    leaderboard,
    audit,
    recipes,
    datasets,
    models,
    checkpoints,
    uploadLimitBytes: config.uploadLimitBytes,
    dataDir: config.dataDir,
    diskFreeMinBytes: config.diskFreeMinBytes,
    plugins: registry,
    gpus,
    system,
    version,
  };
  const chat = await parts.start(
    'chat bots',
    () => startChatBots(config.chat, { services: { runs, alerts, recipes, leaderboard, audit, gpus: () => gpus }, outbox: dispatcher, logger }),
    (bots) => bots.close(),
  );
  const apiListener = createApiListener(apiServices, {
    bodyLimitKb: config.bodyLimitKb,
    rateLimitPerMinute: config.rateLimitPerMinute,
    authFailuresPerMinute: config.authFailuresPerMinute,
    trustedProxies: config.trustedProxies,
    logger,
    validateResponses: config.validateResponses,
  });

  const agent: Agent = {
    config,
    runs,
    alerts,
    gpus,
    chat,
    events,
    url: '',
    async listen() {
      const server = createHardenedServer('api', logger, apiListener, { requestTimeoutMs: config.requestTimeoutMs });
      parts.add('http server', async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      });
      parts.add('websockets', attachWebSockets(server, apiServices, logger));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      agent.url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${address.port}`;
      return agent.url;
    },
    close: () => parts.close(),
  };
  return agent;
}

function parseConfigRule(rule: unknown, index: number) {
  const parsed = CreateRuleBody.safeParse(rule);
  if (!parsed.success) {
    throw new AppError(
      ErrorCode.Config,
      `Configuration error: alert_rules[${index}]: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(rule)'}: ${issue.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
