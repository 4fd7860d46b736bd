import { AppError, ErrorCode, badRequest, notFound } from '../../src/errors.js';
import type { Run, RunOrigin } from '../../src/domain/run.js';
import type { AlertRecord } from '../../src/domain/alerting.js';
import type { AlertService } from '../../src/services/alert-service.js';
import type { AuditService } from '../../src/services/audit-service.js';
import type { LeaderboardService } from '../../src/services/leaderboard-service.js';
import type { RecipeCatalog } from '../../src/services/recipe-catalog.js';
import type { RunService } from '../../src/services/run-service.js';
import type { Logger } from '../../src/logging/logger.js';
import { refusal, type AccessPolicy, type ChatActor } from './access.js';
import { COMMAND_NAMES, USAGE, WRITE_COMMANDS, closestMatches, parseCommand, type ChatCommand, type CommandName } from './parse.js';
import { errorReply, formatDuration, formatNumber, formatParams, reply, runFields, runLine, stopButton, type ButtonAction, type ChatReply } from './replies.js';

/** The application services the bots use: the same ones the REST API gets, never the store. */
export interface ChatServices {
  runs: RunService;
  alerts: AlertService;
  recipes: RecipeCatalog;
  leaderboard: LeaderboardService;
  audit: AuditService;
  gpus: () => readonly { index: number; name: string; memory_total_mb: number }[];
}

/** Where a command came from beyond the actor: the thread it was typed in, if any. */
export interface CommandPlace {
  thread?: string | null;
}

const LIST_LIMIT = 15;

/**
 * The one command router of both chat bots: parses, checks access, calls the application services,
 * audits writes, and answers with platform-neutral replies. Errors become friendly replies, never throws.
 */
export class ChatRouter {
  constructor(
    private readonly services: ChatServices,
    private readonly policies: Record<ChatActor['platform'], AccessPolicy>,
    private readonly logger: Logger,
  ) {}

  /** The text after `/train`. */
  async handleText(actor: ChatActor, text: string, place: CommandPlace = {}): Promise<ChatReply> {
    let command: ChatCommand;
    try {
      command = parseCommand(text);
    } catch (error) {
      return errorReply((error as Error).message);
    }
    return this.handle(actor, command, place);
  }

  /** A button press: the same command as typing it, with the same checks. */
  async handleButton(actor: ChatActor, action: ButtonAction, value: string): Promise<ChatReply> {
    if (action === 'stop') return this.handle(actor, { name: 'stop', run: value });
    if (action === 'ack') return this.handle(actor, { name: 'ack', alert: value });
    return this.handle(actor, { name: 'silence', target: value, seconds: 3600 });
  }

  async handle(actor: ChatActor, command: ChatCommand, place: CommandPlace = {}): Promise<ChatReply> {
    const write = WRITE_COMMANDS.has(command.name);
    const refused = refusal(this.policies[actor.platform], actor, write);
    if (refused) {
      if (write) await this.audit(actor, command, 'refused', null, refused);
      return reply('Not allowed', `Sorry, ${refused}.`, { tone: 'error' });
    }
    try {
      const { answer, target } = await this.execute(actor, command, place);
      if (write) await this.audit(actor, command, 'ok', target);
      return answer;
    } catch (error) {
      const known = error instanceof AppError && error.httpStatus < 500;
      if (!known) this.logger.error('chat command failed', { platform: actor.platform, command: command.name, error: (error as Error).message });
      if (write) await this.audit(actor, command, 'failed', null, (error as Error).message);
      return errorReply(known ? (error as Error).message : `Something went wrong on the agent: ${(error as Error).message}`);
    }
  }

  /** Run ids matching a prefix, for autocomplete: newest first. */
  suggestRuns(prefix: string, limit = 25): Run[] {
    const needle = prefix
      .trim()
      .toLowerCase()
      .replace(/^sess_/, '');
    return this.services.runs
      .list({ limit: 100_000, offset: 0 })
      .runs.filter((run) => run.id.slice(5).startsWith(needle) || (run.name ?? '').toLowerCase().startsWith(needle))
      .slice(0, limit);
  }

  suggestRecipes(prefix: string, limit = 25): string[] {
    const needle = prefix.trim().toLowerCase();
    return (
      this.services.recipes
        .list()
        .map((recipe) => recipe.name)
        .filter((name) => name.toLowerCase().includes(needle))
        // what the user is typing the start of comes first (`tick` → ticker before disk-ticker)
        .sort((a, b) => Number(!a.toLowerCase().startsWith(needle)) - Number(!b.toLowerCase().startsWith(needle)))
        .slice(0, limit)
    );
  }

  /** A run by full id, `sess_` prefix, bare hex prefix or exact name; ambiguous prefixes list the candidates. */
  resolveRun(ref: string): Run {
    const needle = ref.trim().toLowerCase();
    const all = this.services.runs.list({ limit: 100_000, offset: 0 }).runs;
    const exact = all.find((run) => run.id === needle) ?? all.find((run) => run.name !== null && run.name.toLowerCase() === needle);
    if (exact) return exact;
    const bare = needle.replace(/^sess_/, '');
    const matches = all.filter((run) => run.id.slice(5).startsWith(bare));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1)
      throw badRequest(
        `'${ref}' matches ${matches.length} runs (${matches
          .slice(0, 5)
          .map((run) => run.id)
          .join(', ')}${matches.length > 5 ? ', …' : ''}): type more of the id`,
      );
    throw notFound(`No run '${ref}'. Type \`/train list\` to see the runs.`);
  }

  private resolveAlert(ref: string): AlertRecord {
    const needle = ref.trim().toLowerCase();
    const all = this.services.alerts.listAlerts({});
    const bare = needle.replace(/^alert_/, '');
    const matches = all.filter((alert) => alert.alert_id === needle || alert.alert_id.slice(6).startsWith(bare));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw badRequest(`'${ref}' matches ${matches.length} alerts: type more of the id`);
    throw notFound(`No alert '${ref}'. Type \`/train alerts\` to see the open alerts.`);
  }

  private async execute(actor: ChatActor, command: ChatCommand, place: CommandPlace): Promise<{ answer: ChatReply; target: string | null }> {
    const { runs, alerts, recipes, leaderboard } = this.services;
    const done = (answer: ChatReply, target: string | null = null) => ({ answer, target });
    switch (command.name) {
      case 'help':
        return done(this.help(command.topic));
      case 'start': {
        if (!recipes.has(command.recipe)) {
          const close = closestMatches(
            command.recipe,
            recipes.list().map((recipe) => recipe.name),
          );
          throw notFound(
            `No recipe '${command.recipe}'.${close.length ? ` Did you mean ${close.map((name) => `\`${name}\``).join(', ')}?` : ''} Type \`/train recipes\` for the list.`,
          );
        }
        const origin: RunOrigin = { platform: actor.platform, channel: actor.channelId, thread: place.thread ?? null, user: actor.userId };
        const run = await runs.submit({
          recipe: command.recipe,
          params: command.params,
          ...(command.gpus !== undefined && { gpus: command.gpus }),
          start: true,
          origin,
        });
        const position = runs.queuePosition(run.id);
        const where =
          run.state === 'running'
            ? `started${run.gpu_ids.length ? ` on GPU ${run.gpu_ids.join(',')}` : ''}`
            : position
              ? `queued (position ${position})`
              : run.state;
        return done(
          reply(`Run ${run.id} ${where}`, `\`${run.recipe}\` ${formatParams(run.params)}\nUpdates follow in this channel's thread for the run.`, {
            tone: 'success',
            buttons: [stopButton(run.id)],
          }),
          run.id,
        );
      }
      case 'stop': {
        const run = this.resolveRun(command.run);
        const after = await runs.stop(run.id);
        return done(
          reply(`Run ${run.id} ${after.state === 'running' ? 'is stopping' : after.state}`, '', {
            tone: 'success',
            ephemeral: false,
            fields: runFields(after),
          }),
          run.id,
        );
      }
      case 'status': {
        if (command.run) {
          const run = this.resolveRun(command.run);
          const latest = run.state === 'running' ? await runs.latestMetrics(run.id) : null;
          const metrics = { ...(run.final_metrics ?? {}), ...(latest ?? {}) } as Record<string, unknown>;
          const shown = Object.entries(metrics).filter(([key, value]) => key !== 'ts' && (typeof value === 'number' || typeof value === 'string'));
          const fields = [...runFields(run), ...shown.slice(0, 6).map(([name, value]) => ({ name, value: formatNumber(value as number) }))];
          return done(reply(`Run ${run.id}`, '', { fields, buttons: run.state === 'running' || run.state === 'queued' ? [stopButton(run.id)] : [] }));
        }
        const counts = runs.countByState();
        const running = runs.list({ state: 'running', limit: LIST_LIMIT, offset: 0 }).runs;
        const summary =
          Object.entries(counts)
            .map(([state, count]) => `${state}: ${count}`)
            .join('   ') || 'no runs yet';
        return done(reply('Trainer status', `${summary}${running.length ? '\n' + running.map(runLine).join('\n') : ''}`));
      }
      case 'list': {
        const { runs: page, total } = runs.list({ ...(command.state && { state: command.state }), limit: LIST_LIMIT, offset: 0 });
        const title = `${total} ${command.state ?? ''} run${total === 1 ? '' : 's'}`.replace(/\s+/g, ' ');
        return done(
          reply(title, page.length ? page.map(runLine).join('\n') + (total > page.length ? `\n…and ${total - page.length} more` : '') : 'Nothing to show.'),
        );
      }
      case 'logs': {
        const run = this.resolveRun(command.run);
        const page = await runs.logs(run.id, { limit: command.lines });
        const text = page.records
          .map((record) => record.message)
          .join('\n')
          .slice(-2800);
        return done(reply(`Last ${page.records.length} log lines of ${run.id}`, text ? '```\n' + text.replace(/```/g, "'''") + '\n```' : 'No output yet.'));
      }
      case 'metrics': {
        const run = this.resolveRun(command.run);
        const summary = await runs.metricSummary(run.id);
        const names = Object.keys(summary);
        const lines = names.slice(0, 20).map((name) => {
          const s = summary[name]!;
          return `\`${name}\` ${formatNumber(s.current)}${s.min !== null ? `  (min ${formatNumber(s.min)}, max ${formatNumber(s.max!)})` : ''}`;
        });
        return done(reply(`Metrics of ${run.id}`, lines.join('\n') || 'No metrics yet.'));
      }
      case 'queue': {
        const queued = runs.queue();
        return done(
          reply(
            `${queued.length} run${queued.length === 1 ? '' : 's'} queued`,
            queued
              .slice(0, LIST_LIMIT)
              .map((run, index) => `${index + 1}. ${runLine(run)}`)
              .join('\n') || 'The queue is empty.',
          ),
        );
      }
      case 'gpus': {
        const holders = runs.gpuHolders();
        const gpus = this.services.gpus();
        const lines = gpus.map(
          (gpu) =>
            `GPU ${gpu.index}  ${gpu.name}  ${Math.round(gpu.memory_total_mb / 1024)} GiB  ${holders.has(gpu.index) ? `busy: \`${holders.get(gpu.index)}\`` : 'free'}`,
        );
        return done(reply(`${gpus.length} GPU${gpus.length === 1 ? '' : 's'}`, lines.join('\n') || 'This machine has no GPUs the agent can see.'));
      }
      case 'alerts': {
        const open = alerts.listAlerts({}).filter((alert) => alert.status !== 'resolved');
        const shown = open.slice(0, 5);
        const buttons = shown.flatMap((alert) =>
          alert.status === 'active' ? [{ action: 'ack' as const, value: alert.alert_id, label: `Ack ${alert.alert_id.slice(6, 12)}` }] : [],
        );
        const lines = shown.map((alert) => `\`${alert.alert_id}\` [${alert.severity}] ${alert.status}: ${alert.message}`);
        return done(reply(`${open.length} open alert${open.length === 1 ? '' : 's'}`, lines.join('\n') || 'No open alerts.', { buttons }));
      }
      case 'ack': {
        const alert = this.resolveAlert(command.alert);
        const acked = await alerts.acknowledge(alert.alert_id, `${actor.platform}:${actor.userName}`, null);
        return done(reply(`Alert ${acked.alert_id} acknowledged by ${actor.userName}`, acked.message, { tone: 'success', ephemeral: false }), acked.alert_id);
      }
      case 'silence': {
        const created_by = `${actor.platform}:${actor.userName}`;
        const target = this.silenceTarget(command.target);
        const silence = await alerts.silence({ ...target, duration_seconds: command.seconds, created_by, reason: `from ${actor.platform}` });
        const what = target.rule_id ? `rule ${target.rule_id}` : `run ${target.run_id}`;
        return done(
          reply(`Alerts for ${what} silenced for ${formatDuration(command.seconds * 1000)}`, `Until ${silence.until} (by ${actor.userName}).`, {
            tone: 'success',
            ephemeral: false,
          }),
          target.rule_id ?? target.run_id ?? null,
        );
      }
      case 'recipes': {
        const lines = recipes
          .list()
          .map(
            (recipe) =>
              `\`${recipe.name}\`${recipe.description ? ` — ${recipe.description}` : ''}${Object.keys(recipe.params).length ? `  (${Object.keys(recipe.params).join(', ')})` : ''}`,
          );
        return done(reply(`${lines.length} recipe${lines.length === 1 ? '' : 's'}`, lines.join('\n')));
      }
      case 'top': {
        const metric = command.metric ?? 'val_accuracy';
        const mode = /loss|error|perplexity/i.test(metric) ? 'min' : 'max';
        const entries = leaderboard.query({ metric, mode, limit: 10 });
        const lines = entries.map(
          (entry) => `${entry.rank}. \`${entry.session_id}\` ${entry.recipe}  ${metric}=${formatNumber(entry.value)}  ${formatParams(entry.params)}`,
        );
        return done(
          reply(
            `Top runs by ${metric} (${mode === 'max' ? 'highest' : 'lowest'} first)`,
            lines.join('\n') || `No completed run has a final ${metric}. Try \`/train top loss\`.`,
          ),
        );
      }
    }
  }

  private silenceTarget(ref: string): { rule_id?: string; run_id?: string } {
    const [kind, id] = ref.includes(':') ? (ref.split(':', 2) as [string, string]) : [null, ref];
    if (kind === 'run') return { run_id: this.resolveRun(id).id };
    const rule = this.services.alerts.listRules().find((candidate) => candidate.rule_id === id || candidate.name === id);
    if (rule) return { rule_id: rule.rule_id };
    if (kind === 'rule') throw notFound(`No alert rule '${id}'`);
    try {
      return { run_id: this.resolveRun(id).id };
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.NotFound) throw notFound(`No alert rule or run '${ref}'. Type a rule name or a run id.`);
      throw error;
    }
  }

  private help(topic?: string): ChatReply {
    if (topic) {
      const name = topic as CommandName;
      if (!COMMAND_NAMES.includes(name)) {
        const close = closestMatches(topic, COMMAND_NAMES);
        return errorReply(`No command '${topic}'.${close.length ? ` Did you mean ${close.map((c) => `\`${c}\``).join(', ')}?` : ''}`);
      }
      return reply(`/train ${name}`, `\`/train ${USAGE[name]}\`${WRITE_COMMANDS.has(name) ? '\nNeeds the allow-list.' : ''}`);
    }
    const lines = COMMAND_NAMES.map((name) => `\`/train ${USAGE[name]}\`${WRITE_COMMANDS.has(name) ? '  (allow-list)' : ''}`);
    return reply('Trainer commands', `${lines.join('\n')}\nRun ids may be abbreviated: \`/train stop 3fa9\`.`);
  }

  private async audit(actor: ChatActor, command: ChatCommand, result: 'ok' | 'refused' | 'failed', target: string | null, reason?: string): Promise<void> {
    const { name, ...details } = command;
    await this.services.audit
      .record({
        actor: `${actor.userName} (${actor.userId})`,
        via: actor.platform,
        action: `chat.${name}`,
        target,
        details: { ...details, channel: actor.channelId },
        result,
        ...(reason && { reason }),
      })
      .catch((error: Error) => this.logger.error('audit entry not written', { error: error.message }));
  }
}
