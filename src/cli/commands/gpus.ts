import { BaseCommand } from '../base-command.js';
import { formatTable } from '../format.js';

export default class Gpus extends BaseCommand {
  static description = "The agent machine's GPUs: utilization, memory, temperature, power, and the run that holds each.";

  static examples = ['<%= config.bin %> gpus', '<%= config.bin %> gpus --json'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Gpus);
    const gpus = await this.clientFor(flags).gpus();
    const unit = (value: number | null, suffix: string) => (value === null ? '-' : `${value}${suffix}`);
    if (gpus.length === 0) this.log('No GPUs on the agent machine.');
    else {
      this.log(
        formatTable(
          ['GPU', 'NAME', 'UTIL', 'MEMORY', 'TEMP', 'POWER', 'RUN'],
          gpus.map((gpu) => [
            gpu.index,
            gpu.name,
            unit(gpu.utilization, '%'),
            `${unit(gpu.memory_used_mb, '')}/${gpu.memory_total_mb} MB`,
            unit(gpu.temperature, '°C'),
            unit(gpu.power_w, ' W'),
            gpu.run_id ?? '-',
          ]),
        ),
      );
    }
    return gpus;
  }
}
