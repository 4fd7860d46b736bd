import { BaseCommand } from '../base-command.js';
import { formatFields } from '../format.js';

export default class System extends BaseCommand {
  static description = "The agent machine's CPU, memory, disk and GPU summary.";

  static examples = ['<%= config.bin %> system', '<%= config.bin %> system --json'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(System);
    const info = await this.clientFor(flags).systemInfo();
    this.log(
      formatFields([
        ['cpu', `${info.cpu_usage_percent}%`],
        ['memory', `${info.memory_used_mb} / ${info.memory_total_mb} MB (${info.memory_percent}%)`],
        ['disk free', `${info.disk_free_gb} / ${info.disk_total_gb} GB`],
        ['gpus', info.gpu_available ? `${info.gpu_usage_percent}% busy, ${info.gpu_memory_used_mb} / ${info.gpu_memory_total_mb} MB` : 'none'],
        ['sampled', info.timestamp],
      ]),
    );
    return info;
  }
}
