import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRAINER_HOME } from './agent-config.js';

export function readPackageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(TRAINER_HOME, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
