import { BaseCommand } from '../../base-command.js';
import { formatFields } from '../../format.js';

export default class ConfigShow extends BaseCommand {
  static description = "The agent's runtime settings (those that change without a restart).";

  static examples = ['<%= config.bin %> config show'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(ConfigShow);
    const config = await this.clientFor(flags).config();
    this.log(
      formatFields([
        ['max concurrent runs', config.max_concurrent_sessions],
        ['default recipe', config.default_recipe],
        ['default params', JSON.stringify(config.default_params)],
      ]),
    );
    return config;
  }
}
