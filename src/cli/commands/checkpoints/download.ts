import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { destinationChooser, downloadFlags } from '../../transfer.js';

export default class CheckpointsDownload extends BaseCommand {
  static description = "Download a checkpoint's file.";

  static examples = ['<%= config.bin %> checkpoints download ckpt_0123456789ab -o ./best.pt'];

  static args = { id: Args.string({ description: 'Checkpoint id (ckpt_…)', required: true }) };

  static flags = { ...downloadFlags };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(CheckpointsDownload);
    const bar = this.progress(`Downloading ${args.id}`);
    const saved = await this.clientFor(flags).download(
      `/api/v1/checkpoints/${encodeURIComponent(args.id)}/download`,
      destinationChooser(flags.output, flags.force, args.id),
      (done, total) => bar.update(done, total),
    );
    bar.finish();
    this.log(`Saved ${args.id} to ${saved.path} (${saved.bytes} bytes)`);
    return { checkpoint_id: args.id, ...saved };
  }
}
