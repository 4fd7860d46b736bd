import { badRequest } from '../../src/errors.js';
import { RUN_STATES, type RunState } from '../../src/domain/run.js';

/** One `/train …` command, platform-neutral: what Slack's text and Discord's options both become. */
export type ChatCommand =
  | { name: 'start'; recipe: string; params: Record<string, string>; gpus?: number }
  | { name: 'stop'; run: string }
  | { name: 'status'; run?: string }
  | { name: 'list'; state?: RunState }
  | { name: 'logs'; run: string; lines: number }
  | { name: 'metrics'; run: string }
  | { name: 'queue' }
  | { name: 'gpus' }
  | { name: 'alerts' }
  | { name: 'ack'; alert: string }
  | { name: 'silence'; target: string; seconds: number }
  | { name: 'recipes' }
  | { name: 'top'; metric?: string }
  | { name: 'help'; topic?: string };
export type CommandName = ChatCommand['name'];

/** Commands that change something: they need the allow-list and go to the audit log. */
export const WRITE_COMMANDS: ReadonlySet<CommandName> = new Set(['start', 'stop', 'ack', 'silence']);

/** Usage of each command, shown by `help` and by every parse error. */
export const USAGE: Record<CommandName, string> = {
  start: 'start <recipe> [key=value…] [gpus=N]',
  stop: 'stop <run>',
  status: 'status [run]',
  list: 'list [state]',
  logs: 'logs <run> [lines]',
  metrics: 'metrics <run>',
  queue: 'queue',
  gpus: 'gpus',
  alerts: 'alerts',
  ack: 'ack <alert>',
  silence: 'silence <rule|run> <duration>   (duration: 30m, 1h, 2d)',
  recipes: 'recipes',
  top: 'top [metric]',
  help: 'help [command]',
};

export const COMMAND_NAMES = Object.keys(USAGE) as CommandName[];
const MAX_LOG_LINES = 50;

/** Splits on whitespace; "double" or 'single' quotes keep spaces inside one word (`note="two words"`). */
export function tokenize(text: string): string[] {
  const normalized = text.replace(/[\u201c\u201d]/g, '"').replace(/[\u2018\u2019]/g, "'"); // phones type curly quotes
  return [...normalized.matchAll(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g)].map((match) => match[0].replace(/"([^"]*)"|'([^']*)'/g, '$1$2'));
}

/** `30s`, `15m`, `1h`, `2d`, or plain seconds; at most 30 days. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?$/i.exec(text.trim());
  const unit = { s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600, d: 86400 }[(match?.[2] ?? 's').toLowerCase() as 's'];
  const seconds = match ? Math.round(Number(match[1]) * unit) : NaN;
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 30 * 86400) throw badRequest(`'${text}' is not a duration: type one like 30m, 1h or 2d`);
  return seconds;
}

/** `lr=0.01 epochs=20` → `{lr: '0.01', epochs: '20'}`; the recipe coerces and checks the values. */
export function parseParams(words: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const word of words) {
    const match = /^([A-Za-z_][\w.-]*)=(.*)$/.exec(word);
    if (!match) throw badRequest(`'${word}' is not a parameter: type key=value, e.g. epochs=20`);
    params[match[1]!] = match[2]!;
  }
  return params;
}

const usageError = (name: CommandName, problem: string) => badRequest(`${problem}. Usage: /train ${USAGE[name]}`);

/** Parses the text after `/train`. An empty text is `help`; an unknown command suggests the closest one. */
export function parseCommand(text: string): ChatCommand {
  const [first, ...rest] = tokenize(text);
  if (!first) return { name: 'help' };
  const name = first.toLowerCase() as CommandName;
  if (!COMMAND_NAMES.includes(name)) {
    const close = closestMatches(first, COMMAND_NAMES);
    throw badRequest(
      `Unknown command '${first}'.${close.length ? ` Did you mean ${close.map((c) => `\`${c}\``).join(' or ')}?` : ''} Type \`/train help\` for the list.`,
    );
  }
  const needsRun = (what = 'run'): string => {
    if (!rest[0]) throw usageError(name, `Say which ${what}`);
    return rest[0];
  };
  const noMoreThan = (count: number) => {
    if (rest.length > count) throw usageError(name, `Too many words after '${name}'`);
  };
  switch (name) {
    case 'start': {
      if (!rest[0] || rest[0].includes('=')) throw usageError(name, 'Say which recipe to start');
      const { gpus, ...params } = parseParams(rest.slice(1));
      if (gpus === undefined) return { name, recipe: rest[0], params };
      const count = Number(gpus);
      if (!Number.isInteger(count) || count < 0 || count > 64) throw usageError(name, `gpus must be a whole number, got '${gpus}'`);
      return { name, recipe: rest[0], params, gpus: count };
    }
    case 'stop':
    case 'metrics':
      noMoreThan(1);
      return { name, run: needsRun() };
    case 'status':
      noMoreThan(1);
      return rest[0] ? { name, run: rest[0] } : { name };
    case 'list': {
      noMoreThan(1);
      if (!rest[0]) return { name };
      const state = rest[0].toLowerCase() as RunState;
      if (!RUN_STATES.includes(state)) throw usageError(name, `'${rest[0]}' is not a state (one of ${RUN_STATES.join(', ')})`);
      return { name, state };
    }
    case 'logs': {
      noMoreThan(2);
      const run = needsRun();
      const lines = rest[1] === undefined ? 20 : Number(rest[1]);
      if (!Number.isInteger(lines) || lines < 1 || lines > MAX_LOG_LINES) throw usageError(name, `lines must be a whole number from 1 to ${MAX_LOG_LINES}`);
      return { name, run, lines };
    }
    case 'ack':
      noMoreThan(1);
      return { name, alert: needsRun('alert') };
    case 'silence': {
      noMoreThan(2);
      const target = needsRun('rule or run');
      if (!rest[1]) throw usageError(name, 'Say for how long');
      return { name, target, seconds: parseDuration(rest[1]) };
    }
    case 'top':
      noMoreThan(1);
      return rest[0] ? { name, metric: rest[0] } : { name };
    case 'help':
      return rest[0] ? { name, topic: rest[0].toLowerCase() } : { name };
    default:
      noMoreThan(0);
      return { name } as ChatCommand;
  }
}

/** Up to three candidates close to `word`: a shared prefix or a small edit distance. */
export function closestMatches(word: string, candidates: readonly string[], limit = 3): string[] {
  const lower = word.toLowerCase();
  return candidates
    .map((candidate) => {
      const other = candidate.toLowerCase();
      const distance = editDistance(lower, other);
      const related = other.startsWith(lower) || lower.startsWith(other) || other.includes(lower);
      return { candidate, score: related ? Math.min(distance, 1) : distance };
    })
    .filter(({ candidate, score }) => score <= Math.max(2, Math.floor(candidate.length / 3)))
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`: `stauts` is 1 from `status`. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
