import { SlashCommandBuilder, type SlashCommandSubcommandBuilder } from 'discord.js';
import { RUN_STATES } from '../../src/domain/run.js';
import { COMMAND_NAMES } from '../core/parse.js';

/** Discord has no free-text slash command: `/train` is one command with a subcommand per verb. */
export function trainCommandDefinition() {
  const runOption = (sub: SlashCommandSubcommandBuilder, required: boolean) =>
    sub.addStringOption((option) =>
      option.setName('run').setDescription('Run id (an unambiguous prefix is enough)').setRequired(required).setAutocomplete(true),
    );
  return new SlashCommandBuilder()
    .setName('train')
    .setDescription('Start, stop and watch training runs')
    .addSubcommand((sub) =>
      sub
        .setName('start')
        .setDescription('Queue a run of a recipe')
        .addStringOption((option) => option.setName('recipe').setDescription('Recipe name').setRequired(true).setAutocomplete(true))
        .addStringOption((option) => option.setName('params').setDescription('key=value pairs, e.g. learning_rate=0.01 epochs=20'))
        .addIntegerOption((option) => option.setName('gpus').setDescription('GPUs to use').setMinValue(0).setMaxValue(64)),
    )
    .addSubcommand((sub) => runOption(sub.setName('stop').setDescription('Stop a run (or cancel a queued one)'), true))
    .addSubcommand((sub) => runOption(sub.setName('status').setDescription('The agent, or one run'), false))
    .addSubcommand((sub) =>
      sub
        .setName('list')
        .setDescription('Recent runs')
        .addStringOption((option) =>
          option
            .setName('state')
            .setDescription('Only runs in this state')
            .addChoices(...RUN_STATES.map((state) => ({ name: state, value: state }))),
        ),
    )
    .addSubcommand((sub) =>
      runOption(sub.setName('logs').setDescription('The last log lines of a run'), true).addIntegerOption((option) =>
        option.setName('lines').setDescription('How many (1-50)').setMinValue(1).setMaxValue(50),
      ),
    )
    .addSubcommand((sub) => runOption(sub.setName('metrics').setDescription('Metric summary of a run'), true))
    .addSubcommand((sub) => sub.setName('queue').setDescription('Queued runs in start order'))
    .addSubcommand((sub) => sub.setName('gpus').setDescription('GPUs and who holds them'))
    .addSubcommand((sub) => sub.setName('alerts').setDescription('Open alerts'))
    .addSubcommand((sub) =>
      sub
        .setName('ack')
        .setDescription('Acknowledge an alert')
        .addStringOption((option) => option.setName('alert').setDescription('Alert id').setRequired(true)),
    )
    .addSubcommand((sub) =>
      sub
        .setName('silence')
        .setDescription('Silence alerts of a rule or run')
        .addStringOption((option) => option.setName('target').setDescription('Rule name or id, or run id').setRequired(true))
        .addStringOption((option) => option.setName('duration').setDescription('30m, 1h, 2d').setRequired(true)),
    )
    .addSubcommand((sub) => sub.setName('recipes').setDescription('Recipes that can be started'))
    .addSubcommand((sub) =>
      sub
        .setName('top')
        .setDescription('Leaderboard of completed runs')
        .addStringOption((option) => option.setName('metric').setDescription('Metric to rank by (default val_accuracy)')),
    )
    .addSubcommand((sub) =>
      sub
        .setName('help')
        .setDescription('What each command does')
        .addStringOption((option) =>
          option
            .setName('command')
            .setDescription('One command')
            .addChoices(...COMMAND_NAMES.map((name) => ({ name, value: name }))),
        ),
    );
}

/**
 * The subcommand and its options as the text a Slack user would type, so that one parser serves both:
 * `start demo-mlp learning_rate=0.01 gpus=1`. `params` is passed through as typed.
 */
export function commandText(subcommand: string, options: readonly { name: string; value?: string | number | boolean | null }[]): string {
  const quote = (value: string) => (/\s|"/.test(value) ? `'${value}'` : value);
  const words = [subcommand];
  for (const option of options) {
    if (option.value === undefined || option.value === null || option.value === '') continue;
    if (option.name === 'params') words.push(String(option.value));
    else if (option.name === 'gpus') words.push(`gpus=${option.value}`);
    else words.push(quote(String(option.value)));
  }
  return words.join(' ');
}
