import { Args, Flags } from '@oclif/core';
import { BaseCommand, sleep } from '../../base-command.js';
import { formatLogLine } from '../../format.js';
import { isFinalState, type LogEntry, type TrainerClient } from '../../../client/trainer-client.js';

const FOLLOW_PAGE = 1000;

export default class RunLogs extends BaseCommand {
  static summary = "Print a run's log: the last lines, or with --follow everything new until the run ends.";

  static description =
    'Lines are printed as `timestamp level message`. With --json and --follow, each line is printed as a JSON object on a line of its own, as it arrives.';

  static examples = ['<%= config.bin %> run logs sess_0123456789ab --limit 50', '<%= config.bin %> run logs sess_0123456789ab --follow'];

  static args = {
    id: Args.string({ description: 'Session id (sess_…)', required: true }),
  };

  static flags = {
    limit: Flags.integer({ char: 'n', description: 'How many of the last lines to print first', default: 100, min: 1, max: 10_000 }),
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new lines until the run ends' }),
    'poll-interval': Flags.integer({ description: 'Milliseconds between polls with --follow', default: 300, min: 10, hidden: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(RunLogs);
    const client = this.clientFor(flags);
    const first = await client.logs(args.id, { limit: flags.limit });
    if (!flags.follow) {
      for (const entry of first.entries) this.log(formatLogLine(entry));
      return first.entries;
    }
    this.print(first.entries);
    await this.follow(client, args.id, first.nextCursor, flags['poll-interval']);
    return undefined;
  }

  /** Prints as lines come: text, or with --json one JSON object a line. */
  private print(entries: LogEntry[]): void {
    for (const entry of entries) {
      if (this.jsonEnabled()) process.stdout.write(JSON.stringify(entry) + '\n');
      else this.log(formatLogLine(entry));
    }
  }

  /**
   * Polls from `cursor` until the run is final and nothing more comes. The status is read before the
   * page, so a page read after the run was seen final holds everything it wrote.
   */
  private async follow(client: TrainerClient, id: string, cursor: number, intervalMs: number): Promise<void> {
    for (;;) {
      const final = isFinalState((await this.retryWhileUnreachable(() => client.status(id))).state);
      const page = await this.retryWhileUnreachable(() => client.logs(id, { cursor, limit: FOLLOW_PAGE }));
      this.print(page.entries);
      cursor = page.nextCursor;
      if (page.entries.length === 0 && final) return;
      if (page.entries.length < FOLLOW_PAGE) await sleep(intervalMs);
    }
  }
}
