import type { DashState } from '../dash-state.js';
import { escapeTags, fit, tag } from '../text.js';

/** How long an action's message (started, stopped, an error) stays on the status line. */
export const MESSAGE_MS = 8000;

/**
 * The bottom line: whether the agent is there (and that the dashboard reconnects by itself when it is
 * not), the last action's outcome, and the keys.
 */
export function statusLineView(state: DashState, width: number, extra: { alerts?: string | null } = {}): string {
  const { connection } = state;
  let left: string;
  if (connection.state === 'connected') left = tag('green-fg', `● ${state.agentUrl}`);
  else if (connection.state === 'connecting') left = tag('yellow-fg', `○ connecting to ${state.agentUrl}…`);
  else if (connection.fatal) left = tag('red-fg', `✖ ${state.agentUrl}: ${connection.detail}`);
  else left = tag('red-fg', `✖ agent unreachable (${connection.detail}) · reconnecting… ${Math.round((state.now - connection.since) / 1000)}s`);
  const leftPlain = plain(left);

  const message = state.message && state.now - state.message.at < MESSAGE_MS ? state.message : null;
  // the outcome of an action comes before the list of keys, which ? shows anyway
  const keys = width >= 100 && !message ? '? help  s start  x stop  l log  f filter  q quit' : width >= 70 ? '? help  q quit' : '';
  const alerts = extra.alerts ? `${extra.alerts}  ` : '';
  const room = width - leftPlain.length - keys.length - alerts.length - 4;
  const middle = message && room > 8 ? tag(message.level === 'error' ? 'red-fg' : 'cyan-fg', fit(message.text, room)) : ' '.repeat(Math.max(0, room));
  const line = `${left}  ${middle}  ${alerts ? tag('red-fg', alerts) : ''}${escapeTags(keys)}`;
  if (plain(line).length <= width) return line;
  return tag(null, fit(plain(line), width));
}

/** Text without blessed tags (for measuring). */
export function plain(text: string): string {
  return text.replace(/\{(\/?)([a-z-]+)\}/g, (_, slash: string, name: string) => (slash ? '' : name === 'open' ? '{' : name === 'close' ? '}' : ''));
}
