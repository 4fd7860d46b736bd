import { z } from 'zod';
import { defineNotifier, outboundFailure, type Notifier, type NotifierMessage, type OutboundHttp } from '../../../src/plugins/sdk.js';

const TargetSchema = z.object({ url: z.string().url().refine((url) => /^https?:\/\//.test(url), 'http or https') }).strict();
type Target = z.infer<typeof TargetSchema>;

/** The structured message as JSON, POSTed to a URL (for chat tools without a plugin, or scripts). */
class WebhookNotifier implements Notifier<Target> {
  readonly targetSchema = TargetSchema;
  constructor(private readonly http: OutboundHttp) {}

  async send(message: NotifierMessage, target: Target) {
    try {
      const response = await this.http.post(target.url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
      return { ok: response.ok, status: response.status, detail: response.ok ? undefined : `HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, detail: outboundFailure(error) };
    }
  }
}

export default defineNotifier({
  name: 'webhook',
  description: 'The message as JSON to any URL.',
  create: (context) => new WebhookNotifier(context.http),
});
