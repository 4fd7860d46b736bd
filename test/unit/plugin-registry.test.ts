import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../dist/src/logging/logger.js';
import { loadBuiltinPlugins, loadExternalPlugins } from '../../dist/src/plugins/plugin-loader.js';
import { PluginRegistry } from '../../dist/src/plugins/plugin-registry.js';
import { startTestAgent, waitForState } from '../helpers/agent-harness.js';

const logger = createLogger({ level: 'silent' });
const definition = (overrides: Record<string, unknown> = {}) => ({
  name: 'sample',
  kind: 'notifier',
  apiVersion: 1,
  configSchema: z.object({ url: z.string().url() }).strict(),
  create: (_context: unknown, config: { url: string }) => ({
    async send() {
      if (config.url.includes('fail')) throw new Error('receiver said no');
      return { ok: true };
    },
  }),
  ...overrides,
});

describe('plugin registry', () => {
  it('finds the built-in process backend by its folder', async () => {
    const registry = new PluginRegistry(logger);
    await loadBuiltinPlugins(registry);
    expect(registry.list('backend').map((plugin) => plugin.name)).toContain('process');
  });

  it('refuses missing names, duplicates and another API version, with coded errors', () => {
    const registry = new PluginRegistry(logger);
    registry.register(definition(), 'test');
    expect(() => registry.register(definition(), 'other')).toThrow(/Duplicate notifier plugin 'sample': from other and test/);
    expect(() => registry.register(definition({ name: '' }), 'x')).toThrow(/not a valid plugin definition: name/);
    expect(() => registry.register(definition({ name: 'v2', apiVersion: 2 }), 'x')).toThrow(/targets plugin API 2; this agent speaks 1/);
    expect(() => registry.register(definition({ name: 'nokind', kind: 'widget' }), 'x')).toThrow(/kind/);
    expect(() => registry.register({ name: 'nofactory', kind: 'notifier', apiVersion: 1, configSchema: z.object({}) }, 'x')).toThrow(/create/);
  });

  it('validates each plugin config with its schema and names plugin and field', async () => {
    const registry = new PluginRegistry(logger);
    registry.register(definition(), 'test');
    await expect(registry.instantiateAll({ 'notifier:sample': { url: 'not a url' } })).rejects.toThrow(/Invalid config for notifier plugin 'sample': url:/);
    await expect(registry.instantiateAll({ 'notifier:missing': {} })).rejects.toThrow(/no such plugin is loaded/);
  });

  it('attributes a failure to the plugin and hook', async () => {
    const registry = new PluginRegistry(logger);
    registry.register(definition(), 'test');
    await registry.instantiateAll({ 'notifier:sample': { url: 'http://fail.example' } });
    await expect(registry.get('notifier', 'sample').send({})).rejects.toThrow('Plugin notifier:sample failed in send: receiver said no');
  });

  it('loads a third-party plugin from a path and runs a recipe on it through the same contract', async () => {
    const registry = new PluginRegistry(logger);
    const fixtures = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
    await loadExternalPlugins(registry, ['./echo-backend.mjs'], fixtures);
    expect(registry.list('backend')).toEqual([expect.objectContaining({ name: 'echo', source: './echo-backend.mjs' })]);
    await expect(loadExternalPlugins(new PluginRegistry(logger), ['./nope.mjs'], fixtures)).rejects.toThrow(/Cannot load plugin \.\/nope\.mjs/);

    const dir = await mkdtemp(join(tmpdir(), 'trainer-plugin-'));
    const configFile = join(dir, 'trainer.yaml');
    await writeFile(
      configFile,
      `plugins:\n  load: [${join(fixtures, 'echo-backend.mjs')}]\n  config:\n    "backend:echo": { exit_code: 4 }\nrecipe_dirs: [${fixtures}]\n`,
    );
    const t = await startTestAgent({ env: { TRAINER_CONFIG: configFile } });
    try {
      const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'echo-run', start: true })).body.session_id;
      expect(await waitForState(t.api, id, ['failed', 'completed'])).toMatchObject({ state: 'failed', exit_code: 4, backend: 'echo' });
    } finally {
      await t.close();
    }
  });
});
