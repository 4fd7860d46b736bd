import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class RulesRm extends BaseCommand {
  static description = 'Delete an alert rule made through the API; its open alerts resolve.';

  static examples = ['<%= config.bin %> rules rm rule_0a1b2c3d4e5f'];

  static args = { id: Args.string({ description: 'Rule id (rule_…)', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(RulesRm);
    const result = await this.clientFor(flags).removeRule(args.id);
    this.log(result.message);
    return result;
  }
}
