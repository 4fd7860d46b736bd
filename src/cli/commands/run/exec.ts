import { constants } from 'node:os';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { EventStream } from '../../../client/event-stream.js';
import { isFinalState, type RunStatus, type TrainerClient } from '../../../client/trainer-client.js';

/** Exit codes for runs that did not end with one of their own (documented in --help and the README). */
export const EXEC_EXIT = { stopped: 130, timeout: 124, lost: 125 } as const;

export default class RunExec extends BaseCommand {
  static summary = "Run a command on the agent's machine through its queue, streaming its output, and exit with its exit code.";

  static description = `Like srun or pueue for a GPU box: the command after -- is queued as a run (argv as given, never through a shell), waits for a slot and its GPUs (CUDA_VISIBLE_DEVICES is set to them), runs in --cwd (default: the current directory, which must exist on the agent's machine), and its stdout and stderr are printed here, each to its own, as the command prints them. Metrics (JSON lines), checkpoints, alerts and notifications work as for any run.

Ctrl-C (or SIGTERM) stops the run and waits for it to end; a second Ctrl-C leaves it running and returns at once.

Exit code: the command's own; 128+N when it was killed by signal N; ${EXEC_EXIT.stopped} when it was stopped or cancelled; ${EXEC_EXIT.timeout} past its time limit; ${EXEC_EXIT.lost} when the agent lost track of it; 127 when it could not be started. A refusal at submission exits 2 (bad request), 3 (not allowed: the agent needs allow_commands and the key the exec scope) or 4.`;

  static examples = [
    '<%= config.bin %> run exec -- python3 train.py --lr 0.01',
    '<%= config.bin %> run exec --gpus 1 --name nightly --env WANDB_MODE=offline -- python3 train.py',
    "<%= config.bin %> run exec --cwd /srv/ci/checkout --priority 10 -- bash -c 'make data && python3 train.py'",
  ];

  static usage = 'run exec [--gpus N] [--priority P] [--name NAME] [--env K=V]... [--cwd DIR] [-v] -- COMMAND [ARG]...';

  static strict = false;
  static enableJsonFlag = false;

  static flags = {
    gpus: Flags.integer({ description: 'GPUs to allocate (CUDA_VISIBLE_DEVICES)', default: 0, min: 0, max: 64 }),
    priority: Flags.integer({ description: 'Queue priority, -100..100; higher starts first', min: -100, max: 100 }),
    name: Flags.string({ description: 'A name for the run' }),
    env: Flags.string({
      char: 'e',
      description: "KEY=VALUE for the command's environment, or KEY to pass this shell's value (repeatable)",
      multiple: true,
      multipleNonGreedy: true,
    }),
    cwd: Flags.string({ description: "Working directory on the agent's machine (default: the current directory)" }),
    verbose: Flags.boolean({ char: 'v', description: "Also print the agent's lines about the run (start, exit) to stderr" }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(RunExec);
    const command = argv as string[];
    if (command.length === 0) this.fail('give the command after --, e.g. trainer run exec -- python3 train.py', 2);
    const environment = parseEnv(flags.env ?? [], (message) => this.fail(message, 2));
    const client = this.clientFor(flags);
    const job = await client.submitJob({
      command,
      cwd: flags.cwd ?? process.cwd(),
      environment,
      gpu_count: flags.gpus,
      priority: flags.priority,
      name: flags.name,
    });
    note(`${job.id} ${job.status === 'pending' ? 'queued' : job.status}`);
    const final = await this.stream(client, { url: flags.url, apiKey: flags['api-key'] }, job.id, flags.verbose);
    this.exit(exitCodeOf(final));
  }

  /** Prints the run's output from its first line until it ends; Ctrl-C asks for a stop. */
  private async stream(client: TrainerClient, agent: { url: string; apiKey?: string }, id: string, verbose: boolean): Promise<RunStatus> {
    let ended = false;
    let announced = false;
    let stopping = false;
    const interrupt = () => {
      if (stopping) {
        note(`left ${id} running; stop it with: ${this.config.bin} run stop ${id}`);
        process.exit(EXEC_EXIT.stopped);
      }
      stopping = true;
      note(`stopping ${id} (Ctrl-C again to leave it running)`);
      client.stop(id).catch((error: Error) => note(`could not stop ${id}: ${error.message}`));
    };
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
    try {
      await new Promise<void>((resolve, reject) => {
        const stream = new EventStream({
          url: agent.url,
          apiKey: agent.apiKey,
          path: `/api/v1/sse/training/${encodeURIComponent(id)}`,
          lastEventId: 'm0.l0', // from the run's first line
          onMessage: ({ event, data }) => {
            const record = data as { stream?: string; message?: string; state?: string; gpu_ids?: number[] };
            if (event === 'log') {
              if (record.stream === 'stdout') process.stdout.write(`${record.message}\n`);
              else if (record.stream === 'stderr') process.stderr.write(`${record.message}\n`);
              else if (verbose) note(String(record.message));
            } else if (event === 'status') {
              if (record.state === 'running' && !announced) {
                announced = true;
                note(`${id} running${record.gpu_ids?.length ? ` on GPU ${record.gpu_ids.join(',')}` : ''}`);
              }
              if (isFinalState(record.state as RunStatus['state'])) ended = true;
            }
          },
          onState: (state) => {
            if (state.state === 'closed') resolve();
            else if (state.state === 'down' && (state.fatal || state.retryInMs === null)) {
              stream.close();
              reject(new Error(`the agent refused the run's output stream: ${state.detail}`));
            }
          },
          reconnectAfterEnd: () => !ended,
        }).start();
      });
      return await this.retryWhileUnreachable(() => client.status(id));
    } finally {
      process.removeListener('SIGINT', interrupt);
      process.removeListener('SIGTERM', interrupt);
    }
  }
}

function note(message: string): void {
  process.stderr.write(`trainer: ${message}\n`);
}

/** `KEY=VALUE` as given; a bare `KEY` takes this shell's value. */
export function parseEnv(pairs: string[], fail: (message: string) => never): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const key = equals === -1 ? pair : pair.slice(0, equals);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) fail(`--env ${JSON.stringify(pair)}: ${JSON.stringify(key)} is not a variable name`);
    const value = equals === -1 ? process.env[key] : pair.slice(equals + 1);
    if (value === undefined) fail(`--env ${key}: it is not set here (give ${key}=VALUE)`);
    env[key] = value;
  }
  return env;
}

/** The command's own exit code where it has one; otherwise the documented codes. */
export function exitCodeOf(status: RunStatus): number {
  if (status.state === 'completed') return 0;
  if (status.state === 'stopped' || status.state === 'cancelled') return EXEC_EXIT.stopped;
  if (status.end_reason === 'timeout') return EXEC_EXIT.timeout;
  if (status.end_signal) return 128 + (constants.signals[status.end_signal as keyof typeof constants.signals] ?? 0);
  if (status.exit_code !== null && status.exit_code !== 0) return status.exit_code;
  return EXEC_EXIT.lost;
}
