import { Command, Flags, type Interfaces } from '@oclif/core';
import { ApiError, TrainerClient } from '../client/trainer-client.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

/** Every command but `agent` is a REST client: it gets --url, --api-key and --json from here. */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true;

  static baseFlags = {
    url: Flags.string({ description: 'Agent URL', env: 'TRAINER_URL', default: 'http://127.0.0.1:8000', helpGroup: 'GLOBAL' }),
    'api-key': Flags.string({ description: 'API key', env: 'TRAINER_API_KEY', helpGroup: 'GLOBAL' }),
  };

  protected flags!: BaseFlags<T>;
  protected client!: TrainerClient;

  async init(): Promise<void> {
    await super.init();
    const { flags } = await this.parse({ flags: this.ctor.flags, baseFlags: (this.ctor as typeof BaseCommand).baseFlags, enableJsonFlag: true, args: this.ctor.args, strict: this.ctor.strict });
    this.flags = flags as BaseFlags<T>;
    this.client = new TrainerClient({ url: this.flags.url, apiKey: this.flags['api-key'] });
  }

  /** An API error becomes a one-line message and an exit code that says what kind of failure it was. */
  protected async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (error instanceof ApiError) {
      const exitCode = error.status === 0 ? 6 : error.status === 401 || error.status === 403 ? 3 : error.status === 404 ? 4 : error.status === 409 ? 5 : error.status < 500 ? 2 : 1;
      this.error(error.detail, { exit: exitCode });
    }
    return super.catch(error);
  }
}
