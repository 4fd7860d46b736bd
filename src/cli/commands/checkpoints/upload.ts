import { basename } from 'node:path';
import { Args, Flags } from '@oclif/core';
import type { CheckpointInfo } from '../../../client/trainer-client.js';
import { BaseCommand } from '../../base-command.js';

export default class CheckpointsUpload extends BaseCommand {
  static description = 'Upload a checkpoint of a session, with its epoch and metrics (streamed; a progress bar on a terminal).';

  static examples = ['<%= config.bin %> checkpoints upload ./epoch-12.pt --session sess_0123456789ab --epoch 12 --metrics \'{"val_loss": 0.31}\''];

  static args = { file: Args.string({ description: 'The checkpoint file', required: true }) };

  static flags = {
    session: Flags.string({ char: 's', description: 'Session id (sess_…)', required: true }),
    epoch: Flags.integer({ char: 'e', description: 'The epoch it was saved at', required: true, min: 0 }),
    metrics: Flags.string({ char: 'm', description: 'Its metrics as a JSON object, e.g. {"val_loss": 0.31}', default: '{}' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(CheckpointsUpload);
    const bar = this.progress(`Uploading ${basename(args.file)}`);
    const fields = { session_id: flags.session, epoch: String(flags.epoch), metrics: flags.metrics };
    const checkpoint = await this.clientFor(flags).upload<CheckpointInfo>('/api/v1/checkpoints', {}, fields, args.file, (done, total) =>
      bar.update(done, total),
    );
    bar.finish();
    const note =
      checkpoint.retained === false
        ? ' — not kept: neither among the best nor the latest that the retention keeps'
        : checkpoint.is_best
          ? ' (best so far)'
          : '';
    this.log(`Uploaded checkpoint ${checkpoint.checkpoint_id} of ${checkpoint.session_id}, epoch ${checkpoint.epoch}${note}`);
    return checkpoint;
  }
}
