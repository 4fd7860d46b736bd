import { z } from 'zod';
import { defineNotifier } from '../../../src/plugins/sdk.js';

/** Writes messages to the agent's own log. */
export default defineNotifier({
  name: 'log',
  description: "The agent's log.",
  targetSchema: z.object({}).strict(),
  async send(message, _target, { logger }) {
    const log = message.severity === 'critical' || message.severity === 'high' ? logger.warn : logger.info;
    log(`${message.title}: ${message.summary}`, { event: message.event, run: message.runId ?? undefined });
    return { ok: true };
  },
});
