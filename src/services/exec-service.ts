import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import type { Run } from '../domain/run.js';
import { AppError, ErrorCode, invalid } from '../errors.js';
import type { AuditEntry } from '../domain/workspace.js';
import type { AuditService } from './audit-service.js';
import type { CommandRequest, RunService } from './run-service.js';

export interface ExecPolicy {
  /** Off unless the agent is started with `allow_commands: true` (TRAINER_ALLOW_COMMANDS=1). */
  allowCommands: boolean;
  /** Roots a command's working directory must lie in (after links are resolved); empty: anywhere. */
  allowedCwd: string[];
}

export interface ExecRequest extends Omit<CommandRequest, 'command'> {
  argv: string[];
  cwd?: string | null;
  env?: Record<string, string>;
}

export interface ExecActor {
  name: string;
  via: AuditEntry['via'];
}

export const COMMANDS_OFF_DETAIL =
  'Running commands is off on this agent: start it with allow_commands: true in its config file (or TRAINER_ALLOW_COMMANDS=1), optionally with allowed_cwd roots (TRAINER_ALLOWED_CWD=/srv/ci:/home), and use a key with the exec scope (trainer keys create --name ci --scope exec)';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Who may run ad-hoc commands and where: the policy check and the audit record around RunService.submitCommand. */
export class ExecService {
  constructor(private readonly deps: { runs: RunService; audit: AuditService; policy: ExecPolicy }) {}

  get enabled(): boolean {
    return this.deps.policy.allowCommands;
  }

  async submit(request: ExecRequest, actor: ExecActor): Promise<Run> {
    const details: Record<string, unknown> = { argv: request.argv, cwd: request.cwd ?? null, gpus: request.gpus ?? 0, env: Object.keys(request.env ?? {}) };
    try {
      if (!this.deps.policy.allowCommands) throw new AppError(ErrorCode.Forbidden, COMMANDS_OFF_DETAIL);
      const argv = checkArgv(request.argv);
      const env = checkEnv(request.env ?? {});
      const cwd = request.cwd ? await this.checkCwd(request.cwd) : null;
      const run = await this.deps.runs.submitCommand({ ...request, command: { argv, cwd, env, submitted_by: actor.name } });
      await this.deps.audit.record({ actor: actor.name, via: actor.via, action: 'run.exec', target: run.id, details, result: 'ok' });
      return run;
    } catch (error) {
      const refused = error instanceof AppError && error.httpStatus < 500;
      await this.deps.audit
        .record({
          actor: actor.name,
          via: actor.via,
          action: 'run.exec',
          target: null,
          details,
          result: refused ? 'refused' : 'failed',
          reason: (error as Error).message,
        })
        .catch(() => {});
      throw error;
    }
  }

  /** Absolute, an existing directory, and inside an allowed root once links are resolved. */
  private async checkCwd(given: string): Promise<string> {
    if (!isAbsolute(given) || given.includes('\u0000')) throw invalid(`cwd must be an absolute path on the agent's machine, got ${JSON.stringify(given)}`);
    let real: string;
    try {
      real = await realpath(given);
      if (!(await stat(real)).isDirectory()) throw invalid(`cwd ${given} is not a directory on the agent's machine`);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw invalid(`cwd ${given} does not exist on the agent's machine (the command runs there, not where the client is)`);
    }
    const roots = this.deps.policy.allowedCwd;
    if (roots.length === 0) return real;
    for (const root of roots) {
      const realRoot = await realpath(root).catch(() => null);
      if (realRoot === null) continue;
      const inside = relative(realRoot, real);
      if (inside === '' || (!inside.startsWith('..' + sep) && inside !== '..' && !isAbsolute(inside))) return real;
    }
    throw new AppError(ErrorCode.Forbidden, `cwd ${given} is outside the directories this agent runs commands in (allowed_cwd: ${roots.join(', ')})`);
  }
}

function checkArgv(argv: readonly string[]): string[] {
  if (argv.length === 0 || argv[0] === '') throw invalid('command is empty: give the program and its arguments');
  if (argv.length > 4096) throw invalid('command has more than 4096 words');
  if (argv.some((word) => word.includes('\u0000'))) throw invalid('command contains a NUL character');
  return [...argv];
}

function checkEnv(env: Record<string, string>): Record<string, string> {
  const entries = Object.entries(env);
  if (entries.length > 256) throw invalid('environment has more than 256 variables');
  for (const [name, value] of entries) {
    if (!ENV_NAME.test(name))
      throw invalid(`environment variable name ${JSON.stringify(name)} is not a valid name (letters, digits, _; not starting with a digit)`);
    if (typeof value !== 'string' || value.includes('\u0000')) throw invalid(`environment variable ${name} must be a string without NUL characters`);
  }
  return { ...env };
}
