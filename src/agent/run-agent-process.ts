import { AppError } from '../errors.js';
import { resolveAgentConfig, type ConfigOverrides } from './agent-config.js';
import { createAgent } from './agent.js';
import { ensureGeneratedKey } from '../store/generated-key.js';
import { createLogger } from '../logging/logger.js';

/** `trainer agent`: boot, print where it listens, and close in order on SIGINT/SIGTERM. */
export async function runAgentProcess(overrides: ConfigOverrides & { generateKey?: boolean }): Promise<void> {
  let config;
  try {
    config = resolveAgentConfig(overrides);
    if (config.apiKeys.length === 0 && overrides.generateKey) {
      const key = await ensureGeneratedKey(config.dataDir);
      config.apiKeys = [key];
      process.stdout.write(`API key: ${key}\n`);
    }
  } catch (error) {
    fail(error);
    return;
  }
  const logger = createLogger({ level: config.logLevel });
  installLastResortHandlers(logger);
  try {
    const agent = await createAgent(config, logger);
    const url = await agent.listen();
    process.stdout.write(`trainer agent listening on ${url} (data: ${config.dataDir})\n`);
    logger.info('agent ready', { url, max_concurrent: config.maxConcurrent, gpus: agent.gpus.length, default_recipe: config.defaultRecipe });
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      logger.info('shutting down; runs keep going and are re-attached by the next agent', { signal });
      agent.close().then(
        () => process.exit(0),
        (error: Error) => {
          logger.error('shutdown failed', { error: error.message });
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  } catch (error) {
    fail(error);
  }
}

function fail(error: unknown): void {
  const message = error instanceof AppError ? error.message : ((error as Error)?.stack ?? String(error));
  process.stderr.write(`${message}\n`);
  process.exitCode = error instanceof AppError ? error.exitCode : 1;
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') process.stderr.write('The port is in use: pick another with --port or API_PORT.\n');
}

/**
 * No known input reaches these (listeners outside Koa are guarded): they are the last resort. A rejected
 * promise nobody awaited leaves no half-applied synchronous state: logged loudly, the agent goes on. An
 * exception thrown out of a callback may have left anything half-done: logged loudly, the agent exits
 * 70 and its supervisor (systemd) restarts it; state on disk survives that like a kill -9, runs are
 * re-attached.
 */
function installLastResortHandlers(logger: ReturnType<typeof createLogger>): void {
  process.on('unhandledRejection', (reason) => {
    logger.error('BUG: unhandled promise rejection (the agent keeps running)', { error: (reason as Error)?.stack ?? String(reason) });
  });
  process.on('uncaughtException', (error) => {
    logger.error('BUG: uncaught exception; the agent exits so that its service manager restarts it clean', { error: error?.stack ?? String(error) });
    process.exit(70);
  });
}
