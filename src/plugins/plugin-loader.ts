import { readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AppError, ErrorCode } from '../errors.js';
import type { PluginRegistry } from './plugin-registry.js';

/** Folders under plugins/ that hold built-ins, one plugin per sub-folder with an index module. */
const BUILTIN_KIND_FOLDERS = ['backends', 'alert-rules', 'notifiers', 'webhooks'];
const builtinRoot = fileURLToPath(new URL('../../plugins/', import.meta.url));

/** Finds every built-in under plugins/<kind>/<name>/index.js: adding a plugin is adding a folder. */
export async function loadBuiltinPlugins(registry: PluginRegistry, root = builtinRoot): Promise<void> {
  for (const kindFolder of BUILTIN_KIND_FOLDERS) {
    let names: string[];
    try {
      names = (await readdir(join(root, kindFolder), { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const modulePath = join(root, kindFolder, name, 'index.js');
      await registerModule(registry, pathToFileURL(modulePath).href, `plugins/${kindFolder}/${name}`);
    }
  }
}

/** Loads third-party plugins named in the config: a package name or a path (relative to `baseDir`). */
export async function loadExternalPlugins(registry: PluginRegistry, specifiers: readonly string[], baseDir: string): Promise<void> {
  for (const specifier of specifiers) {
    const looksLikePath = specifier.startsWith('.') || isAbsolute(specifier);
    const target = looksLikePath ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
    await registerModule(registry, target, specifier);
  }
}

async function registerModule(registry: PluginRegistry, target: string, source: string): Promise<void> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(target)) as Record<string, unknown>;
  } catch (error) {
    throw new AppError(ErrorCode.Plugin, `Cannot load plugin ${source}: ${(error as Error).message}`);
  }
  const exported = loaded.default ?? loaded.plugin;
  const definitions = Array.isArray(exported) ? exported : [exported];
  for (const definition of definitions) registry.register(definition, source);
}
