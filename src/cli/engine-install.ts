import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TRAINING_ENGINES, trainingEngines, type TrainingEngineName } from '../monitor/training-engines.js';

/** `trainer engines install cpu|gpu` names the native engine to install. */
export const ENGINE_CHOICES: Record<'cpu' | 'gpu', TrainingEngineName> = { cpu: 'tfjs-node', gpu: 'tfjs-node-gpu' };

export class EngineInstallFailed extends Error {}

const require = createRequire(import.meta.url);

/**
 * Installs a native TF.js engine into the engines directory with npm: the package from the registry,
 * then its install script downloads libtensorflow (from storage.googleapis.com) and builds the
 * binding. The version is the trainer's own TF.js version. Resolves with the installed package
 * spec; rejects with EngineInstallFailed saying what went wrong, npm's last words included.
 */
export async function installEngine(choice: keyof typeof ENGINE_CHOICES, dir: string, echo: (chunk: string) => void): Promise<string> {
  const engine = TRAINING_ENGINES.find((candidate) => candidate.name === ENGINE_CHOICES[choice])!;
  const version = (require('@tensorflow/tfjs/package.json') as { version: string }).version;
  const spec = `${engine.package}@${version}`;
  await mkdir(dir, { recursive: true });
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest))
    await writeFile(
      manifest,
      `${JSON.stringify({ name: 'trainer-engines', private: true, description: 'Native TF.js engines installed by `trainer engines install`' }, null, 2)}\n`,
    );

  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const npm = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--no-audit', '--no-fund', '--save-exact', '--foreground-scripts', spec], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      echo(text);
    };
    npm.stdout.on('data', collect);
    npm.stderr.on('data', collect);
    npm.once('error', (error) => reject(new EngineInstallFailed(`cannot run npm to install ${spec}: ${error.message}`)));
    npm.once('close', resolve);
  });
  const why = npmProblem(output.join(''));
  if (code !== 0) throw new EngineInstallFailed(`could not install the ${choice} engine (${spec}) into ${dir}: ${why ?? `npm exited with ${code}`}. ${NEEDS}`);
  const installed = trainingEngines().find((candidate) => candidate.name === engine.name)!;
  if (!installed.available) throw new EngineInstallFailed(`npm installed ${spec} into ${dir}, but the engine is not usable: ${installed.reason}. ${NEEDS}`);
  return spec;
}

const NEEDS =
  'It needs network access to the npm registry and to storage.googleapis.com (libtensorflow), Linux/macOS x64 (gpu: Linux x64 with CUDA 11.2 and cuDNN 8.1). Training goes on with the wasm and cpu engines.';

/**
 * What npm's output says went wrong, if it says: an install script's thrown error (`Error: getaddrinfo
 * ENOTFOUND storage.googleapis.com`), else npm's own error code and the line that explains it.
 */
function npmProblem(output: string): string | null {
  const lines = output
    .split('\n')
    .map((line) => line.replace(/^npm (?:ERR!|error)\s*/, '').trim())
    .filter(Boolean);
  const thrown = lines.find((line) => /^[A-Za-z]*Error: /.test(line));
  if (thrown) return thrown.slice(0, 300);
  const code = lines.map((line) => /^code ([A-Z]\S+)$/.exec(line)?.[1]).find(Boolean);
  const telling = lines.find((line) =>
    /^(request to|network|.*\b(ENOTFOUND|ECONNREFUSED|ECONNRESET|EAI_AGAIN|ETIMEDOUT|certificate|404 Not Found|403 Forbidden))/i.test(line),
  );
  const said = [code, telling?.slice(0, 300).replace(/\.+$/, '')].filter(Boolean).join(': ');
  return said || null;
}
