import { Args, Flags } from '@oclif/core';
import { BaseCommand, sleep } from '../base-command.js';
import { parseSearchSpace } from '../search-space-flag.js';
import { parseParams } from './run/start.js';
import type { StudyInfo } from '../../client/trainer-client.js';

export default class Sweep extends BaseCommand {
  static summary = 'Run a hyperparameter sweep (an HPO study): each trial is a run of the recipe with sampled parameters.';

  static description = `The search space is given with --space: name=float:LOW:HIGH[:log], name=int:LOW:HIGH[:step=S], name=cat:A,B,C.
The objective is a metric's last value in each trial's run (--metric, minimized unless --maximize).
The command waits for the study, printing a line per finished trial, and ends with the best parameters; --detach returns at once. Ctrl-C stops watching, not the study.`;

  static examples = [
    '<%= config.bin %> sweep demo-mlp -s learning_rate=float:1e-4:1e-1:log -s hidden_units=cat:16,32,64 --metric val_loss --trials 20 --parallelism 2',
    '<%= config.bin %> sweep tfjs -s batch_size=cat:16,32,64 --sampler grid --metric val_accuracy --maximize --json',
  ];

  static args = { recipe: Args.string({ description: 'Recipe whose runs are the trials', required: true }) };

  static flags = {
    space: Flags.string({ char: 's', description: 'A searched parameter (repeatable)', multiple: true, required: true }),
    param: Flags.string({ char: 'p', description: 'A fixed recipe parameter as key=value (repeatable)', multiple: true, multipleNonGreedy: true }),
    metric: Flags.string({ description: 'Metric to optimize', default: 'loss' }),
    maximize: Flags.boolean({ description: 'Maximize the metric (default: minimize)' }),
    trials: Flags.integer({ description: 'Number of trials (a grid has at most its size)', default: 10, min: 1 }),
    parallelism: Flags.integer({ description: 'Trials run at once', default: 1, min: 1 }),
    sampler: Flags.string({ description: 'How trials are chosen', options: ['random', 'grid'], default: 'random' }),
    seed: Flags.integer({ description: 'Seed of the random sampler (recorded; random if not given)', min: 0 }),
    'grid-points': Flags.integer({ description: 'Grid points per float parameter without a step', min: 1 }),
    pruner: Flags.string({
      description: 'median: stop a trial whose best so far is worse than the median of completed trials at the same epoch',
      options: ['none', 'median'],
      default: 'none',
    }),
    name: Flags.string({ description: 'Study name (default: sweep-<recipe>)' }),
    detach: Flags.boolean({ description: 'Create the study and return' }),
    'poll-interval': Flags.integer({ description: 'Milliseconds between polls', default: 500, min: 10, hidden: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Sweep);
    const fail = (message: string): never => this.fail(message, 2);
    const client = this.clientFor(flags);
    const created = await client.createStudy({
      name: flags.name ?? `sweep-${args.recipe}`,
      recipe: args.recipe,
      params: parseParams(flags.param ?? [], fail),
      search_space: parseSearchSpace(flags.space, fail),
      objective: flags.maximize ? 'maximize' : 'minimize',
      metric: flags.metric,
      n_trials: flags.trials,
      parallelism: flags.parallelism,
      sampler: flags.sampler,
      seed: flags.seed,
      grid_points: flags['grid-points'],
      pruner: flags.pruner,
    });
    this.log(
      `Study ${created.id}: ${created.n_trials} trials of ${created.recipe}, ${created.objective} ${created.metric}, ${created.sampler} sampler (seed ${created.seed}), ${created.parallelism} at a time`,
    );
    if (flags.detach) return created;

    const onInterrupt = () => {
      process.stderr.write(`\nStopped watching; study ${created.id} goes on. Stop it with: curl -X POST .../api/v1/hpo/studies/${created.id}/stop\n`);
      process.exit(130);
    };
    process.once('SIGINT', onInterrupt);
    try {
      const reported = new Set<number>();
      for (;;) {
        const study = await this.retryWhileUnreachable(() => client.study(created.id));
        for (const trial of study.trials) {
          if (trial.state === 'running' || reported.has(trial.number)) continue;
          reported.add(trial.number);
          const outcome = trial.state === 'completed' ? `${study.metric} ${trial.value}` : `${trial.state}${trial.error ? ` (${trial.error})` : ''}`;
          this.log(`trial ${trial.number + 1}/${study.n_trials} ${formatParams(trial.params)} → ${outcome}; best ${study.best_value ?? '-'}`);
        }
        if (study.state !== 'running') return this.finish(study);
        await sleep(flags['poll-interval']);
      }
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  }

  private finish(study: StudyInfo): StudyInfo {
    if (study.best_params)
      this.log(
        `Study ${study.id} ${study.state}: best ${study.metric} ${study.best_value} with ${formatParams(study.best_params)} (trial ${study.best_trial! + 1}, run ${study.trials[study.best_trial!]?.run_id})`,
      );
    else this.log(`Study ${study.id} ${study.state}: no trial completed with a value`);
    if (!study.best_params && !this.jsonEnabled()) this.exit(1);
    return study;
  }
}

const formatParams = (params: Record<string, unknown>): string =>
  Object.entries(params)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
