import type { DashState } from '../dash-state.js';
import { fit, formatDuration, tag, type PanelView } from '../text.js';

const SEVERITY_STYLE: Record<string, string> = { critical: 'red-bg', high: 'red-fg', medium: 'yellow-fg', low: 'cyan-fg', info: 'gray-fg' };
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** The agent's active alerts, most severe first, then newest; unread notifications below them. */
export function alertsView(state: DashState, size: { width: number; height: number }): PanelView {
  if (!state.alertsAvailable) return { label: ' Alerts ', lines: ['This agent has no alerting API.'] };
  if (state.alerts === null) return { label: ' Alerts ', lines: ['Waiting for the agent…'] };
  const alerts = [...state.alerts].sort(
    (a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) || b.triggered_at.localeCompare(a.triggered_at),
  );
  const unread = state.notifications ?? [];
  const label = ` Alerts · ${alerts.length} active${unread.length ? ` · ${unread.length} unread` : ''} `;
  const notificationLines = unread.map((notification) => {
    const age = formatDuration(state.now - Date.parse(notification.created_at));
    return `${tag('gray-fg', fit('NOTE', 8))} ${tag(null, fit(notification.message, Math.max(0, size.width - 9 - age.length - 1)))} ${age}`;
  });
  if (alerts.length === 0) return clip(label, [tag('green-fg', 'No active alerts.'), ...notificationLines], size.height);
  // narrow panels give each alert two lines, so that its message is readable
  const twoLines = size.width < 90 && size.height >= alerts.length * 2;
  const lines = alerts.flatMap((alert) => {
    const age = formatDuration(state.now - Date.parse(alert.triggered_at));
    const head = tag(SEVERITY_STYLE[alert.severity] ?? null, fit(alert.severity.toUpperCase(), 8));
    const what = `${alert.message}${alert.run_id ? ` (${alert.run_id})` : ''}`;
    if (twoLines)
      return [
        `${head} ${tag('bold', fit(alert.rule_name, Math.max(0, size.width - 9 - age.length - 1)))} ${age}`,
        `  ${tag(null, fit(what, Math.max(0, size.width - 2)).trimEnd())}`,
      ];
    return [`${head} ${tag(null, fit(`${alert.rule_name}: ${what}`, Math.max(0, size.width - 9 - age.length - 1)))} ${age}`];
  });
  return clip(label, [...lines, ...notificationLines], size.height);
}

/** Alerts come first, so it is the notifications that give way to `… N more`. */
function clip(label: string, lines: string[], height: number): PanelView {
  if (lines.length > height && height > 0) return { label, lines: [...lines.slice(0, height - 1), `… ${lines.length - height + 1} more`] };
  return { label, lines };
}

/** For the small tier (no alerts panel): `2 alerts` for the status line, or null. */
export function alertsSummary(state: DashState): string | null {
  const count = state.alerts?.length ?? 0;
  return count === 0 ? null : `${count} alert${count === 1 ? '' : 's'}`;
}
