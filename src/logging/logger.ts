/** Structured logging for every layer: a message and fields, and children that carry bindings (plugin, run…). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** One line per event on stderr: human-readable by default, JSON with `json: true` (for log shippers). */
export function createLogger(options: { level: LogLevel; json?: boolean; write?: (line: string) => void }, bindings: Record<string, unknown> = {}): Logger {
  const threshold = LEVELS[options.level];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const log =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (LEVELS[level] < threshold) return;
      const all = { ...bindings, ...fields };
      if (options.json) {
        write(JSON.stringify({ ts: new Date().toISOString(), level, message, ...all }));
        return;
      }
      const extras = Object.entries(all)
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${extras ? ' ' + extras : ''}`);
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => createLogger(options, { ...bindings, ...more }),
  };
}
