import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class RunTrack extends BaseCommand {
  static description = `Create a run that only records what you report (seed 002): no process, no slot, no GPU.
It is running at once; report into it with \`run report\` (or POST …/metrics) and end it with \`run complete\`.`;

  static examples = [
    'ID=$(<%= config.bin %> run track --name nightly-eval --json | jq -r .session_id)',
    '<%= config.bin %> run track --name finetune -p dataset_name=iris --epochs 10 --experiment exp_0123456789ab',
  ];

  static flags = {
    name: Flags.string({ description: 'A name for the run' }),
    param: Flags.string({ char: 'p', description: 'A parameter to record with the run (key=value; repeatable)', multiple: true }),
    epochs: Flags.integer({ description: 'How many epochs it will report, for progress', min: 1 }),
    tag: Flags.string({ description: 'A tag (repeatable)', multiple: true }),
    experiment: Flags.string({ description: 'The experiment it belongs to' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(RunTrack);
    const params: Record<string, string> = {};
    for (const pair of flags.param ?? []) {
      const equals = pair.indexOf('=');
      if (equals <= 0) this.fail(`--param takes key=value, got '${pair}'`, 2);
      params[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
    const created = await this.clientFor(flags).createSession({
      tracking_only: true,
      params,
      session_name: flags.name,
      tags: flags.tag,
      experiment_id: flags.experiment,
      total_epochs: flags.epochs,
    });
    this.log(`Tracking run ${created.session_id} is ${created.status}: report with \`trainer run report ${created.session_id} loss=0.5 --epoch 1\``);
    return created;
  }
}
