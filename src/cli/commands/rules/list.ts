import { BaseCommand } from '../../base-command.js';
import { formatTable } from '../../format.js';

export default class RulesList extends BaseCommand {
  static description = 'List alert rules.';

  static examples = ['<%= config.bin %> rules list'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(RulesList);
    const rules = await this.clientFor(flags).rules();
    if (rules.length === 0) this.log('No alert rules.');
    else
      this.log(
        formatTable(
          ['ID', 'NAME', 'TYPE', 'SEVERITY', 'FOR', 'ENABLED', 'SOURCE', 'PARAMS'],
          rules.map((rule) => [
            rule.rule_id,
            rule.name,
            rule.type,
            rule.severity,
            `${rule.for_seconds}s`,
            rule.enabled ? 'yes' : 'no',
            rule.source,
            JSON.stringify(rule.params),
          ]),
        ),
      );
    return rules;
  }
}
