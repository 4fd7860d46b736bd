import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { destinationChooser, downloadFlags } from '../../transfer.js';

export default class ModelsDownload extends BaseCommand {
  static description = 'Download a model (a bundle directory comes as a tar archive).';

  static examples = ['<%= config.bin %> models download resnet-v2', '<%= config.bin %> models download resnet-v2 -o ./weights/'];

  static args = { name: Args.string({ description: 'Model name', required: true }) };

  static flags = { ...downloadFlags };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ModelsDownload);
    const bar = this.progress(`Downloading ${args.name}`);
    const saved = await this.clientFor(flags).download(
      `/api/v1/models/${encodeURIComponent(args.name)}`,
      destinationChooser(flags.output, flags.force, args.name),
      (done, total) => bar.update(done, total),
    );
    bar.finish();
    this.log(`Saved ${args.name} to ${saved.path} (${saved.bytes} bytes)`);
    return { name: args.name, ...saved };
  }
}
