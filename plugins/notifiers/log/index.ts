import { z } from 'zod';
import { defineNotifier, type Logger, type Notifier, type NotifierMessage } from '../../../src/plugins/sdk.js';

const TargetSchema = z.object({}).strict();

/** Writes messages to the agent's own log. */
class LogNotifier implements Notifier<z.infer<typeof TargetSchema>> {
  readonly targetSchema = TargetSchema;
  constructor(private readonly logger: Logger) {}

  async send(message: NotifierMessage) {
    const log = message.severity === 'critical' || message.severity === 'high' ? this.logger.warn : this.logger.info;
    log(`${message.title}: ${message.summary}`, { event: message.event, run: message.runId ?? undefined });
    return { ok: true };
  }
}

export default defineNotifier({
  name: 'log',
  description: "The agent's log.",
  create: (context) => new LogNotifier(context.logger),
});
