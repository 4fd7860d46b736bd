import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class CheckpointsRm extends BaseCommand {
  static description = 'Delete a checkpoint and its file.';

  static examples = ['<%= config.bin %> checkpoints rm ckpt_0123456789ab'];

  static args = { id: Args.string({ description: 'Checkpoint id (ckpt_…)', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(CheckpointsRm);
    const result = await this.clientFor(flags).removeCheckpoint(args.id);
    this.log(result.message);
    return result;
  }
}
