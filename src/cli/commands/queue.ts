import { BaseCommand } from '../base-command.js';
import { formatTable, formatTime } from '../format.js';

export default class Queue extends BaseCommand {
  static description = 'Show the queue: runs waiting for a slot or GPUs, in the order they will start.';

  static examples = ['<%= config.bin %> queue', '<%= config.bin %> queue --json'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Queue);
    const queue = await this.clientFor(flags).queue();
    if (queue.length === 0) this.log('The queue is empty.');
    else {
      this.log(
        formatTable(
          ['POSITION', 'ID', 'RECIPE', 'PRIORITY', 'GPUS', 'QUEUED'],
          queue.map((run, index) => [index + 1, run.session_id, run.status.recipe, run.status.priority, run.status.gpus, formatTime(run.status.queued_at)]),
        ),
      );
    }
    return queue;
  }
}
