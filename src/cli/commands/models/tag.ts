import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class ModelsTag extends BaseCommand {
  static description = 'Tag a model (production, staging…): the tag moves from the model that held it. --remove takes it off.';

  static examples = ['<%= config.bin %> models tag resnet-v2 production', '<%= config.bin %> models tag resnet-v1 production --remove'];

  static args = {
    name: Args.string({ description: 'Model name', required: true }),
    tag: Args.string({ description: 'The tag', required: true }),
  };

  static flags = {
    remove: Flags.boolean({ description: 'Take the tag off the model instead', default: false }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ModelsTag);
    const client = this.clientFor(flags);
    const model = flags.remove ? await client.untagModel(args.name, args.tag) : await client.tagModel(args.name, args.tag);
    this.log(model.message);
    return model;
  }
}
