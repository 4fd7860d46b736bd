import { Args, Flags } from '@oclif/core';
import { BaseCommand, sleep } from '../../base-command.js';
import { formatEpoch, progressLine } from '../../format.js';
import { liveLine, runProgressText } from '../../progress.js';
import { isFinalState, type RunStatus, type TrainerClient } from '../../../client/trainer-client.js';

export default class RunStart extends BaseCommand {
  static summary = 'Start a training run of a recipe.';

  static description = `Parameters are given as -p key=value; the agent checks them against the recipe's parameter types (see \`<%= config.bin %> recipes\`).

With --wait the command follows the run: on a terminal as one progress line redrawn in place, otherwise (piped, CI logs) as a line per epoch; and exits 0 only if the run completes, so that a CI step running it fails with the run. With --wait --json it prints the run's final status as JSON.`;

  static examples = [
    '<%= config.bin %> run start demo-mlp -p dataset_name=blobs -p epochs=30 --wait',
    '<%= config.bin %> run start tfjs -p dataset_name=iris -p learning_rate=0.01 --priority 10 --name nightly',
    '<%= config.bin %> run start demo-mlp --wait --json',
  ];

  static args = {
    recipe: Args.string({ description: 'Recipe name (see `trainer recipes`)', required: true }),
  };

  static flags = {
    param: Flags.string({ char: 'p', description: 'Recipe parameter as key=value (repeatable)', multiple: true, multipleNonGreedy: true }),
    gpus: Flags.integer({ description: 'GPUs to allocate (default: the recipe’s)', min: 0, max: 64 }),
    priority: Flags.integer({ description: 'Queue priority, -100..100; higher starts first (default: the recipe’s)', min: -100, max: 100 }),
    name: Flags.string({ description: 'A name for the run' }),
    experiment: Flags.string({ description: 'Experiment id to file the run under (see `trainer experiments list`)' }),
    wait: Flags.boolean({ description: 'Follow the run until it ends; exit non-zero unless it completes' }),
    'poll-interval': Flags.integer({ description: 'Milliseconds between status polls with --wait', default: 500, min: 10, hidden: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(RunStart);
    const params = parseParams(flags.param ?? [], (message) => this.fail(message, 2));
    const client = this.clientFor(flags);

    const created = await client.createSession({
      recipe: args.recipe,
      params,
      gpus: flags.gpus,
      priority: flags.priority,
      session_name: flags.name,
      experiment_id: flags.experiment,
      start: true,
    });
    const id = created.session_id;
    let position: number | null = null;
    if (created.status === 'queued') {
      const index = (await client.queue()).findIndex((run) => run.session_id === id);
      if (index >= 0) position = index + 1;
    }
    this.log(`${id} ${created.status}${position === null ? '' : ` (queue position ${position})`}`);

    if (!flags.wait) return { ...created, queue_position: position };

    const final = await this.follow(client, id, created.status, flags['poll-interval']);
    if (final.state === 'completed') {
      this.log(`${id} completed${final.current_epoch === null ? '' : ` at epoch ${formatEpoch(final.current_epoch, final.total_epochs)}`}`);
      return final;
    }
    const why = final.error_message ?? (final.exit_code === null ? final.end_reason : `exit code ${final.exit_code}`);
    if (this.jsonEnabled()) {
      this.logJson(final);
      this.exit(1);
    }
    return this.fail(`run ${id} ${final.state}${why ? `: ${why}` : ''}`, 1);
  }

  /**
   * Polls the run's status until it is final. On a terminal: one line redrawn in place (state, bar,
   * epoch, metrics). Otherwise: state changes and one line per new epoch, for logs.
   */
  private async follow(client: TrainerClient, id: string, initialState: string, intervalMs: number): Promise<RunStatus> {
    const live = process.stdout.isTTY && !this.jsonEnabled() ? liveLine(process.stdout) : null;
    let lastState = initialState;
    let lastEpoch: number | null = null;
    let detail = '';
    const onInterrupt = () => {
      live?.end();
      process.stderr.write(`\nStopped watching; ${id} goes on. Stop it with: ${this.config.bin} run stop ${id}\n`);
      process.exit(130);
    };
    process.once('SIGINT', onInterrupt);
    try {
      for (;;) {
        const status = await this.retryWhileUnreachable(() => client.status(id));
        if (status.state !== lastState && !isFinalState(status.state) && !live) this.log(`${id} ${status.state}`);
        lastState = status.state;
        if (status.current_epoch !== null && status.current_epoch !== lastEpoch) {
          // the metrics may be an epoch ahead of (or behind) the status: show the epoch they are of
          const metrics = await this.retryWhileUnreachable(() => client.latestMetrics(id));
          const epoch: number = typeof metrics.epoch === 'number' ? metrics.epoch : status.current_epoch;
          detail = progressLine({ ...status, current_epoch: epoch }, metrics);
          if (epoch !== lastEpoch && !live) this.log(detail);
          lastEpoch = epoch;
        }
        live?.draw(runProgressText(id, status.state, status.total_epochs && lastEpoch !== null ? lastEpoch / status.total_epochs : null, detail));
        if (isFinalState(status.state)) {
          live?.end();
          return status;
        }
        await sleep(intervalMs);
      }
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  }
}

/** `-p key=value` pairs to a params object; values stay strings (the agent coerces them by type). */
export function parseParams(pairs: string[], fail: (message: string) => never): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) fail(`-p ${JSON.stringify(pair)} is not key=value (example: -p epochs=20)`);
    const key = pair.slice(0, equals).trim();
    if (key in params) fail(`-p ${key} is given twice`);
    params[key] = pair.slice(equals + 1);
  }
  return params;
}
