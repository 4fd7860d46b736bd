import { z } from 'zod';
import { defineNotifier, httpDeliveryResult } from '../../../src/plugins/sdk.js';

const TargetSchema = z
  .object({
    url: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'http or https'),
  })
  .strict();
type Target = z.infer<typeof TargetSchema>;

/** The structured message as JSON, POSTed to a URL (for chat tools without a plugin, or scripts). */
export default defineNotifier({
  name: 'webhook',
  description: 'The message as JSON to any URL.',
  targetSchema: TargetSchema,
  async send(message, target: Target, { http }) {
    return httpDeliveryResult(await http.post(target.url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) }));
  },
});
