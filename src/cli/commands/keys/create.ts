import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class KeysCreate extends BaseCommand {
  static description =
    'Create an API key with a scope: read (GET only), write (runs), exec (also ad-hoc commands: run exec, POST /api/jobs), admin (everything, keys too). The key is shown once.';

  static examples = ['<%= config.bin %> keys create --name ci-pipeline --scope write', '<%= config.bin %> keys create --name grafana --scope read --json'];

  static flags = {
    name: Flags.string({ description: 'A name to tell the key apart', required: true }),
    scope: Flags.string({ description: 'What the key may do', options: ['read', 'write', 'exec', 'admin'], default: 'read' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(KeysCreate);
    const created = await this.clientFor(flags).createKey(flags.name, flags.scope);
    this.log(`Created ${created.scope} key '${created.name}' (${created.id}). Store it now; it is not shown again:`);
    this.log(created.key);
    return created;
  }
}
