import { execFile } from 'node:child_process';
import { parseExitCode, type JobEnd } from './job-states.js';

export interface SlurmCommands {
  sbatch: string;
  squeue: string;
  scontrol: string;
  scancel: string;
  sacct: string;
  timeoutMs: number;
}

/** A Slurm command that could not run or answered with an error; `gone` when the job is unknown to the controller. */
export class SlurmCommandError extends Error {
  constructor(
    message: string,
    readonly gone: boolean,
  ) {
    super(message);
  }
}

export interface QueueState {
  state: string;
  reason: string;
}

const INVALID_JOB = /Invalid job id/i;
const QUEUE_CHUNK = 500;

/** Runs the Slurm client commands (never through a shell) and reads their answers. */
export class SlurmClient {
  constructor(private readonly commands: SlurmCommands) {}

  /** `sbatch --parsable`: the job id (the part before `;cluster`). */
  async submit(args: string[], env: Record<string, string>): Promise<string> {
    const { stdout } = await this.run(this.commands.sbatch, ['--parsable', ...args], env);
    const jobId = stdout.trim().split('\n').pop()?.split(';')[0]?.trim() ?? '';
    if (!/^\d+(?:_\d+)?$/.test(jobId)) throw new SlurmCommandError(`sbatch answered no job id: ${JSON.stringify(stdout.trim())}`, false);
    return jobId;
  }

  /**
   * `squeue -j <id> -h -t all -o '%T|%r|%j'`: the state and reason while the controller knows the job,
   * null when it no longer does (or the id now names another job: not ours by name).
   */
  async queueState(jobId: string, jobName: string): Promise<QueueState | null> {
    let stdout: string;
    try {
      ({ stdout } = await this.run(this.commands.squeue, ['-j', jobId, '-h', '-t', 'all', '-o', '%T|%r|%j']));
    } catch (error) {
      if (error instanceof SlurmCommandError && error.gone) return null;
      throw error;
    }
    const line = stdout.split('\n').find((text) => text.trim() !== '');
    if (!line) return null;
    const [state = '', reason = '', name = ''] = line.trim().split('|');
    if (name !== jobName) return null;
    return { state: baseState(state), reason };
  }

  /**
   * `squeue -h -t all -o '%i|%T|%r|%j' -j <id,id,…>` for many jobs at once: id → state, reason, name.
   * Jobs the controller no longer knows are simply absent (squeue errors only when asked about a single
   * unknown id, which is taken the same way). Long lists go in chunks, to stay under argv limits.
   */
  async queueStates(jobIds: readonly string[]): Promise<Map<string, { state: string; reason: string; name: string }>> {
    const rows = new Map<string, { state: string; reason: string; name: string }>();
    for (let start = 0; start < jobIds.length; start += QUEUE_CHUNK) {
      let stdout: string;
      try {
        ({ stdout } = await this.run(this.commands.squeue, ['-h', '-t', 'all', '-o', '%i|%T|%r|%j', '-j', jobIds.slice(start, start + QUEUE_CHUNK).join(',')]));
      } catch (error) {
        if (error instanceof SlurmCommandError && error.gone) continue;
        throw error;
      }
      for (const line of stdout.split('\n')) {
        const [id = '', state = '', reason = '', ...name] = line.trim().split('|');
        if (id && state) rows.set(id, { state: baseState(state), reason, name: name.join('|') });
      }
    }
    return rows;
  }

  /** `scontrol show job -o <id>` as key/value fields; null when the controller no longer knows the job. */
  async showJob(jobId: string): Promise<Record<string, string> | null> {
    try {
      const { stdout } = await this.run(this.commands.scontrol, ['show', 'job', '-o', jobId]);
      const line = stdout.split('\n').find((text) => text.includes('JobId='));
      return line ? parseFields(line) : null;
    } catch (error) {
      if (error instanceof SlurmCommandError && error.gone) return null;
      throw error;
    }
  }

  /** How the job ended, from `scontrol show job` while the controller still holds it. */
  async endFromController(jobId: string, jobName: string): Promise<JobEnd | null> {
    const fields = await this.showJob(jobId);
    if (!fields || fields.JobName !== jobName) return null;
    const code = parseExitCode(fields.ExitCode);
    if (!fields.JobState || !code) return null;
    return {
      state: baseState(fields.JobState),
      reason: fields.Reason ?? null,
      exitCode: code[0],
      signal: code[1],
      source: 'scontrol',
      endTime: fields.EndTime ?? null,
    };
  }

  /** How the job ended, from accounting (`sacct`); null where there is no accounting or no record. */
  async endFromAccounting(jobId: string, jobName: string): Promise<JobEnd | null> {
    let stdout: string;
    try {
      ({ stdout } = await this.run(this.commands.sacct, ['-j', jobId, '-X', '-n', '-P', '-o', 'JobName,State,ExitCode,End']));
    } catch {
      return null; // no accounting ("Slurm accounting storage is disabled"), no sacct, or no answer
    }
    for (const line of stdout.split('\n')) {
      const [name, state, exit, end] = line.trim().split('|');
      const code = parseExitCode(exit);
      if (name !== jobName || !state || !code) continue;
      return { state: baseState(state), reason: null, exitCode: code[0], signal: code[1], source: 'sacct', endTime: end ?? null };
    }
    return null;
  }

  /** `scancel --full --signal=<signal>`: to the batch step too (the training process is the batch step). */
  async signal(jobId: string, signal: string): Promise<void> {
    await this.run(this.commands.scancel, ['--full', `--signal=${signal}`, jobId]);
  }

  /** `scancel`: the job is CANCELLED; Slurm sends SIGTERM, then SIGKILL after its KillWait. */
  async cancel(jobId: string): Promise<void> {
    await this.run(this.commands.scancel, [jobId]);
  }

  /** `scontrol show config` as key/value pairs. */
  async config(): Promise<Record<string, string>> {
    const { stdout } = await this.run(this.commands.scontrol, ['show', 'config']);
    const config: Record<string, string> = {};
    for (const line of stdout.split('\n')) {
      const match = /^(\S+)\s*=\s*(.*)$/.exec(line);
      if (match) config[match[1]!] = match[2]!.trim();
    }
    return config;
  }

  private run(command: string, args: string[], env?: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      execFile(
        command,
        args,
        { env: env ?? process.env, timeout: this.commands.timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout, stderr });
          const notFound = (error as NodeJS.ErrnoException).code === 'ENOENT';
          const detail = stderr.trim() || (notFound ? `${command}: no such command (ENOENT)` : error.message);
          const how = error.killed ? `timed out after ${this.commands.timeoutMs} ms` : `failed`;
          reject(new SlurmCommandError(`${command} ${args.join(' ')} ${how}: ${detail}`, INVALID_JOB.test(stderr)));
        },
      );
    });
  }
}

/** `CANCELLED by 0` (sacct), `CANCELLED+` → `CANCELLED`. */
function baseState(state: string): string {
  return state.trim().split(/[\s+]/)[0]!.toUpperCase();
}

/** `Key=Value Key2=Value with spaces Key3=…` (one `scontrol -o` line) → fields. */
export function parseFields(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of line.trim().split(/ (?=[A-Za-z][\w:/]*=)/)) {
    const equals = part.indexOf('=');
    if (equals > 0) fields[part.slice(0, equals)] = part.slice(equals + 1);
  }
  return fields;
}
