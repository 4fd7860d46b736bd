import type { AlertFinding, AlertRecord, AlertRuleRecord } from './alerting.js';

export type AlertAction =
  | { kind: 'fire'; finding: AlertFinding }
  | { kind: 'repeat'; alert: AlertRecord; finding: AlertFinding }
  | { kind: 'update'; alert: AlertRecord; finding: AlertFinding }
  | { kind: 'resolve'; alert: AlertRecord };

/**
 * One evaluation step of one rule, pure: given what the rule finds now, the keys pending since when,
 * and the rule's open alerts, say what to do. Fires after `for_seconds`, repeats unacknowledged
 * alerts every `repeat_interval_seconds`, resolves alerts whose condition is gone.
 */
export function stepRule(
  rule: AlertRuleRecord,
  findings: readonly AlertFinding[],
  pendingSince: Map<string, number>,
  openAlerts: readonly AlertRecord[],
  now: number,
): AlertAction[] {
  const actions: AlertAction[] = [];
  const found = new Map(findings.map((finding) => [finding.key, finding]));
  for (const key of [...pendingSince.keys()]) if (!found.has(key)) pendingSince.delete(key);
  for (const [key, finding] of found) {
    const open = openAlerts.find((alert) => alert.key === key);
    if (open) {
      const due = open.status === 'active' && now - Date.parse(open.last_notified_at ?? open.triggered_at) >= rule.repeat_interval_seconds * 1000;
      actions.push(due ? { kind: 'repeat', alert: open, finding } : { kind: 'update', alert: open, finding });
      continue;
    }
    const since = pendingSince.get(key) ?? now;
    pendingSince.set(key, since);
    if (now - since >= rule.for_seconds * 1000) {
      pendingSince.delete(key);
      actions.push({ kind: 'fire', finding });
    }
  }
  for (const alert of openAlerts) if (!found.has(alert.key)) actions.push({ kind: 'resolve', alert });
  return actions;
}
