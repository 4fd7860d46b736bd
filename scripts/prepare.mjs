#!/usr/bin/env node
// npm's `prepare`: builds dist/ in a clone (`npm install` there installs the dev tools that build it).
// A packed trainer ships dist/ (built by `prepack`), and `npm ci --omit=dev` of it has no TypeScript:
// there this does nothing. It fails, saying why, only when there is neither a dist/ nor a compiler.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// npm pack / publish run `prepack` (the build) before `prepare`: once is enough
if (['pack', 'publish'].includes(process.env.npm_command ?? '')) process.exit(0);

let hasCompiler = true;
try {
  createRequire(join(root, 'package.json')).resolve('typescript');
} catch {
  hasCompiler = false;
}
if (hasCompiler) {
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
} else if (!existsSync(join(root, 'dist', 'src', 'index.js'))) {
  console.error(
    'trainer: dist/ is missing and the dev dependencies (TypeScript) are not installed. Install from the packed package (npm pack ships dist/), or run npm install without --omit=dev to build it.',
  );
  process.exit(1);
}
