#!/usr/bin/env node
// Enforces the layering of docs/ARCHITECTURE.md: which folder may import which.
// Prints each violation as `file: imports target (rule)` and exits 1 if there is any.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository, or another tree given as the first argument (the checker's own tests). */
const root = process.argv[2] ? resolve(process.argv[2]) : resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Layer of a repo-relative path: the longest matching prefix. */
const LAYERS = [
  'src/domain',
  'src/store',
  'src/events',
  'src/plugins',
  'src/services',
  'src/api',
  'src/cli',
  'src/client',
  'src/dash',
  'src/agent',
  'src/monitor',
  'src/datasets',
  'src/demo',
  'src/tfjs',
  'src/schedule',
  'src/logging',
  'src/errors.ts',
  'src/index.ts',
  'plugins',
  'bots',
];

/**
 * Importable from every layer of src/ and bots/ (not from plugins/, which use the SDK only): coded errors,
 * mapped once to HTTP, exit code and chat reply; and the structured logger. Neither imports anything of ours.
 */
const SHARED = ['src/errors.ts', 'src/logging'];

/**
 * What each layer may import (besides itself, packages and SHARED). The rules of docs/ARCHITECTURE.md;
 * each exception to them is a single file, with its reason. A rule that no import uses is an error too,
 * so that this list only ever holds rules the code follows.
 */
const ALLOWED = {
  'src/domain': [],
  'src/store': ['src/domain', /* the ustar encoding: the store streams directories as archives */ 'src/datasets/tar-format.ts'],
  'src/events': ['src/domain'],
  'src/monitor': [],
  'src/datasets': [/* a seeded shuffle shared with the domain's sweep sampler */ 'src/domain/seeded-random.ts'],
  'src/demo': ['src/datasets'],
  'src/tfjs': ['src/datasets', 'src/domain/training-plan.ts', /* where the native engines are installed */ 'src/monitor/training-engines.ts'],
  // the SDK: contracts over domain types, and the store's writer, the one way a backend writes run output
  'src/plugins': ['src/domain', 'src/store/run-output-writer.ts'],
  'src/services': ['src/domain', 'src/store', 'src/events', 'src/plugins', 'src/monitor', 'src/datasets'],
  'src/api': [
    'src/services',
    'src/domain',
    // GET /system and /engines read the sampler's latest reading and the installed engines, no service between
    'src/monitor/system-sampler.ts',
    'src/monitor/nvidia-smi.ts',
    'src/monitor/training-engines.ts',
    // GET /plugins lists the registry
    'src/plugins/plugin-registry.ts',
  ],
  'src/schedule': ['src/services'],
  bots: ['src/services', 'src/domain'],
  // the answers' types from the routes' declarations, with `import type` only (checked below; test/integration/client-export.test.ts checks nothing of the agent loads)
  'src/client': ['src/api/responses.ts', 'src/api/route-docs.ts'],
  'src/cli': [
    'src/client',
    // `trainer agent` and `trainer dash` run the agent and the dashboard in the CLI's process
    'src/agent/run-agent-process.ts',
    'src/dash/dashboard.ts',
    // `trainer engines install` installs a native engine on this machine, not through an agent
    'src/monitor/training-engines.ts',
  ],
  'src/dash': ['src/client'],
  // the composition root builds every part
  'src/agent': ['*'],
  'src/index.ts': ['src/agent', 'src/client'],
  'src/errors.ts': [],
  'src/logging': [],
  // built-in plugins use the public plugin SDK only, like a third-party package
  plugins: ['src/plugins/sdk.ts', /* its output half alone, for the run supervisor's start-up */ 'src/plugins/run-output.ts'],
};

/** Layers another may import only with `import type`: the client loads nothing of the agent. */
const TYPE_ONLY = { 'src/client': ['src/api'] };

const layerOf = (path) => LAYERS.filter((layer) => path === layer || path.startsWith(layer + '/')).sort((a, b) => b.length - a.length)[0];

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) yield path;
  }
}

const violations = [];
const used = new Set();
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
      const own = ALLOWED[layer] ?? [];
      const allowed = layer === 'plugins' ? own : [...own, ...SHARED];
      const rule = allowed.find((candidate) => candidate === '*' || target === candidate || targetLayer === candidate || target.startsWith(candidate + '/'));
      if (rule === undefined) violations.push(`${from}: imports ${target} (${layer} may import ${allowed.join(', ') || 'nothing of ours'})`);
      else {
        used.add(`${layer} ${rule}`);
        if (TYPE_ONLY[layer]?.includes(targetLayer) && !/^(?:import|export) type\s/.test(match[0]))
          violations.push(`${from}: imports ${target} for its values (${layer} may import ${targetLayer} with \`import type\` only)`);
      }
    }
  }
}

for (const [layer, rules] of Object.entries(ALLOWED)) {
  for (const rule of rules) if (!used.has(`${layer} ${rule}`)) violations.push(`${layer} may import ${rule}, but nothing there does: remove the rule`);
}

if (violations.length > 0) {
  console.error(violations.join('\n'));
  process.exit(1);
}
console.log('imports follow the layering');
