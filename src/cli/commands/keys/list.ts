import { BaseCommand } from '../../base-command.js';
import { formatTable, formatTime } from '../../format.js';

export default class KeysList extends BaseCommand {
  static description = 'List API keys created through the API (the keys themselves are never shown).';

  static examples = ['<%= config.bin %> keys list'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(KeysList);
    const keys = await this.clientFor(flags).listKeys();
    if (keys.length === 0) this.log('No keys have been created through the API (keys from API_KEYS are not listed).');
    else
      this.log(
        formatTable(
          ['ID', 'NAME', 'SCOPE', 'PREFIX', 'CREATED', 'REVOKED'],
          keys.map((key) => [key.id, key.name, key.scope, key.prefix + '…', formatTime(key.created_at), formatTime(key.revoked_at)]),
        ),
      );
    return keys;
  }
}
