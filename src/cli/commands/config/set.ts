import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { formatFields } from '../../format.js';

export default class ConfigSet extends BaseCommand {
  static description = 'Change runtime settings at once, without a restart (raising the limit starts queued runs right away).';

  static examples = ['<%= config.bin %> config set --max-concurrent 4', '<%= config.bin %> config set --default-recipe demo-mlp'];

  static flags = {
    'max-concurrent': Flags.integer({ description: 'Runs at once', min: 1, max: 1024 }),
    'default-recipe': Flags.string({ description: 'Recipe run by seed 000 starts and `run start` without a recipe' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(ConfigSet);
    const changes = {
      ...(flags['max-concurrent'] !== undefined && { max_concurrent_sessions: flags['max-concurrent'] }),
      ...(flags['default-recipe'] && { default_recipe: flags['default-recipe'] }),
    };
    if (Object.keys(changes).length === 0) this.fail('Nothing to change: give --max-concurrent or --default-recipe', 2);
    const config = await this.clientFor(flags).patchConfig(changes);
    this.log(
      formatFields([
        ['max concurrent runs', config.max_concurrent_sessions],
        ['default recipe', config.default_recipe],
      ]),
    );
    return config;
  }
}
