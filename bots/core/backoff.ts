import type { Logger } from '../../src/logging/logger.js';

/**
 * Runs `attempt` until it succeeds, waiting 1 s, 2 s, 4 s … (at most `maxDelayMs`) between tries and
 * logging each failure; gives up silently when `stopped()` says so. Never throws.
 */
export async function retryWithBackoff(
  what: string,
  attempt: () => Promise<void>,
  logger: Logger,
  stopped: () => boolean,
  options: { firstDelayMs?: number; maxDelayMs?: number } = {},
): Promise<boolean> {
  let delay = options.firstDelayMs ?? 1000;
  for (let tries = 1; !stopped(); tries++) {
    try {
      await attempt();
      return true;
    } catch (error) {
      if (stopped()) return false;
      logger.warn(`${what} failed; retrying`, { attempt: tries, retry_in_ms: delay, error: (error as Error).message });
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      delay = Math.min(delay * 2, options.maxDelayMs ?? 60_000);
    }
  }
  return false;
}
