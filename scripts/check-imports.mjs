#!/usr/bin/env node
// Enforces the layering of shared/design/ARCHITECTURE.md: which folder may import which.
// Prints each violation as `file: imports target (rule)` and exits 1 if there is any.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Layer of a repo-relative path: the longest matching prefix. */
const LAYERS = ['src/domain', 'src/store', 'src/events', 'src/plugins', 'src/services', 'src/api', 'src/cli', 'src/client', 'src/dash', 'src/agent', 'src/monitor', 'src/datasets', 'src/demo', 'src/tfjs', 'src/schedule', 'src/logging', 'src/errors.ts', 'src/index.ts', 'plugins', 'bots'];

/** Importable from every layer: the structured logger (an interface and its stderr implementation, nothing else). */
const SHARED = ['src/logging'];

/** What each layer may import (besides itself, packages and SHARED). */
const ALLOWED = {
  'src/domain': ['src/errors.ts'],
  'src/datasets': ['src/domain/seeded-random.ts', 'src/errors.ts'],
  'src/demo': ['src/datasets'],
  'src/tfjs': ['src/datasets', 'src/domain/training-plan.ts', 'src/monitor/training-engines.ts'],
  'src/store': ['src/domain', 'src/errors.ts', 'src/datasets/tar-format.ts'],
  'src/events': ['src/domain'],
  'src/monitor': [],
  'src/plugins': ['src/domain', 'src/store/run-output-writer.ts', 'src/errors.ts'],
  'src/services': ['src/domain', 'src/store', 'src/events', 'src/plugins', 'src/monitor', 'src/datasets', 'src/errors.ts'],
  'src/schedule': ['src/services', 'src/domain', 'src/errors.ts', 'src/plugins/contract.ts'],
  'src/api': ['src/services', 'src/domain', 'src/errors.ts', 'src/plugins/contract.ts', 'src/plugins/plugin-registry.ts', 'src/monitor'],
  'bots': ['src/services', 'src/domain', 'src/errors.ts', 'src/plugins/contract.ts'],
  // the answers' types, with `import type` only (test/integration/client-export.test.ts checks nothing of the agent loads)
  'src/client': ['src/api/responses.ts'],
  'src/cli': ['src/client', 'src/agent/run-agent-process.ts', 'src/dash/dashboard.ts', 'src/errors.ts', 'src/monitor/training-engines.ts'],
  'src/dash': ['src/client'],
  'src/agent': ['*'],
  'src/errors.ts': [],
  'src/logging': [],
  'src/index.ts': ['*'],
  // built-in plugins use the public plugin SDK only, like a third-party package
  plugins: ['src/plugins/sdk.ts'],
};

const layerOf = (path) => LAYERS.filter((layer) => path === layer || path.startsWith(layer + '/')).sort((a, b) => b.length - a.length)[0];

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) yield path;
  }
}

const violations = [];
for (const top of ['src', 'plugins', 'bots']) {
  let files;
  try {
    files = [...sourceFiles(join(root, top))];
  } catch {
    continue;
  }
  for (const file of files) {
    const from = relative(root, file);
    const layer = layerOf(from);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      const specifier = match[1] ?? match[2];
      const target = relative(root, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
      const targetLayer = layerOf(target);
      if (!targetLayer || targetLayer === layer) continue;
      const allowed = [...(ALLOWED[layer] ?? []), ...SHARED];
      const ok = allowed.includes('*') || allowed.some((rule) => target === rule || targetLayer === rule || target.startsWith(rule + '/'));
      if (!ok) violations.push(`${from}: imports ${target} (${layer} may import ${allowed.join(', ') || 'nothing of ours'})`);
    }
  }
}

if (violations.length > 0) {
  console.error(violations.join('\n'));
  process.exit(1);
}
console.log('imports follow the layering');
