import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class KeysRevoke extends BaseCommand {
  static description = 'Revoke an API key: requests with it are refused from now on.';

  static examples = ['<%= config.bin %> keys revoke key_0a1b2c3d'];

  static args = {
    id: Args.string({ description: 'Key id (key_…)', required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(KeysRevoke);
    const revoked = await this.clientFor(flags).revokeKey(args.id);
    this.log(revoked.message);
    return revoked;
  }
}
