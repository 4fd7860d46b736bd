import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class RulesAdd extends BaseCommand {
  static description = 'Add an alert rule: a type (threshold, nan-loss, stalled, gpu-idle, plateau, divergence) and its parameters as key=value.';

  static examples = [
    '<%= config.bin %> rules add "gpu hot" --type threshold -p metric=gpu_temperature -p condition=greater_than -p threshold=85 -p resolve_threshold=80 --severity high --for 120',
    '<%= config.bin %> rules add stalled --type stalled -p minutes=10',
  ];

  static args = { name: Args.string({ description: 'Rule name', required: true }) };

  static flags = {
    type: Flags.string({ description: 'Rule type', default: 'threshold' }),
    param: Flags.string({ char: 'p', description: 'A parameter, key=value (numbers are sent as numbers)', multiple: true, default: [] }),
    severity: Flags.string({ options: ['low', 'medium', 'high', 'critical'], default: 'medium' }),
    for: Flags.integer({ description: 'Seconds the condition must hold before the alert fires', min: 0, default: 0 }),
    repeat: Flags.integer({ description: 'Seconds between repeats of an unacknowledged alert', min: 1, default: 3600 }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(RulesAdd);
    const params: Record<string, unknown> = {};
    for (const pair of flags.param) {
      const equals = pair.indexOf('=');
      if (equals <= 0) this.fail(`Parameter '${pair}' is not key=value`, 2);
      const value = pair.slice(equals + 1);
      params[pair.slice(0, equals)] = value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
    }
    const rule = await this.clientFor(flags).addRule({
      name: args.name,
      type: flags.type,
      params,
      severity: flags.severity,
      for_seconds: flags.for,
      repeat_interval_seconds: flags.repeat,
    });
    this.log(`Added rule ${rule.rule_id} (${rule.name}, ${rule.type})`);
    return rule;
  }
}
