import { z } from 'zod';
import { PLUGIN_API_VERSION, type Notifier, type NotifierMessage, type PluginDefinition } from '../../../src/plugins/sdk.js';

const TargetSchema = z.object({ url: z.string().url().refine((url) => /^https?:\/\//.test(url), 'http or https') }).strict();
type Target = z.infer<typeof TargetSchema>;

/** The structured message as JSON, POSTed to a URL (for chat tools without a plugin, or scripts). */
class WebhookNotifier implements Notifier<Target> {
  readonly targetSchema = TargetSchema;

  async send(message: NotifierMessage, target: Target) {
    try {
      const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      return { ok: response.ok, status: response.status, detail: response.ok ? undefined : `HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, detail: (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message };
    }
  }
}

const definition: PluginDefinition<Record<string, never>, Notifier<Target>> = {
  name: 'webhook',
  kind: 'notifier',
  apiVersion: PLUGIN_API_VERSION,
  description: 'The message as JSON to any URL.',
  configSchema: z.object({}).strict(),
  create: () => new WebhookNotifier(),
};
export default definition;
