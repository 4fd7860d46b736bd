import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

const FILTERS = ['all', 'active', 'running', 'queued', 'created', 'completed', 'failed', 'stopped', 'cancelled'] as const;

export default class Dash extends BaseCommand {
  static summary = 'A full-screen terminal dashboard of the agent: runs, curves, GPUs, logs, alerts.';

  static description = `What runs, what waits, how training goes and how hot the GPUs are, live from the agent's event streams. Keys: ↑↓/j k select, Enter details, s start a run, x stop, l full-screen log, f filter by state, ? help, q or Ctrl-C quit.

Works against a local or a remote agent (--url, --api-key). If the agent goes away, the status line says so and the dashboard reconnects by itself.`;

  static examples = ['<%= config.bin %> dash', '<%= config.bin %> dash --url http://gpu-box:8000 --api-key $KEY --filter active'];

  // a dashboard draws; it prints no data to pipe
  static enableJsonFlag = false;

  static flags = {
    filter: Flags.string({ description: 'Show only runs in this state at start (f changes it)', options: [...FILTERS], default: 'all' }),
    mouse: Flags.boolean({
      description: 'Click to select a run, wheel to scroll (--no-mouse leaves the mouse to the terminal, for copying text)',
      default: true,
      allowNo: true,
    }),
    'gpu-interval': Flags.integer({ description: 'Milliseconds between GPU (or CPU and memory) readings', default: 2000, min: 500, max: 60_000 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Dash);
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      this.fail('trainer dash draws on a terminal, and stdin or stdout is not one. For scripts, use `trainer run list` or `trainer run status --json`.', 2);
    }
    // imported here, so that blessed loads only for this command and every other one starts fast
    const { runDashboard } = await import('../../dash/dashboard.js');
    const code = await runDashboard({
      url: this.checkedUrl(flags.url),
      apiKey: flags['api-key'],
      filter: flags.filter as (typeof FILTERS)[number],
      mouse: flags.mouse,
      gpuIntervalMs: flags['gpu-interval'],
    });
    // open sockets (keep-alive) would hold the process for a few seconds after the screen is gone
    this.exit(code);
  }
}
