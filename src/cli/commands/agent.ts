import { Command, Flags } from '@oclif/core';

export default class AgentCommand extends Command {
  static description = `Start the trainer agent: the REST API, the run queue and the plugins.

Environment (seed 000): API_KEYS, API_HOST, API_PORT, DATABASE_PATH, MODELS_DIR, DATASETS_DIR,
MAX_CONCURRENT_SESSIONS. Also TRAINER_DATA_DIR, TRAINER_CONFIG, TRAINER_RECIPE_DIRS,
TRAINER_DEFAULT_RECIPE, TRAINER_STOP_GRACE_SECONDS, TRAINER_LOG_LEVEL. Flags win over environment
variables, which win over the config file.`;

  static examples = [
    'API_KEYS=secret <%= config.bin %> agent',
    '<%= config.bin %> agent --port 8080 --api-keys k1,k2 --data-dir /var/lib/trainer',
    '<%= config.bin %> agent --generate-key',
  ];

  static flags = {
    'data-dir': Flags.string({ description: 'Directory for all state (default ./.trainer)' }),
    host: Flags.string({ description: 'Address to bind (default 0.0.0.0, or API_HOST)' }),
    port: Flags.integer({ description: 'Port to bind (default 8000, or API_PORT); 0 picks a free one', min: 0, max: 65535 }),
    'api-keys': Flags.string({ description: 'Comma-separated API keys (or API_KEYS)' }),
    config: Flags.string({ description: 'YAML config file (or TRAINER_CONFIG)' }),
    'max-concurrent': Flags.integer({ description: 'Runs at once (or MAX_CONCURRENT_SESSIONS)', min: 1, max: 1024 }),
    'log-level': Flags.string({ options: ['debug', 'info', 'warn', 'error', 'silent'] }),
    'generate-key': Flags.boolean({ description: 'With no key configured, create one in the data dir (kept across restarts) and print it' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentCommand);
    // heavy modules are loaded here, not at the top, so that other commands start fast
    const { runAgentProcess } = await import('../../agent/run-agent-process.js');
    await runAgentProcess({
      host: flags.host,
      port: flags.port,
      apiKeys: flags['api-keys'],
      dataDir: flags['data-dir'],
      configFile: flags.config,
      maxConcurrent: flags['max-concurrent'],
      logLevel: flags['log-level'] as 'info' | undefined,
      generateKey: flags['generate-key'],
    });
  }
}
