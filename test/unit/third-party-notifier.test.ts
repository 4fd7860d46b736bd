// A plugin author's own test: a new notifier is one folder with one defineNotifier(...) call, found by its
// folder like a built-in, and it passes the contract suite the SDK ships, using the published entry points only.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pluginContractChecks } from 'trainer/plugin/testing';
import mattermost from '../fixtures/plugins/notifiers/mattermost/index.js';
import { createLogger } from '../../dist/src/logging/logger.js';
import { loadBuiltinPlugins } from '../../dist/src/plugins/plugin-loader.js';
import { PluginRegistry } from '../../dist/src/plugins/plugin-registry.js';

describe('a third-party notifier written with defineNotifier', () => {
  for (const check of pluginContractChecks(mattermost, { config: { username: 'ci' }, targetForUrl: (url: string) => ({ webhook_url: url }) }))
    it(check.name, check.run);

  it('is found by its folder, like a built-in, with nothing else to register', async () => {
    const registry = new PluginRegistry(createLogger({ level: 'silent' }));
    await loadBuiltinPlugins(registry, fileURLToPath(new URL('../fixtures/plugins/', import.meta.url)));
    expect(registry.list('notifier')).toEqual([expect.objectContaining({ name: 'mattermost', source: 'plugins/notifiers/mattermost' })]);
  });
});
