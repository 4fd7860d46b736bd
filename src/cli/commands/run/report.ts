import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class RunReport extends BaseCommand {
  static description = 'Report metric values into a running run (a tracking run, or any run), as a script outside the agent would.';

  static examples = ['<%= config.bin %> run report sess_0123456789ab loss=0.31 val_accuracy=0.91 --epoch 5'];

  static strict = false;

  static args = {
    id: Args.string({ description: 'Session id (sess_…)', required: true }),
  };

  static flags = {
    epoch: Flags.integer({ description: 'The epoch the values belong to', min: 0 }),
    step: Flags.integer({ description: 'The step the values belong to', min: 0 }),
  };

  async run(): Promise<unknown> {
    const { args, argv, flags } = await this.parse(RunReport);
    const pairs = (argv as string[]).slice(1);
    if (pairs.length === 0) this.fail('Give at least one metric as name=value, e.g. loss=0.31', 2);
    const metrics: Record<string, number> = {};
    for (const pair of pairs) {
      const match = /^([^=\s]+)=(.+)$/.exec(pair);
      const value = match ? Number(match[2]) : NaN;
      if (!match || !Number.isFinite(value)) this.fail(`A metric is name=number, got '${pair}'`, 2);
      metrics[match![1]!] = value;
    }
    const result = await this.clientFor(flags).reportMetrics(args.id, [{ metrics, epoch: flags.epoch, step: flags.step }]);
    this.log(`Reported ${Object.keys(metrics).join(', ')} into ${args.id}`);
    return result;
  }
}
