// The contract suite itself: a plugin that breaks the contract fails it, and says how.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAlertRule, defineNotifier, type AlertFinding, type AlertSnapshot } from '../../src/plugins/sdk.js';
import { assertPluginContract } from '../../src/plugins/testing/contract-suite.js';
import webhookNotifier from '../../plugins/notifiers/webhook/index.js';

const target = z.object({ url: z.string().url() }).strict();
const notifier = (send: (url: string) => Promise<{ ok: boolean; detail?: string }>, configSchema?: z.ZodType<Record<string, never>>) =>
  defineNotifier({
    name: 'broken',
    description: 'Breaks the contract on purpose.',
    configSchema,
    create: () => ({ targetSchema: target, send: (_message, { url }) => send(url) }),
  });
const firing: AlertSnapshot = {
  now: '2026-01-01T00:00:00.000Z',
  system: null,
  runs: [{ id: 'sess_1', recipe: 'r', state: 'running', gpu_ids: [], started_at: null, last_output_at: null, latest: null, recent: [] }],
};
const rule = (evaluate: (snapshot: AlertSnapshot) => AlertFinding[]) =>
  defineAlertRule({
    name: 'broken',
    description: 'Breaks the contract on purpose.',
    create: () => ({ paramsSchema: z.object({}).strict(), evaluate: (_params: unknown, snapshot: AlertSnapshot) => evaluate(snapshot) }),
  });

describe('plugin contract suite', () => {
  it('passes a plugin that keeps the contract', async () => {
    await assertPluginContract(webhookNotifier, { targetForUrl: (url) => ({ url }) });
  });

  it('fails a notifier that throws when its receiver is down instead of reporting the failure', async () => {
    const throwing = notifier(async (url) => {
      const response = await fetch(url, { method: 'POST', body: 'sess_contract' });
      return { ok: response.ok, detail: `HTTP ${response.status}` };
    });
    await expect(assertPluginContract(throwing, { targetForUrl: (url) => ({ url }) })).rejects.toThrow(
      /refuses or is down: Plugin notifier:broken failed in send: fetch failed/,
    );
  });

  it('fails a notifier that calls a refused delivery a success', async () => {
    const optimistic = notifier(async (url) => {
      await fetch(url, { method: 'POST', body: 'sess_contract' }).catch(() => undefined);
      return { ok: true };
    });
    await expect(assertPluginContract(optimistic, { targetForUrl: (url) => ({ url }) })).rejects.toThrow(/a failure reported as ok: false, got \{"ok":true\}/);
  });

  it('fails a plugin whose settings schema ignores unknown keys', async () => {
    const lax = notifier(async () => ({ ok: true }), z.object({}) as z.ZodType<Record<string, never>>);
    await expect(assertPluginContract(lax)).rejects.toThrow(/settings it does not know are refused/);
  });

  it('fails an alert rule that changes the snapshot, fires on nothing, or repeats a key', async () => {
    const mutating = rule((snapshot) => {
      (snapshot.runs as unknown[]).push('x');
      return [];
    });
    await expect(assertPluginContract(mutating, { firingSnapshot: firing })).rejects.toThrow(/Cannot add property/);
    const silent = rule(() => []);
    await expect(assertPluginContract(silent, { firingSnapshot: firing })).rejects.toThrow(/at least one finding on the firing snapshot/);
    const duplicate = rule((snapshot) =>
      snapshot.runs.flatMap(() => [
        { key: 'k', message: 'a' },
        { key: 'k', message: 'b' },
      ]),
    );
    await expect(assertPluginContract(duplicate, { firingSnapshot: firing })).rejects.toThrow(/distinct keys/);
  });
});
